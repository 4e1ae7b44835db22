"""Commands of a branch's evaluation: the half-year and year-end reviews, the democratic rating,
the nomination (and the committee's decision on each nominee), deed materials and the annual
summary."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

# reviews (半年初评, 年终总评)


@dataclass(frozen=True, kw_only=True)
class StartReview:
    year: int
    stage: str
    on: date


@dataclass(frozen=True, kw_only=True)
class FileSummary:
    year: int
    stage: str
    member: str
    text: str


@dataclass(frozen=True, kw_only=True)
class RecordCritique:
    year: int
    stage: str
    member: str
    remarks: Sequence[str]


@dataclass(frozen=True, kw_only=True)
class FileGroupSummary:
    year: int
    stage: str
    group: str
    text: str


@dataclass(frozen=True, kw_only=True)
class FileBranchSummary:
    year: int
    stage: str
    text: str


@dataclass(frozen=True, kw_only=True)
class Recommend:
    """Recommendations of the half-year review (there are none at the year's end)."""

    year: int
    groups: Sequence[str] = ()
    members: Sequence[str] = ()
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class ReportReview:
    year: int
    stage: str
    on: date


# democratic rating (民主测评)


@dataclass(frozen=True, kw_only=True)
class OpenBallot:
    """A ballot on ``subjects`` ({"level", "subject"} each), with ``codes[pool]`` one-time
    codes for each pool of raters."""

    year: int
    title: str
    subjects: Sequence[Mapping[str, str]]
    codes: Mapping[str, int]
    on: date


@dataclass(frozen=True, kw_only=True)
class CastBallot:
    ballot_id: UUID
    code: str
    grades: Mapping[str, str]  # "level:subject" -> grade


@dataclass(frozen=True, kw_only=True)
class ReissueCodes:
    """Lost slips: void the unspent codes listed in ``void`` (codes the secretary still holds),
    or every unspent code of ``pool`` when ``void`` is None, and issue ``codes`` new ones."""

    ballot_id: UUID
    pool: str
    codes: int
    void: Sequence[str] | None = None


@dataclass(frozen=True, kw_only=True)
class CloseBallot:
    ballot_id: UUID
    on: date


# nomination (推荐) and the committee's decisions on it


@dataclass(frozen=True, kw_only=True)
class Shortlist:
    year: int
    entries: Sequence[Mapping[str, Any]]  # {"level", "subject", "reason"} each


@dataclass(frozen=True, kw_only=True)
class SubmitNomination:
    year: int
    on: date


@dataclass(frozen=True, kw_only=True)
class Renominate:
    """After the committee returned nominees: a new submission with ``entries`` (as
    :class:`Shortlist`'s) and ``answer``, the branch's answer to the return's reasons."""

    year: int
    entries: Sequence[Mapping[str, Any]]
    answer: str
    on: date


@dataclass(frozen=True, kw_only=True)
class DecideNominee:
    branch: str
    year: int
    level: str
    subject: str
    outcome: str  # "approved" or "returned"
    reason: str = ""


# deed materials (事迹材料) and the annual summary (年度总结)


@dataclass(frozen=True, kw_only=True)
class WriteDeeds:
    year: int
    level: str
    subject: str
    text: str
    attachments: Sequence[str] = ()


@dataclass(frozen=True, kw_only=True)
class FileAnnualSummary:
    year: int
    basic_facts: str
    experience: str
    problems: str
    plans: str


@dataclass(frozen=True, kw_only=True)
class ReportAnnualSummary:
    year: int
    to: str
    on: date
