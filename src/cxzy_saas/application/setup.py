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
from cxzy_saas.application.passwords import check_strength
from cxzy_saas.application.provision import provision
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.domain.errors import InvalidInput, NotFound
from cxzy_saas.domain.recording import Actor


@dataclass
class Setup:
    """What to set up; ``committee`` with ``name``, or a ``manifest``; an ``admin`` with the
    ``password`` read from the operator's file."""

    committee: str | None = None
    name: str | None = None
    manifest: Manifest | None = None
    source: str = "manifest"  # the manifest's file, named in refusals
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
    if setup.manifest is not None:
        # as `cxzy tenants load` does: groups and members too, and what is there kept
        spec = setup.manifest
        done = provision(tenancy, spec, setup.source, None, "cxzy-init")
        state = "added" if done.committee_added else "exists"
        report.say(f"committee {spec.code}: {state} ({tenancy.store.location(spec.code)})")
        report.say(
            f"branches: {done.branches} added, {done.branches_existing} existed; "
            f"{done.groups} groups and {done.members} members added"
        )
        return spec.code
    wanted = setup.committee
    existing = tenancy.registry().committees()
    if wanted is not None:
        if wanted in existing:
            report.say(f"committee {wanted}: exists")
        else:
            if not setup.name:
                raise InvalidInput("text.empty", field="name")
            tenancy.add_committee(wanted, setup.name, system)
            report.say(f"committee {wanted}: added ({tenancy.store.location(wanted)})")
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
    # as strong as `cxzy accounts add` asks: the first admin holds every committee right
    check_strength(password, "password", [setup.admin, committee])
    system = Actor(user="cxzy-init", role="system", tenant=committee)
    app.register_user(
        system, RegisterUser(username=setup.admin, display_name=setup.admin, password=password)
    )
    app.grant(system, Grant(username=setup.admin, role="committee-admin", tenant=committee))
    report.say(f"first admin {setup.admin}: created (committee-admin of {committee})")
