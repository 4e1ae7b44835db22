"""``cxzy evidence …``: evidence files (佐证材料) of a branch, as the pages and the API offer
them (decision 0023): attach one, list them, write one out."""

from __future__ import annotations

import getpass
from pathlib import Path
from uuid import UUID

import click

from cxzy_saas.application.evidence import AttachEvidence
from cxzy_saas.cli.common import opened, store_options
from cxzy_saas.config import Settings
from cxzy_saas.domain.evidence import ITEMS, MAX_BYTES
from cxzy_saas.domain.recording import Actor


def operator(name: str | None) -> Actor:
    return Actor(user=f"operator:{name or getpass.getuser()}", role="system", tenant="*")


@click.group()
def evidence() -> None:
    """Evidence files attached to records, measures, deed materials and inspections."""


@evidence.command("attach")
@click.option("--branch", required=True, help="The branch (tenant code).")
@click.option("--item", type=click.Choice(ITEMS), required=True, help="What it is attached to.")
@click.option("--item-id", type=click.UUID, required=True, help="The item's id.")
@click.option("--operator", "name", help="Who attaches it, recorded as the actor.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@store_options
def attach(
    settings: Settings, branch: str, item: str, item_id: UUID, name: str | None, file: Path
) -> None:
    """Attach FILE (at most 10 MB: JPEG, PNG, PDF, Word, Excel or text)."""
    with file.open("rb") as f:
        data = f.read(MAX_BYTES + 1)
    with opened(settings) as tenancy:
        app = tenancy.branch(branch)
        made = app.attach_evidence(
            operator(name), AttachEvidence(item=item, item_id=item_id, name=file.name, data=data)
        )
        found = app.evidence(made)
    click.echo(f"{made}  sha256 {found.sha256}  {found.media_type}  {found.size} bytes")


@evidence.command("list")
@click.option("--branch", required=True, help="The branch (tenant code).")
@store_options
def list_files(settings: Settings, branch: str) -> None:
    """Every file of the branch: id, year, item, SHA-256, type, size, name."""
    with opened(settings) as tenancy:
        app = tenancy.branch(branch)
        for e in app.readable_evidence(operator(None)):
            erased = " (erased)" if app.file_erased(e) else ""
            click.echo(
                f"{e.id}  {e.year}  {e.item}:{e.item_id}  {e.sha256}  {e.media_type}  "
                f"{e.size}  {e.name}{erased}"
            )


@evidence.command("get")
@click.option("--branch", required=True, help="The branch (tenant code).")
@click.option("--id", "evidence_id", type=click.UUID, required=True, help="The evidence id.")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="A new file.")
@store_options
def get(settings: Settings, branch: str, evidence_id: UUID, out: Path) -> None:
    """Write a file out (checked against its SHA-256 first)."""
    if out.exists():
        raise click.ClickException(f"{out} exists")
    with opened(settings) as tenancy:
        data = tenancy.branch(branch).evidence_file(operator(None), evidence_id)
    out.write_bytes(data)
    click.echo(f"{out}: {len(data)} bytes")
