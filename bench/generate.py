"""A generated committee for benchmarks: N branches, a full campaign year, about 2,500 events
per branch, written through the domain aggregates (every event validated) but saved in large
transactions instead of one command at a time, so that 200 branches take seconds, not minutes.

For thousands of branches (``Templates``), the first few branches of each cell are written so and
every later one copies one of them: its own registration and opening are real events, and the
template's stored events follow, inserted as they are through the branch's own recorder in one
transaction (its ``copy_events``: no aggregate, no encoding). A copy's sealed personal fields name
the template's key, in the same cell, so they open as the template's do.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from typing import Any

from eventsourcing.persistence import StoredEvent

from cxzy_saas.application.catalogue import default_plan_content
from cxzy_saas.application.commands.committee import OpenCampaign
from cxzy_saas.application.commands.plans import DraftPlan
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.config import DEFAULT_CELL
from cxzy_saas.demo.names import unique_names
from cxzy_saas.domain.ballot import Ballot, code_hash
from cxzy_saas.domain.organisation import Group, Member
from cxzy_saas.domain.plan import Plan, PlanContent
from cxzy_saas.domain.recording import Actor, SimulatedClock, recording
from cxzy_saas.domain.scoring import GRADES
from cxzy_saas.domain.work import Assessment, DailyRecord, Inspection, Measure, month_period

YEAR = 2026
COMMITTEE = "bench"


class Templates:
    """Per cell, the stored events of the branches written through the domain so far (after
    their opening), up to ``distinct``; later branches of the cell copy them in turn."""

    def __init__(self, distinct: int) -> None:
        self.distinct = distinct
        self.by_cell: dict[str, list[list[StoredEvent]]] = {}
        self.copies = 0


def generate(
    tenancy: Tenancy,
    branches: int,
    seed: int = 1,
    members: int = 15,
    records: int = 140,
    code: str = COMMITTEE,
    cell: str = DEFAULT_CELL,
    templates: Templates | None = None,
) -> int:
    """A committee ``code`` in ``cell`` with ``branches`` branches (codes ``<code>b0001``…
    unless the committee is the default one, whose branches are ``b0001``…); the events
    written. With ``templates``, branches beyond its ``distinct`` per cell are copies."""
    rng = random.Random(seed)
    clock = SimulatedClock(datetime(YEAR, 1, 2, 1, tzinfo=UTC))
    tenancy.clock = clock
    admin = Actor("admin", "committee-admin", code)
    tenancy.add_committee(code, "基准测试党委", cell=cell)
    committee = tenancy.committee(code)
    committee.open_campaign(admin, OpenCampaign(year=YEAR, title=f"{YEAR}年度创先争优活动"))
    committee.draft_plan(
        admin, DraftPlan(year=YEAR, drafter="组织部", content=default_plan_content())
    )
    content = PlanContent.parse(default_plan_content())
    codes = [
        f"b{b:04d}" if code == COMMITTEE else f"{code}b{b:04d}" for b in range(1, branches + 1)
    ]
    # one look at the deployment's codes for all of them (not a scan per branch)
    tenancy.add_branches(code, [(b, f"第{i}党支部") for i, b in enumerate(codes, 1)])
    total = committee.head()
    made = None if templates is None else templates.by_cell.setdefault(cell, [])
    for branch in codes:
        app = tenancy.branch(branch)
        opened = app.head()
        if made is not None and templates is not None and len(made) >= templates.distinct:
            template = made[templates.copies % len(made)]
            templates.copies += 1
            app.recorder.copy_events(template)  # type: ignore[attr-defined]
            total += app.head()
            continue
        total += write_branch(tenancy, clock, branch, content, rng, members, records)
        clock.set(datetime(YEAR, 1, 2, 1, tzinfo=UTC))
        if made is not None:
            made.append(
                [
                    StoredEvent(n.originator_id, n.originator_version, n.topic, n.state)
                    for n in app.recorder.select_notifications(opened + 1, 10**7)
                ]
            )
    return total


def write_branch(
    tenancy: Tenancy,
    clock: SimulatedClock,
    code: str,
    content: PlanContent,
    rng: random.Random,
    members: int,
    records: int,
) -> int:
    app = tenancy.branch(code)
    clerk = Actor(f"{code}-clerk", "branch-clerk", code)
    strength = rng.uniform(0.3, 0.95)

    def at(day: date) -> None:
        clock.set(datetime(day.year, day.month, day.day, 2, tzinfo=UTC))

    with recording(code, clerk, clock):
        at(date(YEAR, 1, 4))
        groups = [Group.form(f"g{i}", f"第{i}党小组") for i in (1, 2, 3)]
        names = unique_names(rng, members)
        people = [
            Member.enrol(
                f"{code.upper()}{i:03d}", names[i], "full", groups[i % 3].id, date(2005, 7, 1)
            )
            for i in range(members)
        ]
        plan = Plan.draft(YEAR, default_plan_content(), "组织委员")
        at(date(YEAR, 1, 8))  # the plan's steps are dated from its draft up to today
        plan.record_discussion(date(YEAR, 1, 5), "支委会讨论")
        plan.circulate("全体党员", date(YEAR, 1, 6))
        plan.record_comment("第一党小组", "同意", date(YEAR, 1, 7))
        plan.finalise(date(YEAR, 1, 8))
        plan.submit(date(YEAR, 1, 8))
        app.save(*groups, *people, plan)
        quality = {m.member_no: min(1.0, 0.5 * strength + 0.5 * rng.random()) for m in people}

        at(date(YEAR, 2, 3))
        measures = []
        for m in people:
            for text in ("每月参加志愿服务", "完成一项业务攻关"):
                measure = Measure.file(
                    YEAR,
                    "member",
                    m.member_no,
                    [rng.randint(1, 6)],
                    text,
                    date(YEAR, 11, 30),
                    content,
                )
                measure.report("group", date(YEAR, 2, 3))
                measures.append(measure)
        app.save(*measures)

        for month in range(1, 13):
            at(date(YEAR, month, 28) if month == 12 else date(YEAR, month + 1, rng.randint(2, 12)))
            batch: list[Any] = []
            for m in people:
                points = {
                    i.code: round(
                        min(1.0, max(0.0, rng.gauss(0.35 + 0.6 * quality[m.member_no], 0.1)))
                        * i.max_points
                        * 2
                    )
                    / 2
                    for i in content.items_for("member")
                }
                batch.append(
                    Assessment.assess(
                        YEAR,
                        month_period(YEAR, month),
                        "member",
                        m.member_no,
                        points,
                        content,
                        1,
                        date(YEAR, month, 28),
                    )
                )
            for g in groups:
                points = {
                    i.code: round(strength * i.max_points) for i in content.items_for("group")
                }
                batch.append(
                    Assessment.assess(
                        YEAR,
                        month_period(YEAR, month),
                        "group",
                        g.code,
                        points,
                        content,
                        1,
                        date(YEAR, month, 28),
                    )
                )
            for m in people:
                for _ in range(records // 12):
                    day = date(YEAR, month, rng.randint(1, 28))
                    batch.append(
                        DailyRecord.record(
                            YEAR,
                            day,
                            "member",
                            m.member_no,
                            rng.randint(1, 6),
                            "参加志愿服务",
                            "",
                            content,
                        )
                    )
            if month % 3 == 0:
                batch.append(
                    Inspection.record(
                        YEAR,
                        month // 3,
                        date(YEAR, month, 28),
                        "已检查",
                        "差距",
                        "薄弱环节",
                        "改进措施",
                    )
                )
            if month == 11:
                for measure in measures:
                    if rng.random() < 0.3 + 0.6 * strength:
                        measure.complete(date(YEAR, 11, 20))
                batch += measures
            app.save(*batch)

        at(date(YEAR, 12, 5))
        ballot_id = rng.getrandbits(128)
        from uuid import UUID

        bid = UUID(int=ballot_id, version=4)
        codes = [f"C{code}{i:04d}" for i in range(members + 8)]
        key = b"bench ballot codes"  # the generator bypasses the application and its keys
        ballot = Ballot.open(
            bid,
            YEAR,
            "年终民主测评",
            [{"level": "member", "subject": m.member_no} for m in people],
            {
                "members": [code_hash(key, c) for c in codes[:members]],
                "constituents": [code_hash(key, c) for c in codes[members:]],
            },
            date(YEAR, 12, 5),
            salt="00" * 16,
            short=f"BENCH{code}"[:10],
            key_check="00" * 8,
        )
        sheets: dict[str, list[str]] = {}
        for c in codes[: members + 5]:
            pool, sheet = ballot.spend(
                code_hash(key, c),
                {
                    f"member:{m.member_no}": GRADES[
                        min(
                            3,
                            int(rng.gauss(1.5 - quality[m.member_no] * 1.5, 0.6))
                            if rng.random() < 0.9
                            else 1,
                        )
                    ]
                    for m in people
                },
            )
            sheets.setdefault(pool, []).append(sheet)
        for found in sheets.values():
            rng.shuffle(found)
        ballot.close(date(YEAR, 12, 5), sheets)  # counted the day it opened
        app.save(ballot)
    return app.head()
