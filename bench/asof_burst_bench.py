"""A cheap request's latency under a burst of as-of requests, with the replays in the request
threads (the baseline) and in processes of their own (``CXZY_ASOF_PROCESSES``, the default).

    .venv/bin/python bench/asof_burst_bench.py [--branches N] [--burst N] [--samples N] [--served]

Builds the demo (SQLite, in a temporary folder) and deletes its as-of checkpoints, so that every
as-of request replays the logs from the start, as right after a fresh deployment. Then, for each
mode, in one run: the p50 and p95 of a cheap request (the branch board) alone, and while
``--burst`` threads ask for the member board as of random days; and the as-of requests' own
median. Prints the ratio busy/idle for each mode (issue 19's target: within 2x).

The two modes above run the app and its clients in this one process (Flask's test client), so
the burst's clients (reading each board's answer) share the server's interpreter lock. With
``--served`` the app runs as deployed, ``cxzy serve`` (gunicorn, one worker of 8 threads on
SQLite, replays in a process of their own), and each client is a process of its own on a
keep-alive connection, as browsers are: a third row.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from cxzy_saas import wiring
from cxzy_saas.application.manifests import TENANTS_DIR, load_manifest
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.config import Settings
from cxzy_saas.demo.build import build_demo
from cxzy_saas.projections.db import ReadModels
from cxzy_saas.web.app import create_app


def quantile(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100)[q - 1]


def figures(
    idle: list[float], busy: list[float], replays: list[float], refused: int
) -> dict[str, float]:
    return {
        "idle_p50": quantile(idle, 50),
        "idle_p95": quantile(idle, 95),
        "busy_p50": quantile(busy, 50),
        "busy_p95": quantile(busy, 95),
        "asof_median": statistics.median(replays) if replays else 0.0,
        "asof_count": len(replays),
        "asof_refused": refused,
    }


def measure(settings: Settings, processes: bool, args: argparse.Namespace) -> dict[str, float]:
    app = create_app(
        settings, {"TESTING": True, "EMBEDDED_PROJECTOR": False, "ASOF_PROCESSES": processes}
    )
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "admin", "password": "demo"})
    auth = {"Authorization": f"Bearer {token.json['access_token']}"}  # type: ignore[index]
    board = "/api/v1/campaigns/2026/leaderboards"
    days = [date(2026, 1, 10) + timedelta(days=n) for n in range(300)]

    def timed(path: str, who: Any = client, **query: Any) -> float:
        return asked(path, who, **query)[0]

    def asked(path: str, who: Any = client, **query: Any) -> tuple[float, int]:
        started = time.perf_counter()
        response = who.get(path, query_string=query, headers=auth)
        assert response.status_code in (200, 503), response.status_code
        wait = int(response.headers.get("Retry-After", 0)) if response.status_code == 503 else 0
        return (time.perf_counter() - started) * 1000, wait

    for _ in range(20):
        timed(f"{board}/branch")  # warm
    idle = [timed(f"{board}/branch") for _ in range(args.samples)]
    halt = threading.Event()
    replays: list[float] = []
    refused: list[int] = []

    def burst() -> None:
        own = app.test_client()
        rng = random.Random()
        while not halt.is_set():
            took, wait = asked(f"{board}/member", own, as_of=rng.choice(days))
            (refused if wait else replays).append(took)  # type: ignore[arg-type]
            halt.wait(wait)  # as the answer asks (Retry-After), as a browser's user would

    timed(f"{board}/member", as_of=days[0])  # the replay process started, before timing
    threads = [threading.Thread(target=burst) for _ in range(args.burst)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    busy = []
    for _ in range(args.samples):
        busy.append(timed(f"{board}/branch"))
        time.sleep(0.01)
    halt.set()
    for t in threads:
        t.join()
    if processes:
        app.extensions["cxzy.replays"].close()
    app.extensions["cxzy.tenancy"].close()
    return figures(idle, busy, replays, len(refused))


def get(conn: http.client.HTTPConnection, path: str, token: str) -> float:
    """One GET on a kept connection; its latency (ms), the answer read whole."""
    return get_or_wait(conn, path, token)[0]


def get_or_wait(conn: http.client.HTTPConnection, path: str, token: str) -> tuple[float, int]:
    """:func:`get`, and the seconds a 503 asks to wait (0: answered)."""
    started = time.perf_counter()
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    answer = conn.getresponse()
    answer.read()
    assert answer.status in (200, 503), answer.status
    wait = int(answer.getheader("Retry-After") or 0) if answer.status == 503 else 0
    return (time.perf_counter() - started) * 1000, wait


def burst_client(port: int, token: str, stop: float, seed: int) -> tuple[list[float], int]:
    """A process asking for member boards as of random days until ``stop`` (wall clock),
    waiting as a 503 asks; the answered requests' latencies and the count refused."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    rng = random.Random(seed)
    days = [date(2026, 1, 10) + timedelta(days=n) for n in range(300)]
    found, refused = [], 0
    while time.time() < stop:
        path = f"/api/v1/campaigns/2026/leaderboards/member?as_of={rng.choice(days)}"
        took, wait = get_or_wait(conn, path, token)
        if wait:
            refused += 1
            conn.close()  # the connection idles longer than gunicorn keeps it
            time.sleep(min(wait, max(0.0, stop - time.time())))
        else:
            found.append(took)
    return found, refused


