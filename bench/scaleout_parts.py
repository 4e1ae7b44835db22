"""Parts of the scale-out bench (``bench/scaleout_bench.py``) at one size, without the rest of
its 35 minutes: the rebuild, the as-of request's positions query, the web figures (as-of p95, a
cheap request idle and under an as-of burst) and the takeover after ``kill -9``. One command:

    .venv/bin/python bench/scaleout_parts.py \\
        --database-url postgresql://postgres@127.0.0.1:5432/postgres --size 2000 \\
        [--parts rebuild,positions,web,takeover] [--takeovers 3]

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
        rate = bench.rebuild_in_process(deployment)  # the later parts read the read models
        if "rebuild" in parts:
            print(f"  rebuild, one process: {rate:,.0f} events/s", flush=True)
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


if __name__ == "__main__":
    main()
