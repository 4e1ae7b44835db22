"""The demo committee: a trusted back-fill of campaign years, deterministic per seed.

Every action is put on a timeline at the moment a real branch would have recorded it, and the
timeline is played in order on a simulated clock, so as-of views of the demo show the year
unfolding. The clock never passes the cut-off (``until``; the command line's is the real now):
what would come later is left out, as a real committee has not done it yet. A past year is
closed after its last step and every branch's archive of it sealed. Randomness comes from
``random.Random`` seeded from ``seed``; the same seed (and cut-off) gives the same logs.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone

from cxzy_saas.application.accounts import HASHER
from cxzy_saas.application.commands.committee import (
    CloseCampaign,
    Grant,
    LinkMember,
    RegisterUser,
)
from cxzy_saas.application.commands.organisation import (
    ConfirmFullMembership,
    EnrolMember,
    FormGroup,
    GiveRole,
    MoveMember,
    RecordDeparture,
)
from cxzy_saas.application.manifests import BranchSpec, Manifest
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.demo.committee import schedule_committee_year
from cxzy_saas.demo.names import unique_names
from cxzy_saas.demo.year import BranchYear
from cxzy_saas.domain.recording import Actor, SimulatedClock
from cxzy_saas.storage.personal import derived_keys

CHINA = timezone(timedelta(hours=8))
EXTRA_GROUP_NAMES = ("第一党小组", "第二党小组", "第三党小组", "第四党小组")


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=CHINA).astimezone(UTC)


@dataclass(order=True)
class Step:
    moment: datetime
    order: int
    label: str = field(compare=False)
    run: Callable[[], object] = field(compare=False)


@dataclass
class DemoReport:
    tenants: int = 0
    events: int = 0
    steps: int = 0
    users: list[tuple[str, str, str]] = field(default_factory=list)
    years: list[YearReport] = field(default_factory=list)

    def year(self, year: int) -> YearReport:
        return next(y for y in self.years if y.year == year)


class Timeline:
    def __init__(self) -> None:
        self.steps: list[Step] = []

    def add(self, moment: datetime, label: str, run: Callable[[], object]) -> None:
        self.steps.append(Step(moment, len(self.steps), label, run))

    def play(self, clock: SimulatedClock, progress: Callable[[str], None]) -> int:
        self.steps.sort()
        for step in self.steps:
            clock.set(step.moment)
            step.run()
            progress(step.label)
        return len(self.steps)


def branch_specs(manifest: Manifest, count: int | None, rng: random.Random) -> list[BranchSpec]:
    """The manifest's branches, cut or extended with generated ones to ``count``."""
    specs = list(manifest.branches)
    if count is None:
        return specs
    for n in range(len(specs) + 1, count + 1):
        groups = rng.randint(2, 4)
        specs.append(
            BranchSpec(
                code=f"b{n:02d}",
                name=f"第{n}党支部",
                groups=list(EXTRA_GROUP_NAMES[:groups]),
                members=rng.randint(8, 20),
                strength=round(rng.uniform(0.3, 0.95), 2),
            )
        )
    return specs[:count]


DEMO_PASSWORD = "demo"  # demo only: printed at start and documented in the README
SURNAMES = (
    "王李刘陈杨赵黄吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶"
)


