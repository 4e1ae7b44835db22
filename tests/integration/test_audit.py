"""Replayable audits over a real demo year with corrections recorded after the year end.

The year: the seeded two-branch demo (2026), then on 12 January 2027 a clerk corrects the
scores of the lowest ranked member of b02 for the last months, lowers one score of b01's best
member, and retracts one of the b02 member's daily records. The ranking the committee saw at
the year end is taken from the live read model before any of that is written.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cxzy_saas import wiring
from cxzy_saas.application.commands.organisation import EraseMember
from cxzy_saas.application.commands.work import CorrectScore, RetractRecord
from cxzy_saas.application.manifests import TENANTS_DIR, load_manifest
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.audit import diff as diff_module
from cxzy_saas.audit import replay
from cxzy_saas.audit.diff import diff
from cxzy_saas.audit.logs import Log, committee_logs, positions_at
from cxzy_saas.audit.replay import LEVELS, replay_campaign, replayed
from cxzy_saas.audit.trail import resolve, trail
from cxzy_saas.cli import main
from cxzy_saas.config import Settings
from cxzy_saas.demo.build import CHINA, build_demo
from cxzy_saas.domain.organisation import ERASED_NAME
from cxzy_saas.domain.recording import Actor, SimulatedClock
from cxzy_saas.logs.port import Logs
from cxzy_saas.projections import queries
from tests.builders import a_clerk

YEAR = 2026
YEAR_END = date(YEAR, 12, 31)
TODAY = date(YEAR + 1, 1, 12)  # when the corrections are recorded


@dataclass
class AuditedYear:
    settings: Settings
    tenancy: Tenancy
    before: dict[str, list[dict[str, Any]]]  # the boards at the year end, before corrections
    raised: str  # the b02 member whose scores were raised
    lowered: str  # the b01 member one of whose scores was lowered

    @property
    def port(self) -> Logs:
        return wiring.read_port(self.tenancy)

    def logs(self) -> dict[str, Log]:
        return committee_logs(self.port, "demo")


def boards(db: Any) -> dict[str, list[dict[str, Any]]]:
    return {level: queries.board_rows(db, "demo", YEAR, level) for level in LEVELS}


def build_year(settings: Settings, *, record_boards: bool = False) -> AuditedYear:
    """The demo year, then corrections after its end (the same for every store)."""
    tenancy = Tenancy(settings)
    build_demo(tenancy, load_manifest(TENANTS_DIR / "demo.toml"), branches=2, seed=3)
    before: dict[str, list[dict[str, Any]]] = {}
    if record_boards:
        live = wiring.open_read_model(tenancy)
        wiring.projector(tenancy, live).catch_up()
        before = boards(live)
    tenancy.clock = SimulatedClock(datetime.combine(TODAY, time(10), tzinfo=CHINA))
    b02, b01 = tenancy.branch("b02"), tenancy.branch("b01")
    raised = b02.ranking(YEAR)["member"][-1].subject
    lowered = b01.ranking(YEAR)["member"][0].subject
    content, _ = b02.plan_content(YEAR)
    for month in (10, 11, 12):
        scores = b02.assessment(YEAR, month, "member", raised).scores
        for item in content.items_for("member"):
            if scores[item.code] != item.max_points:
                b02.correct_score(
                    a_clerk("b02"),
                    CorrectScore(
                        year=YEAR,
                        month=month,
                        level="member",
                        subject=raised,
                        item=item.code,
                        points=item.max_points,
                        reason="年终复核:漏记加分",
                    ),
                )
    first = next(i for i in b01.assessment(YEAR, 12, "member", lowered).scores.items() if i[1])
    b01.correct_score(
        a_clerk("b01"),
        CorrectScore(
            year=YEAR,
            month=12,
            level="member",
            subject=lowered,
            item=first[0],
            points=0,
            reason="复核:不应加分",
        ),
    )
    record = next(r for r in b02.daily_records(YEAR) if r.subject == raised and r.retracted is None)
    b02.retract_record(a_clerk("b02"), RetractRecord(record_id=record.id, reason="记载有误,撤回"))
    return AuditedYear(settings, tenancy, before, raised, lowered)


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuditedYear]:
    built = build_year(
        Settings(data_dir=tmp_path_factory.mktemp("audit") / "var"), record_boards=True
    )
    yield built
    built.tenancy.close()


def test_the_year_end_replay_reproduces_the_ranking_from_before_the_corrections(year):
    logs = year.logs()
    with replayed(year.port, logs, positions_at(logs, YEAR_END)) as db:
        assert boards(db) == year.before
    # the same rows as the live as-of view, `cxzy leaderboard --as-of`
    live_asof = queries.leaderboard(
        year.port,
        wiring.read_models(year.tenancy),
        YEAR,
        "member",
        "demo",
        YEAR_END.isoformat(),
    )
    assert live_asof["rows"] == year.before["member"]
    with replayed(year.port, logs, positions_at(logs, TODAY)) as db:
        today = boards(db)
    live = wiring.open_read_model(year.tenancy)
    wiring.projector(year.tenancy, live).catch_up()
    assert today == boards(live)  # today's replay shows the corrected ranking
    assert today != year.before

    def member(rows: list[dict[str, Any]], no: str) -> dict[str, Any]:
        return next(r for r in rows if r["id"] == no)

    old, new = member(year.before["member"], year.raised), member(today["member"], year.raised)
    assert new["composite"] > old["composite"] and new["rank"] < old["rank"]
    assert (
        member(today["member"], year.lowered)["work"]
        < member(year.before["member"], year.lowered)["work"]
    )
    own = {r.subject: r.composite for r in year.tenancy.branch("b02").ranking(YEAR)["member"]}
    assert {r["id"]: r["composite"] for r in today["member"] if r["branch"] == "b02"} == own


def test_the_diff_between_the_year_end_and_today_names_the_corrections(year):
    logs = year.logs()
    result = diff(year.port, logs, "demo", YEAR, YEAR_END, TODAY)
    corrected = [
        e
        for log in logs.values()
        for e in log.events
        if e.name == "Assessment.ScoreCorrected" and e.day == TODAY
    ]
    assert result["events"] == len(corrected) + 1  # and the retraction, nothing else
    assert result["events_by_type"] == {
        "Assessment.ScoreCorrected": len(corrected),
        "DailyRecord.Retracted": 1,
    }
    rows = {(r["branch"], r["subject"]): r for r in result["boards"]["member"]}
    raised = rows[("b02", year.raised)]
    assert {"composite", "work", "rank"} <= set(raised["fields"])
    ours = [e.ref for e in corrected if e.tenant == "b02"]
    assert [c["ref"] for c in raised["causes"]] == ours
    assert all(c["event"] == "Assessment.ScoreCorrected" for c in raised["causes"])
    assert [c["ref"] for c in rows[("b01", year.lowered)]["causes"]] == [
        e.ref for e in corrected if e.tenant == "b01"
    ]
    for row in rows.values():  # everyone else only moved in rank: no cause of their own
        if row["subject"] not in (year.raised, year.lowered):
            assert row["fields"] == ["rank"] and row["causes"] == []
    branches = {r["subject"]: r for r in result["boards"]["branch"]}
    assert {c["ref"] for c in branches["b02"]["causes"]} == set(ours)
    periods = {(s["subject"], s["period"]): s for s in result["scores"]}
    assert {p for s, p in periods if s == year.raised} == {f"{YEAR}-{m}" for m in (10, 11, 12)}
    assert all(s["after"] > s["before"] for (n, _), s in periods.items() if n == year.raised)
    # every correction, with what it corrects
    kinds = {c["event"] for c in result["corrections"]}
    assert kinds == {"Assessment.ScoreCorrected", "DailyRecord.Retracted"}
    events = {e.ref: e for log in logs.values() for e in log.events}
    for c in result["corrections"]:
        target = events[c["corrects"]]
        assert target.aggregate == events[c["ref"]].aggregate
        assert target.name in ("Assessment.Recorded", "DailyRecord.Recorded")
        assert c["actor"]["role"] == "branch-clerk" and c["recorded_at"].startswith("2027-01-12")
    only_groups = diff(year.port, logs, "demo", YEAR, YEAR_END, TODAY, ("group",))
    assert only_groups["boards"] == {"group": []} and only_groups["scores"] == []


def test_a_members_trail_links_each_correction_to_what_it_corrects(year):
    logs = year.logs()
    branch, committee = logs["b02"], logs["demo"]
    entries = trail(branch, committee, resolve(branch, committee, year.raised))
    refs = {e["ref"]: e for e in entries}
    assert [e["recorded_at"] for e in entries] == sorted(e["recorded_at"] for e in entries)
    assert entries[0]["event"] == "Member.Enrolled"
    corrections = [e for e in entries if e["event"] == "Assessment.ScoreCorrected"]
    assert corrections and all(c["actor"]["user"] == "b02-clerk" for c in corrections)
    for c in corrections:
        corrected = refs[c["corrects"]]
        assert c["ref"] in corrected["corrected_by"] and corrected["aggregate"] == c["aggregate"]
        assert c["effective"] in {f"{YEAR}-{m}" for m in (10, 11, 12)}
    retraction = next(e for e in entries if e["event"] == "DailyRecord.Retracted")
    assert refs[retraction["corrects"]]["event"] == "DailyRecord.Recorded"
    assert retraction["effective"] == refs[retraction["corrects"]]["effective"]
    assert {"Assessment.Recorded", "Measure.Filed", "Ballot.Closed"} <= {
        e["event"] for e in entries
    }
    assert "Ballot.CodeSpent" not in {e["event"] for e in entries}


def test_the_digest_is_the_same_every_time(year):
    logs = year.logs()
    first = replay_campaign(year.port, logs, "demo", YEAR, YEAR_END)
    again = replay_campaign(year.port, year.logs(), "demo", YEAR, YEAR_END)
    assert first.digest == again.digest and first.dump == again.dump
    today = replay_campaign(year.port, logs, "demo", YEAR, TODAY)
    assert today.digest != first.digest
    assert today.summary["events"] == sum(len(log.events) for log in logs.values())
    assert first.summary["events"] < today.summary["events"]


def test_the_digest_is_the_same_on_sqlite_and_postgresql(year, demo_settings):
    other = build_year(demo_settings)
    try:
        expected = {
            day: replay_campaign(year.port, year.logs(), "demo", YEAR, day).digest
            for day in (date(YEAR, 6, 30), YEAR_END, TODAY)
        }
        for day, digest in expected.items():
            assert replay_campaign(other.port, other.logs(), "demo", YEAR, day).digest == digest
        # An erasure (PIPL) later on leaves every past digest as it was: names are personal
        # data, not facts of the moment, and the digest leaves them out.
        secretary = Actor(user="b02-secretary", role="branch-secretary", tenant="b02")
        other.tenancy.branch("b02").erase_member(
            secretary, EraseMember(member_no=other.raised, reason="本人申请删除个人信息")
        )
        after = replay_campaign(other.port, other.logs(), "demo", YEAR, YEAR_END)
        assert after.digest == expected[YEAR_END]
        assert ERASED_NAME.encode() not in after.dump
    finally:
        other.tenancy.close()


# the command line


def cli(year: AuditedYear, *args: str) -> Any:
    return CliRunner().invoke(main, ["audit", *args, "--data-dir", str(year.settings.data_dir)])


def test_audit_replay_prints_the_digest_and_a_summary(year, tmp_path: Path):
    dump = tmp_path / "dump.json"
    args = ["replay", "--campaign", str(YEAR), "--as-of", YEAR_END.isoformat()]
    result = cli(year, *args, "--format", "json", "--dump", str(dump))
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    expected = replay_campaign(year.port, year.logs(), "demo", YEAR, YEAR_END)
    assert summary["digest"] == expected.digest and dump.read_bytes() == expected.dump
    assert {log["tenant"] for log in summary["logs"]} == {"_registry", "demo", "b01", "b02"}
    b02 = next(log for log in summary["logs"] if log["tenant"] == "b02")
    assert b02["position"] < b02["head"]  # the corrections lie after the year end
    table = cli(year, *args)
    assert table.exit_code == 0 and f"digest sha256:{expected.digest}" in table.output


def test_audit_diff_and_trail_on_the_command_line(year):
    result = cli(
        year,
        "diff",
        "--campaign",
        str(YEAR),
        "--from",
        YEAR_END.isoformat(),
        "--to",
        TODAY.isoformat(),
        "--level",
        "member",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert list(found["boards"]) == ["member"] and found["corrections"]
    table = cli(year, "diff", "--campaign", str(YEAR), "--from", "2026-12-31", "--to", "2027-01-12")
    assert table.exit_code == 0 and "Assessment.ScoreCorrected" in table.output
    shown = cli(year, "trail", "--branch", "b02", "--subject", year.raised, "--format", "json")
    assert shown.exit_code == 0, shown.output
    body = json.loads(shown.output)
    assert body["subject"]["kind"] == "member" and body["subject"]["id"] == year.raised
    assert any(e["corrects"] for e in body["events"])
    enrolled = next(e for e in body["events"] if "name" in e["fields"])
    assert enrolled["fields"]["name"] == "(personal data, not shown)"  # no lookup marker
    assert cli(year, "trail", "--branch", "b02", "--subject", "b02").exit_code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["trail", "--branch", "b02", "--subject", "NOBODY"], "no member, group or aggregate"),
        (["trail", "--branch", "b09", "--subject", "B09001"], "branch b09 not found"),
        (["replay", "--campaign", "2030", "--as-of", "2030-01-01"], "no campaign 2030"),
        (["replay", "--campaign", str(YEAR), "--as-of", "31/12"], "not a date"),
        (
            ["diff", "--campaign", str(YEAR), "--from", "2027-01-12", "--to", "2026-12-31"],
            "must not be after",
        ),
    ],
)
def test_bad_requests_end_with_a_message_and_no_traceback(year, args, message):
    result = cli(year, *args)
    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


@pytest.mark.parametrize(("start", "end"), [(date(YEAR, 6, 30), TODAY), (YEAR_END, TODAY)])
def test_the_diff_is_the_one_a_whole_replay_gives_byte_for_byte(
    year: AuditedYear, monkeypatch: pytest.MonkeyPatch, start: date, end: date
) -> None:
    """The diff's replay is scoped (events read once, other years' records left out, no branch
    lists): across the corrections and the retraction after the year end it still answers
    what a replay of every event, read from the store again, answers."""
    logs = year.logs()
    scoped = diff(year.port, logs, "demo", YEAR, start, end)
    with monkeypatch.context() as patched:
        patched.setattr(
            diff_module,
            "replayed_in_turn",
            lambda port, logs, moments, **_: replay.replayed_in_turn(port.port, logs, moments),
        )
        whole = diff(year.port, logs, "demo", YEAR, start, end)
    assert repr(scoped) == repr(whole)
    assert scoped["corrections"]
