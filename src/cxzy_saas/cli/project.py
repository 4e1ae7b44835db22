"""``cxzy project …`` (the projector and its read models) and ``cxzy leaderboard``."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
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
@store_options
def project_rebuild(settings: Settings, batch_size: int, committees: tuple[str, ...]) -> None:
    """Empty the read models and project every log from the start.

    Takes the leases of the committees it rebuilds (PostgreSQL) or the projector's lock
    (SQLite), and refuses, naming the holder, while another projector owns them."""
    from cxzy_saas import wiring

    with opened(settings) as tenancy, _owned():
        projector = wiring.projector(tenancy, batch_size=batch_size)
        total = sum(row["head"] for row in projector.status())
        with progress_bar() as progress:
            task = progress.add_task("重建读模型", total=total)
            stats = projector.rebuild(
                lambda n: progress.update(task, advance=n), committees or None
            )
        click.echo(
            f"rebuilt: {stats.events} events in {stats.seconds:.2f} s "
            f"({stats.rate:,.0f} events/s, {stats.batches} batches)"
        )
        if stats.quarantined:
            click.echo(f"quarantined: {stats.quarantined} events (see `cxzy project status`)")
        if not committees:
            with projector.owning():
                _checkpoints(tenancy, projector.db)


def _checkpoints(tenancy: Tenancy, index: Any) -> None:
    from cxzy_saas import wiring
    from cxzy_saas.projections.asof import build_checkpoints

    started = time.perf_counter()
    with progress_bar() as progress:
        task = progress.add_task("as-of 检查点", total=None)
        count = build_checkpoints(
            wiring.read_port(tenancy),
            wiring.read_models(tenancy),
            index,
            lambda day: progress.update(task, advance=1, description=day),
        )
    click.echo(f"as-of checkpoints: {count} in {time.perf_counter() - started:.2f} s")


@project.command("checkpoint")
@store_options
def project_checkpoint(settings: Settings) -> None:
    """Make the as-of checkpoints (the 15th and last day of each month) anew from the logs."""
    from cxzy_saas import wiring

    with opened(settings) as tenancy, _owned():
        projector = wiring.projector(tenancy)
        with projector.owning():
            if projector.leases is None:
                projector.catch_up()
            _checkpoints(tenancy, projector.db)


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
@store_options
def project_run(
    settings: Settings, interval: float, workers: int, lease_seconds: float, batch_size: int
) -> None:
    """Follow every tenant log and keep the read models current (Ctrl-C stops).

    Runs as many processes as wanted, here (``--workers``) or on other machines: each takes
    committees whose leases are free. On SQLite only one projector may run."""
    from cxzy_saas import wiring

    if workers > 1:
        if settings.backend == "sqlite":
            raise click.UsageError("on SQLite one projector process follows the logs")
        _run_workers(workers)
        return

    def terminate(*_: Any) -> None:
        raise KeyboardInterrupt  # so that the leases are released on the way out

    signal.signal(signal.SIGTERM, terminate)
    with opened(settings) as tenancy, _owned():
        click.echo("projector running; Ctrl-C stops")
        try:
            wiring.projector(tenancy, batch_size=batch_size, lease_seconds=lease_seconds).run(
                interval, on_error=lambda e: click.echo(f"pass ended: {e}", err=True)
            )
        except KeyboardInterrupt:
            click.echo("stopped")


def _run_workers(count: int) -> None:
    """``count`` processes of this very command with ``--workers 1``; a SIGTERM or Ctrl-C
    stops them all, and one that dies is started again."""
    argv = [sys.executable, "-m", "cxzy_saas.cli", *sys.argv[1:], "--workers", "1"]
    procs = [subprocess.Popen(argv) for _ in range(count)]

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
                    procs[i] = subprocess.Popen(argv)
    except KeyboardInterrupt:
        stop()


@project.command("status")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@store_options
def project_status(settings: Settings, fmt: str) -> None:
    """Each tenant's tracked position, its log's head and the lag; events in quarantine;
    each committee's lease (PostgreSQL)."""
    from cxzy_saas import wiring

    with opened(settings) as tenancy:
        projector = wiring.projector(tenancy)
        rows = projector.status()
        health = projector.health()
        quarantine = projector.quarantine()
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
    table = Table("tenant", "position", "head", "lag", "quarantined")
    for r in rows:
        table.add_row(
            r["tenant"], str(r["position"]), str(r["head"]), str(r["lag"]), str(r["quarantined"])
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
    with opened(settings) as tenancy, _owned():
        projector = wiring.projector(tenancy)
        before = len(projector.quarantine())
        projector.retry(tenant, position)
        after = len(projector.quarantine())
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
        logs, models = wiring.read_port(tenancy), wiring.read_models(tenancy)
        board = queries.leaderboard(logs, models, campaign, level, committee, as_of)
    if fmt == "json":
        click.echo(json.dumps(board, ensure_ascii=False, sort_keys=True, indent=2))
        return
    table = Table("rank", "code", "name", "composite", "work", "rating", "target")
    for r in board["rows"]:
        table.add_row(
            str(r["rank"]),
            r.get("code") or r["id"],
            r["name"],
            f"{r['composite']:.2f}",
            *(("" if r[k] is None else f"{r[k]:.2f}") for k in ("work", "rating", "target")),
        )
    Console().print(table)
