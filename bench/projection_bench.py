"""Projection benchmark: rebuild speed, leaderboard query latency and as-of latency for a
generated committee, with the eventsourcing library's own ProjectionRunner (one transaction per
event) as the baseline. One command:

    .venv/bin/python bench/projection_bench.py --branches 200 [--database-url URL]

Prints the figures and their ratio to the baseline or the target.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eventsourcing.application import Application
from eventsourcing.persistence import InfrastructureFactory, Tracking
from eventsourcing.projection import Projection
from eventsourcing.utils import Environment
from generate import COMMITTEE, YEAR, generate

from cxzy_saas import wiring
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.config import Settings
from cxzy_saas.logs.decoding import DateAsISO
from cxzy_saas.projections.asof import build_checkpoints, replay
from cxzy_saas.projections.queries import board_rows


class ReadOnlyTenantApp(Application):  # type: ignore[type-arg]
    """Reads a tenant log the way the library's runner wants to construct it."""

    name = "cxzy"

    def register_transcodings(self, transcoder):  # type: ignore[no-untyped-def]
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())


class CountingProjection(Projection):  # type: ignore[type-arg]
    """The least a projection can do per event: record its tracking position (one transaction
    per event, as ProjectionRunner drives it)."""

    name = "baseline"

    def process_event(self, domain_event, tracking: Tracking) -> None:  # type: ignore[no-untyped-def,override]
        self.view.insert_tracking(tracking)


def baseline(tenancy: Tenancy, tenants: list[str], settings: Settings) -> tuple[int, float, str]:
    """The library's way, as its ProjectionRunner drives a projection: each event decoded by
    the application's mapper and processed in a transaction of its own with its tracking
    record. Driven by hand (SQLite recorders cannot be subscribed to), the same on both stores.
    """
    events, seconds = 0, 0.0
    for code in tenants:
        env = dict(tenancy.store.env_for(code))
        if not settings.database_url:
            env["SQLITE_DBNAME"] = str(Path(tempfile.mkdtemp()) / "baseline.sqlite3")
        name = f"baseline{time.time_ns()}"  # a fresh tracking table each run
        view = InfrastructureFactory.construct(Environment(name, env)).tracking_recorder()
        app = ReadOnlyTenantApp(env=tenancy.store.env_for(code))
        projection = CountingProjection(view=view)
        head = tenancy.branch(code).head()
        started = time.perf_counter()
        for n in app.recorder.select_notifications(1, head):
            event = app.mapper.to_domain_event(n)
            projection.process_event(event, Tracking(notification_id=n.id, application_name="cxzy"))
        seconds += time.perf_counter() - started
        events += head
    return events, seconds, "library mapper + tracking recorder, one transaction per event"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--branches", type=int, default=200)
    parser.add_argument("--database-url")
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--baseline-branches", type=int, default=4)
    args = parser.parse_args()
    data = args.data_dir or Path(tempfile.mkdtemp(prefix="cxzy-bench-"))
    settings = Settings(data_dir=data, database_url=args.database_url, max_connections=10)
    tenancy = Tenancy(settings)
    backend = "postgres" if args.database_url else "sqlite"

    def say(*parts: str) -> None:
        print(f"[{backend}]", *parts, flush=True)

    try:
        if COMMITTEE not in tenancy.registry().committees():
            started = time.perf_counter()
            total = generate(tenancy, args.branches)
            say(
                f"generated {args.branches} branches, {total} events,",
                f"{time.perf_counter() - started:.1f} s",
            )
        db = wiring.open_read_model(tenancy)
        stats = wiring.projector(tenancy, db, batch_size=20000).rebuild()
        say(
            f"rebuild: {stats.events} events in {stats.seconds:.2f} s",
            f"= {stats.rate:,.0f} events/s (target 50,000: {stats.rate / 50000:.2f}x)",
        )
        base_events, base_seconds, how = baseline(
            tenancy, [f"b{i:04d}" for i in range(1, args.baseline_branches + 1)], settings
        )
        base_rate = base_events / base_seconds
        say(
            f"baseline ({how}): {base_events} events in {base_seconds:.2f} s",
            f"= {base_rate:,.0f} events/s; rebuild is {stats.rate / base_rate:.1f}x the baseline",
        )
        for _ in range(50):  # warm the page cache and the WAL after the rebuild's writes
            board_rows(db, COMMITTEE, YEAR, "member")
        timings = []
        for _ in range(1000):
            t0 = time.perf_counter()
            rows = board_rows(db, COMMITTEE, YEAR, "member")
            timings.append((time.perf_counter() - t0) * 1000)
        p95 = statistics.quantiles(timings, n=20)[18]
        say(
            f"leaderboard query (member level, {len(rows)} rows):",
            f"p50 {statistics.median(timings):.2f} ms, p95 {p95:.2f} ms",
            f"(target 10 ms: {p95 / 10:.2f}x)",
        )
        t0 = time.perf_counter()
        count = build_checkpoints(wiring.read_port(tenancy), wiring.read_models(tenancy), db)
        say(f"as-of checkpoints: {count} built in {time.perf_counter() - t0:.2f} s")
        for day in (date(YEAR, 6, 30), date(YEAR, 7, 14)):
            t0 = time.perf_counter()
            with replay(
                wiring.read_port(tenancy), wiring.read_models(tenancy), day, index=db
            ) as past:
                mid = board_rows(past, COMMITTEE, YEAR, "branch")
            seconds = time.perf_counter() - t0
            say(
                f"as-of {day} leaderboard ({len(mid)} branches): {seconds:.2f} s",
                f"(target 1 s: {seconds:.2f}x)",
            )
    finally:
        tenancy.close()
        if not args.data_dir:
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
