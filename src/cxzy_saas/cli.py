"""The ``cxzy`` command line."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from cxzy_saas.application.manifests import TENANTS_DIR, load_manifest
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.cli_common import opened, progress_bar, store_options
from cxzy_saas.config import Settings


@click.group()
@click.version_option(package_name="cxzy-saas")
def main() -> None:
    """cxzy-saas: 创先争优活动管理 (event-sourced, one log per party branch)."""


@main.group()
def tenants() -> None:
    """Committees and branches (tenants)."""


@tenants.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@store_options
def tenants_list(settings: Settings, fmt: str) -> None:
    """List the committees and their branches."""
    with opened(settings) as tenancy:
        rows = [t.as_dict() for t in tenancy.tenants()]
    if fmt == "json":
        click.echo(json.dumps({"tenants": rows}, ensure_ascii=False, indent=2))
        return
    table = Table("code", "name", "kind", "parent")
    for r in rows:
        table.add_row(r["code"], r["name"], r["kind"], r["parent"] or "")
    Console().print(table)


@tenants.command("add")
@click.argument("code")
@click.option("--name", required=True, help="Display name, e.g. 办公室党支部.")
@click.option("--committee", help="Parent committee code; without it, CODE is a committee.")
@store_options
def tenants_add(settings: Settings, code: str, name: str, committee: str | None) -> None:
    """Register a committee, or a branch of COMMITTEE (an event in the committee's log)."""
    with opened(settings) as tenancy:
        if committee:
            tenancy.add_branch(committee, code, name)
        else:
            tenancy.add_committee(code, name)
        where = tenancy.store.location(code)
    click.echo(f"added {'branch' if committee else 'committee'} {code} ({where})")


@tenants.command("load")
@click.argument("manifest", type=click.Path(dir_okay=False, path_type=Path))
@store_options
def tenants_load(settings: Settings, manifest: Path) -> None:
    """Provision a committee and its branches from a TOML manifest."""
    spec = load_manifest(manifest)
    with opened(settings) as tenancy:
        tenancy.add_committee(spec.code, spec.name)
        for branch in spec.branches:
            tenancy.add_branch(spec.code, branch.code, branch.name)
    click.echo(f"added committee {spec.code} with {len(spec.branches)} branches")


@main.command()
@click.option(
    "--branches", type=click.IntRange(1, 2000), help="Number of branches (default: the manifest's)."
)
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--year", type=click.IntRange(2000, 2100), default=2026, show_default=True)
@click.option(
    "--manifest",
    type=click.Path(dir_okay=False, path_type=Path),
    default=TENANTS_DIR / "demo.toml",
    show_default="tenants/demo.toml",
)
@click.option("--no-serve", is_flag=True, help="Build the demo and exit.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
@store_options
def demo(
    settings: Settings,
    branches: int | None,
    seed: int,
    year: int,
    manifest: Path,
    no_serve: bool,
    host: str,
    port: int,
) -> None:
    """Build a realistic demo committee with a year of events, then serve it."""
    from cxzy_saas.demo import DEMO_PASSWORD, build_demo

    spec = load_manifest(manifest)
    started = time.perf_counter()
    with opened(settings) as tenancy:
        if spec.code in tenancy.registry().committees():
            raise click.ClickException(
                f"committee {spec.code} exists already in "
                f"{settings.database_url or settings.data_dir}; "
                "use an empty --data-dir (or database) for a fresh demo"
            )
        with progress_bar() as progress:
            task = progress.add_task("演示数据", total=None)
            report = build_demo(
                tenancy,
                spec,
                branches=branches,
                seed=seed,
                year=year,
                progress=lambda label: progress.update(task, advance=1, description=label[:40]),
                count_steps=lambda n: progress.update(task, total=n),
            )
    seconds = time.perf_counter() - started
    click.echo(
        f"demo built: {report.tenants} tenants, {report.events} events, "
        f"{seconds:.1f} s ({report.events / seconds:.0f} events/s)"
    )
    click.echo(
        f"demo users (password '{DEMO_PASSWORD}', demo only): "
        + ", ".join(u for u, _, _ in report.users)
    )
    if not no_serve:
        from cxzy_saas.web.server import serve as run

        run(settings, host, port, None, 8)


@main.group()
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
    from cxzy_saas.projections.projector import Projector, open_read_model

    with opened(settings) as tenancy:
        projector = Projector(tenancy, open_read_model(tenancy), batch_size=batch_size)
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
    from cxzy_saas.projections.asof import build_checkpoints

    started = time.perf_counter()
    with progress_bar() as progress:
        task = progress.add_task("as-of 检查点", total=None)
        count = build_checkpoints(
            tenancy, index, lambda day: progress.update(task, advance=1, description=day)
        )
    click.echo(f"as-of checkpoints: {count} in {time.perf_counter() - started:.2f} s")


@project.command("checkpoint")
@store_options
def project_checkpoint(settings: Settings) -> None:
    """Make the as-of checkpoints (the 15th and last day of each month) anew from the logs."""
    from cxzy_saas.projections.projector import Projector, open_read_model

    with opened(settings) as tenancy:
        projector = Projector(tenancy, open_read_model(tenancy))
        projector.catch_up()
        _checkpoints(tenancy, projector.db)


@project.command("run")
@click.option("--interval", type=float, default=0.5, show_default=True)
@batch_size_option
@store_options
def project_run(settings: Settings, interval: float, batch_size: int) -> None:
    """Follow every tenant log and keep the read models current (Ctrl-C stops)."""
    from cxzy_saas.projections.projector import Projector, open_read_model

    with opened(settings) as tenancy:
        click.echo("projector running; Ctrl-C stops")
        try:
            Projector(tenancy, open_read_model(tenancy), batch_size=batch_size).run(interval)
        except KeyboardInterrupt:
            click.echo("stopped")


@project.command("status")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@store_options
def project_status(settings: Settings, fmt: str) -> None:
    """Each tenant's tracked position, its log's head and the lag."""
    from cxzy_saas.projections.projector import Projector, open_read_model

    with opened(settings) as tenancy:
        rows = Projector(tenancy, open_read_model(tenancy)).status()
    if fmt == "json":
        click.echo(json.dumps({"tenants": rows}, ensure_ascii=False, indent=2))
        return
    table = Table("tenant", "position", "head", "lag")
    for r in rows:
        table.add_row(r["tenant"], str(r["position"]), str(r["head"]), str(r["lag"]))
    Console().print(table)


@main.command()
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
    from cxzy_saas.projections import queries

    with opened(settings) as tenancy:
        board = queries.leaderboard(tenancy, campaign, level, committee, as_of)
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


@main.command()
def events() -> None:
    """Print the event catalogue (Markdown), as docs/events.md holds it."""
    from cxzy_saas.event_catalogue import markdown

    click.echo(markdown(), nl=False)


workers_option = click.option(
    "--workers",
    type=click.IntRange(1, 64),
    help="gunicorn worker processes (default: 1 on SQLite, where it must be 1; 2 on PostgreSQL).",
)
threads_option = click.option(
    "--threads",
    type=click.IntRange(1, 256),
    default=8,
    show_default=True,
    help="Threads per worker.",
)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
@workers_option
@threads_option
@store_options
def serve(settings: Settings, host: str, port: int, workers: int | None, threads: int) -> None:
    """Serve the web application (gunicorn)."""
    from cxzy_saas.web.server import serve as run

    run(settings, host, port, workers, threads)


# Command groups that live beside the code they drive; they import cli_common, not this module.
from cxzy_saas.archive.cli import archive  # noqa: E402
from cxzy_saas.audit.cli import audit  # noqa: E402
from cxzy_saas.members_cli import members  # noqa: E402

for group in (audit, archive, members):
    main.add_command(group)


if __name__ == "__main__":  # pragma: no cover
    main()
