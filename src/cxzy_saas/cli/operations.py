"""``cxzy init`` (set a deployment up, idempotently) and ``cxzy backup`` (the embedded store,
file by file with SQLite's online backup). PostgreSQL is backed up with its own tools,
``pg_dump`` and ``pg_restore`` (docs/operations.md)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import click

from cxzy_saas.application.manifests import load_manifest
from cxzy_saas.application.setup import Setup, initialise
from cxzy_saas.cli.common import opened, progress_bar, store_options
from cxzy_saas.config import Settings


@click.command("init")
@click.option("--committee", envvar="CXZY_INIT_COMMITTEE", help="A committee to add (its code).")
@click.option("--name", envvar="CXZY_INIT_COMMITTEE_NAME", help="The committee's name.")
@click.option(
    "--manifest",
    envvar="CXZY_INIT_MANIFEST",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="A committee and its branches from a TOML manifest, instead of --committee.",
)
@click.option(
    "--admin",
    envvar="CXZY_ADMIN_USERNAME",
    default="admin",
    show_default=True,
    help="User name of the first committee admin.",
)
@click.option(
    "--admin-password-file",
    envvar="CXZY_ADMIN_PASSWORD_FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A file holding the first admin's password (a Docker secret); without it no admin "
    "is made.",
)
@store_options
def init(
    settings: Settings,
    committee: str | None,
    name: str | None,
    manifest: Path | None,
    admin: str,
    admin_password_file: Path | None,
) -> None:
    """Set the deployment up: schemas, registry, read models, a committee, a first admin.

    Safe to run again (a one-shot service before the web and the projector start): each step
    looks before it acts, and an existing admin's password is left as it is.
    """
    from cxzy_saas import wiring

    if manifest is not None and committee is not None:
        raise click.UsageError("give --manifest or --committee, not both")
    password = None
    if admin_password_file is not None:
        try:
            password = admin_password_file.read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as e:
            raise click.ClickException(
                f"cannot read the admin password file {admin_password_file}: {e.strerror}"
            ) from None
    setup = Setup(
        committee=committee,
        name=name,
        manifest=load_manifest(manifest) if manifest else None,
        source=str(manifest),
        admin=admin,
        password=password,
    )
    with opened(settings) as tenancy:
        wiring.open_read_model(tenancy).close()  # schema "projections" and its tables
        report = initialise(tenancy, setup)
    click.echo("read models: ready")
    for line in report.lines:
        click.echo(line)


@click.command("backup")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="An empty or new folder; it becomes a data folder (--data-dir) to restore from.",
)
@store_options
def backup(settings: Settings, out: Path) -> None:
    """Back up the embedded store (SQLite) while it serves: every log, the read models, the
    checkpoints and the jobs, each file with SQLite's online backup; then the evidence files.

    To restore, stop the server and use the folder as the data folder (or copy it there). On
    PostgreSQL use pg_dump / pg_restore (docs/operations.md).
    """
    if settings.backend != "sqlite":
        raise click.ClickException(
            "cxzy backup is for the embedded store (SQLite); back PostgreSQL up with pg_dump "
            "(see docs/operations.md)"
        )
    source = settings.data_dir
    files = sorted(
        p
        for p in source.rglob("*.sqlite3")
        if not p.relative_to(source).parts[0].startswith("rebuild-")
    )
    if not files:
        raise click.ClickException(f"no SQLite files in {source}")
    if out.exists() and any(out.iterdir()):
        raise click.ClickException(f"{out} is not empty")
    total = 0
    with progress_bar() as progress:
        task = progress.add_task("备份", total=len(files))
        for path in files:
            target = out / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            total += copy_online(path, target)
            progress.update(task, advance=1)
    # Evidence files after the logs: a file is written before the event that names it, so every
    # file an event of the copied logs names is there by now (decision 0023). They never change
    # (named by their SHA-256): a plain copy is a consistent one.
    kept = sorted(p for p in (source / "evidence").rglob("*") if p.is_file() and p.name[0] != ".")
    for path in kept:
        target = out / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        total += target.stat().st_size
    files += kept
    click.echo(f"backed up {len(files)} files ({total / 1024 / 1024:.1f} MB) to {out}")


def copy_online(path: Path, target: Path) -> int:
    """``path`` copied to ``target`` by SQLite's online backup (a consistent image, taken
    while writers go on); its size in bytes."""
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy, pages=1024)
    finally:
        copy.close()
        source.close()
    return target.stat().st_size
