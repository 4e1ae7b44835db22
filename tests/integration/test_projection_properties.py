"""For random campaign histories: the read models kept up incrementally (in batches of any
size, caught up at any moments), a rebuild from zero, and an as-of replay at "now" are equal;
and the leaderboard rows equal the ranking the branch itself computes."""

from __future__ import annotations

import contextlib
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxzy_saas import wiring
from cxzy_saas.application.commands.committee import OpenCampaign
from cxzy_saas.application.commands.evaluation import CastBallot, CloseBallot, OpenBallot
from cxzy_saas.application.commands.organisation import FormGroup, RecordDeparture
from cxzy_saas.application.commands.plans import DraftPlan
from cxzy_saas.application.commands.work import (
    AssessMonth,
    CompleteMeasure,
    CorrectScore,
    FileMeasure,
    RecordDaily,
    ReportMeasure,
    RetractRecord,
)
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.config import Settings
from cxzy_saas.domain.errors import DomainError
from cxzy_saas.domain.recording import SimulatedClock
from cxzy_saas.projections.asof import replay
from cxzy_saas.projections.db import LISTS, SQLiteReadModel
from cxzy_saas.projections.queries import board_rows, dump
from tests.builders import a_clerk, a_committee_admin, a_member
from tests.integration.test_campaign_year import PLAN, YEAR

MEMBERS = ["M1", "M2", "M3", "M4"]
points = st.sampled_from([0, 2.5, 5, 7.5, 10])
operation = st.one_of(
    st.tuples(st.just("assess"), st.integers(1, 6), st.lists(points, min_size=8, max_size=8)),
    st.tuples(st.just("correct"), st.integers(1, 6), st.sampled_from(MEMBERS), points),
    st.tuples(st.just("measure"), st.sampled_from(MEMBERS), st.booleans()),
    st.tuples(st.just("complete"), st.integers(0, 20)),
    st.tuples(st.just("leave"), st.sampled_from(MEMBERS)),
    st.tuples(
        st.just("ballot"),
        st.lists(
            st.sampled_from(["excellent", "competent", "basic", "incompetent"]),
            min_size=4,
            max_size=4,
        ),
        st.integers(0, 3),
    ),
    st.tuples(st.just("record"), st.sampled_from(MEMBERS), st.booleans()),
    st.tuples(st.just("project"), st.integers(1, 7)),
)


def apply(
    tenancy: Tenancy, clock: SimulatedClock, committee: str, code: str, op: tuple, state: dict
) -> None:
    app, clerk = tenancy.branch(code), a_clerk(code)
    kind = op[0]
    if kind == "assess":
        month = op[1]
        clock.set(max(clock(), datetime(YEAR, month + 1, 3, tzinfo=UTC)))
        scores = {m: {"A": op[2][2 * i], "C": op[2][2 * i + 1]} for i, m in enumerate(MEMBERS)}
        app.assess_month(
            clerk,
            AssessMonth(
                year=YEAR,
                month=month,
                level="member",
                scores={m: s for m, s in scores.items() if app.member(m).active},
            ),
        )
    elif kind == "correct":
        app.correct_score(
            clerk,
            CorrectScore(
                year=YEAR,
                month=op[1],
                level="member",
                subject=op[2],
                item="A",
                points=op[3],
                reason="复核更正",
            ),
        )
    elif kind == "measure":
        state.setdefault("measures", []).append(
            app.file_measure(
                clerk,
                FileMeasure(
                    year=YEAR,
                    level="member",
                    subject=op[1],
                    criteria=[1],
                    text="措施",
                    due=date(YEAR, 12, 1),
                ),
            )
        )
        if op[2]:
            app.report_measure(
                clerk,
                ReportMeasure(measure_id=state["measures"][-1], to="group", on=clock().date()),
            )
    elif kind == "complete":
        measures = state.get("measures", [])
        if measures:
            app.complete_measure(
                clerk,
                CompleteMeasure(measure_id=measures[op[1] % len(measures)], on=clock().date()),
            )
    elif kind == "leave":
        app.record_departure(
            clerk, RecordDeparture(member_no=op[1], reason="调离", on=clock().date())
        )
    elif kind == "ballot":
        active = [m for m in MEMBERS if app.member(m).active]
        ballot, codes = app.open_ballot(
            clerk,
            OpenBallot(
                year=YEAR,
                title="测评",
                subjects=[{"level": "member", "subject": m} for m in active],
                codes={"members": 4},
                on=clock().date(),
            ),
        )
        for code_ in codes["members"][: op[2] + 1]:
            app.cast_ballot(
                CastBallot(
                    ballot_id=ballot,
                    code=code_,
                    grades={f"member:{m}": op[1][i] for i, m in enumerate(active)},
                )
            )
        app.close_ballot(clerk, CloseBallot(ballot_id=ballot, on=clock().date()))
    elif kind == "record":
        record = app.record_daily(
            clerk,
            RecordDaily(
                year=YEAR, on=clock().date(), level="member", subject=op[1], text="志愿服务"
            ),
        )
        if op[2]:
            app.retract_record(clerk, RetractRecord(record_id=record, reason="撤回"))
    elif kind == "project":
        wiring.projector(tenancy, state["live"], batch_size=op[1]).catch_up()
    clock.set(clock() + timedelta(hours=7))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operation, min_size=1, max_size=14))
