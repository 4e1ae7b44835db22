"""Latency of a branch's lists (records, measures, members, groups, inspections, deeds, annual
summaries, nominations) through the API, from the read models.

    .venv/bin/python bench/list_latency.py [--postgres ADMIN_URL] [--data-dir DIR]
                                           [--years 5] [--members 40] [--per-week 3]
                                           [--requests 300] [--before]

Generates, unless there already, one committee with one branch of ``--members`` members and
``--years`` campaign years with ``--per-week`` daily records a week for each member (5 × 40 × 3:
31,200 records) and two measures a member a year, written through the domain aggregates in
large transactions, with deed materials of every member and group, an annual summary and a
submitted nomination a year; projects it; then signs in as the branch's secretary and times
``GET /api/v1/branches/<b>/records``, ``/measures``, ``/members``, ``/groups``,
``/inspections`` (four a year), ``/deeds``, ``/annual-summaries`` and ``/nominations`` through
the Flask test client (the whole route: token, tenant, query schema, freshness check, SQL,
response schema, JSON), over a mix of years, pages and filters. Prints p50/p95/max per list
and overall. ``--before`` also times the way main answered (replaying every record aggregate of
the year, then paging in Python) and prints the ratio. SQLite by default (a folder under bench/out);
``--postgres`` makes (once) and uses a database ``cxzy_bench_lists`` beside the admin URL's.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from cxzy_saas import wiring  # noqa: E402
from cxzy_saas.application.catalogue import default_plan_content  # noqa: E402
from cxzy_saas.application.commands.committee import AddUser, OpenCampaign  # noqa: E402
from cxzy_saas.application.commands.plans import DraftPlan  # noqa: E402
from cxzy_saas.application.tenancy import Tenancy  # noqa: E402
from cxzy_saas.config import Settings  # noqa: E402
from cxzy_saas.demo.names import unique_names  # noqa: E402
from cxzy_saas.domain.commendation import AnnualSummary, DeedMaterial  # noqa: E402
from cxzy_saas.domain.evaluation import Nomination  # noqa: E402
from cxzy_saas.domain.organisation import Group, Member  # noqa: E402
from cxzy_saas.domain.plan import PlanContent  # noqa: E402
from cxzy_saas.domain.recording import Actor, SimulatedClock, recording  # noqa: E402
from cxzy_saas.domain.work import DailyRecord, Inspection, Measure  # noqa: E402

COMMITTEE, BRANCH, USER = "lists", "listsb1", "listsb1-secretary"
PASSWORD = "Bench-Lists-2026-long-passphrase"
LAST = 2026
YEARLY = ("records", "measures", "inspections", "deeds")  # the lists of one campaign year


def generate(tenancy: Tenancy, years: int, members: int, per_week: int) -> int:
    rng = random.Random(16)
    first = LAST - years + 1
    clock = SimulatedClock(datetime(first, 1, 2, 1, tzinfo=UTC))
    tenancy.clock = clock
    admin = Actor("admin", "committee-admin", COMMITTEE)
    tenancy.add_committee(COMMITTEE, "列表基准党委")
    committee = tenancy.committee(COMMITTEE)
    tenancy.add_branches(COMMITTEE, [(BRANCH, "列表基准党支部")])
    app = tenancy.branch(BRANCH)
    clerk = Actor(f"{BRANCH}-clerk", "branch-clerk", BRANCH)
    content = PlanContent.parse(default_plan_content())
    with recording(BRANCH, clerk, clock):
        groups = [Group.form(f"g{i}", f"第{i}党小组") for i in (1, 2, 3, 4)]
        names = unique_names(rng, members)
        people = [
            Member.enrol(f"L{i:03d}", names[i], "full", groups[i % 4].id, date(2005, 7, 1))
            for i in range(members)
        ]
        app.save(*groups, *people)
    words = ["参加志愿服务", "走访困难群众", "完成业务攻关", "学习党的理论", "带头开展批评"]
    written = 0
    for year in range(first, LAST + 1):
        clock.set(datetime(year, 1, 2, 1, tzinfo=UTC))
        committee.open_campaign(admin, OpenCampaign(year=year, title=f"{year}年度创先争优活动"))
        # the committee's plan, which the branch follows (it has none): its ranking needs one
        committee.draft_plan(
            admin, DraftPlan(year=year, drafter="组织部", content=default_plan_content())
        )
        with recording(BRANCH, clerk, clock):
            measures = [
                Measure.file(
                    year,
                    "member",
                    p.member_no,
                    [rng.randint(1, 6)],
                    rng.choice(words),
                    date(year, rng.randint(3, 12), 1),
                    content,
                )
                for p in people
                for _ in range(2)
            ]
            # what happened later in the year is written when it has happened (no future dates)
            clock.set(datetime(year, 12, 28, 1, tzinfo=UTC))
            for m in measures:
                if rng.random() < 0.5:
                    m.complete(min(m.due, date(year, 12, 1)))
            app.save(*measures)
            app.save(
                *(
                    Inspection.record(
                        year,
                        q,
                        date(year, 3 * q, 20),
                        f"检查措施{q}",
                        rng.choice(words),
                        "薄弱环节",
                        "改进办法",
                    )
                    for q in range(1, 5)
                )
            )
            deeds = [
                DeedMaterial.draft(year, level, subject, f"{rng.choice(words)}的事迹", [])
                for level, subject in [("group", g.code) for g in groups]
                + [("member", p.member_no) for p in people]
            ]
            for d in deeds[::2]:
                d.revise(f"{d.versions[-1]}（修改稿）", ["photo.jpg"])
            summary = AnnualSummary.file(year, "基本情况", "主要经验", "存在问题", "明年打算")
            summary.report("members-meeting", date(year, 12, 27))
            ranked = {
                "member": [
                    {"subject": p.member_no, "composite": 90.0 - i, "rank": i + 1, "veto": None}
                    for i, p in enumerate(people[:5])
                ],
                "group": [],
            }
            nomination = Nomination.shortlist(
                year,
                [{"level": "member", "subject": r["subject"]} for r in ranked["member"][:3]],
                ranked,
                {"member": 3, "group": 1},
            )
            nomination.submit(date(year, 12, 10))
            app.save(*deeds, summary, nomination)
            day = date(year, 1, 1)
            batch: list[DailyRecord] = []
            while day.year == year:
                last = min(day + timedelta(days=2 * per_week), date(year, 12, 31))
                clock.set(datetime(last.year, last.month, last.day, 2, tzinfo=UTC))
                for p in people:
                    for k in range(per_week):
                        batch.append(
                            DailyRecord.record(
                                year,
                                min(day + timedelta(days=2 * k), date(year, 12, 31)),
                                "member",
                                p.member_no,
                                rng.randint(1, 6),
                                f"{rng.choice(words)}第{rng.randint(1, 999)}次",
                                "",
                                content,
                            )
                        )
                if len(batch) >= 2000:
                    app.save(*batch)
                    written += len(batch)
                    batch = []
                day += timedelta(days=7)
            if batch:
                app.save(*batch)
                written += len(batch)
    clock.set(datetime(LAST, 12, 20, 1, tzinfo=UTC))
    committee.add_user(
        admin,
        AddUser(
            username=USER,
            display_name="书记",
            role="branch-secretary",
            tenant=BRANCH,
            password=PASSWORD,
        ),
    )
    return written


def settings_for(args: argparse.Namespace) -> Settings:
    if args.postgres:
        import psycopg

        with psycopg.connect(args.postgres, autocommit=True) as conn:
            found = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (args.database,)
            ).fetchone()
            if not found:
                conn.execute(f'CREATE DATABASE "{args.database}"')
        url = args.postgres.rsplit("/", 1)[0] + "/" + args.database
        return Settings(database_url=url, data_dir=args.data_dir)
    return Settings(data_dir=args.data_dir)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def sql_only(app: Any, queries: dict[str, list[str]], years: list[int], rng: Any) -> None:
    """The same mix read straight from the read model (``projections/lists.py``, no request
    around it): what the lists themselves cost, apart from the machine's load on the rest."""
    from urllib.parse import parse_qsl

    from cxzy_saas.projections import lists
    from cxzy_saas.web import read_model_of
    from cxzy_saas.web.api import list_args

    db = read_model_of(app, COMMITTEE)
    today = date(LAST, 12, 20)
    read = {
        "records": (
            list_args.RecordArgs,
            lambda a, f, p: lists.records(db, BRANCH, a["campaign"], f, p),
        ),
        "measures": (
            list_args.MeasureArgs,
            lambda a, f, p: lists.measures(db, BRANCH, a["campaign"], f, p, today),
        ),
        "members": (
            list_args.MemberArgs,
            lambda a, f, p: lists.members(db, BRANCH, f, p, a["include_left"]),
        ),
        "groups": (list_args.GroupArgs, lambda a, f, p: lists.groups(db, BRANCH, f, p)),
        "inspections": (
            list_args.InspectionArgs,
            lambda a, f, p: lists.inspections(db, BRANCH, a["campaign"], f, p),
        ),
        "deeds": (
            list_args.DeedArgs,
            lambda a, f, p: lists.deeds(db, BRANCH, a["campaign"], f, p),
        ),
        "annual-summaries": (
            list_args.SummaryArgs,
            lambda a, f, p: lists.summaries(db, BRANCH, f, p, a["campaign"]),
        ),
        "nominations": (
            list_args.NominationArgs,
            lambda a, f, p: lists.nominations(db, BRANCH, f, p, a["campaign"]),
        ),
    }
    took = []
    with app.app_context():
        for i in range(300):
            name = list(read)[i % len(read)]
            schema, listed = read[name]
            asked = dict(parse_qsl(rng.choice(queries[name]).lstrip("&")))
            if name in YEARLY:
                asked["campaign"] = str(rng.choice(years))
            args = schema().load(asked)
            started = time.perf_counter()
            listed(args, list_args.filters_of(args), list_args.paging_of(args))
            took.append((time.perf_counter() - started) * 1000)
    print(
        f"  the lists' SQL alone (no request): p50 {statistics.median(took):.1f} ms, "
        f"p95 {percentile(took, 95):.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", help="admin URL: uses database --database")
    parser.add_argument("--database", default="cxzy_bench_lists", help="made once, kept")
    parser.add_argument("--data-dir", type=Path, default=ROOT / "bench" / "out" / "lists")
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--members", type=int, default=40)
    parser.add_argument("--per-week", type=int, default=3)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--before", action="store_true", help="also time main's replaying list")
    args = parser.parse_args()
    if args.postgres:
        args.data_dir = args.data_dir.with_name(args.data_dir.name + "-pg")
    settings = settings_for(args)
    tenancy = Tenancy(settings)
    try:
        if COMMITTEE not in {t.code for t in wiring.read_port(tenancy).tenants()}:
            started = time.perf_counter()
            n = generate(tenancy, args.years, args.members, args.per_week)
            print(f"generated {n:,} records in {time.perf_counter() - started:.0f} s")
            started = time.perf_counter()
            wiring.projector(tenancy, wiring.open_read_model(tenancy)).rebuild()
            print(f"projected in {time.perf_counter() - started:.0f} s")
    finally:
        tenancy.close()

    from cxzy_saas.web.app import create_app

    app = create_app(
        settings, {"TESTING": True, "EMBEDDED_PROJECTOR": False, "SECRET_KEY": "bench"}
    )
    client = app.test_client()
    answer = client.post("/api/v1/auth/token", json={"username": USER, "password": PASSWORD})
    headers = {"Authorization": f"Bearer {answer.json['access_token']}"}  # type: ignore[index]
    base = f"/api/v1/branches/{BRANCH}"
    years = list(range(LAST - args.years + 1, LAST + 1))
    queries = {
        "records": [
            "",
            "&page=20",
            "&member=L007",
            "&month=6",
            "&criterion=3",
            "&group=g2",
            "&q=走访",
            "&status=standing&sort=-on",
            "&member=L011&month=3",
        ],
        "measures": ["", "&status=overdue", "&member=L003", "&status=open&sort=open", "&q=攻关"],
        "members": ["", "&group=g2", "&q=L01", "&status=full&sort=name", "&include_left=true"],
        "groups": ["", "&status=active", "&q=第2", "&sort=code"],
        "inspections": ["", "&quarter=2", "&month=8", "&q=走访", "&sort=-quarter"],
        "deeds": ["", "&member=L007", "&group=g2", "&level=group", "&q=攻关", "&sort=subject"],
        "annual-summaries": [
            "",
            "&status=unreported",
            "&q=经验",
            "&sort=year",
            f"&campaign={LAST}",
        ],
        "nominations": ["", "&member=L001", "&group=g2", "&status=submitted", f"&campaign={LAST}"],
        "rankings": [""],  # one campaign's ranking of groups and members: /rankings/<year>
    }
    # records, measures, and each of the others in turn
    mix = ["records", "records", "measures", "records", "records", "measures"]
    mix += ["members", "groups", "inspections", "deeds", "annual-summaries", "nominations"]
    mix += ["rankings"]

    def path_of(name: str, year: int, query: str) -> str:
        if name == "rankings":
            return f"{base}/rankings/{year}"
        return f"{base}/{name}?" + (f"campaign={year}" if name in YEARLY else "page=1") + query

    rng = random.Random(1)
    timings: dict[str, list[float]] = {name: [] for name in queries}
    by_query: dict[str, list[float]] = {}
    for name in timings:  # warm: connections, caches
        assert client.get(path_of(name, LAST, ""), headers=headers).status_code == 200
    for i in range(args.requests):
        name = mix[i % len(mix)]
        query = rng.choice(queries[name])
        path = path_of(name, rng.choice(years), query)
        started = time.perf_counter()
        answer = client.get(path, headers=headers)
        took = (time.perf_counter() - started) * 1000
        timings[name].append(took)
        by_query.setdefault(f"{name}?{query.lstrip('&') or '(no filter)'}", []).append(took)
        assert answer.status_code == 200, (path, answer.json)
    store = "PostgreSQL" if args.postgres else "SQLite"
    print(f"{store}: {args.years} years x {args.members} members x {args.per_week} records a week")
    everything = [t for ts in timings.values() for t in ts]
    for name, ts in [*timings.items(), ("all", everything)]:
        print(
            f"  {name:16s} n={len(ts):4d}  p50 {statistics.median(ts):6.1f} ms  "
            f"p95 {percentile(ts, 95):6.1f} ms  max {max(ts):6.1f} ms"
        )
    slowest = sorted(by_query.items(), key=lambda kv: -statistics.median(kv[1]))[:4]
    print(
        "  slowest queries (median): "
        + ", ".join(f"{q} {statistics.median(ts):.1f} ms" for q, ts in slowest)
    )
    p95 = percentile(everything, 95)
    print(f"  p95 {p95:.1f} ms against the target 20 ms: {'met' if p95 < 20 else 'NOT met'}")
    sql_only(app, queries, years, rng)
    if args.before:
        tenancy = Tenancy(settings)
        branch = tenancy.branch(BRANCH)
        slow = []
        for _ in range(3):
            started = time.perf_counter()
            found = [r for r in branch.daily_records(LAST)]
            _ = found[:50]
            slow.append((time.perf_counter() - started) * 1000)
        ranked = []
        for _ in range(3):
            started = time.perf_counter()
            branch.ranking(LAST)
            ranked.append((time.perf_counter() - started) * 1000)
        tenancy.close()
        print(
            f"  rankings before (computed from the branch's aggregates): median "
            f"{statistics.median(ranked):.0f} ms; ratio to the p50 now "
            f"{statistics.median(ranked) / statistics.median(timings['rankings']):.0f}x"
        )
        print(
            f"  before (main: replay the year's {len(found):,} records, page in Python): "
            f"median {statistics.median(slow):.0f} ms; ratio to the p50 now "
            f"{statistics.median(slow) / statistics.median(timings['records']):.0f}x"
        )


if __name__ == "__main__":
    main()
