"""Latency of the two busiest pages at 200 branches (issue 16): a branch's home (its boards,
what it sent up, its ballots) and the committee's dashboard (leaderboards of every level, the
approvals waiting, overdue work, turnout). One command:

    .venv/bin/python bench/pages_latency.py [--postgres ADMIN_URL] [--branches 200]
                                            [--members 15] [--records 140] [--requests 200]
                                            [--profile]

Generates one committee of ``--branches`` branches with a full campaign year each
(``bench/generate.py``: four branches written through the domain, the others copies of them),
projects it, then signs in through the login form, as the committee's admin and as a branch
secretary, and times ``GET /committee`` and ``GET /branch/<code>`` (random branches) through the
Flask test client: the whole request (session, grants, read model, template). Prints p50/p95/max
per page and the verdict against p95 < 100 ms. SQLite by default (a temporary folder);
``--postgres`` makes a database ``lists_bench_pages`` beside the admin URL's, and drops it after.
``--profile`` prints, for 30 requests of each page, the project's 25 costliest functions
(cumulative) and the 15 costliest of all by their own time.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from generate import COMMITTEE, Templates, generate

from cxzy_saas import wiring
from cxzy_saas.application.commands.committee import Grant, RegisterUser
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.config import Settings
from cxzy_saas.domain.recording import Actor

PASSWORD = "Bench-Pages-2026-long-passphrase"
DATABASE = "lists_bench_pages"
TARGET_MS = 100.0


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def postgres_url(admin_url: str, create: bool, keep: bool = False) -> str:
    """The bench's database: made afresh (``create``), or dropped; with ``keep``, one made
    by an earlier run is reused and none is dropped."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,))
        if not (keep and found.fetchone()):
            conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
            if create:
                conn.execute(f"CREATE DATABASE {DATABASE}")
    return admin_url.rsplit("/", 1)[0] + "/" + DATABASE


def users(tenancy: Tenancy, branch: str) -> None:
    committee = tenancy.committee(COMMITTEE)
    system = Actor("system", "system", "*")
    for username, role, tenant in (
        ("bench-admin", "committee-admin", COMMITTEE),
        ("bench-secretary", "branch-secretary", branch),
    ):
        committee.register_user(
            system, RegisterUser(username=username, display_name="基准", password=PASSWORD)
        )
        committee.grant(system, Grant(username=username, role=role, tenant=tenant))


def signed_in(app: Any, username: str) -> Any:
    client = app.test_client()
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "the login page has no CSRF token"
    answer = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
    )
    assert answer.status_code in (302, 303), (username, answer.status_code)
    return client


def first_rows(db: Any, year: int) -> None:
    from cxzy_saas.projections import boards

    with db.read() as tx:
        for level in ("branch", "group", "member"):
            boards.read_board(tx, COMMITTEE, year, level, boards.BoardQuery(per_page=10))


