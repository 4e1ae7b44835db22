"""Setting a deployment up, once and again: what ``cxzy init`` does before anything serves.

Every step looks before it acts, so a second run changes nothing and says so: the registry's
log, the jobs table, a committee (or a manifest's committee and branches) and a first committee
admin whose password an operator put in a file. The admin's password is never printed and an
existing admin's is never changed (``cxzy accounts`` does that).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cxzy_saas.application.commands.committee import Grant, RegisterUser
from cxzy_saas.application.manifests import Manifest
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.domain.errors import InvalidInput, NotFound
from cxzy_saas.domain.recording import Actor

MIN_PASSWORD = 8


@dataclass
class Setup:
    """What to set up; ``committee`` with ``name``, or a ``manifest``; an ``admin`` with the
    ``password`` read from the operator's file."""

    committee: str | None = None
    name: str | None = None
    manifest: Manifest | None = None
    admin: str = "admin"
    password: str | None = None


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)

    def say(self, line: str) -> None:
        self.lines.append(line)


def initialise(tenancy: Tenancy, setup: Setup) -> Report:
    """Raises InvalidInput for a malformed code, name or password (nothing half-done: each
    step is whole, and a later run finishes what an earlier one did not)."""
    report = Report()
    tenancy.registry().head()  # opens the registry's log: its schema and tables
    report.say(f"registry: ready ({tenancy.store.location('_registry')})")
    tenancy.jobs.states()
    report.say("jobs: ready")
    committee = _committees(tenancy, setup, report)
    if setup.password is None:
        report.say(
            "first admin: none made (put a password in the file CXZY_ADMIN_PASSWORD_FILE names, "
            "or use `cxzy accounts add`)"
        )
    elif committee is None:
        report.say("first admin: none made (no committee: pass --committee CODE --name NAME)")
    else:
        _admin(tenancy, committee, setup, report)
    return report


def _committees(tenancy: Tenancy, setup: Setup, report: Report) -> str | None:
    """The committee the admin belongs to, set up first when asked for."""
    system = Actor(user="cxzy-init", role="system", tenant="*")
    wanted = setup.manifest.code if setup.manifest else setup.committee
    names = setup.manifest.name if setup.manifest else setup.name
    existing = tenancy.registry().committees()
    if wanted is not None:
        if wanted in existing:
            report.say(f"committee {wanted}: exists")
        else:
            if not names:
                raise InvalidInput("text.empty", field="name")
            tenancy.add_committee(wanted, names, system)
            report.say(f"committee {wanted}: added ({tenancy.store.location(wanted)})")
    if setup.manifest is not None:
        registered = tenancy.committee(setup.manifest.code).committee().branches
        added = 0
        for branch in setup.manifest.branches:
            if branch.code not in registered:
                tenancy.add_branch(setup.manifest.code, branch.code, branch.name, system)
                added += 1
        report.say(f"branches: {added} added, {len(setup.manifest.branches) - added} existed")
    if wanted is None and len(existing) == 1:
        return next(iter(existing))
    return wanted


def _admin(tenancy: Tenancy, committee: str, setup: Setup, report: Report) -> None:
    app = tenancy.committee(committee)
    try:
        app.account(setup.admin)
    except NotFound:
        pass
    else:
        report.say(f"first admin {setup.admin}: exists (password unchanged)")
        return
    password = setup.password or ""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput("init.password_short", field="password", min_length=MIN_PASSWORD)
    system = Actor(user="cxzy-init", role="system", tenant=committee)
    app.register_user(
        system, RegisterUser(username=setup.admin, display_name=setup.admin, password=password)
    )
    app.grant(system, Grant(username=setup.admin, role="committee-admin", tenant=committee))
    report.say(f"first admin {setup.admin}: created (committee-admin of {committee})")
