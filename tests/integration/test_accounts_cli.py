"""``cxzy accounts``: a round trip on both stores, each change an event in the committee's log."""

from __future__ import annotations

import json
import re
from contextlib import closing

import pytest
from click.testing import CliRunner

from cxzy_saas.application.commands.organisation import FormGroup
from cxzy_saas.application.signin import authenticate
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.cli import main
from cxzy_saas.config import Settings
from cxzy_saas.domain import events as ev
from cxzy_saas.domain.errors import NotFound
from tests.builders import a_clerk, a_committee_with_branches, a_member
from tests.integration.test_cli import store_args

ONE_TIME = re.compile(r"one-time password(?: for \S+)?: ([a-z0-9-]{14})")


def cxzy(settings: Settings, *args: str, stdin: str | None = None, ok: bool = True) -> str:
    result = CliRunner().invoke(main, [*args, *store_args(settings)], input=stdin)
    assert (result.exit_code == 0) == ok, result.output
    return result.output


def one_time_of(output: str) -> str:
    found = ONE_TIME.search(output)
    assert found, output
    return found.group(1)


def listed(settings: Settings, committee: str) -> dict[str, dict]:
    out = cxzy(settings, "accounts", "list", "--committee", committee, "--format", "json")
    return {a["username"]: a for a in json.loads(out)["accounts"]}


def test_accounts_round_trip_from_the_command_line(settings: Settings):
    with closing(Tenancy(settings)) as tenancy:
        committee, (branch,) = a_committee_with_branches(tenancy, "第一党支部")
        app = tenancy.branch(branch)
        app.form_group(a_clerk(branch), FormGroup(code="g1", name="第一党小组"))
        app.enrol_member(a_clerk(branch), a_member("M001"))

    out = cxzy(
        settings,
        "accounts",
        "add",
        "boss",
        "--committee",
        committee,
        "--role",
        "committee-admin",
        "--name",
        "李书记",
    )
    first = one_time_of(out)
    cxzy(
        settings,
        "accounts",
        "add",
        "leader",
        "--committee",
        committee,
        "--role",
        "group-leader",
        "--branch",
        branch,
        "--group",
        "g1",
        "--password-stdin",
        stdin="秋天的银杏 walks slowly 2031\n",
    )
    cxzy(
        settings,
        "accounts",
        "add",
        "zhang",
        "--committee",
        committee,
        "--role",
        "member",
        "--branch",
        branch,
        "--member",
        "M001",
    )
    cxzy(
        settings,
        "accounts",
        "grant",
        "zhang",
        "--committee",
        committee,
        "--role",
        "branch-clerk",
        "--branch",
        branch,
    )

    users = listed(settings, committee)
    assert users["boss"]["display_name"] == "李书记"
    assert users["boss"]["must_change_password"] and users["boss"]["active"]
    assert users["leader"]["grants"] == [{"role": "group-leader", "tenant": branch, "group": "g1"}]
    assert not users["leader"]["must_change_password"]
    assert users["zhang"]["members"] == {branch: "M001"}
    assert {g["role"] for g in users["zhang"]["grants"]} == {"member", "branch-clerk"}

    cxzy(
        settings,
        "accounts",
        "revoke",
        "zhang",
        "--committee",
        committee,
        "--role",
        "branch-clerk",
        "--branch",
        branch,
    )
    second = one_time_of(
        cxzy(settings, "accounts", "reset-password", "boss", "--committee", committee)
    )
    assert second != first
    cxzy(settings, "accounts", "disable", "leader", "--committee", committee)

    users = listed(settings, committee)
    assert [g["role"] for g in users["zhang"]["grants"]] == ["member"]
    assert not users["leader"]["active"]
    with closing(Tenancy(settings)) as tenancy:
        # the newest one-time password opens the account, and must be changed; the first no longer
        signed = authenticate(tenancy, "boss", second)
        assert signed.committee == committee and signed.account.must_change_password
        for username, password in (("boss", first), ("leader", "秋天的银杏 walks slowly 2031")):
            with pytest.raises(NotFound):
                authenticate(tenancy, username, password)
        log = tenancy.committee(committee)
        kinds = [
            ev.BY_TOPIC[n.topic].__name__
            for n in log.recorder.select_notifications(1, 1000)
            if n.topic in ev.BY_TOPIC and ev.BY_TOPIC[n.topic].__qualname__.startswith("Account")
        ]
        actors = {e["actor"]["user"] for e in log.history(log.account("boss").id)}
    assert kinds.count("Registered") == 3
    assert {"AccessGranted", "AccessRevoked", "PasswordReset", "Disabled"} <= set(kinds)
    assert all(a.startswith("operator:") for a in actors)


def test_bad_requests_are_one_clear_line_and_write_nothing(settings: Settings):
    with closing(Tenancy(settings)) as tenancy:
        committee, (branch,) = a_committee_with_branches(tenancy, "第一党支部")
    weak = cxzy(
        settings,
        "accounts",
        "add",
        "li",
        "--committee",
        committee,
        "--role",
        "committee-admin",
        "--password-stdin",
        stdin="password1\n",
        ok=False,
    )
    assert "too easy to guess" in weak and "Traceback" not in weak
    wrong_place = cxzy(
        settings,
        "accounts",
        "add",
        "li",
        "--committee",
        committee,
        "--role",
        "committee-admin",
        "--branch",
        branch,
        ok=False,
    )
    assert "cannot be granted for a branch" in wrong_place
    bad_name = cxzy(
        settings, "accounts", "add", "Li\n", "--committee", committee, "--role", "auditor", ok=False
    )
    assert "username" in bad_name
    unknown = cxzy(settings, "accounts", "disable", "nobody", "--committee", committee, ok=False)
    assert "not found" in unknown
    assert listed(settings, committee) == {}
