"""Where one command's time goes: ``POST /api/v1/branches/b01/records`` under cProfile.

    .venv/bin/python bench/profile_command.py [--database-url URL | --data-dir DIR]
                                              [--commands 300] [--top 30]

Uses the demo (building it into DIR, SQLite, unless there; ``--database-url`` names a
PostgreSQL database holding it, such as the one ``bench/write_ratio.py`` makes), signs in as
``b01-clerk`` and sends ``--commands`` daily records through the Flask test client (the whole
route, in this process), first untimed (warm), then under cProfile. Prints the time per
command and the functions by cumulative time, this project's and the library's.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CXZY = str(Path(sys.executable).with_name("cxzy"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT / "bench" / "out" / "profile")
    parser.add_argument("--database-url")
    parser.add_argument("--commands", type=int, default=300)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    from cxzy_saas.config import Settings
    from cxzy_saas.web.app import create_app

    store = (
        ["--database-url", args.database_url]
        if args.database_url
        else ["--data-dir", str(args.data_dir)]
    )
    built = subprocess.run([CXZY, "tenants", "list", *store], capture_output=True, text=True)
    if "b01" not in built.stdout:
        subprocess.run([CXZY, "demo", "--no-serve", *store], check=True)
    settings = (
        Settings(database_url=args.database_url)
        if args.database_url
        else Settings(data_dir=args.data_dir)
    )
    app = create_app(settings, {"TESTING": True, "EMBEDDED_PROJECTOR": False})
    client = app.test_client()
    token = client.post(
        "/api/v1/auth/token", json={"username": "b01-clerk", "password": "demo"}
    ).json["access_token"]  # type: ignore[index]
    headers = {"Authorization": f"Bearer {token}"}
    member = client.get("/api/v1/branches/b01/members?per_page=1", headers=headers).json[
        "items"  # type: ignore[index]
    ][0]["member_no"]
    today = time.strftime("%Y-%m-%d")
    body = {
        "year": int(today[:4]),
        "on": today,
        "level": "member",
        "subject": member,
        "text": "带头参加志愿服务",
        "criterion": 1,
    }

    def send(n: int) -> float:
        started = time.perf_counter()
        for _ in range(n):
            answer = client.post("/api/v1/branches/b01/records", json=body, headers=headers)
            assert answer.status_code == 201, answer.json
        return (time.perf_counter() - started) / n * 1000

    send(20)
    plain = send(args.commands)
    profile = cProfile.Profile()
    profile.enable()
    send(args.commands)
    profile.disable()
    print(f"{plain:.2f} ms a command (unprofiled, {args.commands} commands, in process)")
    stats = pstats.Stats(profile)
    # Work a command does whatever the machine's load: round trips and aggregate loads.
    counted = {
        "aggregate loads (repository get)": ("eventsourcing/application.py", "get"),
        "event selects": (None, "select_events"),
        "statements sent": ("psycopg/cursor.py" if args.database_url else "sqlite", "execute"),
        "deep copies": ("copy.py", "deepcopy"),
    }
    table = stats.stats  # type: ignore[attr-defined]
    for label, (where, name) in counted.items():
        calls = sum(
            primitive
            for (file, _, function), (primitive, *_rest) in table.items()
            if function == name and (where is None or where in file)
        )
        print(f"{calls / args.commands:8.1f} {label} a command")
    stats.sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
