"""The projector killed (SIGKILL) again and again mid-work ends with the same read models as a
clean rebuild: every batch's rows and tracking positions commit together, so after a restart no
event is counted twice and none is lost.

A real ``cxzy project run`` process is killed at different moments: between polls of its
progress, and while it holds the read model's write lock (inside a batch's transaction). Batches
are kept small so that the run lasts long enough to be interrupted several times.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.config import Settings
from cxzy_saas.projections.db import SQLiteReadModel
from cxzy_saas.projections.projector import Projector
from cxzy_saas.projections.queries import dump

TIMEOUT = 60.0  # the longest any single wait may take
CLI = [sys.executable, "-m", "cxzy_saas.cli"]

# (batch size, fraction of all events committed before the kill is armed, how to kill):
# "poll" kills when a poll sees that much progress (a random few milliseconds later),
# "in-tx" when the projector is then seen holding the write lock (inside a batch's
# transaction), "commit" as soon as a commit is seen (the instant between two transactions).
ROUNDS = [
    (1, 0.05, "poll"),
    (3, 0.15, "commit"),
    (20, 0.30, "in-tx"),
    (2, 0.45, "commit"),
    (1, 0.60, "poll"),
    (5, 0.70, "commit"),
    (2, 0.80, "in-tx"),
    (1, 0.90, "commit"),
]


def cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CXZY_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def cli(*args: str) -> str:
    done = subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=cli_env(),
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def heads(data: Path) -> dict[str, int]:
    status = json.loads(cli("project", "status", "--format", "json", "--data-dir", str(data)))
    return {row["tenant"]: row["head"] for row in status["tenants"]}


def tracked(path: Path) -> dict[str, int]:
    """The committed tracking positions ({} before the projector made its tables)."""
    conn = sqlite3.connect(str(path), timeout=TIMEOUT)
    try:
        return {t: int(p) for t, p in conn.execute("SELECT tenant, position FROM rm_tracking")}
    except sqlite3.OperationalError as e:
        if "no such table" in str(e):
            return {}
        raise
    finally:
        conn.close()


def ahead_of_tracking(path: Path) -> dict[str, tuple[int, int]]:
    """Tenants whose committed rows reflect events past their committed tracking position:
    those events would be projected (counted) a second time after a restart."""
    conn = sqlite3.connect(str(path), timeout=TIMEOUT)
    try:
        rows = conn.execute(
            "SELECT i.tenant, MAX(i.position), COALESCE(t.position, 0) FROM rm_time_index i "
            "LEFT JOIN rm_tracking t ON t.tenant = i.tenant GROUP BY i.tenant"
        ).fetchall()
    finally:
        conn.close()
    return {tenant: (rows_at, at) for tenant, rows_at, at in rows if rows_at > at}


def done_count(positions: dict[str, int], head: dict[str, int]) -> int:
    return sum(min(positions.get(t, 0), h) for t, h in head.items())


def write_lock_held(path: Path) -> bool:
    """True when another connection holds the write lock, i.e. a transaction is open."""
    conn = sqlite3.connect(str(path), timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as e:
        if "locked" in str(e) or "busy" in str(e):
            return True
        raise
    else:
        conn.execute("ROLLBACK")
        return False
    finally:
        conn.close()


def committed_again(path: Path, deadline: float) -> bool:
    """Spin until another connection commits to the read model (or the deadline passes)."""
    conn = sqlite3.connect(str(path), timeout=TIMEOUT)
    try:
        version = conn.execute("PRAGMA data_version").fetchone()
        while time.monotonic() < deadline:
            if conn.execute("PRAGMA data_version").fetchone() != version:
                return True
        return False
    finally:
        conn.close()


def start_projector(data: Path, batch_size: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as err:
        return subprocess.Popen(
            [
                *CLI,
                "project",
                "run",
                "--interval",
                "0.1",
                "--batch-size",
                str(batch_size),
                "--data-dir",
                str(data),
            ],
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=cli_env(),
        )


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, sig)
    proc.wait(timeout=TIMEOUT)


def diff_summary(a: dict[str, list[Any]], b: dict[str, list[Any]]) -> str:
    lines = []
    for table in sorted(set(a) | set(b)):
        left, right = a.get(table, []), b.get(table, [])
        if left != right:
            only_a = [r for r in left if r not in right]
            only_b = [r for r in right if r not in left]
            lines.append(
                f"{table}: {len(left)} vs {len(right)} rows; "
                f"only after crashes {only_a[:3]}; only in the rebuild {only_b[:3]}"
            )
    return "\n".join(lines)


def test_killed_projector_catches_up_to_exactly_a_clean_rebuild(tmp_path: Path) -> None:
    data = tmp_path / "var"
    cli("demo", "--no-serve", "--branches", "2", "--seed", "11", "--data-dir", str(data))
    head = heads(data)  # also creates the (empty) read model
    total = sum(head.values())
    assert total > 1000, head
    read_model = data / "projections.sqlite3"
    log = tmp_path / "projector.log"
    rng = random.Random(20260101)
    interrupted = []  # (round, committed events after the kill)
    proc: subprocess.Popen[bytes] | None = None
    try:
        for n, (batch_size, fraction, how) in enumerate(ROUNDS):
            before = done_count(tracked(read_model), head)
            target = max(before + 1, int(total * fraction))
            proc = start_projector(data, batch_size, log)
            deadline = time.monotonic() + TIMEOUT
            armed = False
            while True:
                assert time.monotonic() < deadline, f"round {n}: no progress ({log.read_text()})"
                assert proc.poll() is None, f"projector exited: {log.read_text()}"
                if not armed:
                    armed = done_count(tracked(read_model), head) >= target
                    if armed and how == "poll":
                        time.sleep(rng.uniform(0, 0.005))
                        break
                elif how == "commit":
                    if committed_again(read_model, deadline):
                        break
                elif write_lock_held(read_model):
                    break
                time.sleep(0.001)
            stop(proc)
            ahead = ahead_of_tracking(read_model)
            print("AHEAD", n, ahead)
            after = done_count(tracked(read_model), head)
            assert after >= before, "committed work went missing"
            if after < total:
                interrupted.append((n, after))
        print("INTERRUPTED", interrupted, total)
        # at least three kills left the projector with work to do
        assert len(interrupted) >= 3, (interrupted, total)

        # a last run catches up completely
        proc = start_projector(data, 50, log)
        deadline = time.monotonic() + TIMEOUT
        while done_count(tracked(read_model), head) < total:
            assert time.monotonic() < deadline, f"no catch-up: {log.read_text()}"
            assert proc.poll() is None, f"projector exited: {log.read_text()}"
            time.sleep(0.01)
        status = json.loads(cli("project", "status", "--format", "json", "--data-dir", str(data)))[
            "tenants"
        ]
        assert {r["tenant"]: r["lag"] for r in status} == {t: 0 for t in head}
        stop(proc, signal.SIGTERM)
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(timeout=TIMEOUT)

    # a clean read model from the same logs, in one pass
    tenancy = Tenancy(Settings(data_dir=data))
    clean_db = SQLiteReadModel(tmp_path / "clean.sqlite3")
    crashed_db = SQLiteReadModel(read_model)
    try:
        Projector(tenancy, clean_db).rebuild()
        clean, crashed = dump(clean_db), dump(crashed_db)
    finally:
        clean_db.close()
        crashed_db.close()
        tenancy.close()
    for table in ("rm_assessments", "rm_record_counts", "rm_leaderboard", "rm_time_index"):
        assert clean[table], f"{table} is empty: the comparison would prove little"
    assert crashed == clean, diff_summary(crashed, clean)
