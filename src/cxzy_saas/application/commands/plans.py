"""Commands on a campaign plan (活动方案), the committee's own or a branch's, and the committee's
decision on a branch's submitted plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True, kw_only=True)
class DraftPlan:
    year: int
    drafter: str
    content: dict[str, Any] | None = None  # None: the default catalogue


@dataclass(frozen=True, kw_only=True)
class DiscussPlan:
    year: int
    on: date
    minutes: str


@dataclass(frozen=True, kw_only=True)
class RevisePlan:
    year: int
    content: dict[str, Any]
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class CirculatePlan:
    year: int
    to: str
    on: date


@dataclass(frozen=True, kw_only=True)
class CommentOnPlan:
    year: int
    by: str
    text: str
    on: date


@dataclass(frozen=True, kw_only=True)
class FinalisePlan:
    year: int
    on: date


@dataclass(frozen=True, kw_only=True)
class SubmitPlan:
    year: int
    on: date


@dataclass(frozen=True, kw_only=True)
class DecidePlan:
    branch: str
    year: int
    outcome: str  # "approved" or "returned"
    reason: str = ""
