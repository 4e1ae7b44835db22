"""Many projector workers on PostgreSQL share the committees by lease; one killed (SIGKILL) in
mid-batch while writes go on loses nothing: its committees are taken over within two lease
periods, and afterwards the read models equal a clean rebuild, table by table.

Also: a rebuild refuses while a worker holds a lease, naming it; a stale owner's batch rolls back;
on SQLite a second projector is refused with a clear message.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from cxzy_saas import wiring
from cxzy_saas.application.commands.organisation import FormGroup
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.config import Settings
from cxzy_saas.projections.engine import Superseded
from cxzy_saas.projections.ownership import Leases, ProjectorBusy
from cxzy_saas.projections.projector import current_model
from cxzy_saas.projections.queries import dump
from tests.builders import a_clerk, a_committee_with_branches, a_member
from tests.conftest import drop_database, fresh_database

CLI = [sys.executable, "-m", "cxzy_saas.cli"]
LEASE = 2.0  # seconds
TIMEOUT = 90.0


def env(url: str) -> dict[str, str]:
    found = {k: v for k, v in os.environ.items() if not k.startswith("CXZY_")}
    return {**found, "CXZY_DATABASE_URL": url, "CXZY_MAX_CONNECTIONS": "4"}


def status(url: str) -> dict[str, Any]:
    done = subprocess.run(
        [*CLI, "project", "status", "--format", "json"],
        capture_output=True,
        text=True,
        env=env(url),
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def owners(url: str) -> dict[str, str | None]:
    return {c["committee"]: c["owner"] for c in status(url)["committees"]}


def worker(url: str, log: Path) -> subprocess.Popen[bytes]:
    command = ["project", "run", "--interval", "0.05", "--batch-size", "7"]
    with log.open("ab") as err:
        return subprocess.Popen(
            [*CLI, *command, "--lease-seconds", str(LEASE)],
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=env(url),
        )


@pytest.fixture
def cell(postgres_url: str) -> Iterator[str]:
    url = fresh_database(postgres_url)
    try:
        yield url
    finally:
        drop_database(url)


def populate(tenancy: Tenancy, committees: int, members: int) -> list[str]:
    branches = []
    for _ in range(committees):
        _, codes = a_committee_with_branches(tenancy, "第一支部", "第二支部")
        branches += codes
    for code in branches:
        app = tenancy.branch(code)
        app.form_group(a_clerk(code), FormGroup(code="g1", name="第一党小组"))
        for i in range(members):
            app.enrol_member(a_clerk(code), a_member(f"M{i:03d}", group="g1"))
    return branches


@pytest.mark.postgres
def test_three_workers_one_killed_mid_batch_end_equal_to_a_clean_rebuild(
    cell: str, tmp_path: Path
) -> None:
    settings = Settings(database_url=cell, max_connections=4, data_dir=tmp_path / "var")
    tenancy = Tenancy(settings)
    branches = populate(tenancy, committees=6, members=40)
    log = tmp_path / "workers.log"
    writing = threading.Event()
    writing.set()
    written = []

    def write() -> None:  # another process's clerks keep recording meanwhile
        n = 0
        while writing.is_set():
            code = branches[n % len(branches)]
            tenancy.branch(code).enrol_member(a_clerk(code), a_member(f"W{n:04d}", group="g1"))
            written.append(code)
            n += 1
            time.sleep(0.01)

    writer = threading.Thread(target=write)
    procs = [worker(cell, log) for _ in range(3)]
    try:
        writer.start()
        deadline = time.monotonic() + TIMEOUT
        # every worker holds committees (7 units: the registry's and 6 committees)
        while len({o for o in owners(cell).values() if o}) < 3:
            assert time.monotonic() < deadline, log.read_text()
            assert all(p.poll() is None for p in procs), log.read_text()
            time.sleep(0.2)
        victim = procs[0]
        held = [c for c, o in owners(cell).items() if o and o.split(":")[1] == str(victim.pid)]
        assert held, owners(cell)
        time.sleep(0.3)  # in mid-work: batches of 7 events, writes going on
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(timeout=TIMEOUT)
        killed = time.monotonic()
        # taken over by the others within two lease periods
        while True:
            now = owners(cell)
            if all(now[c] and now[c].split(":")[1] != str(victim.pid) for c in held):
                break
            assert time.monotonic() - killed < 2 * LEASE + 1.0, (held, now)
            time.sleep(0.1)
        time.sleep(1.0)  # writes go on after the takeover too
        writing.clear()
        writer.join(timeout=TIMEOUT)
        while any(t["lag"] for t in status(cell)["tenants"]):
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        assert written, "no writes while the workers ran"
    finally:
        writing.clear()
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait(timeout=TIMEOUT)

    projector = wiring.projector(tenancy)
    try:
        assert projector.quarantine() == []
        followed = dump(projector.db)
        projector.rebuild()
        clean = dump(projector.db)
        assert clean["rm_subjects"] and clean["rm_time_index"]
        for table in clean:
            assert followed[table] == clean[table], table
    finally:
        tenancy.close()


@pytest.mark.postgres
def test_rebuild_refuses_while_a_worker_holds_a_lease_and_a_stale_batch_rolls_back(
    cell: str, tmp_path: Path
) -> None:
    tenancy = Tenancy(Settings(database_url=cell, max_connections=4, data_dir=tmp_path / "v"))
    try:
        populate(tenancy, committees=1, members=2)
        projector = wiring.projector(tenancy, lease_seconds=30)
        projector.step()  # the worker now owns every committee
        other = wiring.projector(tenancy)
        with pytest.raises(ProjectorBusy, match=projector.leases.owner):  # type: ignore[union-attr]
            other.rebuild()
        # a stale owner: its lease is taken by another (as after an expiry) while it reads
        assert projector.leases is not None
        owner = projector.leases.owner
        thief = Leases(projector.db, "thief", 30)
        read = projector.logs.notifications

        def read_then_lose_the_lease(*args: Any, **kw: Any) -> Any:
            with projector.db.transaction() as tx:
                tx.execute("UPDATE rm_leases SET owner = 'thief' WHERE owner = ?", (owner,))
            return read(*args, **kw)

        before = dump(projector.db)
        code = tenancy.tenants()[-1].code
        tenancy.branch(code).enrol_member(a_clerk(code), a_member("M900", group="g1"))
        projector.logs.notifications = read_then_lose_the_lease  # type: ignore[method-assign]
        with pytest.raises(Superseded):
            projector.step()
        assert dump(projector.db) == before  # nothing of the stale batch was written
        thief.release()
    finally:
        tenancy.close()


@pytest.mark.postgres
def test_a_killed_workers_membership_row_is_cleared_once_long_expired(
    cell: str, tmp_path: Path
) -> None:
    """A worker killed with -9 never deletes its ``@<owner>`` row; without a sweep each
    restart of a crashing worker would leave one more for good."""
    tenancy = Tenancy(Settings(database_url=cell, max_connections=4, data_dir=tmp_path / "v"))
    try:
        populate(tenancy, committees=1, members=1)
        projector = wiring.projector(tenancy, lease_seconds=30)
        with projector.db.transaction() as tx:
            tx.execute(
                "INSERT INTO rm_leases (committee, owner, expires_at) VALUES "
                "('@dead-long-ago', 'dead-long-ago', now() - interval '1 hour'), "
                "('@dead-just-now', 'dead-just-now', now() - interval '1 second')"
            )
        projector.step()
        with projector.db.read() as tx:
            members = {c for (c,) in tx.query("SELECT committee FROM rm_leases")}
        assert "@dead-long-ago" not in members
        assert "@dead-just-now" in members  # expired, but within the sweep's grace
        assert projector.leases is not None and "@" + projector.leases.owner in members
    finally:
        tenancy.close()


def test_a_second_projector_on_sqlite_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "var"
    tenancy = Tenancy(Settings(data_dir=data))
    try:
        populate(tenancy, committees=1, members=1)
    finally:
        tenancy.close()
    plain = {k: v for k, v in os.environ.items() if not k.startswith("CXZY_")}
    first = subprocess.Popen(
        [*CLI, "project", "run", "--data-dir", str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=plain,
    )
    try:
        assert first.stdout is not None
        assert b"running" in first.stdout.readline()
        for command in (["project", "run"], ["project", "rebuild"]):
            second = subprocess.run(
                [*CLI, *command, "--data-dir", str(data)],
                capture_output=True,
                text=True,
                env=plain,
                timeout=TIMEOUT,
                check=False,
            )
            assert second.returncode != 0
            assert "another projector is running" in second.stderr
            assert f"pid {first.pid}" in second.stderr
    finally:
        first.send_signal(signal.SIGINT)
        first.communicate(timeout=TIMEOUT)


def test_a_read_command_never_writes_a_model_another_projector_owns(tmp_path: Path) -> None:
    """``cxzy leaderboard`` brings the live model up to date itself only when no projector
    owns it; while one does, it waits for it and writes nothing (its catch-up used to race the
    running projector and lose with ``Superseded``)."""
    data = tmp_path / "var"
    tenancy = Tenancy(Settings(data_dir=data))
    try:
        (branch,) = populate(tenancy, committees=1, members=2)[:1]
        logs, models = wiring.read_port(tenancy), wiring.read_models(tenancy)
        wiring.projector(tenancy).catch_up()
        live = models.open()
        before = dump(live)
        live.close()
        holder = subprocess.Popen(  # another process owns the projector's lock
            [
                sys.executable,
                "-c",
                "import fcntl, os, sys, time\n"
                f"fd = os.open({str(models.path.with_suffix('.lock'))!r}, os.O_RDWR | os.O_CREAT)\n"
                "fcntl.flock(fd, fcntl.LOCK_EX)\nprint('held', flush=True)\ntime.sleep(120)\n",
            ],
            stdout=subprocess.PIPE,
        )
        try:
            assert holder.stdout is not None and b"held" in holder.stdout.readline()
            tenancy.branch(branch).enrol_member(a_clerk(branch), a_member("M900", group="g1"))
            started = time.monotonic()
            db = current_model(logs, models, timeout=0.5)
            assert time.monotonic() - started >= 0.5  # waited for the owner
            assert dump(db) == before  # and wrote nothing
            db.close()
        finally:
            holder.kill()
            holder.communicate()
        caught_up = current_model(logs, models, timeout=0.5)  # nobody owns it now
        assert dump(caught_up) != before
        caught_up.close()
        assert wiring.projector(tenancy).status()[-1]["lag"] == 0
    finally:
        tenancy.close()


@contextmanager
def enrolling(tenancy: Tenancy, branches: list[str], prefix: str) -> Iterator[None]:
    """Members enrolled in the branches in turn, from a thread, until the block ends."""
    writing = threading.Event()
    writing.set()

    def write() -> None:
        n = 0
        while writing.is_set():
            code = branches[n % len(branches)]
            tenancy.branch(code).enrol_member(a_clerk(code), a_member(f"{prefix}{n:04d}"))
            n += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        yield
    finally:
        writing.clear()
        writer.join(timeout=TIMEOUT)


def test_leaderboards_as_of_beside_a_running_sqlite_projector_all_answer(tmp_path: Path) -> None:
    data = tmp_path / "var"
    tenancy = Tenancy(Settings(data_dir=data))
    try:
        branches = populate(tenancy, committees=1, members=2)
        committee = tenancy.parent_of(branches[0])
        plain = {k: v for k, v in os.environ.items() if not k.startswith("CXZY_")}
        projector = subprocess.Popen(
            [*CLI, "project", "run", "--interval", "0.05", "--data-dir", str(data)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=plain,
        )
        try:
            assert projector.stdout is not None and b"running" in projector.stdout.readline()
            with enrolling(tenancy, branches, "W"):
                asked = ["--committee", committee, "--as-of", "2026-06-30", "--format", "json"]
                asked += ["--data-dir", str(data)]
                for _ in range(4):
                    done = subprocess.run(
                        [*CLI, "leaderboard", "--campaign", "2026", "--level", "member", *asked],
                        capture_output=True,
                        text=True,
                        env=plain,
                        timeout=TIMEOUT,
                        check=False,
                    )
                    assert done.returncode == 0, done.stderr
                    assert json.loads(done.stdout)["as_of"] == "2026-06-30"
        finally:
            projector.send_signal(signal.SIGINT)
            projector.communicate(timeout=TIMEOUT)
    finally:
        tenancy.close()


@pytest.mark.postgres
def test_a_worker_takes_its_committees_over_several_short_passes_and_ends_equal(
    cell: str, tmp_path: Path
) -> None:
    """A pass spends at most its budget on committees newly taken (one at least), so that a
    worker's passes stay short and it claims a dead worker's leases in time; the rest follow
    in the next passes, and the read models end as a clean rebuild's."""
    tenancy = Tenancy(Settings(database_url=cell, max_connections=4, data_dir=tmp_path / "v"))
    try:
        populate(tenancy, committees=3, members=3)
        projector = wiring.projector(tenancy, lease_seconds=30)
        projector.take_budget = 0.0
        passes = [projector.step()]
        assert projector.leases is not None
        held = {c for c, (owner, _) in projector.leases.holders().items() if owner}
        assert len(held) == 4  # all leased from the first pass on, one caught up
        while passes[-1].pending:
            passes.append(projector.step())
            assert len(passes) < 10
        # the registry's unit and three committees: one taken a pass
        assert len(passes) == 4 and [p.pending for p in passes] == [True, True, True, False]
        followed = dump(projector.db)
        projector.leases.release()
        projector.rebuild()
        clean = dump(projector.db)
        for table in clean:
            assert followed[table] == clean[table], table
    finally:
        tenancy.close()


