"""A branch's organisation: the branch itself, its party groups and its members.

All of it lives in the branch's own log. Member and group ids are derived from the tenant and the
code the branch gives them, so a duplicate code is refused by the event store as well as here.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from eventsourcing.domain import event

from cxzy_saas.domain.base import (
    TenantAggregate,
    clean_text,
    require,
    require_clean,
    require_code,
    require_past,
    require_text,
    stable_id,
)
from cxzy_saas.domain.errors import InvalidInput, StateConflict
from cxzy_saas.domain.recording import BEIJING
from cxzy_saas.domain.text import PHONE, is_code


def check_phone(phone: str) -> str:
    """A phone number (:data:`PHONE`), or empty: none given."""
    require(not phone or is_code(phone, PHONE), "member.phone_malformed", field="phone")
    return phone


MEMBER_STATUSES = ("full", "probationary")  # 正式党员 / 预备党员
BRANCH_ROLES = ("secretary", "organiser", "group-leader")  # 书记 / 组织委员 / 党小组长
ERASED_NAME = "（已删除）"  # what every view shows for an erased member's name
# A member's personal data (PIPL): sealed in storage with a key of the member's own, erasable.
PERSONAL_FIELDS = ("name", "gender", "phone", "id_number", "id_card")
# Of those, the ones shown only to the roles that keep the roll and to the member themself (a
# member's name is on every board; see application/permissions.may_see_personal).
SENSITIVE_FIELDS = tuple(f for f in PERSONAL_FIELDS if f != "name")


def counts_in(year: int, since: date, until: date | None) -> bool:
    """Whether a member or group counts in ``year``'s evaluation: on the branch's books by the
    end of that year (``since``: the day it was enrolled or formed, as recorded) and not gone by
    then (``until``: the day a member left, or a group was dissolved). So the people who join
    or leave later change nothing of a year gone by (decision 0011)."""
    end = date(year, 12, 31)
    return since <= end and (until is None or until > end)


def beijing_day(moment: datetime) -> date:
    return moment.astimezone(BEIJING).date()


def erased_value(field: str) -> str:
    """What an erased personal field reads as: the placeholder for the name, empty otherwise."""
    return ERASED_NAME if field == "name" else ""


class Branch(TenantAggregate):
    """The first aggregate of every branch log: who the branch is and which committee leads it."""

    @staticmethod
    def create_id(tenant: str) -> UUID:
        return Branch.id_for(tenant)

    @staticmethod
    def id_for(tenant: str) -> UUID:
        return stable_id(tenant, "branch")

    @event("Opened")
    def __init__(self, code: str, name: str, committee: str) -> None:
        self.code = code
        self.name = name
        self.committee = committee

    @event("Renamed")
    def rename(self, name: str) -> None:
        self.name = name


class Group(TenantAggregate):
    """A party group (党小组) inside a branch."""

    @staticmethod
    def create_id(tenant: str, code: str) -> UUID:
        return Group.id_for(tenant, code)

    @staticmethod
    def id_for(tenant: str, code: str) -> UUID:
        return stable_id(tenant, "group", code)

    @classmethod
    def form(cls, code: str, name: str) -> Group:
        require(bool(code.strip()), "text.empty", field="code")
        return cls(
            code=require_code(require_clean(code, "code", multiline=False).strip(), "code"),
            name=require_text(name, "name", max_length=100, multiline=False),
        )

    @event("Formed")
    def __init__(self, code: str, name: str) -> None:
        self.code = code
        self.name = name
        self.dissolved = False

    def rename(self, name: str) -> None:
        self._check_active()
        name = require_text(name, "name", max_length=100, multiline=False)
        require(name != self.name, "group.name_unchanged", field="name", name=name)
        self._renamed(name=name)

    @event("Renamed")
    def _renamed(self, name: str) -> None:
        self.name = name

    def dissolve(self, reason: str, member_count: int) -> None:
        self._check_active()
        if member_count:
            raise StateConflict("group.has_members", group=self.code, count=member_count)
        self._dissolved(reason=clean_text(reason, "reason"))

    @event("Dissolved")
    def _dissolved(self, reason: str) -> None:
        self.dissolved = True

    def counts_in(self, year: int) -> bool:
        # Nothing follows a dissolution (``_check_active``): its last event's day is the day.
        until = beijing_day(self.modified_on) if self.dissolved else None
        return counts_in(year, beijing_day(self.created_on), until)

    def _check_active(self) -> None:
        if self.dissolved:
            raise StateConflict("group.dissolved", group=self.code)


class Member(TenantAggregate):
    """A party member (党员) of one branch, in at most one group at a time.

    Its history is its events (see ``BranchApplication.history``). Its personal fields (name,
    gender, phone) are plaintext here; in storage they are sealed with a key of the member's own
    (``storage/personal.py``), so that erasing them (PIPL) needs no rewrite of the log.
    """

    @staticmethod
    def create_id(tenant: str, member_no: str) -> UUID:
        return Member.id_for(tenant, member_no)

    @staticmethod
    def id_for(tenant: str, member_no: str) -> UUID:
        return stable_id(tenant, "member", member_no)

    @classmethod
    def enrol(
        cls,
        member_no: str,
        name: str,
        status: str,
        group_id: UUID | None,
        joined_on: date,
        gender: str = "",
        phone: str = "",
    ) -> Member:
        require(bool(member_no.strip()), "text.empty", field="member_no")
        require_code(require_clean(member_no, "member_no", multiline=False).strip(), "member_no")
        require(
            status in MEMBER_STATUSES,
            "member.unknown_status",
            field="status",
            choices=MEMBER_STATUSES,
        )
        return cls(
            member_no=member_no.strip(),
            name=require_text(name, "name", max_length=50, multiline=False),
            status=status,
            group_id=group_id,
            joined_on=require_past(joined_on, "joined_on"),
            gender=require_clean(gender, "gender", multiline=False),
            phone=check_phone(require_clean(phone, "phone", multiline=False).strip()),
        )

    @event("Enrolled")
    def __init__(
        self,
        member_no: str,
        name: str,
        status: str,
        group_id: UUID | None,
        joined_on: date,
        gender: str,
        phone: str,
    ) -> None:
        self.member_no = member_no
        self.name = name
        self.status = status
        self.group_id = group_id
        self.joined_on = joined_on
        self.gender = gender
        self.phone = phone
        self.roles: list[str] = []
        self.left_on: date | None = None
        self.erased = False

    @property
    def active(self) -> bool:
        return self.left_on is None

    def counts_in(self, year: int) -> bool:
        return counts_in(year, beijing_day(self.created_on), self.left_on)

    def move_to(self, group_id: UUID | None, on: date) -> None:
        self._check_active()
        if group_id == self.group_id:
            raise StateConflict("member.in_group_already", member_no=self.member_no)
        self._moved(group_id=group_id, on=require_past(on, "on"))

    @event("MovedToGroup")
    def _moved(self, group_id: UUID | None, on: date) -> None:
        self.group_id = group_id

    def confirm_full_membership(self, on: date) -> None:
        self._check_active()
        if self.status == "full":
            raise StateConflict("member.full_already", member_no=self.member_no)
        self._confirmed(on=require_past(on, "on"))

    @event("FullMembershipConfirmed")
    def _confirmed(self, on: date) -> None:
        self.status = "full"

    def give_role(self, role: str, on: date) -> None:
        self._check_active()
        if role not in BRANCH_ROLES:
            raise InvalidInput("member.unknown_role", field="role", choices=BRANCH_ROLES)
        if role in self.roles:
            raise StateConflict("member.holds_role", member_no=self.member_no, role=role)
        self._role_given(role=role, on=require_past(on, "on"))

    @event("RoleGiven")
    def _role_given(self, role: str, on: date) -> None:
        self.roles.append(role)

    def relieve_role(self, role: str, on: date) -> None:
        self._check_active()
        if role not in self.roles:
            raise StateConflict("member.lacks_role", member_no=self.member_no, role=role)
        self._role_relieved(role=role, on=require_past(on, "on"))

    @event("RoleRelieved")
    def _role_relieved(self, role: str, on: date) -> None:
        self.roles.remove(role)

    def leave(self, reason: str, on: date) -> None:
        self._check_active()
        reason = require_text(reason, "reason", max_length=500)
        self._left(reason=reason, on=require_past(on, "on"))

    @event("Left")
    def _left(self, reason: str, on: date) -> None:
        self.left_on = on
        self.roles = []
        self.group_id = None

    def erase_personal_data(self, reason: str) -> None:
        """Record that the member's personal data was erased on request (a member who left may
        ask too). The event holds the reason, never the data; the key that opens the data in
        the stored events is destroyed by the application right after.

        Raises:
            StateConflict: erased already.
        """
        if self.erased:
            raise StateConflict("member.erased_already", member_no=self.member_no)
        self._personal_data_erased(reason=require_text(reason, "reason", max_length=500))

    @event("PersonalDataErased")
    def _personal_data_erased(self, reason: str) -> None:
        self.name = erased_value("name")
        self.gender = erased_value("gender")
        self.phone = erased_value("phone")
        self.erased = True

    def _check_active(self) -> None:
        if not self.active:
            raise StateConflict("member.left", member_no=self.member_no, on=self.left_on)
