"""The root `cxzy` group and its own commands: tenants, demo, events, serve."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from cxzy_saas.application.manifests import TENANTS_DIR, load_manifest
from cxzy_saas.application.provision import provision
from cxzy_saas.cli.common import opened, progress_bar, store_options
from cxzy_saas.config import DEFAULT_CELL, Settings
from cxzy_saas.domain.errors import DomainError


def now() -> datetime:
    """The real time, which the demo never passes (tests put another clock here)."""
    return datetime.now(UTC)


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
        rows = [{**t.as_dict(), "cell": tenancy.cell_of(t.code)} for t in tenancy.tenants()]
    if fmt == "json":
        click.echo(json.dumps({"tenants": rows}, ensure_ascii=False, indent=2))
        return
    table = Table("code", "name", "kind", "parent", "cell")
    for r in rows:
        table.add_row(r["code"], r["name"], r["kind"], r["parent"] or "", r["cell"])
    Console().print(table)


cell_option = click.option(
    "--cell",
    help="PostgreSQL cell (a name of CXZY_CELLS) to hold a new committee and all its branches. "
    "Default: the default cell (CXZY_DATABASE_URL); a branch goes to its committee's.",
)


@tenants.command("add")
@click.argument("code")
@click.option("--name", required=True, help="Display name, e.g. 办公室党支部.")
@click.option("--committee", help="Parent committee code; without it, CODE is a committee.")
@cell_option
@store_options
def tenants_add(
    settings: Settings, code: str, name: str, committee: str | None, cell: str | None
) -> None:
    """Register a committee, or a branch of COMMITTEE (an event in the committee's log).

    A branch lives in its committee's cell: naming another cell is refused."""
    with opened(settings) as tenancy:
        if committee:
            tenancy.add_branch(committee, code, name, cell=cell)
        else:
            tenancy.add_committee(code, name, cell=cell or DEFAULT_CELL)
        where = tenancy.store_of(code).location(code)
        placed = tenancy.cell_of(code)
    click.echo(f"added {'branch' if committee else 'committee'} {code} ({where}, cell {placed})")


@tenants.command("load")
@click.argument("manifest", type=click.Path(dir_okay=False, path_type=Path))
@cell_option
@store_options
def tenants_load(settings: Settings, manifest: Path, cell: str | None) -> None:
    """Provision a committee and its branches from a TOML manifest, in one cell. What is in
    place already is kept: after a refusal, fix the manifest and run it again."""
    spec = load_manifest(manifest)
    with opened(settings) as tenancy:
        try:
            done = provision(tenancy, spec, str(manifest), cell, "cxzy-tenants-load")
        except DomainError as e:
            raise click.ClickException(
                f"{e.message} (what was added before stays: fix the manifest and run the same "
                "command again to add the rest)"
            ) from None
        placed = tenancy.cell_of(spec.code)
    first = "added committee" if done.committee_added else "committee (there already)"
    click.echo(
        f"{first} {spec.code}: {done.branches} branches added ({done.branches_existing} there "
        f"already), {done.groups} groups and {done.members} members added (cell {placed})"
    )


@main.command()
@click.option(
    "--branches", type=click.IntRange(1, 2000), help="Number of branches (default: the manifest's)."
)
@click.option("--seed", type=int, default=7, show_default=True)
@click.option(
    "--year",
    type=click.IntRange(2000, 2100),
    help="Play this one year: closed and sealed if it is past, up to today if it is this one. "
    "Default: last year (closed, sealed) and this year up to today (open).",
)
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
    year: int | None,
    manifest: Path,
    no_serve: bool,
    host: str,
    port: int,
) -> None:
    """Build a realistic demo committee as it stands today, then serve it.

    By default last year played whole, closed and every branch's archive sealed, and this year
    played up to now and open; nothing is recorded after now. The read models, the as-of
    checkpoints and the open year's audit images are built before it serves (or exits, with
    --no-serve)."""
    from cxzy_saas import wiring
    from cxzy_saas.audit.kept import FOLDER, Kept
    from cxzy_saas.cli.project import rebuild_cells
    from cxzy_saas.demo.build import DEMO_PASSWORD, build_demo_today, years_for
    from cxzy_saas.domain.recording import BEIJING

    spec = load_manifest(manifest)
    today = now()
    try:
        years_for(today, year)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--year") from None
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
            report = build_demo_today(
                tenancy,
                spec,
                today,
                year=year,
                branches=branches,
                seed=seed,
                progress=lambda label: progress.update(task, advance=1, description=label[:40]),
                count_steps=lambda n: progress.update(task, total=n),
            )
        seconds = time.perf_counter() - started
        for y in report.years:
            if y.closed_on is not None:
                state = f"closed on {y.closed_on}, {y.sealed} branch archives sealed"
            else:
                state = "open"
            later = f"; {y.later} later steps not played (after now)" if y.later else ""
            click.echo(f"demo year {y.year}: {y.steps} steps played{later}; {state}")
        click.echo(
            f"demo built: {report.tenants} tenants, {report.events} events, "
            f"{seconds:.1f} s ({report.events / seconds:.0f} events/s); "
            f"nothing recorded after {today:%Y-%m-%d %H:%M} UTC"
        )
        rebuild_cells(tenancy)
        # The open year's audit images, so that the first diff an auditor asks is as quick
        # as the next (``cxzy audit images``).
        kept = Kept(settings.data_dir / FOLDER)
        local = today.astimezone(BEIJING).date()
        for y in report.years:
            if y.closed_on is None:
                made = kept.prepare(wiring.read_port(tenancy), spec.code, y.year, local)
                click.echo(f"audit images of {y.year}: {len(made)} month ends")
    click.echo(
        f"demo users (password '{DEMO_PASSWORD}', demo only): "
        + ", ".join(u for u, _, _ in report.users)
    )
    if not no_serve:
        from cxzy_saas.web.server import serve as run

        run(settings, host, port, None, 8, demo=True)


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
