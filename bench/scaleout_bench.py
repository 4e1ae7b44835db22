"""Scale-out benchmark of issue 19: branches in committees of 20 over two PostgreSQL cells, at
200 branches and at 2,000, with the figures, ratios and targets the issue names. One command
(fresh databases are made beside URL's, one per cell, and dropped afterwards):

    .venv/bin/python bench/scaleout_bench.py \\
        --database-url postgresql://postgres@127.0.0.1:5432/postgres --write docs/performance.md

``--sizes 200,2000`` (default) grows the same deployment: 10 committees, measured, then 100.
A quick check of the bench itself: ``--sizes 8,16 --branches 4 --members 4 --records 24``.

Generation: per cell, ``--templates`` branches are written through the domain, and every later
branch copies one of them (``bench/generate.py``: its registration and opening are real events,
the template's stored events are bulk-inserted by its own recorder).

Measured at each size: rebuild events/s in one process and with 1 and 2 ``cxzy project run``
workers (catch-up from empty read models); an idle pass (ms, every cell); member leaderboard
p95; as-of p95 on random days (checkpoints made as the projector makes them); a cheap request's
p95 through the web app, idle and under a burst of as-of requests; takeover after ``kill -9``;
backend memory (a fresh connection, one that touched every tenant schema of a cell, and the
connections of a worker owning half the committees of a cell).
"""

from __future__ import annotations

import argparse
import contextlib
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

from generate import YEAR, Templates, generate

from cxzy_saas import wiring
from cxzy_saas.application.commands.committee import Grant, RegisterUser
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.config import DEFAULT_CELL, Settings
from cxzy_saas.domain.recording import Actor
from cxzy_saas.projections import asof
from cxzy_saas.projections.db import TABLES
from cxzy_saas.projections.projector import Projector, tune_collector
from cxzy_saas.projections.queries import board_rows
from cxzy_saas.web.app import create_app

CLI = [sys.executable, "-m", "cxzy_saas.cli"]
PASSWORD = "bench-password"


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


class Deployment:
    """The cells, their tenancy, and what the bench has generated in them so far."""

    def __init__(self, admin: str, cells: int, data: Path) -> None:
        self.admin = admin
        urls = [database(admin) for _ in range(cells)]
        names = [DEFAULT_CELL] + [chr(ord("b") + i) for i in range(cells - 1)]
        self.urls = dict(zip(names, urls, strict=True))
        self.settings = Settings(
            database_url=urls[0],
            cells=tuple((n, u) for n, u in self.urls.items() if n != DEFAULT_CELL),
            max_connections=4,
            data_dir=data,
            app_cache_size=256,
        )
        self.tenancy = Tenancy(self.settings)
        self.committees: list[tuple[str, str]] = []  # (code, cell)
        self.events = 0
        self.templates = Templates(1)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CXZY_")}
        cells = ";".join(f"{n}={u}" for n, u in self.urls.items() if n != DEFAULT_CELL)
        return env | {
            "CXZY_DATABASE_URL": self.urls[DEFAULT_CELL],
            "CXZY_CELLS": cells,
            "CXZY_DATA_DIR": str(self.settings.data_dir),
            "CXZY_MAX_CONNECTIONS": "4",
        }

    def grow(self, committees: int, args: argparse.Namespace) -> float:
        """Committees up to ``committees``, placed in the cells in turn; seconds taken."""
        started = time.perf_counter()
        cells = list(self.urls)
        self.templates.distinct = args.templates
        while len(self.committees) < committees:
            n = len(self.committees)
            code, cell = f"c{n:03d}", cells[n % len(cells)]
            self.events += generate(
                self.tenancy,
                args.branches,
                n + 1,
                args.members,
                args.records,
                code,
                cell,
                self.templates,
            )
            self.committees.append((code, cell))
        return time.perf_counter() - started

    def projectors(self, **kw: Any) -> list[Projector]:
        return wiring.projectors(self.tenancy, **kw)

    def close(self) -> None:
        self.tenancy.close()
        for url in self.urls.values():
            drop(url, self.admin)


def empty_read_models(projectors: list[Projector]) -> None:
    for projector in projectors:
        with projector.db.transaction() as tx:
            for table in TABLES:
                tx.execute(f"DELETE FROM {table}")
            tx.execute("DELETE FROM rm_leases")


def lag(projectors: list[Projector]) -> int:
    return sum(int(p.health()["lag"]) for p in projectors)


def rebuild_in_process(deployment: Deployment) -> float:
    """Every cell rebuilt in this process, one after the other, with the collector set as
    ``cxzy project rebuild`` sets it; events/s."""
    tune_collector()
    events, seconds = 0, 0.0
    for projector in deployment.projectors():
        stats = projector.rebuild()
        events += stats.events
        seconds += stats.seconds
    return events / seconds


