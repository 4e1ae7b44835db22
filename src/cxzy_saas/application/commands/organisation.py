"""Commands on a branch's organisation: its groups and members."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, kw_only=True)
class FormGroup:
    code: str
    name: str


@dataclass(frozen=True, kw_only=True)
class RenameGroup:
    group: str
    name: str


@dataclass(frozen=True, kw_only=True)
class DissolveGroup:
    group: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class EnrolMember:
    member_no: str
    # Personal data (PIPL): kept out of the repr, which may end up in a log.
    name: str = field(repr=False)
    status: str = "full"
    group: str | None = None
    joined_on: date | str = date(2000, 1, 1)
    gender: str = field(default="", repr=False)
    phone: str = field(default="", repr=False)


@dataclass(frozen=True, kw_only=True)
class MoveMember:
    member_no: str
    group: str | None
    on: date


@dataclass(frozen=True, kw_only=True)
class ConfirmFullMembership:
    member_no: str
    on: date


@dataclass(frozen=True, kw_only=True)
class GiveRole:
    member_no: str
    role: str
    on: date


@dataclass(frozen=True, kw_only=True)
class RelieveRole:
    member_no: str
    role: str
    on: date


@dataclass(frozen=True, kw_only=True)
class RecordDeparture:
    member_no: str
    reason: str
    on: date


@dataclass(frozen=True, kw_only=True)
class EraseMember:
    member_no: str
    reason: str
