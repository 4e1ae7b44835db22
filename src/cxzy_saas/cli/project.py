"""``cxzy project …`` (the projector and its read models) and ``cxzy leaderboard``."""

from __future__ import annotations

import json
import time
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


@project.command("rebuild")
@batch_size_option
@store_options
def project_rebuild(settings: Settings, batch_size: int) -> None:
    """Empty the read models and project every log from the start."""
    from cxzy_saas import wiring

    with opened(settings) as tenancy:
        projector = wiring.projector(tenancy, batch_size=batch_size)
        total = sum(row["head"] for row in projector.status())
        with progress_bar() as progress:
            task = progress.add_task("重建读模型", total=total)
            stats = projector.rebuild(lambda n: progress.update(task, advance=n))
        click.echo(
            f"rebuilt: {stats.events} events in {stats.seconds:.2f} s "
            f"({stats.rate:,.0f} events/s, {stats.batches} batches)"
        )
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

    with opened(settings) as tenancy:
        projector = wiring.projector(tenancy)
        projector.catch_up()
        _checkpoints(tenancy, projector.db)


@project.command("run")
@click.option("--interval", type=float, default=0.5, show_default=True)
@batch_size_option
@store_options
def project_run(settings: Settings, interval: float, batch_size: int) -> None:
    """Follow every tenant log and keep the read models current (Ctrl-C stops)."""
    from cxzy_saas import wiring

    with opened(settings) as tenancy:
        click.echo("projector running; Ctrl-C stops")
        try:
            wiring.projector(tenancy, batch_size=batch_size).run(interval)
        except KeyboardInterrupt:
            click.echo("stopped")


@project.command("status")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@store_options
def project_status(settings: Settings, fmt: str) -> None:
    """Each tenant's tracked position, its log's head and the lag."""
    from cxzy_saas import wiring

    with opened(settings) as tenancy:
        rows = wiring.projector(tenancy).status()
    if fmt == "json":
        click.echo(json.dumps({"tenants": rows}, ensure_ascii=False, indent=2))
        return
    table = Table("tenant", "position", "head", "lag")
    for r in rows:
        table.add_row(r["tenant"], str(r["position"]), str(r["head"]), str(r["lag"]))
    Console().print(table)


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