def workers(deployment: Deployment, count: int, lease: float) -> list[subprocess.Popen[bytes]]:
    command = [*CLI, "project", "run", "--interval", "0.1", "--lease-seconds", str(lease)]
    return [
        subprocess.Popen(
            command, env=deployment.env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        for _ in range(count)
    ]


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        p.communicate()


def rebuild_with_workers(deployment: Deployment, count: int) -> float:
    """Read models emptied, then ``count`` worker processes catch up every cell; events/s
    from the moment every worker is running (its start-up excluded) to no lag."""
    projectors = deployment.projectors()
    empty_read_models(projectors)
    procs = workers(deployment, count, 10.0)
    try:
        for p in procs:
            assert p.stdout is not None and b"running" in p.stdout.readline()
        started = time.perf_counter()
        while lag(projectors) > 0:
            time.sleep(0.2)
        return deployment.events / (time.perf_counter() - started)
    finally:
        stop(procs)


def owners(projectors: list[Projector]) -> dict[tuple[int, str], str | None]:
    return {
        (i, c["committee"]): c["owner"]
        for i, p in enumerate(projectors)
        for c in p.health()["committees"]
    }


def takeover(deployment: Deployment, lease: float) -> float:
    """Seconds from ``kill -9`` of one of two workers until its committees are owned again."""
    projectors = deployment.projectors()
    procs = workers(deployment, 2, lease)
    try:
        while len({o.split(":")[1] for o in owners(projectors).values() if o}) < 2:
            time.sleep(0.05)
        victim = procs[0]
        held = [
            k for k, o in owners(projectors).items() if o and o.split(":")[1] == str(victim.pid)
        ]
        os.kill(victim.pid, signal.SIGKILL)
        killed = time.perf_counter()
        while True:
            now = owners(projectors)
            if all(now[k] and now[k].split(":")[1] != str(victim.pid) for k in held):
                return time.perf_counter() - killed
            time.sleep(0.05)
    finally:
        stop(procs)


def idle_pass(projectors: list[Projector]) -> float:
    """Median ms of one pass over every cell with nothing new (the projectors own all)."""

    def one_pass() -> None:
        for p in projectors:
            p.step()

    one_pass()
    found = statistics.median(timed(one_pass, 20))
    for p in projectors:
        if p.leases is not None:
            p.leases.release()
    return found


def memory_of(conn: Any) -> float:
    """MiB of the backend's memory contexts (this connection's own backend)."""
    row = conn.execute("SELECT sum(total_bytes) AS total FROM pg_backend_memory_contexts")
    found = row.fetchone()
    value = found["total"] if isinstance(found, dict) else found[0]
    return int(value) / 2**20


def backend_memory(deployment: Deployment) -> dict[str, float]:
    """A fresh backend; one that touched every tenant schema of the default cell; and the
    busiest connection of a worker of that cell catching it up from empty read models, alone
    (it owns every committee) and beside another (it owns half, and touches only their
    schemas)."""
    url = deployment.urls[DEFAULT_CELL]
    tenants = deployment.tenancy.tenants(DEFAULT_CELL)
    with psycopg.connect(url, autocommit=True) as conn:
        fresh = memory_of(conn)
        for t in tenants:
            conn.execute(
                sql.SQL("SELECT 1 FROM {}.cxzy_events LIMIT 0").format(
                    sql.Identifier(f"tenant_{t.code}")
                )
            )
        touched = memory_of(conn)
    alone, owned_alone = worker_memory(deployment, 1)
    shared, owned_shared = worker_memory(deployment, 2)
    return {
        "fresh": fresh,
        "touched": touched,
        "schemas": len(tenants),
        "alone": alone,
        "owned_alone": owned_alone,
        "shared": shared,
        "owned_shared": owned_shared,
    }


def worker_memory(deployment: Deployment, count: int) -> tuple[float, int]:
    """``count`` workers of the default cell, each with a pool of its own, catch it up from
    empty read models; the first one's busiest connection (MiB) and the committees it owns."""
    url = deployment.urls[DEFAULT_CELL]
    empty_read_models([wiring.projector(deployment.tenancy)])
    settings = Settings(database_url=url, max_connections=2, data_dir=deployment.settings.data_dir)
    group = [Tenancy(settings) for _ in range(count)]
    try:
        projectors = [wiring.projector(t, lease_seconds=60) for t in group]
        for p in projectors[1:]:
            assert p.leases is not None
            p.leases.claim([])  # every worker is a member before any takes a share
        while True:
            for p in projectors:
                p.step()
            if lag(projectors[:1]) == 0:
                break
        first = projectors[0]
        assert first.leases is not None
        owned = sum(1 for o, _ in first.leases.holders().values() if o == first.leases.owner)
        pool = group[0].cell_store(DEFAULT_CELL)._owner.pool  # type: ignore[attr-defined]
        held = [pool.getconn() for _ in range(pool.get_stats().get("pool_available", 1))]
        try:
            busiest = max(memory_of(c) for c in held)
        finally:
            for c in held:
                pool.putconn(c)
        for p in projectors:
            assert p.leases is not None
            p.leases.release()
    finally:
        for t in group:
            t.close()
    return busiest, owned


def web_figures(deployment: Deployment, days: list[date]) -> dict[str, float]:
    """As-of p95 on any day, and a cheap request's p95 idle and under an as-of burst, through
    the web app (the committee admin of c000; CXZY_ASOF_REPLAYS 1)."""
    # as deployed: replays in a process of their own (CXZY_ASOF_PROCESSES), one at a time
    app = create_app(
        deployment.settings,
        {"TESTING": True, "EMBEDDED_PROJECTOR": False, "ASOF_PROCESSES": True},
    )
    try:
        client = app.test_client()
        token = client.post("/api/v1/auth/token", json={"username": "bench", "password": PASSWORD})
        assert token.status_code == 200, token.json
        auth = {"Authorization": f"Bearer {token.json['access_token']}"}  # type: ignore[index]
        board = f"/api/v1/campaigns/{YEAR}/leaderboards"

        def cheap() -> None:
            assert client.get(f"{board}/branch", headers=auth).status_code == 200

        def as_of(day: date, who: Any = client) -> int:
            found = who.get(f"{board}/member", query_string={"as_of": day}, headers=auth)
            return int(found.status_code)

        # A process's first request opens the registry's committees to find each branch's
        # (a second, once): not what an as-of day costs, so not a sample.
        as_of(date(YEAR, 12, 31))
        samples = [timed(lambda day=day: as_of(day), 1)[0] for day in days]
        quiet = p95(timed(cheap, 100))
        halt = threading.Event()
        refused = [0]

        def burst() -> None:
            own = app.test_client()
            rng = random.Random()
            while not halt.is_set():
                if as_of(rng.choice(days), own) == 503:
                    refused[0] += 1

        threads = [threading.Thread(target=burst) for _ in range(8)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        busy = p95(timed(cheap, 100))
        halt.set()
        for t in threads:
            t.join()
    finally:
        if "cxzy.replays" in app.extensions:
            app.extensions["cxzy.replays"].close()
        app.extensions["cxzy.tenancy"].close()
    return {
        "asof": p95(samples),
        "asof_median": statistics.median(samples),
        "quiet": quiet,
        "busy": busy,
        "refused": refused[0],
    }


def a_bench_admin(deployment: Deployment) -> None:
    code = deployment.committees[0][0]
    committee = deployment.tenancy.committee(code)
    admin = Actor("system", "system", "*")
    if "bench" not in {a.username for a in committee.accounts()}:
        committee.register_user(
            admin, RegisterUser(username="bench", display_name="基准", password=PASSWORD)
        )
        committee.grant(admin, Grant(username="bench", role="committee-admin", tenant=code))


def measure(deployment: Deployment, args: argparse.Namespace, say: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"events": deployment.events}
    found["rebuild"] = rebuild_in_process(deployment)
    say(f"  rebuild, one process: {found['rebuild']:,.0f} events/s")
    for count in (1, 2):
        found[f"workers{count}"] = rate = rebuild_with_workers(deployment, count)
        say(f"  catch-up from empty, {count} worker(s): {rate:,.0f} events/s")
    projectors = deployment.projectors()
    found["idle"] = idle_pass(projectors)
    say(f"  idle pass, every cell: {found['idle']:.1f} ms")
    code, cell = deployment.committees[0]
    db = next(p.db for p in projectors if (p.models.cell or DEFAULT_CELL) == cell)
    found["board"] = p95(timed(lambda: board_rows(db, code, YEAR, "member"), 50))
    say(f"  member leaderboard p95: {found['board']:.1f} ms ({args.branches * args.members} rows)")
    started = time.perf_counter()
    made = 0
    for p in projectors:
        # images of a smaller deployment lack the committees added since: made anew
        for image in p.models.checkpoints.glob("*.sqlite3"):
            image.unlink()
        made += asof.Checkpoints(p.logs, p.models, p.db).advance(force=True)
    found["checkpoints"] = time.perf_counter() - started
    say(f"  as-of checkpoints made as the projector goes: {made} in {found['checkpoints']:.1f} s")
    rng = random.Random(1)
    # 60 days: a p95 of fewer samples is the slowest one or two
    days = [date(YEAR, 1, 1) + timedelta(days=rng.randrange(0, 340)) for _ in range(60)]
    a_bench_admin(deployment)
    asof.limit_replays(1, 10.0)
    web = web_figures(deployment, days)
    found |= web
    say(f"  as-of p95, any day (web): {web['asof']:.0f} ms (median {web['asof_median']:.0f} ms)")
    say(
        f"  cheap request p95 (web): {web['quiet']:.1f} ms idle, {web['busy']:.1f} ms under an "
        f"as-of burst of 8 clients ({web['refused']} of the burst answered 503)"
    )
    found["takeover"] = takeover(deployment, args.lease)
    say(f"  takeover after kill -9 (lease {args.lease:g} s): {found['takeover']:.2f} s")
    memory = backend_memory(deployment)
    found["memory"] = memory
    per_schema = (memory["touched"] - memory["fresh"]) * 1024 / max(1, memory["schemas"])
    say(
        f"  backend memory: {memory['fresh']:.1f} MiB fresh; {memory['touched']:.1f} MiB after "
        f"touching the {memory['schemas']:.0f} tenant schemas of a cell ({per_schema:.0f} KiB "
        f"each); a worker's busiest connection: {memory['alone']:.1f} MiB owning all "
        f"{memory['owned_alone']:.0f} units of the cell, {memory['shared']:.1f} MiB owning "
        f"{memory['owned_shared']:.0f} beside another worker; a backend that touched 2,000 "
        f"tenant schemas (one cell of them all, --cells 1) would hold about "
        f"{memory['fresh'] + per_schema * 2000 / 1024:.0f} MiB"
    )
    return found


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True, help="an admin URL of the server")
    parser.add_argument("--sizes", default="200,2000", help="branches, ascending")
    parser.add_argument("--branches", type=int, default=20, help="per committee")
    parser.add_argument("--cells", type=int, default=2)
    parser.add_argument("--members", type=int, default=15, help="per branch")
    parser.add_argument("--records", type=int, default=140, help="daily records per member")
    parser.add_argument("--templates", type=int, default=10, help="distinct branches per cell")
    parser.add_argument("--lease", type=float, default=2.0, help="lease seconds (takeover)")
    parser.add_argument("--write", type=Path, help="append the figures to this file")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    lines: list[str] = []

    def say(text: str) -> None:
        print(text, flush=True)
        lines.append(text)

    data = Path(tempfile.mkdtemp(prefix="cxzy-bench-"))
    deployment = Deployment(args.database_url, args.cells, data)
    results: dict[int, dict[str, Any]] = {}
    try:
        say(
            f"scale-out bench, {date.today().isoformat()}: committees of {args.branches} branches "
            f"({args.members} members, {args.records} records each) over {args.cells} cells"
        )
        for size in sizes:
            committees = max(1, size // args.branches)
            seconds = deployment.grow(committees, args)
            branches = committees * args.branches
            say(
                f"{branches} branches ({committees} committees, {deployment.events:,} events; "
                f"generated in {seconds:.0f} s, {args.templates} distinct branches per cell):"
            )
            results[branches] = measure(deployment, args, say)
    finally:
        deployment.close()
        with contextlib.suppress(OSError):
            for path in sorted(data.rglob("*"), reverse=True):
                path.unlink() if path.is_file() else path.rmdir()
            data.rmdir()
    small, large = results[min(results)], results[max(results)]
    n_small, n_large = min(results), max(results)
    say(f"ratios and targets ({n_large} branches against {n_small}):")
    ratio = large["rebuild"] / small["rebuild"]
    say(
        f"  rebuild events/s, one process: {ratio:.2f} "
        f"(target >= 1: {verdict(ratio >= 1)}); with 2 workers against 1 at {n_large}: "
        f"{large['workers2'] / large['workers1']:.2f}"
    )
    say(
        f"  idle pass: {large['idle'] / small['idle']:.2f}x the time for "
        f"{n_large / n_small:.0f}x the tenants"
    )
    say(
        f"  as-of p95: {small['asof']:.0f} ms at {n_small} (target < 200 ms: "
        f"{verdict(small['asof'] < 200)}), {large['asof']:.0f} ms at {n_large} "
        f"(target < 1000 ms: {verdict(large['asof'] < 1000)})"
    )
    for n, r in ((n_small, small), (n_large, large)):
        cheap = r["busy"] / r["quiet"]
        say(
            f"  cheap request under an as-of burst at {n}: {cheap:.2f}x idle "
            f"(target <= 2x: {verdict(cheap <= 2)})"
        )
    say(
        f"  takeover after kill -9: {large['takeover']:.2f} s with {args.lease:g} s leases "
        f"(target <= {2 * args.lease:g} s: {verdict(large['takeover'] <= 2 * args.lease)})"
    )
    if args.write:
        with args.write.open("a", encoding="utf-8") as out:
            out.write(f"\n### Scale-out bench (issue 19), {date.today().isoformat()}\n\n```\n")
            out.write("\n".join(lines) + "\n```\n")


if __name__ == "__main__":
    main()
