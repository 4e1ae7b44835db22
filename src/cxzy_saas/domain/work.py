"""Everyday campaign work in a branch's log: measures (措施), daily records (日常记载),
monthly assessments (每月集中考核), quarterly inspections (季度检查) and meetings."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import event

from cxzy_saas.domain.base import (
    TenantAggregate,
    clean_text,
    require,
    require_past,
    require_text,
    stable_id,
)
from cxzy_saas.domain.errors import InvalidInput, StateConflict
from cxzy_saas.domain.organisation import beijing_day
from cxzy_saas.domain.plan import LEVELS, PlanContent
from cxzy_saas.domain.text import as_typed

REPORT_TO = {"member": ("group", "branch"), "group": ("branch",), "branch": ("committee",)}


def check_level(level: str) -> str:
    require(level in LEVELS, "level.unknown", field="level")
    return level


# Beyond any branch's members' meeting with its guests: a figure above it is a typing slip.
MAX_ATTENDEES = 1000


def check_attendees(attendees: int) -> int:
    require(attendees >= 1, "meeting.no_attendees", field="attendees")
    require(attendees <= MAX_ATTENDEES, "meeting.too_many", field="attendees", most=MAX_ATTENDEES)
    return attendees


Check = Callable[[Any, str], Any]  # a field's new value and its name -> the value checked


def corrections_of(
    record: Any, changes: Mapping[str, Any], checks: Mapping[str, Check], reason: str
) -> dict[str, Any]:
    """The fields of ``record`` that ``changes`` corrects, each checked by ``checks[field]``,
    and their previous values: the data of a ``Corrected`` event, which also says why.

    Raises:
        InvalidInput: a field that may not be corrected, nothing changed, no reason.
    """
    unknown = sorted(set(changes) - set(checks))
    require(not unknown, "correction.unknown_field", field=(unknown or [""])[0])
    new = {f: checks[f](v, f) for f, v in changes.items() if v is not None}
    changed = {f: v for f, v in new.items() if v != getattr(record, f)}
    require(bool(changed), "correction.unchanged", field=next(iter(changes), "reason"))
    return {
        "changes": changed,
        "previous": {f: getattr(record, f) for f in changed},
        "reason": require_text(reason, "reason", max_length=1000),
    }


def corrected(record: Any, changes: Mapping[str, Any], reason: str) -> None:
    """A ``Corrected`` event applied: the new values, and the correction in the record's."""
    for field, value in changes.items():
        setattr(record, field, value)
    record.corrections = (*record.corrections, {"changes": dict(changes), "reason": reason})


def _text(value: Any, field: str) -> str:
    return require_text(value, field)


class Measure(TenantAggregate):
    """A concrete commitment (措施) of a branch, group or member, linked to criteria."""

    @classmethod
    def file(
        cls,
        year: int,
        level: str,
        subject: str,
        criteria: Sequence[int],
        text: str,
        due: date,
        plan: PlanContent,
    ) -> Measure:
        check_level(level)
        require(bool(criteria), "measure.no_criteria", field="criteria")
        for number in criteria:
            require(
                number in plan.criteria[level],
                "plan.no_criterion",
                field="criteria",
                level=level,
                criterion=number,
            )
        require(due.year == year, "measure.due_outside_year", field="due", year=year)
        return cls(
            year=year,
            level=level,
            subject=subject,
            criteria=list(criteria),
            text=require_text(text, "text", max_length=2000),
            due=due,
        )

    @event("Filed")
    def __init__(
        self, year: int, level: str, subject: str, criteria: list[int], text: str, due: date
    ) -> None:
        self.year = year
        self.level = level
        self.subject = subject
        self.criteria = criteria
        self.text = text
        self.due = due
        self.reported_to: str | None = None
        self.acknowledged = False
        self.done_on: date | None = None

    @property
    def filed_on(self) -> date:
        """The day (Beijing) the measure was filed."""
        return beijing_day(self.created_on)

    def report(self, to: str, on: date) -> None:
        require(
            to in REPORT_TO[self.level],
            "measure.report_to",
            field="to",
            level=self.level,
            targets=" or ".join(REPORT_TO[self.level]),
        )
        if self.reported_to is not None:
            raise StateConflict("measure.reported_already", to=self.reported_to)
        self._reported(to=to, on=require_past(on, "on", after=self.filed_on))

    @event("Reported")
    def _reported(self, to: str, on: date) -> None:
        self.reported_to = to

    def acknowledge(self, note: str, on: date) -> None:
        """The branch acknowledges a member's or group's measure (the committee acknowledges a
        branch's measure by a decision in its own log)."""
        if self.reported_to not in ("group", "branch"):
            raise StateConflict("measure.not_reported_below")
        if self.acknowledged:
            raise StateConflict("measure.acknowledged_already")
        self._acknowledged(
            note=clean_text(note, "note"), on=require_past(on, "on", after=self.filed_on)
        )

    @event("Acknowledged")
    def _acknowledged(self, note: str, on: date) -> None:
        self.acknowledged = True

    def complete(self, on: date, note: str = "") -> None:
        if self.done_on is not None:
            raise StateConflict("measure.done_already", on=self.done_on)
        require(on.year == self.year, "measure.done_outside_year", field="on", year=self.year)
        # Not before it was filed: a measure filed today and "done" in January would count as
        # done on time, raising its owner's target score with a date nobody can check.
        self._completed(
            on=require_past(on, "on", after=self.filed_on), note=clean_text(note, "note")
        )

    @event("Completed")
    def _completed(self, on: date, note: str) -> None:
        self.done_on = on


