"""The projector killed (SIGKILL) again and again mid-work ends with the same read models as a
clean rebuild: every batch's rows and tracking positions commit together, so after a restart no
event is counted twice and none is lost.

A real ``cxzy project run`` process is killed at different moments: a few milliseconds after a
poll saw enough progress, while it holds the read model's write lock (inside a batch's
transaction), and right after a commit (between two transactions). Batches are small so that the
run lasts long enough to be interrupted several times. While it runs, every committed state the
test reads must have its rows exactly as far as its tracking positions: each event writes
``rm_time_index`` (tenant, day) -> its position, so a tenant's highest position there is the last
event whose effects are committed.
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

from cxzy_saas import wiring
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.config import Settings
from cxzy_saas.projections.db import READ_MODEL_FILE, SQLiteReadModel
from cxzy_saas.projections.queries import dump

TIMEOUT = 60.0  # the longest any single wait may take
CLI = [sys.executable, "-m", "cxzy_saas.cli"]

# (batch size, fraction of all events committed before the kill is armed, how to kill):
# "poll" kills a random few milliseconds after a poll saw that much progress, "in-tx" when the
# projector is then seen holding the write lock (inside a batch's transaction), "commit" as soon
# as a commit is seen (the instant between two transactions).
ROUNDS = [
    (1, 0.05, "poll"),
    (3, 0.20, "commit"),
    (20, 0.35, "in-tx"),
    (2, 0.50, "commit"),
    (1, 0.65, "poll"),
    (2, 0.80, "in-tx"),
    (5, 0.90, "commit"),
]

# Per tenant: the committed tracking position, and the highest position the committed rows
# reflect, read in one statement (one snapshot).
SNAPSHOT_SQL = """
SELECT t.tenant, t.position,
       (SELECT MAX(i.position) FROM rm_time_index i WHERE i.tenant = t.tenant)
FROM rm_tracking t
UNION ALL
SELECT i.tenant, NULL, MAX(i.position) FROM rm_time_index i
WHERE i.tenant NOT IN (SELECT tenant FROM rm_tracking) GROUP BY i.tenant
"""


def cli_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("CXZY_")}


def cli(*args: str) -> str:
    done = subprocess.run(
        [*CLI, *args], capture_output=True, text=True, timeout=TIMEOUT, env=cli_env(), check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def status(data: Path) -> list[dict[str, Any]]:
    out = cli("project", "status", "--format", "json", "--data-dir", str(data))
    rows: list[dict[str, Any]] = json.loads(out)["tenants"]
    return rows


def snapshot(path: Path) -> dict[str, int]:
    """The committed tracking positions; fails when committed rows and positions disagree."""
    conn = sqlite3.connect(str(path), timeout=TIMEOUT)
    try:
        rows = conn.execute(SNAPSHOT_SQL).fetchall()
    except sqlite3.OperationalError as e:  # before the projector made its tables
        if "no such table" in str(e):
            return {}
        raise
    finally:
        conn.close()
    wrong = {t: (p, r) for t, p, r in rows if (p or 0) != (r or 0)}
    assert not wrong, (
        "committed rows and tracking disagree, {tenant: (tracked, rows up to)}: "
        f"{wrong} (rows ahead: events will be counted twice; behind: events are lost)"
    )
    return {t: int(p) for t, p, _ in rows if p is not None}


def progress(positions: dict[str, int], head: dict[str, int]) -> int:
    return sum(min(positions.get(t, 0), h) for t, h in head.items())


def write_lock_held(path: Path) -> bool:
    """True when another connection holds the write lock, i.e. has a transaction open."""
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


def commit_seen(path: Path, deadline: float) -> bool:
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
    command = ["project", "run", "--interval", "0.1", "--batch-size", str(batch_size)]
    with log.open("ab") as err:
        return subprocess.Popen(
            [*CLI, *command, "--data-dir", str(data)],
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=cli_env(),
        )


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, sig)
    proc.wait(timeout=TIMEOUT)


def diff_summary(crashed: dict[str, list[Any]], clean: dict[str, list[Any]]) -> str:
    def some(rows: list[Any]) -> str:
        return "; ".join(repr(r)[:160] for r in rows[:2])

    lines = []
    for table in sorted(set(crashed) | set(clean)):
        a, b = crashed.get(table, []), clean.get(table, [])
        if a != b:
            lines.append(
                f"{table}: {len(a)} vs {len(b)} rows; "
                f"only after the crashes: {some([r for r in a if r not in b])}; "
                f"only in the rebuild: {some([r for r in b if r not in a])}"
            )
    return "\n".join(lines)


def test_killed_projector_catches_up_to_exactly_a_clean_rebuild(tmp_path: Path) -> None:
    data = tmp_path / "var"
    # One past year (whatever the real date), closed and sealed. The demo leaves its read
    # model built: it is removed, so that the projector has the whole logs to project.
    cli(
        "demo",
        "--no-serve",
        "--branches",
        "2",
        "--seed",
        "11",
        "--year",
        "2024",
        "--data-dir",
        str(data),
    )
    for path in data.glob(f"{READ_MODEL_FILE}*"):
        path.unlink()
    head = {r["tenant"]: r["head"] for r in status(data)}  # also creates the empty read model
    total = sum(head.values())
    assert total > 1000, head
    read_model = data / "projections.sqlite3"
    log = tmp_path / "projector.log"
    rng = random.Random(2026)
    interrupted = []  # (round, events committed after the kill) when work was left
    proc: subprocess.Popen[bytes] | None = None
    try:
        for n, (batch_size, fraction, how) in enumerate(ROUNDS):
            before = progress(snapshot(read_model), head)
            target = max(before + 1, int(total * fraction))
            proc = start_projector(data, batch_size, log)
            deadline = time.monotonic() + TIMEOUT
            while progress(snapshot(read_model), head) < target:
                assert time.monotonic() < deadline, f"round {n}: too slow\n{log.read_text()}"
                assert proc.poll() is None, f"projector exited:\n{log.read_text()}"
                time.sleep(0.0005)
            if how == "poll":
                time.sleep(rng.uniform(0, 0.005))
            elif how == "commit":
                assert commit_seen(read_model, deadline), f"round {n}: no commit"
            else:
                while not write_lock_held(read_model):
                    assert time.monotonic() < deadline, f"round {n}: no transaction"
                    assert proc.poll() is None, f"projector exited:\n{log.read_text()}"
            stop(proc)
            after = progress(snapshot(read_model), head)
            assert after >= before, f"round {n}: committed work went missing"
            if after < total:
                interrupted.append((n, after))
        assert len(interrupted) >= 3, f"too few kills landed before the end: {interrupted}"

        # a last run catches up completely
        proc = start_projector(data, 50, log)
        deadline = time.monotonic() + TIMEOUT
        while progress(snapshot(read_model), head) < total:
            assert time.monotonic() < deadline, f"no catch-up:\n{log.read_text()}"
            assert proc.poll() is None, f"projector exited:\n{log.read_text()}"
            time.sleep(0.0005)
        assert {r["tenant"]: r["lag"] for r in status(data)} == dict.fromkeys(head, 0)
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
        wiring.projector(tenancy, clean_db).rebuild()
        clean, crashed = dump(clean_db), dump(crashed_db)
    finally:
        clean_db.close()
        crashed_db.close()
        tenancy.close()
    for table in ("rm_assessments", "rm_record_counts", "rm_leaderboard", "rm_time_index"):
        assert clean[table], f"{table} is empty: the comparison would prove little"
    assert crashed == clean, diff_summary(crashed, clean)
