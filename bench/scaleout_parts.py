"""Parts of the scale-out bench (``bench/scaleout_bench.py``) at one size, without the rest of
its 35 minutes: the rebuild, the as-of request's positions query, the web figures (as-of p95, a
cheap request idle and under an as-of burst) and the takeover after ``kill -9``. One command:

    .venv/bin/python bench/scaleout_parts.py \\
        --database-url postgresql://postgres@127.0.0.1:5432/postgres --size 2000 \\
        [--parts rebuild,positions,web,takeover] [--takeovers 3] [--statements]

With ``--statements`` the rebuild's statements are read from ``pg_stat_statements`` (the server
must preload it: ``ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'`` and a
restart) and the costliest printed per event, so that two sizes compare on the server's side.

Each part calls the bench's own function on the same generated deployment (committees of 20
branches over two cells, dropped afterwards).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import psycopg
import scaleout_bench as bench

from cxzy_saas.projections import asof

PARTS = ("rebuild", "positions", "web", "takeover")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True, help="an admin URL of the server")
    parser.add_argument("--size", type=int, default=2000, help="branches")
    parser.add_argument("--parts", default=",".join(PARTS))
    parser.add_argument("--takeovers", type=int, default=3)
    parser.add_argument(
        "--statements", action="store_true", help="the rebuild's costliest statements, per event"
    )
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    shape = argparse.Namespace(branches=20, members=15, records=140, templates=10)
    deployment = bench.Deployment(args.database_url, 2, Path(tempfile.mkdtemp()))
    try:
        started = time.perf_counter()
        deployment.grow(max(1, args.size // shape.branches), shape)
        print(
            f"{args.size} branches: {deployment.events:,} events generated in "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )
        statements = args.statements and reset_statements(args.database_url)
        rate = bench.rebuild_in_process(deployment)  # the later parts read the read models
        if "rebuild" in parts:
            print(f"  rebuild, one process: {rate:,.0f} events/s", flush=True)
        if statements:
            print_statements(args.database_url, deployment.events)
        projectors = deployment.projectors()
        for projector in projectors:
            if projector.leases is not None:
                projector.leases.release()
        if "positions" in parts:
            db, code = projectors[0].db, deployment.committees[0][0]
            scope, day = asof.scope_of(db, code), date(bench.YEAR, 6, 14)
            whole = bench.timed(lambda: asof.positions_at(db, day), 20)
            scoped = bench.timed(lambda: asof.positions_at(db, day, scope), 20)
            print(
                f"  an as-of request's positions: the whole cell's median "
                f"{statistics.median(whole):.1f} ms, one committee's "
                f"{statistics.median(scoped):.1f} ms",
                flush=True,
            )
        if "web" in parts:
            started, made = time.perf_counter(), 0
            for projector in projectors:
                made += asof.Checkpoints(projector.logs, projector.models, projector.db).advance(
                    force=True
                )
            print(f"  checkpoints: {made} in {time.perf_counter() - started:.1f} s", flush=True)
            rng = random.Random(1)
            days = [
                date(bench.YEAR, 1, 1) + timedelta(days=rng.randrange(0, 340)) for _ in range(60)
            ]
            bench.a_bench_admin(deployment)
            asof.limit_replays(1, 10.0)
            web = bench.web_figures(deployment, days)
            print(
                f"  as-of p95 (web): {web['asof']:.0f} ms (median {web['asof_median']:.0f} ms); "
                f"a cheap request's p95 {web['quiet']:.1f} ms idle, {web['busy']:.1f} ms under "
                f"the burst ({web['busy'] / web['quiet']:.2f}x; {web['refused']} answered 503)",
                flush=True,
            )
        if "takeover" in parts:
            for n in range(args.takeovers):
                seconds = bench.takeover(deployment, 2.0)
                print(f"  takeover after kill -9 (2 s leases), run {n + 1}: {seconds:.2f} s")
    finally:
        deployment.close()


def reset_statements(url: str) -> bool:
    """Empty pg_stat_statements before the rebuild; False (and why) if the server lacks it."""
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            conn.execute("SELECT pg_stat_statements_reset()")
    except psycopg.Error as error:
        print(f"  --statements: pg_stat_statements unavailable ({str(error).strip()})")
        return False
    return True


def print_statements(url: str, events: int, top: int = 10) -> None:
    """The statements that cost the server most during the rebuild, per event and per call."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT calls, total_exec_time, shared_blks_read, shared_blks_written,"
            " regexp_replace(query, '\\s+', ' ', 'g') FROM pg_stat_statements"
            " ORDER BY total_exec_time DESC LIMIT %s",
            (top,),
        ).fetchall()
        (total,) = conn.execute("SELECT sum(total_exec_time) FROM pg_stat_statements").fetchone()
    print(f"  server time, all statements: {total * 1000 / events:.2f} µs/event")
    print("    µs/event   ms/call      calls  read/1k ev  written/1k ev  statement")
    for calls, ms, read, written, query in rows:
        print(
            f"    {ms * 1000 / events:8.2f} {ms / calls:9.3f} {calls:10,}"
            f" {read * 1000 / events:11.1f} {written * 1000 / events:14.1f}  {query[:80]}"
        )


if __name__ == "__main__":
    main()