def demo_users(
    tenancy: Tenancy, committee: str, specs: list[BranchSpec]
) -> list[tuple[str, str, str]]:
    """admin, viewer, auditor for the committee; <code>-secretary, <code>-clerk, <code>-leader
    (a group leader) and <code>-member (a member, linked to a member number once enrolled) per
    branch."""
    users = [
        ("admin", "committee-admin", committee),
        ("viewer", "committee-viewer", committee),
        ("auditor", "auditor", committee),
    ]
    for spec in specs:
        users += [
            (f"{spec.code}-secretary", "branch-secretary", spec.code),
            (f"{spec.code}-clerk", "branch-clerk", spec.code),
            (f"{spec.code}-leader", "group-leader", spec.code),
            (f"{spec.code}-member", "member", spec.code),
        ]
    app = tenancy.committee(committee)
    system = Actor(user="system", role="system", tenant=committee)
    shared_hash = HASHER.hash(DEMO_PASSWORD)
    # The names pages show for the accounts (an audit trail's 记录人), as colleagues call
    # each other: a surname and a title (not unique; the username is).
    shown = {"admin": "张主任", "viewer": "钱干事", "auditor": "周审计"}
    titles = (("secretary", "书记"), ("clerk", "委员"), ("leader", "组长"), ("member", "同志"))
    for k, spec in enumerate(specs):
        for j, (suffix, title) in enumerate(titles):
            surname = SURNAMES[(len(titles) * k + j) % len(SURNAMES)]
            shown[f"{spec.code}-{suffix}"] = f"{surname}{title}"
    for username, role, tenant in users:
        account = RegisterUser(
            username=username, display_name=shown[username], password=DEMO_PASSWORD
        )
        app.register_user(system, account, shared_hash)
        # A group leader's grant names the group they lead: given once groups are formed
        # (demo/work.py, ``WorkYear.assessments``).
        if role != "group-leader":
            app.grant(system, Grant(username=username, role=role, tenant=tenant))
    return users


def clerk(branch: str) -> Actor:
    return Actor(user=f"{branch}-clerk", role="branch-clerk", tenant=branch)


@dataclass(frozen=True)
class DemoYear:
    """One campaign year of the demo: played up to the cut-off, then closed (and every
    branch's archive sealed) when ``close`` says so and the close falls before the cut-off."""

    year: int
    close: bool = False


@dataclass
class YearReport:
    year: int
    steps: int = 0  # steps played
    later: int = 0  # steps left out: they would fall after the cut-off
    closed_on: date | None = None
    sealed: int = 0


def build_demo(
    tenancy: Tenancy,
    manifest: Manifest,
    *,
    branches: int | None = None,
    seed: int = 7,
    year: int = 2026,
    close: bool = False,
    until: datetime | None = None,
    progress: Callable[[str], None] = lambda _: None,
    count_steps: Callable[[int], None] = lambda _: None,
) -> DemoReport:
    """One campaign year, whole (or up to ``until``), left open unless ``close``."""
    return build_years(
        tenancy,
        manifest,
        [DemoYear(year, close)],
        branches=branches,
        seed=seed,
        until=until,
        progress=progress,
        count_steps=count_steps,
    )


def years_for(now: datetime, year: int | None = None) -> list[DemoYear]:
    """What a committee has at ``now``: by default the last complete year, closed, and the
    current one (open); one year when ``year`` is given, closed when it is past.

    Raises:
        ValueError: ``year`` lies in the future, or is this one and its first day of work (2
            January, when the demo registers the committee) is still to come.
    """
    this = now.astimezone(CHINA).year
    if year is None:
        return [DemoYear(this - 1, close=True), DemoYear(this)]
    if year > this or (year == this and now < at(date(this, 1, 2), 9)):
        raise ValueError(f"{year} has not begun: the demo records nothing after now ({this})")
    return [DemoYear(year, close=year < this)]


def build_demo_today(
    tenancy: Tenancy,
    manifest: Manifest,
    now: datetime,
    *,
    year: int | None = None,
    branches: int | None = None,
    seed: int = 7,
    progress: Callable[[str], None] = lambda _: None,
    count_steps: Callable[[int], None] = lambda _: None,
) -> DemoReport:
    """The demo as a real committee would hold it at ``now`` (see :func:`years_for`); nothing
    is recorded after ``now``."""
    return build_years(
        tenancy,
        manifest,
        years_for(now, year),
        branches=branches,
        seed=seed,
        until=now,
        progress=progress,
        count_steps=count_steps,
    )