def test_incremental_rebuild_and_as_of_now_agree(ops):
    with tempfile.TemporaryDirectory() as tmp:
        clock = SimulatedClock(datetime(YEAR, 1, 2, 1, tzinfo=UTC))
        tenancy = Tenancy(Settings(data_dir=Path(tmp) / "var"), clock)
        try:
            committee, code = "c1", "b1"
            tenancy.add_committee(committee, "党委")
            tenancy.add_branch(committee, code, "支部")
            admin, clerk = a_committee_admin(committee), a_clerk(code)
            tenancy.committee(committee).open_campaign(admin, OpenCampaign(year=YEAR, title="活动"))
            tenancy.committee(committee).draft_plan(
                admin, DraftPlan(year=YEAR, drafter="组织部", content=PLAN)
            )
            app = tenancy.branch(code)
            app.form_group(clerk, FormGroup(code="g1", name="一组"))
            app.enrol_members(clerk, [a_member(m, f"党员{m}") for m in MEMBERS])
            app.draft_plan(clerk, DraftPlan(year=YEAR, drafter="组织委员", content=PLAN))
            state = {"live": SQLiteReadModel(Path(tmp) / "live.sqlite3")}
            for op in ops:
                # a refused command writes nothing; the models must still agree
                with contextlib.suppress(DomainError):
                    apply(tenancy, clock, committee, code, op, state)
            live = state["live"]
            wiring.projector(tenancy, live, batch_size=3).catch_up()
            clean = SQLiteReadModel(Path(tmp) / "clean.sqlite3")
            wiring.projector(tenancy, clean).rebuild()
            assert dump(live) == dump(clean)
            with replay(
                wiring.read_port(tenancy),
                wiring.read_models(tenancy),
                clock().date() + timedelta(days=1),
                index=clean,
            ) as as_of:
                # the same rows, but for the branch lists, which are read live only
                replayed, rebuilt = dump(as_of), dump(clean)
                assert all(replayed[t] == [] for t in LISTS)
                assert replayed == {
                    **rebuilt,
                    **{t: [] for t in LISTS},
                    "rm_tracking": replayed["rm_tracking"],
                }
                assert board_rows(as_of, committee, YEAR, "member") == board_rows(
                    clean, committee, YEAR, "member"
                )
            expected = {r.subject: r.composite for r in app.ranking(YEAR)["member"]}
            assert {
                r["id"]: r["composite"] for r in board_rows(clean, committee, YEAR, "member")
            } == expected
        finally:
            tenancy.close()
