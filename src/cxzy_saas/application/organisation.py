"""Organisation commands of a branch: groups, members, roles."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from uuid import UUID

from cxzy_saas.application.base import TenantApplication
from cxzy_saas.application.commands.organisation import (
    ConfirmFullMembership,
    DissolveGroup,
    EnrolMember,
    EraseMember,
    FormGroup,
    GiveRole,
    MoveMember,
    RecordDeparture,
    RelieveRole,
    RenameGroup,
)
from cxzy_saas.application.permissions import (
    BRANCH_READERS,
    BRANCH_WRITERS,
    COMMITTEE_READERS,
    SYSTEM,
    authorize,
    may_see_personal,
)
from cxzy_saas.domain.base import as_date
from cxzy_saas.domain.errors import AlreadyExists, ConcurrentModification, Forbidden
from cxzy_saas.domain.organisation import SENSITIVE_FIELDS, Branch, Group, Member
from cxzy_saas.domain.recording import Actor, recording
from cxzy_saas.domain.text import same_code
from cxzy_saas.storage.recorders import unique

A = TypeVar("A", Group, Member)
GROUP_FORMED = Group.Formed  # type: ignore[attr-defined]
MEMBER_ENROLLED = Member.Enrolled  # type: ignore[attr-defined]


def code_key(kind: str, code: str) -> str:
    """The claim of a member number or a group code, for good: one code in any case."""
    return f"{kind}:{code.casefold()}"


def name_key(group: Group) -> str:
    """The claim of a group's name while the group is in use: two groups of a branch in use
    under one name could not be told apart (the names as written, as the check compares)."""
    return f"group-name:{group.name}"


class OrganisationCommands(TenantApplication):
    """Mixed into :class:`~cxzy_saas.application.branch.BranchApplication`."""

    def open_branch(self, actor: Actor, code: str, name: str, committee: str) -> UUID:
        with self.acting(actor, BRANCH_WRITERS):
            if self.exists(Branch.id_for(self.tenant)):
                raise AlreadyExists("branch.open_already", branch=code)
            branch = Branch(code=code, name=name, committee=committee)
            self.save(branch)
            return branch.id

    def branch(self) -> Branch:
        return self.load(Branch, Branch.id_for(self.tenant), "branch.not_found", branch=self.tenant)

    # groups

    def form_group(self, actor: Actor, command: FormGroup) -> UUID:
        code = command.code
        with self.acting(actor, BRANCH_WRITERS):
            if self.exists(Group.id_for(self.tenant, code)):
                raise AlreadyExists("group.exists", field="code", group=code)
            group = Group.form(code, command.name)

            def check_free() -> None:
                others = self._readable(Group, GROUP_FORMED)
                if taken := same_code(group.code, [g.code for g in others]):
                    raise AlreadyExists("group.exists", field="code", group=taken)
                self._check_name_free(group.name, others)

            check_free()
            self._save_claiming(
                [code_key("group", group.code), name_key(group)], [group], check_free
            )
            return group.id

    def _save_claiming(
        self,
        keys: list[str],
        objs: list[Any],
        taken_meanwhile: Callable[[], None],
        release: list[str] | None = None,
    ) -> None:
        """Save ``objs`` claiming ``keys`` in this log after giving up ``release``: the checks
        before read the log, the claim meets a writer that committed the same code or name
        since (``storage/recorders.unique``). When it did, ``taken_meanwhile`` raises the
        refusal the checks now give."""
        try:
            with unique(keys, release):
                self.save(*objs)
        except ConcurrentModification:
            taken_meanwhile()
            raise

    def rename_group(self, actor: Actor, command: RenameGroup) -> None:
        with self.acting(actor, BRANCH_WRITERS):
            group = self.group(command.group)
            before = name_key(group)
            group.rename(command.name)

            def check_free() -> None:
                others = [g for g in self._readable(Group, GROUP_FORMED) if g.id != group.id]
                self._check_name_free(group.name, others)

            check_free()
            self._save_claiming([name_key(group)], [group], check_free, release=[before])

    def _readable(self, kind: type[A], created_by: Any) -> list[A]:
        """Every aggregate of ``kind`` whose stored events can be read: one that cannot (an
        event stored before the edge refused its value, quarantined by the projector) holds no
        code or name anyone can see, and must not stop the branch forming groups or enrolling
        members."""
        found = []
        for aggregate_id in self.ids_created_by(created_by):
            with contextlib.suppress(ValueError, TypeError, KeyError):
                found.append(self.load(kind, aggregate_id, "record.not_found"))
        return found

    @staticmethod
    def _check_name_free(name: str, others: list[Group]) -> None:
        """Two groups of one branch in use under one name could not be told apart on any
        page, form or board (a dissolved group's name may be given again)."""
        for other in others:
            if not other.dissolved and other.name == name:
                raise AlreadyExists("group.name_taken", field="name", name=name, group=other.code)

    def dissolve_group(self, actor: Actor, command: DissolveGroup) -> None:
        with self.acting(actor, BRANCH_WRITERS):
            group = self.group(command.group)
            in_group = [m for m in self.members() if m.group_id == group.id]
            group.dissolve(command.reason, len(in_group))
            # A dissolved group's name may be given again.
            with unique([], [name_key(group)]):
                self.save(group)

    def group(self, code: str) -> Group:
        return self.load(Group, Group.id_for(self.tenant, code), "group.not_found", group=code)

    def groups(self, *, include_dissolved: bool = False) -> list[Group]:
        groups = [
            self.load(Group, i, "record.not_found") for i in self.ids_created_by(GROUP_FORMED)
        ]
        return [g for g in groups if include_dissolved or not g.dissolved]

    def _active_group_id(self, code: str | None) -> UUID | None:
        if code is None or code == "":
            return None
        group = self.group(code)
        group._check_active()
        return group.id

    # members

    def enrol_members(self, actor: Actor, people: Iterable[EnrolMember]) -> list[UUID]:
        """Enrol several members in one transaction: all of them, or none.

        Raises:
            AlreadyExists: a member number is taken (in this branch, or twice in the input).
            NotFound: a group code is unknown in this branch.
            InvalidInput: a name, status or date is malformed.
        """
        with self.acting(actor, BRANCH_WRITERS):
            new: list[Member] = []
            seen = [m.member_no for m in self._readable(Member, MEMBER_ENROLLED)]
            for person in people:
                number = person.member_no.strip()
                if taken := same_code(number, seen):
                    raise AlreadyExists("member.number_taken", field="member_no", member_no=taken)
                seen.append(number)
                new.append(
                    Member.enrol(
                        member_no=number,
                        name=person.name,
                        status=person.status,
                        group_id=self._active_group_id(person.group),
                        joined_on=as_date(person.joined_on, "joined_on"),
                        gender=person.gender,
                        phone=person.phone,
                    )
                )

            def taken_meanwhile() -> None:
                numbers = [m.member_no for m in self._readable(Member, MEMBER_ENROLLED)]
                for m in new:
                    if taken := same_code(m.member_no, numbers):
                        raise AlreadyExists(
                            "member.number_taken", field="member_no", member_no=taken
                        )

            self._save_claiming(
                [code_key("member", m.member_no) for m in new], new, taken_meanwhile
            )
            return [m.id for m in new]

    def enrol_member(self, actor: Actor, person: EnrolMember) -> UUID:
        return self.enrol_members(actor, [person])[0]

    def move_member(self, actor: Actor, command: MoveMember) -> None:
        with self.acting(actor, BRANCH_WRITERS):
            member = self.member(command.member_no)
            member.move_to(self._active_group_id(command.group), command.on)
            self.save(member)

    def confirm_full_membership(self, actor: Actor, command: ConfirmFullMembership) -> None:
        with self.acting(actor, BRANCH_WRITERS):
            member = self.member(command.member_no)
            member.confirm_full_membership(command.on)
            self.save(member)

    def give_role(self, actor: Actor, command: GiveRole) -> None:
        with self.acting(actor, BRANCH_WRITERS):
            member = self.member(command.member_no)
            member.give_role(command.role, command.on)
            self.save(member)

    def relieve_role(self, actor: Actor, command: RelieveRole) -> None:
        with self.acting(actor, BRANCH_WRITERS):
            member = self.member(command.member_no)
            member.relieve_role(command.role, command.on)
            self.save(member)

    def record_departure(self, actor: Actor, command: RecordDeparture) -> None:
        with self.acting(actor, BRANCH_WRITERS):
            member = self.member(command.member_no)
            member.leave(command.reason, command.on)
            self.save(member)

    def erase_member(self, actor: Actor, command: EraseMember) -> None:
        """Erase a member's personal data (PIPL): record that it was erased (the reason and
        the actor, no personal data), then destroy the member's key, so that every view and
        every replay shows the member as erased. Scores, ranks and everything else recorded
        under the member's number stay. The log is not rewritten.

        Who may: the branch's secretary, an admin of the branch's own committee (the committee
        answers for the branch's data), or the system operator (``cxzy members erase``). A clerk
        may not: erasure cannot be undone.

        Raises:
            Forbidden: any other role, or a user of another branch or committee.
            NotFound: no such member in this branch.
            StateConflict: the member's data was erased already.
        """
        self._authorize_erasure(actor)
        with recording(self.tenant, actor, self.clock):
            member = self.member(command.member_no)
            if member.erased and self.personal_keys.holds_key(self.tenant, str(member.id)):
                # Recorded, but the process stopped before the key was destroyed: finish.
                self.personal_keys.destroy(self.tenant, str(member.id))
                return
            member.erase_personal_data(command.reason)
            # The event first, then the key: the two stores have no shared transaction, and
            # an event without a destroyed key is finished by running the command again (above),
            # while a destroyed key without its event would be an erasure nobody can account for.
            self.save(member)
        self.personal_keys.destroy(self.tenant, str(member.id))

    def _authorize_erasure(self, actor: Actor) -> None:
        if actor.role == SYSTEM:
            return
        if actor.role == "branch-secretary" and actor.tenant == self.tenant:
            return
        if actor.role == "committee-admin" and actor.tenant == self.branch().committee:
            return
        raise Forbidden(
            "member.erase_forbidden", user=actor.user, role=actor.role, tenant=self.tenant
        )

    def member(self, member_no: str) -> Member:
        return self.load(
            Member, Member.id_for(self.tenant, member_no), "member.not_found", member_no=member_no
        )

    def member_by_id(self, member_id: UUID) -> Member:
        return self.load(Member, member_id, "record.not_found")

    def members(self, *, include_left: bool = False) -> list[Member]:
        members = [
            self.load(Member, i, "record.not_found") for i in self.ids_created_by(MEMBER_ENROLLED)
        ]
        return [m for m in members if include_left or m.active]

    def read_member(self, actor: Actor, member_no: str) -> tuple[Member, list[dict[str, Any]]]:
        """A member and its history (its events, oldest first), as ``actor`` may see them: the
        personal fields (gender, phone, ID number) are left out of the history for an actor who
        may not see them (``permissions.may_see_personal``); see :meth:`personal_fields`.

        Raises:
            Forbidden: an actor neither of this branch nor among its committee's readers.
            NotFound: no such member in this branch.
        """
        if actor.role in COMMITTEE_READERS - {SYSTEM}:
            authorize(actor, self.branch().committee, COMMITTEE_READERS)
        else:
            authorize(actor, self.tenant, BRANCH_READERS)
        member = self.member(member_no)
        history = self.history(member.id)
        if may_see_personal(actor, member_no):
            return member, history
        return member, [without_personal(e) for e in history]

    @staticmethod
    def personal_fields(actor: Actor, member: Member) -> dict[str, str]:
        """The member's personal fields ``actor`` may see: all of them, or none."""
        if not may_see_personal(actor, member.member_no):
            return {}
        return {f: getattr(member, f) for f in SENSITIVE_FIELDS if hasattr(member, f)}

    def group_members(self, code: str) -> list[Member]:
        group_id = self.group(code).id
        return [m for m in self.members() if m.group_id == group_id]

    def require_member(self, member_id: UUID) -> Member:
        """The member, who must not have left.

        Raises:
            NotFound: no such member in this branch.
            StateConflict: the member has left.
        """
        member = self.member_by_id(member_id)
        member._check_active()
        return member


def without_personal(event: dict[str, Any]) -> dict[str, Any]:
    """An event of a member's history without the personal fields it carries."""
    fields = {k: v for k, v in event["fields"].items() if k not in SENSITIVE_FIELDS}
    return {**event, "fields": fields}
