"""``cxzy members …``: members' personal data (PIPL erasure)."""

from __future__ import annotations

import getpass

import click

from cxzy_saas.application.commands.organisation import EraseMember
from cxzy_saas.cli.common import opened, store_options
from cxzy_saas.config import Settings
from cxzy_saas.domain.recording import Actor

DEFAULT_REASON = "本人申请删除个人信息"


@click.group()
def members() -> None:
    """Members' personal data."""


@members.command("erase")
@click.option("--branch", required=True, help="The member's branch (tenant code).")
@click.option("--member", "member_no", required=True, help="The member number.")
@click.option(
    "--reason",
    default=DEFAULT_REASON,
    show_default=True,
    help="Why (kept in the log: write no personal data here).",
)
@click.option(
    "--operator",
    help="Who runs the erasure, recorded as the actor (default: the OS user).",
)
@store_options
def erase(
    settings: Settings, branch: str, member_no: str, reason: str, operator: str | None
) -> None:
    """Erase a member's personal data (name, gender, phone, ID fields) by destroying the
    member's key. Every view then shows the member as erased; scores stay under the member
    number, and the log is not rewritten (sealed archives still verify). Cannot be undone."""
    actor = Actor(user=f"operator:{operator or getpass.getuser()}", role="system", tenant="*")
    with opened(settings) as tenancy:
        tenancy.branch(branch).erase_member(actor, EraseMember(member_no=member_no, reason=reason))
    click.echo(f"member {member_no} of {branch}: personal data erased (key destroyed)")