class DailyRecord(TenantAggregate):
    """A dated note of what a member, group or the branch did (日常记载); evidence optional."""

    @classmethod
    def record(
        cls,
        year: int,
        on: date,
        level: str,
        subject: str,
        criterion: int | None,
        text: str,
        evidence: str,
        plan: PlanContent,
    ) -> DailyRecord:
        check_level(level)
        require(on.year == year, "daily_record.date_outside_year", field="on", year=year)
        require_past(on, "on")
        require(
            criterion is None or criterion in plan.criteria[level],
            "plan.no_criterion",
            field="criterion",
            level=level,
            criterion=criterion,
        )
        return cls(
            year=year,
            on=on,
            level=level,
            subject=subject,
            criterion=criterion,
            text=require_text(text, "text", max_length=5000),
            evidence=clean_text(evidence, "evidence"),
        )

    @event("Recorded")
    def __init__(
        self,
        year: int,
        on: date,
        level: str,
        subject: str,
        criterion: int | None,
        text: str,
        evidence: str,
    ) -> None:
        self.year = year
        self.on = on
        self.level = level
        self.subject = subject
        self.criterion = criterion
        self.text = text
        self.evidence = evidence
        self.retracted: str | None = None

    def retract(self, reason: str) -> None:
        if self.retracted is not None:
            raise StateConflict("daily_record.retracted_already")
        self._retracted(reason=require_text(reason, "reason", max_length=1000), corrects=1)

    @event("Retracted")
    def _retracted(self, reason: str, corrects: int) -> None:
        """``corrects`` is the version (event) of this record that the retraction withdraws."""
        self.retracted = reason


def check_points(plan: PlanContent, level: str, points: Mapping[str, Any]) -> dict[str, float]:
    """Points for every scoring item of ``level``, each between 0 and the item's max.

    Raises:
        InvalidInput: naming the item that is missing, unknown or out of range.
    """
    items = {i.code: i for i in plan.items_for(level)}
    unknown = sorted(set(points) - set(items))
    require(
        not unknown, "scores.unknown_items", field="scores", level=level, items=", ".join(unknown)
    )
    checked: dict[str, float] = {}
    for code, item in items.items():
        if code not in points:
            raise InvalidInput(
                "scores.missing", field=f"scores.{code}", item=code, title=item.title
            )
        try:
            value = float(as_typed(points[code]))
        except (TypeError, ValueError):
            raise InvalidInput(
                "scores.not_a_number", field=f"scores.{code}", item=code, title=item.title
            ) from None
        if not 0 <= value <= item.max_points:
            raise InvalidInput(
                "scores.out_of_range",
                field=f"scores.{code}",
                item=code,
                title=item.title,
                max_points=item.max_points,
            )
        checked[code] = value
    return checked