def dashboard_reads(app: Any, times: int) -> None:
    """The dashboard's reads alone (no request, no template): what its data costs, apart from
    the machine's load on the rest."""
    from datetime import date

    from cxzy_saas.projections import queries
    from cxzy_saas.web import read_model_of

    db = read_model_of(app, COMMITTEE)
    year, today = 2026, date(2026, 12, 20)
    reads = {
        "overdue": lambda: queries.overdue(db, COMMITTEE, year, today),
        "boards (first 10 rows)": lambda: first_rows(db, year),
        "whole boards": lambda: [
            queries.board_rows(db, COMMITTEE, year, level)
            for level in ("branch", "group", "member")
        ],
        "approvals": lambda: queries.approvals(db, COMMITTEE),
        "turnout": lambda: queries.ballots(db, COMMITTEE, year, grades=False),
    }
    figures = []
    for name, read in reads.items():
        took = []
        for _ in range(max(10, times // 5)):
            started = time.perf_counter()
            read()
            took.append((time.perf_counter() - started) * 1000)
        figures.append(f"{name} p50 {statistics.median(took):.1f} ms")
    print("  the dashboard's reads alone: " + ", ".join(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", help="admin URL: uses database " + DATABASE)
    parser.add_argument("--branches", type=int, default=200)
    parser.add_argument("--members", type=int, default=15)
    parser.add_argument("--records", type=int, default=140)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--data-dir", type=Path, help="keep the generated deployment's files here, and reuse them"
    )
    parser.add_argument(
        "--keep", action="store_true", help=f"PostgreSQL: keep {DATABASE}, and reuse it"
    )
    parser.add_argument("--rebuild", action="store_true", help="reused: project it again")
    args = parser.parse_args()
    folder = tempfile.TemporaryDirectory(prefix="lists-pages-")
    url = postgres_url(args.postgres, True, args.keep) if args.postgres else None
    data_dir = args.data_dir or Path(folder.name)
    settings = Settings(data_dir=data_dir, database_url=url)
    try:
        run(settings, args)
    finally:
        if args.postgres:
            postgres_url(args.postgres, False, args.keep)
        folder.cleanup()


def prepare(settings: Settings, args: argparse.Namespace) -> None:
    tenancy = Tenancy(settings)
    try:
        if COMMITTEE in {t.code for t in wiring.read_port(tenancy).tenants()}:
            print(f"reusing the deployment in {settings.data_dir}")
            if args.rebuild:
                started = time.perf_counter()
                wiring.projector(tenancy, wiring.open_read_model(tenancy)).rebuild()
                print(f"projected again in {time.perf_counter() - started:.0f} s")
            return
        started = time.perf_counter()
        events = generate(
            tenancy,
            args.branches,
            members=args.members,
            records=args.records,
            templates=Templates(4),
        )
        print(
            f"generated {args.branches} branches, {events:,} events "
            f"in {time.perf_counter() - started:.0f} s"
        )
        users(tenancy, "b0001")
        started = time.perf_counter()
        wiring.projector(tenancy, wiring.open_read_model(tenancy)).rebuild()
        print(f"projected in {time.perf_counter() - started:.0f} s")
    finally:
        tenancy.close()


def run(settings: Settings, args: argparse.Namespace) -> None:
    prepare(settings, args)
    from cxzy_saas.web.app import create_app

    app = create_app(
        settings, {"TESTING": True, "EMBEDDED_PROJECTOR": False, "SECRET_KEY": "bench"}
    )
    admin = signed_in(app, "bench-admin")
    secretary = signed_in(app, "bench-secretary")
    rng = random.Random(16)
    codes = [f"b{b:04d}" for b in range(1, args.branches + 1)]
    pages: dict[str, Any] = {
        "committee dashboard": lambda: admin.get("/committee"),
        "branch home (committee admin)": lambda: admin.get(f"/branch/{rng.choice(codes)}"),
        "branch home (its secretary)": lambda: secretary.get("/branch/b0001"),
    }
    for ask in pages.values():  # warm: connections, caches, templates
        for _ in range(3):
            assert ask().status_code == 200
    store = "PostgreSQL" if args.postgres else "SQLite"
    print(
        f"{store}: {args.branches} branches x {args.members} members, "
        f"{args.requests} requests a page (shared, loaded machine)"
    )
    verdicts = []
    for name, ask in pages.items():
        took = []
        for _ in range(args.requests):
            started = time.perf_counter()
            answer = ask()
            took.append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200, (name, answer.status_code)
        p95 = percentile(took, 95)
        verdicts.append(p95 < TARGET_MS)
        print(
            f"  {name:30s} p50 {statistics.median(took):6.1f} ms  p95 {p95:6.1f} ms  "
            f"max {max(took):6.1f} ms  target p95 < {TARGET_MS:.0f} ms: "
            f"{'met' if p95 < TARGET_MS else 'NOT met'}"
        )
    print(f"  verdict: {'all met' if all(verdicts) else 'NOT all met'}")
    dashboard_reads(app, args.requests)
    if args.profile:
        for name, ask in pages.items():
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(30):
                ask()
            profile.disable()
            print(f"--- {name}: 30 requests, by cumulative time")
            stats = pstats.Stats(profile)
            stats.sort_stats("cumulative").print_stats(r"cxzy_saas", 25)
            stats.sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