def build_years(
    tenancy: Tenancy,
    manifest: Manifest,
    years: list[DemoYear],
    *,
    branches: int | None = None,
    seed: int = 7,
    until: datetime | None = None,
    progress: Callable[[str], None] = lambda _: None,
    count_steps: Callable[[int], None] = lambda _: None,
) -> DemoReport:
    """Consecutive campaign years on one timeline, played up to ``until`` (None: all of it).

    The committee, its branches, users and members are registered at the start of the first
    year; each later year's members are those who did not leave before it. A year to close is
    closed the week after its last step (late assessments included), then every branch's
    archive of it is sealed, unless that would fall after ``until``."""
    rng = random.Random(seed)
    specs = branch_specs(manifest, branches, rng)
    first = years[0].year
    clock = SimulatedClock(at(date(first, 1, 2), 9))
    tenancy.clock = clock
    timeline = Timeline()
    report = DemoReport()

    def provision() -> None:
        tenancy.add_committee(manifest.code, manifest.name)
        for spec in specs:
            tenancy.add_branch(manifest.code, spec.code, spec.name)
        report.users = demo_users(tenancy, manifest.code, specs)

    timeline.add(at(date(first, 1, 2), 9), "登记党委和党支部", provision)

    def adder(prefix: str) -> Callable[[date, int, str, Callable[[], object]], None]:
        return lambda day, hour, label, run: timeline.add(at(day, hour), f"{prefix}{label}", run)

    weakest = min(specs, key=lambda s: s.strength).code
    left: dict[str, frozenset[str]] = {s.code: frozenset() for s in specs}
    owner: list[int] = []  # the demo year of each step
    for n, demo_year in enumerate(years):
        year = demo_year.year
        # The first year draws as a one-year demo always has (same seed, same logs).
        key = "" if n == 0 else f"/{year}"
        schedule_committee_year(
            tenancy, manifest.code, specs, year, random.Random(f"{seed}/c{key}"), adder("")
        )
        for spec in specs:
            rng = random.Random(f"{seed}{key}/{spec.code}")
            if n == 0:
                left[spec.code] = plan_organisation(timeline, tenancy, spec, rng, year)
            BranchYear(
                tenancy,
                manifest.code,
                spec,
                year,
                rng,
                adder(f"{spec.name}:"),
                spec.code == weakest,
                left=left[spec.code] if n else frozenset(),
            ).schedule()
        owner += [year] * (len(timeline.steps) - len(owner))
        if demo_year.close:
            last = max(s.moment for s, y in zip(timeline.steps, owner, strict=True) if y == year)
            schedule_close(timeline, tenancy, manifest.code, specs, year, last, report)
            owner += [year] * (len(timeline.steps) - len(owner))

    played = [
        (step, y)
        for step, y in zip(timeline.steps, owner, strict=True)
        if until is None or step.moment <= until
    ]
    kept = {id(step) for step, _ in played}
    for demo_year in years:
        mine = [s for s, y in zip(timeline.steps, owner, strict=True) if y == demo_year.year]
        report.years.append(
            YearReport(
                demo_year.year,
                steps=sum(id(s) in kept for s in mine),
                later=sum(id(s) not in kept for s in mine),
            )
        )
    timeline.steps = [step for step, _ in played]
    count_steps(len(timeline.steps))
    with derived_keys(f"cxzy-demo/{seed}"):  # demo people: same seed, same (sealed) logs
        report.steps = timeline.play(clock, progress)
    report.tenants = 1 + len(specs)
    report.events = tenancy.committee(manifest.code).head() + sum(
        tenancy.branch(s.code).head() for s in specs
    )
    return report


def schedule_close(
    timeline: Timeline,
    tenancy: Tenancy,
    committee: str,
    specs: list[BranchSpec],
    year: int,
    last: datetime,
    report: DemoReport,
) -> None:
    """The committee closes the year the week after its last step, then seals each branch's
    archive of it (``cxzy archive seal``: after the close, not on demand)."""
    admin = Actor(user="admin", role="committee-admin", tenant=committee)
    closing = at(last.astimezone(CHINA).date() + timedelta(days=7), 10)
    on = closing.astimezone(CHINA).date()

    def close() -> None:
        tenancy.committee(committee).close_campaign(admin, CloseCampaign(year=year, on=on))
        report.year(year).closed_on = on

    def seal(branch: str) -> None:
        tenancy.committee(committee).seal_archive(admin, branch, year)
        report.year(year).sealed += 1

    timeline.add(closing, f"党委结束{year}年度创先争优活动", close)
    for n, spec in enumerate(specs):
        timeline.add(
            closing + timedelta(minutes=10 + n),
            f"{spec.name}：封存{year}年度档案",
            functools.partial(seal, spec.code),
        )


