"""One score per subject (decision 0012), as a property over generated years: plans revised,
returned and approved mid-year, assessments recorded under whichever version was in force,
corrections, committee assessments of the branch, ballots at and around the turnout limit,
measures, late members with nothing to score. Every surface that shows a number shows the
same one for every subject: the committee's boards (kept up incrementally, rebuilt, replayed
as of now), the branch's own ranking, the advice recorded with its shortlist, the archive's
scores.json and board.json, and the audit diff."""

from __future__ import annotations

import contextlib
import copy
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cxzy_saas import wiring
from cxzy_saas.application.commands.committee import AssessBranch, OpenCampaign
from cxzy_saas.application.commands.evaluation import (
    CastBallot,
    CloseBallot,
    OpenBallot,
    Shortlist,
)
from cxzy_saas.application.commands.organisation import EnrolMember, FormGroup
from cxzy_saas.application.commands.plans import (
    DecidePlan,
    DiscussPlan,
    DraftPlan,
    FinalisePlan,
    RevisePlan,
    SubmitPlan,
)
from cxzy_saas.application.commands.work import (
    AssessMonth,
    CompleteMeasure,
    CorrectScore,
    FileMeasure,
)
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.audit.diff import diff
from cxzy_saas.audit.logs import committee_logs
from cxzy_saas.config import Settings
from cxzy_saas.domain.errors import DomainError
from cxzy_saas.domain.plan import SUBMITTED
from cxzy_saas.domain.recording import SimulatedClock
from cxzy_saas.projections.asof import replay
from cxzy_saas.projections.db import SQLiteReadModel
from cxzy_saas.projections.queries import board_rows
from tests.builders import a_clerk, a_committee_admin, a_member
from tests.integration.test_campaign_year import PLAN, YEAR

COMMITTEE, BRANCH, EMPTY = "c1", "b1", "b2"  # b2 has nobody: an unrated branch
MEMBERS = ["M1", "M2", "M3", "M4"]
FIELDS = ("work", "rating", "target", "composite", "band", "status")


def variant(n: int) -> dict[str, Any]:
    """Plan versions that score differently: item weights and maxima, an item replaced,
    composite weights, and limits written as fractions or as an earlier plan's decimals."""
    content = copy.deepcopy(PLAN)
    items = {i["code"]: i for i in content["items"]}
    if n == 1:
        items["A"]["weight"] = 3
        content["composite_weights"] = {"work": 50, "rating": 40, "target": 10}
        content["rules"]["min_turnout"] = "2/3"
    elif n == 2:
        items["C"]["max_points"] = 20
        content["rules"].update(min_turnout=0.6667, veto_incompetent_share="1/4")
    elif n == 3:
        items["C"].update(code="D", title="服务群众", weight=2)
        content["rules"]["veto_min_trust"] = "2/3"
    return content


points = st.sampled_from([0, 2.5, 5, 7.5, 10])
grades = st.sampled_from(["excellent", "competent", "basic", "incompetent"])
operation = st.one_of(
    st.tuples(st.just("assess"), st.integers(1, 11), st.lists(points, min_size=8, max_size=8)),
    st.tuples(st.just("correct"), st.integers(1, 11), st.sampled_from(MEMBERS), points),
    st.tuples(st.just("group"), st.integers(1, 11), points),
    st.tuples(st.just("branch"), st.integers(1, 4), points),
    st.tuples(st.just("plan"), st.integers(0, 3), st.booleans()),
    st.tuples(
        st.just("ballot"),
        st.lists(grades, min_size=5, max_size=5),
        st.sampled_from([(3, 2), (3, 1), (6, 4), (4, 4)]),  # (issued, cast): 2/3 exactly, ...
    ),
    st.tuples(st.just("measure"), st.sampled_from(MEMBERS), st.booleans()),
    st.just(("enrol",)),
    st.tuples(st.just("project"), st.integers(1, 9)),
)


def in_force_items(tenancy: Tenancy, level: str) -> list[Any]:
    content, _ = tenancy.branch(BRANCH).plan_content(YEAR)
    return content.items_for(level)


def plan_step(tenancy: Tenancy, clock: SimulatedClock, n: int, approve: bool) -> None:
    """One step of the plan's workflow: revise or submit a draft, decide a submission, answer
    a return with a new version."""
    app, clerk, today = tenancy.branch(BRANCH), a_clerk(BRANCH), clock().date()
    plan = app.plan(YEAR)
    if plan.status != SUBMITTED:
        if n:
            app.revise_plan(clerk, RevisePlan(year=YEAR, content=variant(n), note="修改"))
        app.discuss_plan(clerk, DiscussPlan(year=YEAR, on=today, minutes="支委会讨论"))
        app.finalise_plan(clerk, FinalisePlan(year=YEAR, on=today))
        app.submit_plan(clerk, SubmitPlan(year=YEAR, on=today))
    elif app.plan_decision(YEAR) is None:
        outcome = "approved" if approve else "returned"
        tenancy.committee(COMMITTEE).decide_plan(
            a_committee_admin(COMMITTEE),
            DecidePlan(branch=BRANCH, year=YEAR, outcome=outcome, reason="请细化"),
        )
    else:  # returned: answer it with a new version
        app.revise_plan(clerk, RevisePlan(year=YEAR, content=variant(n), note="按退回意见修改"))


