"""A manifest's committee, branches, groups and members put in place, whatever of them is in
place already: a run refused half-way (a name with a control character in row 40) is finished
by the same command once the manifest is fixed, rather than stopped by "code taken"."""

from __future__ import annotations

from dataclasses import dataclass

from cxzy_saas.application.commands.organisation import EnrolMember, FormGroup
from cxzy_saas.application.manifests import BranchSpec, Manifest
from cxzy_saas.application.tenancy import DEFAULT_CELL, Tenancy
from cxzy_saas.domain.errors import AlreadyExists, InvalidInput
from cxzy_saas.domain.recording import Actor

ROLL_FIELDS = ("member_no", "name", "status", "group", "joined_on", "gender", "phone")


@dataclass
class Provisioned:
    committee_added: bool = False
    branches: int = 0  # added now
    branches_existing: int = 0
    groups: int = 0
    members: int = 0


def provision(
    tenancy: Tenancy, spec: Manifest, source: str, cell: str | None, user: str
) -> Provisioned:
    """Add what of ``spec`` is missing (``user`` names the tool in the events' actor).

    Raises:
        InvalidInput: a branch gives a count of members and lists nobody (the demo's kind of
            manifest), before anything is written; a name, a code or a date a step refuses.
        AlreadyExists: the committee's code is taken by another tenant, or it is registered
            under another name; a branch's code is taken elsewhere.
    """
    for b in spec.branches:
        if b.members and not b.roll:
            raise InvalidInput(
                "manifest.members_counted", source=source, branch=b.code, count=b.members
            )
    done = Provisioned()
    known = {t.code: t for t in tenancy.tenants()}
    found = known.get(spec.code)
    if found is None:
        tenancy.add_committee(spec.code, spec.name, cell=cell or DEFAULT_CELL)
        done.committee_added = True
    elif found.kind != "committee" or found.name != spec.name:
        raise AlreadyExists("tenant.code_taken", field="code", code=spec.code)
    registered = tenancy.committee(spec.code).committee().branches
    missing = [(b.code, b.name) for b in spec.branches if b.code not in registered]
    tenancy.add_branches(spec.code, missing)
    done.branches, done.branches_existing = len(missing), len(spec.branches) - len(missing)
    for b in spec.branches:
        groups, members = load_roll(tenancy, b, user)
        done.groups += groups
        done.members += members
    return done


def load_roll(tenancy: Tenancy, branch: BranchSpec, user: str) -> tuple[int, int]:
    """Form a manifest branch's groups and enrol its listed members that are not there yet
    (the members in one transaction); how many of each were added."""
    app = tenancy.branch(branch.code)
    actor = Actor(user=user, role="system", tenant=branch.code)
    formed = {g.code for g in app.groups(include_dissolved=True)}
    groups = 0
    for code, name in zip(branch.group_codes, branch.groups, strict=True):
        if code not in formed:
            app.form_group(actor, FormGroup(code=code, name=name))
            groups += 1
    enrolled = {m.member_no for m in app.members(include_left=True)}
    new = [m for m in branch.roll if str(m["member_no"]) not in enrolled]
    if new:
        app.enrol_members(
            actor,
            [
                EnrolMember(
                    **{
                        k: (str(v) if k != "joined_on" else v)
                        for k, v in m.items()
                        if k in ROLL_FIELDS
                    }
                )
                for m in new
            ],
        )
    return groups, len(new)
