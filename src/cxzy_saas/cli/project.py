"""``cxzy project …`` (the projector and its read models) and ``cxzy leaderboard``."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.cli.common import opened, progress_bar, store_options
from cxzy_saas.config import Settings


@click.group()
def project() -> None:
    """The projector: read models built from every tenant log."""


batch_size_option = click.option(
    "--batch-size",
    type=click.IntRange(1, 1_000_000),
    default=5000,
    show_default=True,
    help="Events per committed batch.",
)


committee_option = click.option(
    "--committee",
    "committees",
    multiple=True,
    help="Only this committee (with its branches); may be repeated. Default: every one.",
)


cell_option = click.option(
    "--cell",
    "cells",
    multiple=True,
    help="Only this PostgreSQL cell (a name of CXZY_CELLS, or 'default'); may be repeated. "
    "Default: every cell.",
)


def _cells(tenancy: Tenancy, cells: tuple[str, ...], committees: tuple[str, ...] = ()) -> list[str]:
    """The cells a command works on: those named, else those of the committees named, else
    every configured one; in configuration order.

    Raises:
        InvalidInput: a cell that is not configured.
        NotFound: a committee that does not exist.
    """
    for cell in cells:
        tenancy.cell_store(cell)
    wanted = set(cells) or {tenancy.cell_of(c) for c in committees} or set(tenancy.cells)
    return [c for c in tenancy.cells if c in wanted]


def _label(tenancy: Tenancy, cell: str) -> str:
    """ " (cell NAME)" where a deployment has several cells; nothing otherwise."""
    return f" (cell {cell})" if len(tenancy.cells) > 1 else ""


@contextmanager
def _owned() -> Iterator[None]:
    """Another projector owning the work ends the command with its name, no traceback."""
    from cxzy_saas.projections.ownership import ProjectorBusy

    try:
        yield
    except ProjectorBusy as e:
        raise click.ClickException(str(e)) from None


@project.command("rebuild")
@batch_size_option
@committee_option
@cell_option
@store_options
def project_rebuild(
    settings: Settings, batch_size: int, committees: tuple[str, ...], cells: tuple[str, ...]
) -> None:
    """Empty the read models and project every log from the start (of every cell, of the
    cells named, or of the committees named, each in its cell's read models).

    Takes the leases of the committees it rebuilds (PostgreSQL) or the projector's lock
    (SQLite), and refuses, naming the holder, while another projector owns them."""
    from cxzy_saas.projections.projector import tune_collector

    with opened(settings) as tenancy, _owned():
        tune_collector()
        rebuild_cells(tenancy, _cells(tenancy, cells, committees), batch_size, committees)


def rebuild_cells(
    tenancy: Tenancy,
    cells: list[str] | None = None,
    batch_size: int = 5000,
    committees: tuple[str, ...] = (),
) -> None:
    """Rebuild the read models of ``cells`` (default: every one), and their as-of checkpoints
    unless only some ``committees`` are rebuilt: what ``cxzy project rebuild`` does, and what
    ``cxzy demo`` leaves built, on SQLite and PostgreSQL alike.

    Raises:
        ProjectorBusy: another projector owns the work.
    """
    from cxzy_saas import wiring

    for cell in tenancy.cells if cells is None else cells:
        projector = wiring.projector(tenancy, batch_size=batch_size, cell=cell)
        try:
            mine = [c for c in committees if tenancy.cell_of(c) == cell]
            total = sum(row["head"] for row in projector.status())
            with progress_bar() as progress:
                stats = projector.rebuild(
                    functools.partial(
                        _advance, progress, progress.add_task("重建读模型", total=total)
                    ),
                    mine or None,
                )
            click.echo(
                f"rebuilt{_label(tenancy, cell)}: {stats.events} events in {stats.seconds:.2f} s "
                f"({stats.rate:,.0f} events/s, {stats.batches} batches)"
            )
            if stats.quarantined:
                click.echo(f"quarantined: {stats.quarantined} events (see `cxzy project status`)")
            if not committees:
                with projector.owning():
                    _checkpoints(tenancy, projector.db, cell)
        finally:
            projector.db.close()


def _advance(progress: Any, task: Any, count: int) -> None:
    progress.update(task, advance=count)


def _checkpoints(tenancy: Tenancy, index: Any, cell: str) -> None:
    from cxzy_saas import wiring
    from cxzy_saas.projections.asof import build_checkpoints

    started = time.perf_counter()
    with progress_bar() as progress:
        task = progress.add_task("as-of 检查点", total=None)
        count = build_checkpoints(
            wiring.read_port(tenancy, cell),
            wiring.read_models(tenancy, cell),
            index,
            lambda day: progress.update(task, advance=1, description=day),
        )
    click.echo(
        f"as-of checkpoints{_label(tenancy, cell)}: {count} "
        f"in {time.perf_counter() - started:.2f} s"
    )


@project.command("checkpoint")
@cell_option
@store_options
def project_checkpoint(settings: Settings, cells: tuple[str, ...]) -> None:
    """Make the as-of checkpoints anew from the logs (the 15th and last day of each month, and
    a day by which a committee grew by 1,500 events)."""
    from cxzy_saas import wiring

    with opened(settings) as tenancy, _owned():
        for cell in _cells(tenancy, cells):
            projector = wiring.projector(tenancy, cell=cell)
            with projector.owning():
                if projector.leases is None:
                    projector.catch_up()
                _checkpoints(tenancy, projector.db, cell)


@project.command("run")
@click.option("--interval", type=float, default=0.5, show_default=True)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Worker processes (PostgreSQL); they share the committees by lease.",
)
@click.option(
    "--lease-seconds",
    type=click.FloatRange(0.5, 3600),
    default=10.0,
    show_default=True,
    help="How long a committee stays a silent worker's: a killed worker's committees are "
    "taken over within two lease periods.",
)
@batch_size_option
@cell_option
@store_options
def project_run(
    settings: Settings,
    interval: float,
    workers: int,
    lease_seconds: float,
    batch_size: int,
    cells: tuple[str, ...],
) -> None:
    """Follow every tenant log and keep the read models current (Ctrl-C stops).

    Runs as many processes as wanted, here (``--workers``) or on other machines: each takes
    committees whose leases are free, in the cells it serves (``--cell``; default every one).
    On SQLite only one projector may run."""
    from cxzy_saas import wiring
    from cxzy_saas.projections.projector import WAKE, follow, tune_collector

    if workers > 1:
        if settings.backend == "sqlite":
            raise click.UsageError("on SQLite one projector process follows the logs")
        _run_workers(workers)
        return

    # Ctrl-C and SIGTERM end the run after the pass under way, leases released. Not by raising
    # KeyboardInterrupt: raised inside SQLite's call of a Python function (the names' pinyin
    # key) it comes back as an OperationalError, which a pass survives; a run once went on
    # 90 s after its Ctrl-C.
    stopping = threading.Event()

    def stop(*_: Any) -> None:
        stopping.set()
        WAKE.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    with opened(settings) as tenancy, _owned(), contextlib.ExitStack() as owned:
        served = _cells(tenancy, cells)
        projectors = wiring.projectors(tenancy, served, batch_size, lease_seconds)
        for projector in projectors:  # refused here, before saying it runs (SQLite's lock)
            owned.enter_context(projector.owning())
        tune_collector()
        click.echo(f"projector running (cells: {', '.join(served)}); Ctrl-C stops")
        follow(
            projectors,
            interval,
            stop=stopping.is_set,
            on_error=lambda e: click.echo(f"pass ended: {e}", err=True),
        )
        click.echo("stopped")


def _run_workers(count: int) -> None:
    """``count`` processes of this very command with ``--workers 1``; a SIGTERM or Ctrl-C
    stops them all, and one that dies is started again."""
    argv = [sys.executable, "-m", "cxzy_saas.cli", *sys.argv[1:], "--workers", "1"]

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(argv, preexec_fn=_ended_with_parent)

    procs = [start() for _ in range(count)]

    def stop(*_: Any) -> None:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            p.wait()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    click.echo(f"{count} projector workers: {', '.join(str(p.pid) for p in procs)}")
    try:
        while True:
            time.sleep(1)
            for i, p in enumerate(procs):
                if p.poll() is not None:
                    click.echo(f"worker {p.pid} ended ({p.returncode}); starting another", err=True)
                    procs[i] = start()
    except KeyboardInterrupt:
        stop()


def _ended_with_parent() -> None:
    """In a worker, before it runs: a SIGTERM when its supervisor dies, even by SIGKILL (Linux's
    parent-death signal), so that no worker is left holding leases beside the next supervisor's
    (they would double at each restart)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the workers outlive a killed supervisor
        return


PR_SET_PDEATHSIG = 1


@project.command("status")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@cell_option
@store_options
def project_status(settings: Settings, fmt: str, cells: tuple[str, ...]) -> None:
    """Each tenant's tracked position, its log's head and the lag; events in quarantine;
    each committee's lease (PostgreSQL) and cell."""
    from cxzy_saas import wiring

    rows: list[dict[str, Any]] = []
    committees: list[dict[str, Any]] = []
    quarantine: list[dict[str, Any]] = []
    with opened(settings) as tenancy:
        for cell in _cells(tenancy, cells):
            projector = wiring.projector(tenancy, cell=cell)
            rows += [{**r, "cell": cell} for r in projector.status()]
            committees += [{**c, "cell": cell} for c in projector.health()["committees"]]
            quarantine += [{**q, "cell": cell} for q in projector.quarantine()]
    health = {"committees": committees}
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "tenants": rows,
                    "committees": health["committees"],
                    "quarantine": quarantine,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    table = Table("cell", "tenant", "position", "head", "lag", "quarantined")
    for r in rows:
        table.add_row(
            r["cell"],
            r["tenant"],
            str(r["position"]),
            str(r["head"]),
            str(r["lag"]),
            str(r["quarantined"]),
        )
    Console().print(table)
    if quarantine:
        q = Table("tenant", "position", "topic", "error", "first seen", "attempts")
        for r in quarantine:
            q.add_row(
                r["tenant"],
                str(r["position"]),
                r["topic"],
                r["error"][:120],
                r["first_seen"],
                str(r["attempts"]),
            )
        Console().print("[bold]quarantined events[/bold] (`cxzy project retry` after a fix)")
        Console().print(q)


@project.command("retry")
@click.option("--tenant", help="Only this tenant's quarantined events.")
@click.option("--position", type=int, help="Only the event at this position (with --tenant).")
@store_options
def project_retry(settings: Settings, tenant: str | None, position: int | None) -> None:
    """Project quarantined events again, after a fix: the committees that hold them are rebuilt
    (in log order); events that still fail stay quarantined, with one more attempt."""
    from cxzy_saas import wiring

    if position is not None and tenant is None:
        raise click.UsageError("--position needs --tenant")
    before = after = 0
    with opened(settings) as tenancy, _owned():
        for cell in [tenancy.cell_of(tenant)] if tenant else tenancy.cells:
            projector = wiring.projector(tenancy, cell=cell)
            held = projector.quarantine()
            asked = [
                q
                for q in held
                if (tenant is None or q["tenant"] == tenant)
                and (position is None or q["position"] == position)
            ]
            if not asked:
                continue
            before += len(held)
            projector.retry(tenant, position)
            after += len(projector.quarantine())
    if before == 0:
        where = f"{tenant}@{position}" if position is not None else (tenant or "any tenant")
        raise click.ClickException(f"nothing is quarantined at {where}")
    click.echo(f"quarantined: {before} before, {after} after")


@click.command()
@click.option("--campaign", type=int, required=True, help="Campaign year.")
@click.option("--level", type=click.Choice(["branch", "group", "member"]), required=True)
@click.option("--committee", help="Committee code (default: the only one).")
@click.option("--as-of", "as_of", help="A past date, YYYY-MM-DD (end of that day, UTC+8).")
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="table")
@store_options
def leaderboard(
    settings: Settings,
    campaign: int,
    level: str,
    committee: str | None,
    as_of: str | None,
    fmt: str,
) -> None:
    """A campaign's leaderboard, now or as of a past date."""
    from cxzy_saas import wiring
    from cxzy_saas.projections import queries

    with opened(settings) as tenancy:
        # The committee's cell's read models, brought up to date without racing a running
        # projector (``current_read_model`` writes only what no projector owns).
        code = queries.only_committee(wiring.read_port(tenancy), committee)
        if as_of is not None:
            queries.past_day(queries.parse_day(as_of), tenancy.today())
        cell = wiring.cell_of(tenancy, code)
        logs, models = wiring.read_port(tenancy, cell), wiring.read_models(tenancy, cell)
        db = wiring.current_read_model(tenancy, cell)
        try:
            board = queries.leaderboard(logs, models, campaign, level, code, as_of, db=db)
        finally:
            db.close()
    if fmt == "json":
        click.echo(json.dumps(board, ensure_ascii=False, sort_keys=True, indent=2))
        return
    table = Table("rank", "code", "name", "composite", "work", "rating", "target", "band")
    rated = [r for r in board["rows"] if r.get("status") != "unrated"]
    unrated = [r for r in board["rows"] if r.get("status") == "unrated"]

    def add(r: dict[str, Any]) -> None:
        table.add_row(
            "—" if r["rank"] is None else str(r["rank"]),
            r.get("code") or r["id"],
            r["name"],
            *(
                "—" if r[k] is None else f"{r[k]:.2f}"
                for k in ("composite", "work", "rating", "target")
            ),
            r.get("band") or "unrated",
        )

    for r in rated:
        add(r)
    if unrated:  # 未参评: nothing to score, so no rank and no band; listed apart
        table.add_section()
        for r in unrated:
            add(r)
    Console().print(table)