class Assessment(TenantAggregate):
    """One subject's scores for one period, by the assessor one level up.

    Monthly (每月集中考核): the branch assesses its groups, a group leader the group's members.
    Quarterly, in the committee's log: the committee assesses a branch. One per subject and
    period: the id is derived from them, so a second assessment is refused; changes are
    :meth:`correct` events that name the value they replace.
    """

    @staticmethod
    def id_for(tenant: str, year: int, level: str, subject: str, period: str) -> UUID:
        return stable_id(tenant, "assessment", year, level, subject, period)

    @staticmethod
    def create_id(tenant: str, year: int, level: str, subject: str, period: str) -> UUID:
        return Assessment.id_for(tenant, year, level, subject, period)

    @classmethod
    def assess(
        cls,
        year: int,
        period: str,
        level: str,
        subject: str,
        points: Mapping[str, Any],
        plan: PlanContent,
        plan_version: int,
        on: date,
    ) -> Assessment:
        """``on``: the day of the assessment, within the period or after it, not after today.

        Raises:
            InvalidInput: an unknown level, points the plan refuses, such a date.
        """
        check_level(level)
        start = period_start(period)
        require(on >= start, "assessment.before_period", field="on", value=on, start=start)
        require_past(on, "on")
        return cls(
            year=year,
            period=period,
            level=level,
            subject=subject,
            scores=check_points(plan, level, points),
            plan_version=plan_version,
            on=on,
        )

    @event("Recorded")
    def __init__(
        self,
        year: int,
        period: str,
        level: str,
        subject: str,
        scores: dict[str, float],
        plan_version: int,
        on: date,
    ) -> None:
        self.year = year
        self.period = period  # "2026-03" for a month, "2026-Q1" for a quarter
        self.level = level
        self.subject = subject
        # A copy: corrections change the state, never the recorded event's own dict.
        self.scores = dict(scores)
        self.plan_version = plan_version
        self.on = on
        self.corrections: list[dict[str, Any]] = []
        self.item_versions: dict[str, int] = {}  # item -> version of the event that set it

    def correct(self, item: str, points: float, reason: str, plan: PlanContent) -> None:
        """Raises InvalidInput for an unknown item, points out of range or no reason."""
        require(item in self.scores, "assessment.item_not_scored", field="item", item=item)
        checked = check_points(plan, self.level, {**self.scores, item: points})[item]
        require(checked != self.scores[item], "assessment.points_unchanged", field="points")
        self._corrected(
            item=item,
            points=checked,
            previous=self.scores[item],
            reason=require_text(reason, "reason", max_length=1000),
            corrects=self.item_versions.get(item, 1),
        )

    @event("ScoreCorrected")
    def _corrected(
        self, item: str, points: float, previous: float, reason: str, corrects: int
    ) -> None:
        """``corrects`` is the version (event) of this assessment whose value is replaced."""
        self.scores[item] = points
        self.corrections.append(
            {"item": item, "points": points, "previous": previous, "reason": reason}
        )
        # Inside an apply method the aggregate still has the previous version.
        self.item_versions[item] = self.version + 1


def month_period(year: int, month: int) -> str:
    require(1 <= month <= 12, "month.out_of_range", field="month")
    return f"{year}-{month:02d}"


def quarter_period(year: int, quarter: int) -> str:
    require(1 <= quarter <= 4, "quarter.out_of_range", field="quarter")
    return f"{year}-Q{quarter}"


def period_start(period: str) -> date:
    """The first day of a period: "2026-03" or "2026-Q2"."""
    year, _, part = period.partition("-")
    if part.startswith("Q"):
        return date(int(year), 3 * int(part[1:]) - 2, 1)
    return date(int(year), int(part), 1)


