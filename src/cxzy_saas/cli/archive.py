"""``cxzy archive seal|export|verify|status|amend|close-amendment``."""

from __future__ import annotations

import time
from pathlib import Path
from uuid import UUID

import click

from cxzy_saas.cli.common import opened, store_options
from cxzy_saas.config import Settings
from cxzy_saas.domain.recording import Actor

ROLES = ("committee-admin", "committee-viewer", "auditor", "system")


def _actor(user: str, role: str, committee: str) -> Actor:
    return Actor(user=user, role=role, tenant=committee)


def _identity(command: click.decorators.FC) -> click.decorators.FC:
    command = click.option(
        "--role",
        type=click.Choice(ROLES),
        default="committee-admin",
        show_default=True,
        help="Role acted in (the command line runs as an operator of the committee).",
    )(command)
    command = click.option("--user", default="admin", show_default=True, help="Acting user.")(
        command
    )
    return click.option("--campaign", "year", type=int, required=True, help="Campaign year.")(
        click.option("--branch", required=True, help="Branch code.")(command)
    )


@click.group()
def archive() -> None:
    """Sealed, tamper-evident archives of a branch's campaign year (归档)."""


@archive.command("seal")
@_identity
@click.option(
    "--on-demand", is_flag=True, help="Seal before the campaign is closed (committee admin)."
)
@store_options
def seal(settings: Settings, branch: str, year: int, user: str, role: str, on_demand: bool) -> None:
    """Hash the branch-year's events into a chain; record its head in the committee's log."""
    with opened(settings) as tenancy:
        committee = tenancy.parent_of(branch)
        started = time.perf_counter()
        sealed = tenancy.committee(committee).seal_archive(
            _actor(user, role, committee), branch, year, on_demand=on_demand
        )
        seconds = time.perf_counter() - started
    click.echo(
        f"sealed {branch} {year}: {sealed.events} branch events (positions {sealed.first}-"
        f"{sealed.last}), {sealed.committee_events} committee events; head {sealed.head} "
        f"({seconds:.2f} s)"
    )


@archive.command("export")
@_identity
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="A new folder, or a file ending in .zip.",
)
@store_options
def export(settings: Settings, branch: str, year: int, user: str, role: str, out: Path) -> None:
    """Write the sealed branch-year as a self-contained bundle (events, manifest, documents)."""
    from cxzy_saas.audit import bundle
    from cxzy_saas.audit.pdf import FontMissing

    with opened(settings) as tenancy:
        committee = tenancy.parent_of(branch)
        try:
            files = tenancy.committee(committee).export_archive(
                _actor(user, role, committee), branch, year
            )
        except FontMissing as e:
            raise click.ClickException(str(e)) from None
    try:
        bundle.write(files, out)
    except FileExistsError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"exported {branch} {year} to {out}: {len(files)} files")


@archive.command("verify")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
def verify(path: Path) -> None:
    """Check a bundle offline; exit 0 when it holds, else name the first mismatch (exit 1)."""
    from cxzy_saas.audit import bundle
    from cxzy_saas.audit.verify import verify_files

    try:
        files = bundle.read(path)
    except Exception as e:  # an unreadable zip is a failed verification, not a traceback
        click.echo(f"archive does NOT verify: {path}: cannot be read ({e})", err=True)
        raise SystemExit(1) from None
    result = verify_files(files)
    if not result.ok:
        click.echo(result.message(), err=True)
        raise SystemExit(1)
    click.echo(result.message())


@archive.command("status")
@_identity
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one object, for scripts.",
)
@store_options
def status(settings: Settings, branch: str, year: int, user: str, role: str, fmt: str) -> None:
    """Which revision of a sealed branch-year is current, and whether the live logs still hash
    to it (exit 1 when they do not)."""
    import json

    with opened(settings) as tenancy:
        committee = tenancy.parent_of(branch)
        found = tenancy.committee(committee).archive_status(
            _actor(user, role, committee), branch, year
        )
    if fmt == "json":
        click.echo(json.dumps(found, default=str, ensure_ascii=False, sort_keys=True))
    else:
        click.echo(
            f"{branch} {year}: revision {found['revision']} is current, head {found['head']}; "
            + (
                "the live logs match it"
                if found["matches"]
                else "the live logs do NOT match it (a stored event was altered)"
            )
        )
        if found["later_events"]:
            later = found["later_events"]
            click.echo(f"  {later} event{'s' if later != 1 else ''} of the year written since")
        for a in found["amendments"]:
            state = "open" if a["open"] else f"closed {a['closed_at']} by {a['closed_by']}"
            click.echo(
                f"  amendment {a['id']} (revision {a['revision']}): {a['reason']}; "
                f"opened {a['opened_at']} by {a['opened_by']}, {state}"
            )
    if not found["matches"]:
        raise SystemExit(1)


@archive.command("amend")
@_identity
@click.option("--reason", required=True, help="Why the sealed year must be corrected.")
@store_options
def amend(settings: Settings, branch: str, year: int, user: str, role: str, reason: str) -> None:
    """Open a sealed branch-year for corrections (committee admin); prints the amendment's id."""
    from cxzy_saas.application.commands.committee import OpenAmendment

    with opened(settings) as tenancy:
        committee = tenancy.parent_of(branch)
        amendment = tenancy.committee(committee).open_amendment(
            _actor(user, role, committee), OpenAmendment(year=year, branch=branch, reason=reason)
        )
    click.echo(f"amendment {amendment} of {branch} {year} is open")


@archive.command("close-amendment")
@click.option("--campaign", "year", type=int, required=True, help="Campaign year.")
@click.option("--committee", required=True, help="Committee code.")
@click.option("--amendment", type=click.UUID, required=True, help="The amendment's id.")
@click.option("--note", default="", help="What was corrected.")
@click.option("--user", default="admin", show_default=True, help="Acting user.")
@store_options
def close_amendment(
    settings: Settings, year: int, committee: str, amendment: UUID, note: str, user: str
) -> None:
    """End an amendment: seal the branch-year again as its next revision."""
    from cxzy_saas.application.commands.committee import CloseAmendment

    with opened(settings) as tenancy:
        revision = tenancy.committee(committee).close_amendment(
            _actor(user, "committee-admin", committee),
            CloseAmendment(year=year, amendment=amendment, note=note),
        )
    click.echo(f"amendment {amendment} closed: revision {revision} sealed")
