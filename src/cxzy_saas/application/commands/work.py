"""Commands of a branch's everyday campaign work: measures, daily records, monthly assessments
and their corrections, quarterly inspections, meetings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID


@dataclass(frozen=True, kw_only=True)
class FileMeasure:
    year: int
    level: str
    subject: str
    criteria: Sequence[int]
    text: str
    due: date


@dataclass(frozen=True, kw_only=True)
class ReportMeasure:
    measure_id: UUID
    to: str
    on: date


@dataclass(frozen=True, kw_only=True)
class AcknowledgeMeasure:
    measure_id: UUID
    on: date
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class CompleteMeasure:
    measure_id: UUID
    on: date
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class RecordDaily:
    year: int
    on: date
    level: str
    subject: str
    text: str
    criterion: int | None = None
    evidence: str = ""


@dataclass(frozen=True, kw_only=True)
class RetractRecord:
    record_id: UUID
    reason: str


@dataclass(frozen=True, kw_only=True)
class AssessMonth:
    """One month's scores of several subjects of one level (a whole group), in one transaction:
    ``scores`` maps a member number (or group code) to points per scoring item."""

    year: int
    month: int
    level: str
    scores: Mapping[str, Mapping[str, Any]]
    on: date | None = None  # None: today


@dataclass(frozen=True, kw_only=True)
class CorrectScore:
    year: int
    month: int
    level: str
    subject: str
    item: str
    points: float
    reason: str


@dataclass(frozen=True, kw_only=True)
class RecordInspection:
    year: int
    quarter: int
    on: date
    measures_checked: str
    gaps: str
    weak_links: str
    improvements: str


@dataclass(frozen=True, kw_only=True)
class CorrectInspection:
    """New text for some of the quarter's findings (None: as it was), and why."""

    year: int
    quarter: int
    reason: str
    measures_checked: str | None = None
    gaps: str | None = None
    weak_links: str | None = None
    improvements: str | None = None


@dataclass(frozen=True, kw_only=True)
class CorrectMeeting:
    """A new title, attendance or minutes of a recorded meeting (None: as it was), and why."""

    meeting_id: UUID
    reason: str
    title: str | None = None
    attendees: int | None = None
    minutes: str | None = None


@dataclass(frozen=True, kw_only=True)
class RecordMeeting:
    year: int
    kind: str
    on: date
    title: str
    attendees: int
    minutes: str
