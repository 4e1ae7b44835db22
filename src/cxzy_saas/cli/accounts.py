"""``cxzy accounts …``: the users of a committee, without a browser (the first admin of a fresh
deployment, a forgotten password, a user who left). Every change is an event in the committee's
log, recorded with the operator as its actor, as the pages and the API record theirs."""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Callable
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from cxzy_saas.application.commands.committee import (
    AddUser,
    DisableUser,
    EnableUser,
    Grant,
    ResetPassword,
    Revoke,
)
from cxzy_saas.application.committee import CommitteeApplication
from cxzy_saas.cli.common import opened, store_options
from cxzy_saas.config import Settings
from cxzy_saas.domain.accounts import GRANTABLE, Account
from cxzy_saas.domain.recording import Actor

ONE_TIME_NOTE = "shown once, not kept; it must be changed at first sign-in"


def operator() -> Actor:
    return Actor(user=f"operator:{getpass.getuser()}", role="system", tenant="*")


def on_committee(
    settings: Settings, committee: str, act: Callable[[CommitteeApplication], Any]
) -> Any:
    with opened(settings) as tenancy:
        return act(tenancy.committee(committee))


committee_option = click.option("--committee", required=True, help="The committee's code.")
role_option = click.option("--role", required=True, type=click.Choice(GRANTABLE))
branch_option = click.option(
    "--branch", help="The branch a branch role is for (without it: the committee)."
)
group_option = click.option("--group", help="The party group a group leader leads (its code).")


@click.group()
def accounts() -> None:
    """Users of a committee and its branches: add, list, grant, revoke, reset, disable."""


@accounts.command("add")
@click.argument("username")
@committee_option
@role_option
@branch_option
@group_option
@click.option("--member", "member_no", help="The member number this user is (role member).")
@click.option(
    "--name", "display_name", help="The user's name as pages show it (default: USERNAME)."
)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input (default: a one-time password).",
)
@store_options
def add(
    settings: Settings,
    username: str,
    committee: str,
    role: str,
    branch: str | None,
    group: str | None,
    member_no: str | None,
    display_name: str | None,
    password_stdin: bool,
) -> None:
    """Add user USERNAME with ROLE in the committee or one of its branches."""
    password: str | None = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    command = AddUser(
        username=username,
        display_name=display_name or username,
        role=role,
        tenant=branch or committee,
        group=group,
        member_no=member_no,
        password=password,
    )
    one_time = on_committee(settings, committee, lambda app: app.add_user(operator(), command))
    click.echo(f"added {username}: {role} of {branch or committee}")
    if one_time:
        click.echo(f"one-time password: {one_time}  ({ONE_TIME_NOTE})")


def as_dict(committee: str, account: Account) -> dict[str, Any]:
    return {
        "committee": committee,
        "username": account.username,
        "display_name": account.display_name,
        "grants": account.grants,
        "members": account.members,
        "active": not account.disabled,
        "must_change_password": account.must_change_password,
    }


@accounts.command("list")
@click.option("--committee", help="Only this committee's users.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@store_options
def list_accounts(settings: Settings, committee: str | None, fmt: str) -> None:
    """List the users, their roles and whether they may sign in."""
    with opened(settings) as tenancy:
        codes = [committee] if committee else sorted(tenancy.registry().committees())
        rows = [
            as_dict(code, account)
            for code in codes
            for account in sorted(tenancy.committee(code).accounts(), key=lambda a: a.username)
        ]
    if fmt == "json":
        click.echo(json.dumps({"accounts": rows}, ensure_ascii=False, indent=2))
        return
    table = Table("committee", "username", "name", "roles", "status")
    for r in rows:
        roles = ", ".join(
            f"{g['role']}@{g['tenant']}" + (f"/{g['group']}" if g.get("group") else "")
            for g in r["grants"]
        )
        status = "active" if r["active"] else "disabled"
        if r["must_change_password"]:
            status += ", one-time password"
        table.add_row(r["committee"], r["username"], r["display_name"], roles, status)
    Console().print(table)


@accounts.command("grant")
@click.argument("username")
@committee_option
@role_option
@branch_option
@group_option
@store_options
def grant(
    settings: Settings,
    username: str,
    committee: str,
    role: str,
    branch: str | None,
    group: str | None,
) -> None:
    """Grant USERNAME a role in the committee or one of its branches."""
    command = Grant(username=username, role=role, tenant=branch or committee, group=group)
    on_committee(settings, committee, lambda app: app.grant(operator(), command))
    click.echo(f"granted {username}: {role} of {branch or committee}")


@accounts.command("revoke")
@click.argument("username")
@committee_option
@role_option
@branch_option
@store_options
def revoke(
    settings: Settings, username: str, committee: str, role: str, branch: str | None
) -> None:
    """Revoke a role of USERNAME; their sessions and tokens end."""
    command = Revoke(username=username, role=role, tenant=branch or committee)
    on_committee(settings, committee, lambda app: app.revoke(operator(), command))
    click.echo(f"revoked {username}: {role} of {branch or committee}; their sessions ended")


@accounts.command("reset-password")
@click.argument("username")
@committee_option
@store_options
def reset_password(settings: Settings, username: str, committee: str) -> None:
    """Give USERNAME a new one-time password; their sessions and tokens end."""
    command = ResetPassword(username=username)
    one_time = on_committee(
        settings, committee, lambda app: app.reset_password(operator(), command)
    )
    click.echo(f"one-time password for {username}: {one_time}  ({ONE_TIME_NOTE})")


@accounts.command("disable")
@click.argument("username")
@committee_option
@store_options
def disable(settings: Settings, username: str, committee: str) -> None:
    """USERNAME can no longer sign in; their sessions and tokens end."""
    command = DisableUser(username=username)
    on_committee(settings, committee, lambda app: app.disable(operator(), command))
    click.echo(f"disabled {username}; their sessions ended")


@accounts.command("enable")
@click.argument("username")
@committee_option
@store_options
def enable(settings: Settings, username: str, committee: str) -> None:
    """Let a disabled USERNAME sign in again."""
    command = EnableUser(username=username)
    on_committee(settings, committee, lambda app: app.enable(operator(), command))
    click.echo(f"enabled {username}")
