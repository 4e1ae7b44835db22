"""Commands per second through ``cxzy serve`` on PostgreSQL, against raw single-row commits.

    .venv/bin/python bench/write_ratio.py [--postgres ADMIN_URL] [--clients 1,16]
                                          [--seconds 10] [--workers 2] [--threads 8]

Makes (once) a database ``cxzy_bench_write`` beside the admin URL's and builds the default demo
into it (6 branches, seed 7). Then, for each number of clients N, in one run:

- ``POST /api/v1/branches/b01/records`` (a daily record, as a clerk enters it) from N client
  processes, each on its own keep-alive connection, to ``cxzy serve`` (gunicorn, as deployed:
  ``--workers`` processes of ``--threads`` threads);
- raw single-row ``INSERT`` + ``COMMIT`` into a table of the same database from N threads, each
  on its own connection;

and prints commands/s (p50, p95 latency), raw commits/s and their ratio, against the issue's
targets: 0.4x with one client, 0.15x with 16. ``--floor`` measures, in the same run, the least
a command can cost on this stack (``bench/floor_app.py``: Flask under gunicorn, one row
written per request, nothing else) and prints its ratio too: the ceiling for any command here.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CXZY = str(Path(sys.executable).with_name("cxzy"))
DATABASE = "cxzy_bench_write"
TARGETS = {1: 0.4, 16: 0.15}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def call(port: int, method: str, path: str, body: object = None, token: str = "") -> object:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn.request(method, path, json.dumps(body) if body is not None else None, headers)
    answer = conn.getresponse()
    data = json.loads(answer.read() or b"null")
    conn.close()
    if answer.status >= 300:
        raise SystemExit(f"{method} {path}: {answer.status} {data}")
    return data


Clerk = tuple[str, str, dict[str, object]]  # branch, token, a daily record of one of its members


def client(port: int, clerk: Clerk, start: float, stop: float) -> list[float]:
    """One client: POST the record again and again on one keep-alive connection from ``start``
    to ``stop`` (wall clock); the latencies (ms) of its commands."""
    branch, token, body = clerk
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    payload = json.dumps(body)
    latencies = []
    time.sleep(max(0.0, start - time.time()))
    while time.time() < stop:
        began = time.perf_counter()
        conn.request("POST", f"/api/v1/branches/{branch}/records", payload, headers)
        answer = conn.getresponse()
        answer.read()
        if answer.status != 201:
            raise SystemExit(f"a command failed: {answer.status}")
        latencies.append((time.perf_counter() - began) * 1000)
    conn.close()
    return latencies


def commands(port: int, clerks: list[Clerk], n: int, seconds: float) -> dict[str, float]:
    """``n`` clients, the i-th a clerk of ``clerks[i % len(clerks)]``."""
    start = time.time() + 1.0
    with multiprocessing.get_context("spawn").Pool(n) as pool:
        results = pool.starmap(
            client, [(port, clerks[i % len(clerks)], start, start + seconds) for i in range(n)]
        )
    latencies = [t for r in results for t in r]
    return {
        "rate": len(latencies) / seconds,
        "p50": statistics.median(latencies),
        "p95": sorted(latencies)[int(0.95 * (len(latencies) - 1))],
    }


def raw(url: str, n: int, seconds: float) -> float:
    """Single-row INSERT + COMMIT from ``n`` threads, each on its own connection: commits/s."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_raw (id BIGSERIAL PRIMARY KEY, body TEXT)")
    counts = [0] * n
    start = time.time() + 0.5
    stop = start + seconds

    def work(i: int) -> None:
        with psycopg.connect(url) as conn:
            time.sleep(max(0.0, start - time.time()))
            while time.time() < stop:
                conn.execute("INSERT INTO bench_raw (body) VALUES (%s)", ("带头参加志愿服务",))
                conn.commit()
                counts[i] += 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("TRUNCATE bench_raw")
    return sum(counts) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--clients", default="1,16")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument(
        "--branches",
        type=int,
        default=1,
        help="clients write to this many branches in turn (default 1: all to b01)",
    )
    parser.add_argument("--floor", action="store_true", help="measure the stack's floor too")
    args = parser.parse_args()
    import psycopg

    with psycopg.connect(args.postgres, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone():
            conn.execute(f"CREATE DATABASE {DATABASE}")
    url = args.postgres.rsplit("/", 1)[0] + f"/{DATABASE}"
    store = ["--database-url", url]
    built = subprocess.run([CXZY, "tenants", "list", *store], capture_output=True, text=True)
    if "b01" not in built.stdout:
        subprocess.run([CXZY, "demo", "--no-serve", *store], check=True)
    os.environ.setdefault("CXZY_SECRET_KEY", secrets.token_hex(32))
    port, floor_port = free_port(), free_port()
    floor = None
    if args.floor:
        floor = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "--chdir",
                str(ROOT / "bench"),
                "--workers",
                str(args.workers),
                "--threads",
                str(args.threads),
                "-k",
                "gthread",
                "--bind",
                f"127.0.0.1:{floor_port}",
                f"floor_app:create({url!r})",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    server = subprocess.Popen(
        [
            CXZY,
            "serve",
            *store,
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--max-connections",
            "40",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/openapi.json", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        while floor is not None:
            try:
                socket.create_connection(("127.0.0.1", floor_port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        today = time.strftime("%Y-%m-%d")
        clerks: list[Clerk] = []
        for number in range(1, args.branches + 1):
            branch = f"b{number:02d}"
            answer = call(
                port,
                "POST",
                "/api/v1/auth/token",
                {"username": f"{branch}-clerk", "password": "demo"},
            )
            token = str(answer["access_token"])  # type: ignore[index]
            members = call(
                port, "GET", f"/api/v1/branches/{branch}/members?per_page=1", token=token
            )
            body = {
                "year": int(today[:4]),
                "on": today,
                "level": "member",
                "subject": members["items"][0]["member_no"],  # type: ignore[index]
                "text": "带头参加志愿服务",
                "criterion": 1,
            }
            call(port, "POST", f"/api/v1/branches/{branch}/records", body, token)  # warm up
            clerks.append((branch, token, body))
        print(
            f"load: {os.getloadavg()[0]:.2f} (1 min); cxzy serve --workers {args.workers} "
            f"--threads {args.threads}; {args.seconds:.0f} s each"
        )
        for n in (int(c) for c in args.clients.split(",")):
            got = commands(port, clerks, n, args.seconds)
            least = commands(floor_port, clerks, n, args.seconds) if floor else None
            baseline = raw(url, n, args.seconds)
            ratio = got["rate"] / baseline
            target = TARGETS.get(n)
            verdict = (
                ""
                if target is None
                else (f" (target {target}x: {'met' if ratio >= target else 'NOT met'})")
            )
            print(
                f"{n:3d} clients: {got['rate']:7.0f} commands/s (p50 {got['p50']:.1f} ms, "
                f"p95 {got['p95']:.1f} ms); raw insert+commit {baseline:7.0f}/s; "
                f"ratio {ratio:.2f}{verdict}"
            )
            if least is not None:
                print(
                    f"     the stack's floor (bench/floor_app.py): {least['rate']:7.0f} requests/s "
                    f"(p50 {least['p50']:.1f} ms); ratio {least['rate'] / baseline:.2f}; "
                    f"commands reach {got['rate'] / least['rate']:.2f} of it"
                )
    finally:
        for process in (server, floor):
            if process is not None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait()


if __name__ == "__main__":
    main()
