"""The committee's read models over real logs, on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, date, datetime

from click.testing import CliRunner

from cxzy_saas import wiring
from cxzy_saas.application.commands.committee import OpenCampaign
from cxzy_saas.application.commands.organisation import FormGroup
from cxzy_saas.application.commands.plans import (
    DecidePlan,
    DiscussPlan,
    DraftPlan,
    FinalisePlan,
    SubmitPlan,
)
from cxzy_saas.application.commands.work import AssessMonth
from cxzy_saas.application.manifests import TENANTS_DIR, load_manifest
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.cli import main
from cxzy_saas.config import Settings
from cxzy_saas.demo.build import build_demo
from cxzy_saas.domain.recording import SimulatedClock
from cxzy_saas.projections import queries
from cxzy_saas.projections.asof import replay
from tests.builders import a_clerk, a_committee_admin, a_member
from tests.conftest import random_code
from tests.integration.test_campaign_year import PLAN, YEAR


def demo(settings: Settings, branches: int = 2) -> Tenancy:
    tenancy = Tenancy(settings)
    build_demo(tenancy, load_manifest(TENANTS_DIR / "demo.toml"), branches=branches, seed=3)
    return tenancy


def test_leaderboards_match_each_branchs_own_ranking(demo_settings):
    tenancy = demo(demo_settings)
    try:
        db = wiring.open_read_model(tenancy)
        stats = wiring.projector(tenancy, db).rebuild()
        assert stats.events == sum(r["head"] for r in wiring.projector(tenancy, db).status())
        members = queries.board_rows(db, "demo", YEAR, "member")
        for code in ("b01", "b02"):
            own = {r.subject: r.composite for r in tenancy.branch(code).ranking(YEAR)["member"]}
            assert {r["id"]: r["composite"] for r in members if r["branch"] == code} == own
        composites = [r["composite"] for r in members]
        assert composites == sorted(composites, reverse=True)
        for i, row in enumerate(members):  # competition ranking: 1, 1, 3
            same = [r for r in members if r["composite"] == row["composite"]]
            assert row["rank"] == members.index(same[0]) + 1, i
        branches = queries.board_rows(db, "demo", YEAR, "branch")
        assert [r["code"] for r in branches] and {r["code"] for r in branches} == {"b01", "b02"}
        # what the committee still has to decide: branch measures sent up and not acknowledged
        pending = {(a["branch"], a["subject"]) for a in queries.approvals(db, "demo")}
        expected = set()
        for code in ("b01", "b02"):
            for m in tenancy.branch(code).measures(YEAR):
                decided = tenancy.committee("demo").decision(code, "measure", str(m.id), 1)
                if m.reported_to == "committee" and decided is None:
                    expected.add((code, str(m.id)))
        assert pending == expected
        # as of a day before any assessment, nobody has a work score yet
        with replay(
            wiring.read_port(tenancy), wiring.read_models(tenancy), date(YEAR, 1, 20), index=db
        ) as early:
            assert all(r["work"] is None for r in queries.board_rows(early, "demo", YEAR, "member"))
    finally:
        tenancy.close()


def test_leaderboard_json_is_byte_identical_and_branches_see_only_their_rows(tmp_path):
    data = str(tmp_path / "var")
    CliRunner().invoke(
        main, ["demo", "--no-serve", "--branches", "2", "--data-dir", data], catch_exceptions=False
    )
    CliRunner().invoke(main, ["project", "rebuild", "--data-dir", data], catch_exceptions=False)
    args = [
        "leaderboard",
        "--campaign",
        str(YEAR),
        "--level",
        "member",
        "--format",
        "json",
        "--data-dir",
        data,
    ]
    first = CliRunner().invoke(main, args, catch_exceptions=False).output
    second = CliRunner().invoke(main, args, catch_exceptions=False).output
    assert first == second
    board = json.loads(first)
    assert (board["campaign"], board["level"], board["as_of"]) == (YEAR, "member", None)
    assert {"rank", "id", "name", "composite"} <= set(board["rows"][0])
    past = (
        CliRunner().invoke(main, [*args, "--as-of", f"{YEAR}-06-30"], catch_exceptions=False).output
    )
    assert (
        json.loads(past)["as_of"] == f"{YEAR}-06-30" and json.loads(past)["rows"] != board["rows"]
    )
    bad = CliRunner().invoke(main, [*args[:-2], "--as-of", "30/06", "--data-dir", data])
    assert bad.exit_code != 0 and "not a date" in bad.output
    later = CliRunner().invoke(main, [*args[:-2], "--as-of", "2999-01-01", "--data-dir", data])
    assert later.exit_code != 0 and "is after today" in later.output


def test_overdue_work_and_plans_waiting_for_approval(settings):
    clock = SimulatedClock(datetime(YEAR, 1, 2, 1, tzinfo=UTC))
    tenancy = Tenancy(settings, clock)
    try:
        committee, code, late = random_code("c"), random_code("b"), random_code("b")
        tenancy.add_committee(committee, "党委")
        tenancy.add_branch(committee, code, "按时支部")
        tenancy.add_branch(committee, late, "拖延支部")
        admin = a_committee_admin(committee)
        tenancy.committee(committee).open_campaign(admin, OpenCampaign(year=YEAR, title="活动"))
        tenancy.committee(committee).draft_plan(
            admin, DraftPlan(year=YEAR, drafter="组织部", content=PLAN)
        )
        for branch in (code, late):
            app, clerk = tenancy.branch(branch), a_clerk(branch)
            app.form_group(clerk, FormGroup(code="g1", name="一组"))
            app.enrol_members(clerk, [a_member("M1"), a_member("M2", "李强")])
            app.draft_plan(clerk, DraftPlan(year=YEAR, drafter="组织委员", content=PLAN))
        on_time = tenancy.branch(code)
        clock.set(datetime(YEAR, 1, 6, 2, tzinfo=UTC))  # the steps are recorded once taken
        on_time.discuss_plan(
            a_clerk(code), DiscussPlan(year=YEAR, on=date(YEAR, 1, 5), minutes="讨论")
        )
        on_time.finalise_plan(a_clerk(code), FinalisePlan(year=YEAR, on=date(YEAR, 1, 6)))
        on_time.submit_plan(a_clerk(code), SubmitPlan(year=YEAR, on=date(YEAR, 1, 6)))
        clock.set(datetime(YEAR, 3, 3, tzinfo=UTC))
        for month in (1, 2):
            on_time.assess_month(
                a_clerk(code),
                AssessMonth(
                    year=YEAR,
                    month=month,
                    level="member",
                    scores={"M1": {"A": 5, "C": 5}, "M2": {"A": 5, "C": 5}},
                ),
            )
            on_time.assess_month(
                a_clerk(code),
                AssessMonth(year=YEAR, month=month, level="group", scores={"g1": {"G": 5}}),
            )
        tenancy.branch(late).assess_month(
            a_clerk(late),
            AssessMonth(year=YEAR, month=1, level="member", scores={"M1": {"A": 5, "C": 5}}),
        )
        db = wiring.open_read_model(tenancy)
        wiring.projector(tenancy, db).catch_up()
        found = {
            (o["branch"], o["kind"], o["period"], o["missing"])
            for o in queries.overdue(db, committee, YEAR, date(YEAR, 3, 20))
        }
        assert found == {
            (late, "monthly-assessment", f"{YEAR}-01", 2),  # M2 and the group
            (late, "monthly-assessment", f"{YEAR}-02", 3),
            (late, "plan-not-submitted", str(YEAR), 1),
        }
        waiting = queries.approvals(db, committee)
        assert [(w["branch"], w["kind"], w["subject"]) for w in waiting] == [
            (code, "plan", str(YEAR))
        ]
        tenancy.committee(committee).decide_plan(
            admin, DecidePlan(branch=code, year=YEAR, outcome="approved")
        )
        wiring.projector(tenancy, db).catch_up()
        assert queries.approvals(db, committee) == []
    finally:
        tenancy.close()


def test_the_running_projector_picks_up_a_new_event_within_a_second(settings):
    import threading
    import time

    tenancy = Tenancy(settings)
    stop = threading.Event()
    runner = threading.Thread()
    try:
        committee = random_code("c")
        tenancy.add_committee(committee, "党委")
        db = wiring.open_read_model(tenancy)
        runner = threading.Thread(
            target=wiring.projector(tenancy, wiring.open_read_model(tenancy)).run,
            kwargs={"interval": 0.2, "stop": stop.is_set},
        )
        runner.start()
        branch = random_code("b")
        tenancy.add_branch(committee, branch, "新支部")
        committed = time.perf_counter()
        seen = None
        while time.perf_counter() - committed < 5:
            with db.read() as tx:
                if tx.query("SELECT 1 FROM rm_tenants WHERE tenant = ?", (branch,)):
                    seen = time.perf_counter() - committed
                    break
            time.sleep(0.02)
        assert seen is not None and seen < 1.0
    finally:
        stop.set()
        if runner.is_alive():
            runner.join(10)
        tenancy.close()


def test_an_interrupted_rebuild_is_completed_by_the_next_run(tmp_path):
    tenancy = demo(Settings(data_dir=tmp_path / "var"))
    try:
        db = wiring.open_read_model(tenancy)
        calls = []

        def die_after_first_batch(n: int) -> None:
            calls.append(n)
            raise KeyboardInterrupt  # the operator pressed Ctrl-C

        with contextlib.suppress(KeyboardInterrupt):
            wiring.projector(tenancy, db, batch_size=200).rebuild(die_after_first_batch)
        assert calls and queries.board_rows(db, "demo", YEAR, "member") == []
        wiring.projector(tenancy, db, batch_size=200).run(interval=0, stop=lambda: True)
        clean = open_read_model_at(tenancy, tmp_path / "clean.sqlite3")
        assert queries.dump(db) == queries.dump(clean)
    finally:
        tenancy.close()


def open_read_model_at(tenancy: Tenancy, path) -> object:
    from cxzy_saas.projections.db import SQLiteReadModel

    clean = SQLiteReadModel(path)
    wiring.projector(tenancy, clean).rebuild()
    return clean