def test_the_workers_of_a_supervisor_killed_by_sigkill_end_with_it(cell: str, tmp_path: Path):
    """`cxzy project run --workers 2` killed with -9 left both workers running, holding leases
    beside the next supervisor's, which doubled them at each restart."""
    tenancy = Tenancy(Settings(database_url=cell, max_connections=4, data_dir=tmp_path / "var"))
    try:
        populate(tenancy, committees=2, members=3)
    finally:
        tenancy.close()
    with (tmp_path / "supervisor.log").open("ab") as err:
        supervisor = subprocess.Popen(
            [*CLI, "project", "run", "--workers", "2", "--lease-seconds", str(LEASE)],
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=env(cell),
        )
    try:
        deadline = time.monotonic() + TIMEOUT
        while len({o for o in owners(cell).values() if o}) < 2:  # both workers hold leases
            assert time.monotonic() < deadline and supervisor.poll() is None
            time.sleep(0.2)
        workers = {int(o.split(":")[1]) for o in owners(cell).values() if o}
        os.kill(supervisor.pid, signal.SIGKILL)
        supervisor.wait(timeout=TIMEOUT)
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in workers):
            assert time.monotonic() < deadline, f"workers {workers} outlived their supervisor"
            time.sleep(0.1)
    finally:
        if supervisor.poll() is None:
            supervisor.kill()


def alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie whose parent is gone counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


@pytest.mark.parametrize(("sent", "after"), [(signal.SIGINT, 0.05), (signal.SIGTERM, 0.3)])
def test_a_signal_stops_a_busy_sqlite_projector_and_a_new_one_runs(
    tmp_path: Path, sent: int, after: float
) -> None:
    """Ctrl-C or SIGTERM while members are enrolled (the projector busy with their names):
    the run ends at once, says so, and leaves the store to the next projector."""
    data = tmp_path / "var"
    tenancy = Tenancy(Settings(data_dir=data))
    try:
        branches = populate(tenancy, committees=1, members=2)
        plain = {k: v for k, v in os.environ.items() if not k.startswith("CXZY_")}
        with enrolling(tenancy, branches, "S"):
            for _ in range(2):  # the second run finds the store free
                projector = subprocess.Popen(
                    [*CLI, "project", "run", "--interval", "0.01", "--data-dir", str(data)],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    env=plain,
                )
                assert projector.stdout is not None
                assert b"running" in projector.stdout.readline()
                time.sleep(after)
                projector.send_signal(sent)
                out, err = projector.communicate(timeout=30)
                assert projector.returncode == 0, err
                assert b"stopped" in out
    finally:
        tenancy.close()
