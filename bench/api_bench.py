"""Requests per second of the leaderboard endpoint under gunicorn, against Flask's own server.

    .venv/bin/python bench/api_bench.py [--data-dir DIR | --database-url URL] [--workers N]
                                        [--seconds 10] [--connections 16]

Builds the default demo (6 branches, seed 7) into DIR (or an empty PostgreSQL database) unless
it is there already, then for each
server (``cxzy serve``, i.e. gunicorn with threaded workers; and Flask's development server as
the baseline) starts it as its own process, signs in as the committee's admin and loads
``GET /api/v1/campaigns/2026/leaderboards/member`` with wrk (Debian package ``wrk``) from a
third process, printing requests/s, latency and the ratio to the baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CXZY = str(Path(sys.executable).with_name("cxzy"))
PATH = "/api/v1/campaigns/2026/leaderboards/member"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(base: str) -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{base}/api/openapi.json", timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server at {base} did not start")


def token(base: str) -> str:
    request = urllib.request.Request(
        f"{base}/api/v1/auth/token",
        data=json.dumps({"username": "admin", "password": "demo"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        return str(json.loads(response.read())["access_token"])


FLASK_SERVER = (
    "import sys; from pathlib import Path; from cxzy_saas.config import Settings; "
    "from cxzy_saas.web.app import create_app; where = sys.argv[1]; "
    "settings = Settings(database_url=where) if where.startswith('postgres') "
    "else Settings(data_dir=Path(where)); "
    "create_app(settings, {'TESTING': True}).run(port=int(sys.argv[2]), threaded=True)"
)


def measure(name: str, command: list[str], port: int, args: argparse.Namespace) -> dict[str, float]:
    server = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base)
        auth = f"Authorization: Bearer {token(base)}"
        urllib.request.urlopen(
            urllib.request.Request(base + PATH, headers=dict([auth.split(": ", 1)]))
        )
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{args.connections}",
                f"-d{args.seconds}s",
                "--latency",
                "-H",
                auth,
                base + PATH,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"50%\s+([\d.]+)(\w+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(\w+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    print(
        f"{name}: {rps:,.0f} requests/s, p50 {p50.group(1)}{p50.group(2)}, "  # type: ignore[union-attr]
        f"p99 {p99.group(1)}{p99.group(2)}, non-2xx {errors.group(1) if errors else 0}"
    )  # type: ignore[union-attr]
    return {"rps": rps}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT / "bench" / "out" / "api")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--database-url", help="PostgreSQL: gunicorn may run several workers")
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    store = (
        ["--database-url", args.database_url]
        if args.database_url
        else ["--data-dir", str(args.data_dir)]
    )
    built = subprocess.run([CXZY, "tenants", "list", *store], capture_output=True, text=True)
    if "demo" not in built.stdout:
        subprocess.run([CXZY, "demo", "--no-serve", *store], check=True)
        subprocess.run([CXZY, "project", "rebuild", *store], check=True)
    workers = ["--workers", str(args.workers)] if args.workers else []
    os.environ.setdefault("CXZY_SECRET_KEY", secrets.token_hex(32))  # the servers refuse without
    port = free_port()
    gunicorn = measure(
        f"gunicorn (cxzy serve {' '.join(workers)})",
        [CXZY, "serve", *store, "--port", str(port), "--threads", str(args.threads), *workers],
        port,
        args,
    )
    port = free_port()
    where = args.database_url or str(args.data_dir)
    flask = measure(
        "baseline: Flask development server, threaded",
        [sys.executable, "-c", FLASK_SERVER, where, str(port)],
        port,
        args,
    )
    print(f"ratio gunicorn / baseline: {gunicorn['rps'] / flask['rps']:.2f}")


if __name__ == "__main__":
    main()