def plan_organisation(
    timeline: Timeline, tenancy: Tenancy, spec: BranchSpec, rng: random.Random, year: int
) -> frozenset[str]:
    """Groups, members and roles at the start of the year; a few changes later on. Returns
    the member numbers of those who leave during the year."""
    code = spec.code
    actor = clerk(code)
    group_codes = [f"g{i + 1}" for i in range(len(spec.groups))]
    names = unique_names(rng, spec.members)
    numbers = [f"{code.upper()}{i + 1:03d}" for i in range(spec.members)]
    groups_of = [group_codes[i % len(group_codes)] for i in range(spec.members)]
    # The last two members are kept for a move and a departure later in the year.
    probationary = {n for n in numbers[2:-2] if rng.random() < 0.15}

    def organise() -> None:
        app = tenancy.branch(code)
        for gcode, gname in zip(group_codes, spec.groups, strict=True):
            app.form_group(actor, FormGroup(code=gcode, name=gname))
        app.enrol_members(
            actor,
            [
                EnrolMember(
                    member_no=no,
                    name=name,
                    status="probationary" if no in probationary else "full",
                    group=group,
                    joined_on=date(rng.randint(1975, year - 1), rng.randint(1, 12), 1),
                    gender=rng.choice("男女"),
                )
                for no, name, group in zip(numbers, names, groups_of, strict=True)
            ],
        )

    def appoint() -> None:
        app = tenancy.branch(code)
        on = date(year, 1, 5)
        app.give_role(actor, GiveRole(member_no=numbers[0], role="secretary", on=on))
        app.give_role(actor, GiveRole(member_no=numbers[1], role="organiser", on=on))
        for gcode in group_codes:
            leader = next(n for n, g in zip(numbers, groups_of, strict=True) if g == gcode)
            app.give_role(actor, GiveRole(member_no=leader, role="group-leader", on=on))
        # The demo's member account is the branch's third member (who also leads a group; the
        # account's role is member, so it acts on that member's own measures and summary only).
        committee = tenancy.committee(tenancy.parent_of(code))
        system = Actor(user="system", role="system", tenant=committee.tenant)
        link = LinkMember(username=f"{code}-member", branch=code, member_no=numbers[2])
        committee.link_member(system, link)

    timeline.add(at(date(year, 1, 4), 9, 30), f"{spec.name}：组建党小组、登记党员", organise)
    timeline.add(at(date(year, 1, 5), 15), f"{spec.name}：任命书记、组织委员和党小组长", appoint)

    def confirm(no: str, day: date) -> None:
        tenancy.branch(code).confirm_full_membership(
            actor, ConfirmFullMembership(member_no=no, on=day)
        )

    for no in sorted(probationary):
        day = date(year, rng.randint(3, 10), rng.randint(1, 28))
        timeline.add(
            at(day, 16),
            f"{spec.name}:{no} 预备党员转正",
            functools.partial(confirm, no, day),
        )
    if len(group_codes) > 1 and spec.members > 3:
        mover = numbers[-1]
        target = next(g for g in group_codes if g != groups_of[-1])
        moved = date(year, rng.randint(3, 6), rng.randint(1, 28))
        # its own name: a lambda reads ``day`` when it runs, after the leaver's took it over
        timeline.add(
            at(moved, 11),
            f"{spec.name}:{mover} 调整党小组",
            lambda: tenancy.branch(code).move_member(
                actor, MoveMember(member_no=mover, group=target, on=moved)
            ),
        )
    if rng.random() < 0.5 and spec.members > 8:
        leaver = numbers[-2]
        day = date(year, rng.randint(7, 10), rng.randint(1, 28))
        timeline.add(
            at(day, 14),
            f"{spec.name}:{leaver} 组织关系转出",
            lambda: tenancy.branch(code).record_departure(
                actor, RecordDeparture(member_no=leaver, reason="组织关系转出", on=day)
            ),
        )
        return frozenset({leaver})
    return frozenset()
