"""The committee's own commands: its campaigns, its quarterly assessment of each branch, its
acknowledgement of what branches report, the commendation, and user accounts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

# campaigns


@dataclass(frozen=True, kw_only=True)
class OpenCampaign:
    year: int
    title: str


@dataclass(frozen=True, kw_only=True)
class CloseCampaign:
    year: int
    on: date


@dataclass(frozen=True, kw_only=True)
class SetLeaderboardVisibility:
    year: int
    open_to_branches: bool


@dataclass(frozen=True, kw_only=True)
class AssessBranch:
    branch: str
    year: int
    quarter: int
    scores: Mapping[str, Any]  # points per scoring item of the branch level
    on: date


@dataclass(frozen=True, kw_only=True)
class Acknowledge:
    """The committee has seen what a branch reported: a measure (``subject``: its id), a
    half-year report or an annual summary (``subject``: the year)."""

    branch: str
    year: int
    kind: str
    subject: str
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class Commend:
    year: int
    entries: Sequence[Mapping[str, str]]  # {"branch", "level", "subject", "reason"?} each
    on: date
    decision_text: str
    # The committee's branch board as the caller read it (code: rank, None for 未参评): the
    # advice a 先进党支部 named against needs a reason. Empty: no board, no advice.
    branch_ranks: Mapping[str, int | None] = field(default_factory=dict)


# amendments of a closed or sealed branch-year (decision 0011)


@dataclass(frozen=True, kw_only=True)
class OpenAmendment:
    year: int
    branch: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class CloseAmendment:
    year: int
    amendment: UUID
    note: str = ""


# user accounts and their grants


@dataclass(frozen=True, kw_only=True)
class RegisterUser:
    username: str
    display_name: str
    password: str = field(repr=False)


@dataclass(frozen=True, kw_only=True)
class AddUser:
    """Register a user with their first grant, in one transaction. Without ``password`` the
    application makes a one-time password, which the user must change at first sign-in."""

    username: str
    display_name: str
    role: str
    tenant: str
    group: str | None = None  # the group a group leader leads
    member_no: str | None = None  # the member of ``tenant`` the user is
    password: str | None = field(default=None, repr=False)


@dataclass(frozen=True, kw_only=True)
class Grant:
    username: str
    role: str
    tenant: str
    group: str | None = None  # the group a group leader leads


@dataclass(frozen=True, kw_only=True)
class Revoke:
    username: str
    role: str
    tenant: str


@dataclass(frozen=True, kw_only=True)
class LinkMember:
    username: str
    branch: str
    member_no: str


@dataclass(frozen=True, kw_only=True)
class ResetPassword:
    """Give the user a new one-time password (ending their sessions and tokens)."""

    username: str


@dataclass(frozen=True, kw_only=True)
class DisableUser:
    username: str


@dataclass(frozen=True, kw_only=True)
class EnableUser:
    username: str


@dataclass(frozen=True, kw_only=True)
class ChangePassword:
    """The user's own change: the current password proves it is them."""

    username: str
    current: str = field(repr=False)
    new: str = field(repr=False)


@dataclass(frozen=True, kw_only=True)
class SignOut:
    """End every session and token of the user's account."""

    username: str