def apply(tenancy: Tenancy, clock: SimulatedClock, op: tuple, state: dict) -> None:
    app, clerk, kind = tenancy.branch(BRANCH), a_clerk(BRANCH), op[0]
    today = clock().date()
    if kind in ("assess", "group"):
        month = op[1]
        clock.set(max(clock(), datetime(YEAR, month + 1, 3, tzinfo=UTC)))
        level = "member" if kind == "assess" else "group"
        items = in_force_items(tenancy, level)
        values = op[2] if kind == "assess" else [op[2]]
        subjects = [m.member_no for m in app.members()] if kind == "assess" else ["g1"]
        scores = {
            s: {item.code: values[(i + j) % len(values)] for j, item in enumerate(items)}
            for i, s in enumerate(subjects)
        }
        app.assess_month(clerk, AssessMonth(year=YEAR, month=month, level=level, scores=scores))
    elif kind == "correct":
        assessment = app.assessment(YEAR, op[1], "member", op[2])
        app.correct_score(
            clerk,
            CorrectScore(
                year=YEAR,
                month=op[1],
                level="member",
                subject=op[2],
                item=sorted(assessment.scores)[0],
                points=op[3],
                reason="复核更正",
            ),
        )
    elif kind == "branch":
        clock.set(max(clock(), datetime(YEAR, 3 * op[1], 28, tzinfo=UTC)))
        tenancy.committee(COMMITTEE).assess_branch(
            a_committee_admin(COMMITTEE),
            AssessBranch(
                branch=BRANCH, year=YEAR, quarter=op[1], scores={"B": op[2]}, on=clock().date()
            ),
        )
    elif kind == "plan":
        plan_step(tenancy, clock, op[1], op[2])
    elif kind == "ballot":
        issued, cast = op[2]
        subjects = [{"level": "member", "subject": m.member_no} for m in app.members()][:4]
        subjects.append({"level": "group", "subject": "g1"})
        ballot, codes = app.open_ballot(
            clerk,
            OpenBallot(
                year=YEAR, title="测评", subjects=subjects, codes={"members": issued}, on=today
            ),
        )
        for code in codes["members"][:cast]:
            app.cast_ballot(
                CastBallot(
                    ballot_id=ballot,
                    code=code,
                    grades={
                        f"{s['level']}:{s['subject']}": op[1][i] for i, s in enumerate(subjects)
                    },
                )
            )
        app.close_ballot(clerk, CloseBallot(ballot_id=ballot, on=today))
    elif kind == "measure":
        measure = app.file_measure(
            clerk,
            FileMeasure(
                year=YEAR, level="member", subject=op[1], criteria=[1], text="措施", due=today
            ),
        )
        if op[2]:
            app.complete_measure(clerk, CompleteMeasure(measure_id=measure, on=today))
    elif kind == "enrol":
        number = f"M{len(app.members(include_left=True)) + 1}"
        app.enrol_members(
            clerk, [EnrolMember(member_no=number, name=f"新党员{number}", group="g1")]
        )
    elif kind == "project":
        wiring.projector(tenancy, state["live"], batch_size=op[1]).catch_up()
    clock.set(clock() + timedelta(hours=7))


def numbers(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[f] for f in FIELDS)


def of_board(rows: list[dict[str, Any]], key: str = "id") -> dict[str, tuple[Any, ...]]:
    return {r[key]: numbers(r) for r in rows if r.get("branch", r.get("code")) == BRANCH}


