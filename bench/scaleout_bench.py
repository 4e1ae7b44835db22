"""Scale-out benchmark of the projector on one PostgreSQL cell: rebuild events/s with one and
two workers, an idle pass at a tenth of the tenants and at all of them, takeover after a killed
worker, leaderboard and as-of p95, a cheap read's p95 under an as-of burst, backend memory per
connection. One command (a fresh database is created beside URL's and dropped afterwards):

    .venv/bin/python bench/scaleout_bench.py --database-url URL --committees 10 --branches 20 \
        [--members 15 --records 140] [--write docs/performance.md]

Prints each figure; ``--write`` appends them to the file as a dated section.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent))

import contextlib

from generate import YEAR, generate

from cxzy_saas import wiring
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.config import Settings
from cxzy_saas.projections import asof
from cxzy_saas.projections.db import TABLES
from cxzy_saas.projections.queries import board_rows

CLI = [sys.executable, "-m", "cxzy_saas.cli"]


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) > 1 else samples[0]


def timed(action: Any, times: int) -> list[float]:
    found = []
    for _ in range(times):
        started = time.perf_counter()
        action()
        found.append((time.perf_counter() - started) * 1000)
    return found


def database(url: str) -> str:
    name = f"cxzy_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    params = psycopg.conninfo.conninfo_to_dict(url)
    params["dbname"] = name
    return psycopg.conninfo.make_conninfo(**params)  # type: ignore[arg-type]


def drop(url: str, admin: str) -> None:
    name = str(psycopg.conninfo.conninfo_to_dict(url)["dbname"])
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def empty_read_models(projector: Any) -> None:
    with projector.db.transaction() as tx:
        for table in TABLES:
            tx.execute(f"DELETE FROM {table}")
        tx.execute("DELETE FROM rm_leases")


def workers(url: str, count: int, lease: float) -> list[subprocess.Popen[bytes]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CXZY_")}
    env |= {"CXZY_DATABASE_URL": url, "CXZY_MAX_CONNECTIONS": "4"}
    command = [*CLI, "project", "run", "--interval", "0.1", "--lease-seconds", str(lease)]
    return [
        subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(count)
    ]


def lag(projector: Any) -> int:
    return int(projector.health()["lag"])


def rebuild_with_workers(projector: Any, url: str, count: int, total: int) -> float:
    empty_read_models(projector)
    started = time.perf_counter()
    procs = workers(url, count, 10.0)
    try:
        while lag(projector) > 0:
            time.sleep(0.2)
        return total / (time.perf_counter() - started)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
            p.wait()


def takeover(projector: Any, url: str, lease: float) -> float:
    procs = workers(url, 2, lease)
    try:
        while len({c["owner"] for c in projector.health()["committees"] if c["owner"]}) < 2:
            time.sleep(0.05)
        victim = procs[0]
        held = {
            c["committee"]
            for c in projector.health()["committees"]
            if c["owner"] and c["owner"].split(":")[1] == str(victim.pid)
        }
        os.kill(victim.pid, signal.SIGKILL)
        killed = time.perf_counter()
        while True:
            owners = {c["committee"]: c["owner"] for c in projector.health()["committees"]}
            if all(owners[c] and owners[c].split(":")[1] != str(victim.pid) for c in held):
                return time.perf_counter() - killed
            time.sleep(0.05)
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
            p.wait()


def backend_memory(url: str, schemas: list[str]) -> tuple[float, float]:
    """MiB of this backend's memory contexts, fresh and after touching every tenant schema."""
    query = "SELECT sum(total_bytes) FROM pg_backend_memory_contexts"
    with psycopg.connect(url, autocommit=True) as conn:
        fresh = conn.execute(query).fetchone()[0]  # type: ignore[index]
        for schema in schemas:
            conn.execute(
                sql.SQL("SELECT 1 FROM {}.cxzy_events LIMIT 0").format(sql.Identifier(schema))
            )
        touched = conn.execute(query).fetchone()[0]  # type: ignore[index]
    return fresh / 2**20, touched / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--committees", type=int, default=10)
    parser.add_argument("--branches", type=int, default=20, help="per committee")
    parser.add_argument("--members", type=int, default=15)
    parser.add_argument("--records", type=int, default=140)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    url = database(args.database_url)
    lines: list[str] = []

    def say(text: str) -> None:
        print(text, flush=True)
        lines.append(text)

    data = Path(tempfile.mkdtemp(prefix="cxzy-bench-"))
    settings = Settings(database_url=url, max_connections=4, data_dir=data)
    tenancy = Tenancy(settings)
    try:
        total, idle_small = 0, 0.0
        started = time.perf_counter()
        tenth = max(1, args.committees // 10)
        for c in range(args.committees):
            code = f"c{c:03d}"
            total += generate(tenancy, args.branches, c + 1, args.members, args.records, code)
            if c + 1 == tenth:
                projector = wiring.projector(tenancy)
                projector.rebuild()
                projector.step()
                idle_small = statistics.median(timed(projector.step, 20))
                small_tenants = tenth * (args.branches + 1)
        branches = args.committees * args.branches
        say(
            f"generated {args.committees} committees x {args.branches} branches "
            f"({branches} branches, {total:,} events) in {time.perf_counter() - started:.0f} s"
        )
        projector = wiring.projector(tenancy)
        stats = projector.rebuild()
        say(f"rebuild, 1 process: {stats.rate:,.0f} events/s ({stats.seconds:.1f} s)")
        for count in (1, 2):
            rate = rebuild_with_workers(projector, url, count, total)
            say(
                f"catch-up from empty, {count} worker(s) (`cxzy project run`): {rate:,.0f} events/s"
            )
        projector = wiring.projector(tenancy)
        projector.step()
        idle = statistics.median(timed(projector.step, 20))
        tenants = args.committees * (args.branches + 1)
        say(
            f"idle pass: {idle:.1f} ms at {tenants} tenants, {idle_small:.1f} ms at "
            f"{small_tenants} (ratio {idle / idle_small:.2f} for {tenants / small_tenants:.0f}x "
            "the tenants)"
        )
        projector.leases.release()  # type: ignore[union-attr]
        lease = 2.0
        say(
            f"takeover after kill -9 (lease {lease:.0f} s): {takeover(projector, url, lease):.2f} s"
        )
        db = projector.db
        board = timed(lambda: board_rows(db, "c000", YEAR, "member"), 50)
        say(f"member leaderboard p95: {p95(board):.1f} ms ({args.branches * args.members} rows)")
        started = time.perf_counter()
        made = asof.Checkpoints(wiring.read_port(tenancy), wiring.read_models(tenancy), db)
        count = made.advance(force=True)
        say(
            f"as-of checkpoints made as the projector goes: {count} "
            f"in {time.perf_counter() - started:.1f} s"
        )
        rng = random.Random(1)
        days = [date(YEAR, 1, 1) + timedelta(days=rng.randrange(0, 330)) for _ in range(15)]
        logs, models = wiring.read_port(tenancy), wiring.read_models(tenancy)

        def as_of(day: date) -> None:
            with asof.replay(logs, models, day, index=db) as replayed:
                board_rows(replayed, "c000", YEAR, "member")

        samples = []
        for day in days:
            samples += timed(lambda day=day: as_of(day), 1)
        say(f"as-of p95, any day: {p95(samples):.0f} ms ({branches} branches)")
        cheap = lambda: board_rows(db, "c000", YEAR, "branch")  # noqa: E731
        quiet = p95(timed(cheap, 100))
        asof.limit_replays(1, 30.0)
        stop = threading.Event()

        def burst() -> None:
            while not stop.is_set():
                with contextlib.suppress(asof.AsOfBusy):
                    as_of(rng.choice(days))

        threads = [threading.Thread(target=burst) for _ in range(8)]
        for t in threads:
            t.start()
        busy = p95(timed(cheap, 100))
        stop.set()
        for t in threads:
            t.join()
        say(
            f"cheap read p95: {quiet:.1f} ms idle, {busy:.1f} ms under an as-of burst of 8 "
            f"clients (ratio {busy / quiet:.2f})"
        )
        schemas = [f"tenant_{t.code}" for t in wiring.read_port(tenancy).tenants()]
        fresh, touched = backend_memory(url, schemas)
        say(
            f"backend memory: {fresh:.1f} MiB fresh, {touched:.1f} MiB after touching "
            f"{len(schemas)} tenant schemas ({(touched - fresh) * 1024 / len(schemas):.0f} KiB "
            "per schema); connections are recycled after CXZY_CONNECTION_MAX_AGE (600 s)"
        )
    finally:
        tenancy.close()
        drop(url, args.database_url)
    if args.write:
        with args.write.open("a", encoding="utf-8") as out:
            out.write(f"\n### Scale-out bench, {date.today().isoformat()}\n\n```\n")
            out.write("\n".join(lines) + "\n```\n")


if __name__ == "__main__":
    main()