def served(settings: Settings, args: argparse.Namespace) -> dict[str, float]:
    """The figures of :func:`measure`, with ``cxzy serve`` and clients in processes."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    env = {**os.environ, "CXZY_SECRET_KEY": "bench-" + "x" * 40}
    cxzy = str(Path(sys.executable).with_name("cxzy"))
    server = subprocess.Popen(
        [cxzy, "serve", "--data-dir", str(settings.data_dir), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        for _ in range(150):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                conn.request(
                    "POST",
                    "/api/v1/auth/token",
                    json.dumps({"username": "admin", "password": "demo"}),
                    {"Content-Type": "application/json"},
                )
                token = json.loads(conn.getresponse().read())["access_token"]
                break
            except OSError:
                time.sleep(0.2)
        cheap = "/api/v1/campaigns/2026/leaderboards/branch"
        for _ in range(20):
            get(conn, cheap, token)  # warm
        idle = [get(conn, cheap, token) for _ in range(args.samples)]
        get(conn, "/api/v1/campaigns/2026/leaderboards/member?as_of=2026-01-10", token)
        stop = time.time() + 1.0 + args.samples * 0.02 + 5
        pool = multiprocessing.get_context("spawn").Pool(args.burst)
        pending = pool.starmap_async(
            burst_client, [(port, token, stop, n) for n in range(args.burst)]
        )
        time.sleep(1.0)
        busy = []
        for _ in range(args.samples):
            busy.append(get(conn, cheap, token))
            time.sleep(0.01)
        answers = pending.get()
        replays = [t for found, _ in answers for t in found]
        pool.close()
        conn.close()
    finally:
        os.killpg(server.pid, 15)
        server.wait(30)
    return figures(idle, busy, replays, sum(n for _, n in answers))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--branches", type=int, default=6)
    parser.add_argument("--burst", type=int, default=8, help="threads asking for as-of views")
    parser.add_argument("--samples", type=int, default=200, help="cheap requests per phase")
    parser.add_argument(
        "--served", action="store_true", help="also as deployed: cxzy serve, clients in processes"
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="cxzy-asof-burst-"))
    try:
        settings = Settings(data_dir=folder / "var")
        tenancy = Tenancy(settings)
        try:
            build_demo(tenancy, load_manifest(TENANTS_DIR / "demo.toml"), branches=args.branches)
            wiring.projector(tenancy, wiring.open_read_model(tenancy)).rebuild()
        finally:
            tenancy.close()
        shutil.rmtree(ReadModels(settings.data_dir, None).checkpoints, ignore_errors=True)
        print(f"demo: {args.branches} branches, no as-of checkpoints; {args.burst} burst threads")
        print(
            "replays in        cheap p50/p95 idle   cheap p50/p95 busy   p95 ratio   as-of median"
        )
        modes = [
            ("request threads", lambda: measure(settings, False, args)),
            ("processes", lambda: measure(settings, True, args)),
        ]
        if args.served:
            modes.append(("served", lambda: served(settings, args)))
        print(f"load before: {os.getloadavg()[0]:.2f} (1 min)")
        for label, run in modes:
            f = run()
            print(
                f"{label:<17} {f['idle_p50']:6.1f} / {f['idle_p95']:6.1f} ms"
                f"   {f['busy_p50']:6.1f} / {f['busy_p95']:6.1f} ms"
                f"   {f['busy_p95'] / f['idle_p95']:8.1f}x"
                f"   {f['asof_median']:7.0f} ms ({f['asof_count']:.0f} answered,"
                f" {f['asof_refused']:.0f} refused busy)"
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