# The year of the issue: January assessed under the first draft; the plan submitted, returned,
# revised (item A weighs 3, weights 50/40/10, turnout limit 2/3) and approved; February under
# the approved version; January corrected; a ballot at exactly two thirds turnout; a member
# with nothing to score; the committee's assessment of the branch.
THE_ISSUES_YEAR = [
    ("assess", 1, [10, 5, 7.5, 2.5, 0, 10, 5, 7.5]),
    ("group", 1, 7.5),
    ("plan", 0, False),
    ("plan", 0, False),
    ("plan", 1, True),
    ("plan", 0, True),
    ("plan", 0, True),
    ("assess", 2, [5, 10, 2.5, 7.5, 10, 0, 7.5, 5]),
    ("correct", 1, "M1", 2.5),
    ("ballot", ["excellent", "competent", "basic", "incompetent", "competent"], (3, 2)),
    ("measure", "M2", True),
    ("enrol",),
    ("branch", 1, 7.5),
    ("project", 3),
]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(ops=THE_ISSUES_YEAR)
@given(st.lists(operation, min_size=3, max_size=16))
def test_every_surface_shows_the_same_score_for_every_subject(ops):
    with tempfile.TemporaryDirectory() as tmp:
        clock = SimulatedClock(datetime(YEAR, 1, 2, 1, tzinfo=UTC))
        tenancy = Tenancy(Settings(data_dir=Path(tmp) / "var"), clock)
        try:
            admin, clerk = a_committee_admin(COMMITTEE), a_clerk(BRANCH)
            tenancy.add_committee(COMMITTEE, "党委")
            tenancy.add_branch(COMMITTEE, BRANCH, "第一支部")
            tenancy.add_branch(COMMITTEE, EMPTY, "第二支部")
            committee = tenancy.committee(COMMITTEE)
            committee.open_campaign(admin, OpenCampaign(year=YEAR, title="活动"))
            committee.draft_plan(admin, DraftPlan(year=YEAR, drafter="组织部", content=PLAN))
            app = tenancy.branch(BRANCH)
            app.form_group(clerk, FormGroup(code="g1", name="一组"))
            app.enrol_members(clerk, [a_member(m, f"党员{m}") for m in MEMBERS])
            app.draft_plan(clerk, DraftPlan(year=YEAR, drafter="组织委员", content=PLAN))
            state = {"live": SQLiteReadModel(Path(tmp) / "live.sqlite3")}
            for op in ops:
                with contextlib.suppress(DomainError):  # a refused command writes nothing
                    apply(tenancy, clock, op, state)

            # the branch's own ranking (the advice beside its shortlist)
            ranking = app.ranking(YEAR)
            own = {
                level: {r.subject: numbers(r.as_dict()) for r in rows}
                for level, rows in ranking.items()
            }
            # the advice recorded with a shortlist
            first = ranking["member"][0].subject
            app.shortlist(
                clerk,
                Shortlist(
                    year=YEAR, entries=[{"level": "member", "subject": first, "reason": "推举"}]
                ),
            )
            advised = app.nomination(YEAR).ranking
            assert {r["subject"]: numbers(r) for r in advised["member"]} == own["member"]
            assert {r["subject"]: numbers(r) for r in advised["group"]} == own["group"]

            # the committee's boards: incremental, rebuilt, and as of now
            live = state["live"]
            wiring.projector(tenancy, live, batch_size=4).catch_up()
            clean = SQLiteReadModel(Path(tmp) / "clean.sqlite3")
            wiring.projector(tenancy, clean).rebuild()
            day = clock().date() + timedelta(days=1)
            with replay(
                wiring.read_port(tenancy), wiring.read_models(tenancy), day, index=clean
            ) as as_of:
                models = {"live": live, "rebuilt": clean, "as of now": as_of}
                boards = {
                    name: {
                        level: board_rows(db, COMMITTEE, YEAR, level)
                        for level in ("branch", "group", "member")
                    }
                    for name, db in models.items()
                }
            for name, board in boards.items():
                for level in ("group", "member"):
                    assert of_board(board[level]) == own[level], (name, level)
                    # the board's ranks among the rated equal the branch's own (b2 has nobody)
                    assert {r["id"]: r["rank"] for r in board[level]} == {
                        r.subject: r.rank for r in ranking[level]
                    }
                assert board["branch"] == boards["rebuilt"]["branch"], name
            branch_rows = {r["code"]: r for r in boards["rebuilt"]["branch"]}
            assert branch_rows[EMPTY]["status"] == "unrated"
            assert branch_rows[EMPTY]["rank"] is None and branch_rows[EMPTY]["band"] is None

            # the archive: scores.json and board.json re-derived from the sealed events
            committee.seal_archive(admin, BRANCH, YEAR, on_demand=True)
            files = committee.export_archive(admin, BRANCH, YEAR, with_pdf=False)
            scores = orjson.loads(files["scores.json"])["levels"]
            for level in ("group", "member"):
                assert {r["subject"]: numbers(r) for r in scores[level]} == own[level]
            carried = orjson.loads(files["board.json"])["levels"]
            for level in ("group", "member"):
                assert of_board(carried[level]) == own[level]
            assert of_board(carried["branch"], "code") == of_board(
                boards["rebuilt"]["branch"], "code"
            )

            # the audit diff: every row added since before the year began, as the board shows
            port = wiring.read_port(tenancy)
            changes = diff(
                port, committee_logs(port, COMMITTEE), COMMITTEE, YEAR, date(YEAR - 1, 12, 1), day
            )
            for level in ("branch", "group", "member"):
                after = {
                    c["subject"]: c["after"]
                    for c in changes["boards"][level]
                    if c["branch"] == BRANCH
                }
                shown = {
                    r.get("id", r.get("code")): r
                    for r in boards["rebuilt"][level]
                    if r.get("branch", r.get("code")) == BRANCH
                }
                assert set(after) == set(shown), level
                for subject, row in after.items():
                    assert numbers(row) == numbers(shown[subject]), (level, subject)
        finally:
            tenancy.close()
