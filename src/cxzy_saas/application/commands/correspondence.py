"""Commands of the campaign's rest (issue 13): tasks the committee assigns, a branch's requests
and reports, the branch's own commendation, a revised annual summary."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID


@dataclass(frozen=True, kw_only=True)
class AssignTask:
    """The committee gives ``branch`` a task for the commendation: what, by when."""

    year: int
    branch: str
    title: str
    text: str
    due: date
    on: date


@dataclass(frozen=True, kw_only=True)
class ReportTask:
    """The branch reports the task ``task`` done."""

    task: UUID
    text: str
    on: date


@dataclass(frozen=True, kw_only=True)
class SendLetter:
    """A request (请示) or report (汇报) of the branch to its committee."""

    year: int
    kind: str
    title: str
    text: str
    on: date


@dataclass(frozen=True, kw_only=True)
class ReplyToLetter:
    branch: str
    letter: UUID
    text: str
    on: date


@dataclass(frozen=True, kw_only=True)
class CommendOwn:
    """The branch commends one of its groups or members (``forms``: notice, certificate,
    prize)."""

    year: int
    level: str
    subject: str
    forms: Sequence[str]
    text: str
    on: date


@dataclass(frozen=True, kw_only=True)
class RecommendUpward:
    year: int
    level: str
    subject: str
    reason: str
    on: date


@dataclass(frozen=True, kw_only=True)
class ReviseAnnualSummary:
    year: int
    basic_facts: str
    experience: str
    problems: str
    plans: str
    reason: str