class Inspection(TenantAggregate):
    """The quarterly inspection of a branch (季度检查): measures checked, gaps against the
    criteria, weak links, improvement measures. One per quarter."""

    @staticmethod
    def create_id(tenant: str, year: int, quarter: int) -> UUID:
        return Inspection.id_for(tenant, year, quarter)

    @staticmethod
    def id_for(tenant: str, year: int, quarter: int) -> UUID:
        return stable_id(tenant, "inspection", year, quarter)

    @classmethod
    def record(
        cls,
        year: int,
        quarter: int,
        on: date,
        measures_checked: str,
        gaps: str,
        weak_links: str,
        improvements: str,
    ) -> Inspection:
        quarter_period(year, quarter)
        require(on.year == year, "inspection.date_outside_year", field="on", year=year)
        require_past(on, "on")
        require(
            on >= date(year, 3 * quarter - 2, 1),
            "inspection.too_early",
            field="on",
            quarter=quarter,
        )
        return cls(
            year=year,
            quarter=quarter,
            on=on,
            measures_checked=require_text(measures_checked, "measures_checked"),
            gaps=require_text(gaps, "gaps"),
            weak_links=require_text(weak_links, "weak_links"),
            improvements=require_text(improvements, "improvements"),
        )

    @event("Recorded")
    def __init__(
        self,
        year: int,
        quarter: int,
        on: date,
        measures_checked: str,
        gaps: str,
        weak_links: str,
        improvements: str,
    ) -> None:
        self.year = year
        self.quarter = quarter
        self.on = on
        self.measures_checked = measures_checked
        self.gaps = gaps
        self.weak_links = weak_links
        self.improvements = improvements

    # What a correction may change: the findings (the quarter and the day are the inspection's
    # identity and its duty; one recorded for the wrong quarter is its own record).
    CORRECTABLE: ClassVar[Mapping[str, Check]] = {
        f: _text for f in ("measures_checked", "gaps", "weak_links", "improvements")
    }
    corrections: tuple[dict[str, Any], ...] = ()

    def correct(self, changes: Mapping[str, Any], reason: str) -> None:
        """Correct the findings, with a reason; the record shows the corrected text and its
        history both.

        Raises:
            InvalidInput: another field, nothing changed, no reason.
        """
        self._corrected(**corrections_of(self, changes, self.CORRECTABLE, reason))

    @event("Corrected")
    def _corrected(self, changes: dict[str, Any], previous: dict[str, Any], reason: str) -> None:
        corrected(self, changes, reason)


MEETING_KINDS = {
    "committee-discussion": "支委会讨论创先争优工作",
    # 党支部委员除了参加所在党小组的组织生活外,每三个月要单独过一次组织生活
    "committee-life": "支部委员会组织生活",
    "critique": "讲评会（批评和自我批评）",
    "members-meeting": "党员大会",
    "preparation": "评选准备会议",
    "talk": "与受表彰者谈话",
    "conveyance": "传达表彰决定",
}


class Meeting(TenantAggregate):
    """A meeting's record: the branch committee's quarterly discussion, a critique meeting, a
    members' meeting, a talk with a commended member, the conveyance of a commendation."""

    @classmethod
    def record(
        cls, year: int, kind: str, on: date, title: str, attendees: int, minutes: str
    ) -> Meeting:
        require(
            kind in MEETING_KINDS,
            "meeting.unknown_kind",
            field="kind",
            choices=tuple(MEETING_KINDS),
        )
        require(on.year == year, "meeting.date_outside_year", field="on", year=year)
        require_past(on, "on")
        return cls(
            year=year,
            kind=kind,
            on=on,
            title=require_text(title, "title", max_length=200, multiline=False),
            attendees=check_attendees(attendees),
            minutes=require_text(minutes, "minutes"),
        )

    @event("Recorded")
    def __init__(
        self, year: int, kind: str, on: date, title: str, attendees: int, minutes: str
    ) -> None:
        self.year = year
        self.kind = kind
        self.on = on
        self.title = title
        self.attendees = attendees
        self.minutes = minutes

    # What a correction may change: not the kind nor the day, which make it the quarter's
    # duty (a meeting recorded under the wrong kind or day is its own record).
    CORRECTABLE: ClassVar[Mapping[str, Check]] = {
        "title": lambda v, f: require_text(v, f, max_length=200, multiline=False),
        "attendees": lambda v, f: check_attendees(v),
        "minutes": _text,
    }
    corrections: tuple[dict[str, Any], ...] = ()

    def correct(self, changes: Mapping[str, Any], reason: str) -> None:
        """Correct the title, the attendance or the minutes, with a reason.

        Raises:
            InvalidInput: another field, nothing changed, attendance out of range, no reason.
        """
        self._corrected(**corrections_of(self, changes, self.CORRECTABLE, reason))

    @event("Corrected")
    def _corrected(self, changes: dict[str, Any], previous: dict[str, Any], reason: str) -> None:
        corrected(self, changes, reason)

    @property
    def quarter(self) -> int:
        return (self.on.month - 1) // 3 + 1
