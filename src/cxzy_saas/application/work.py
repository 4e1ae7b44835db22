"""A branch's everyday campaign work: measures, daily records, monthly assessments,
quarterly inspections and meetings."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any
from uuid import UUID

from cxzy_saas.application.commands.work import (
    AcknowledgeMeasure,
    AssessMonth,
    CompleteMeasure,
    CorrectInspection,
    CorrectMeeting,
    CorrectScore,
    FileMeasure,
    RecordDaily,
    RecordInspection,
    RecordMeeting,
    ReportMeasure,
    RetractRecord,
)
from cxzy_saas.application.leaders import check_leads
from cxzy_saas.application.organisation import OrganisationCommands
from cxzy_saas.application.permissions import BRANCH_ASSESSORS, BRANCH_PEOPLE, BRANCH_WRITERS
from cxzy_saas.application.plans import PlanCommands
from cxzy_saas.domain.errors import AlreadyExists, Forbidden, InvalidInput, NotFound
from cxzy_saas.domain.organisation import Group, Member
from cxzy_saas.domain.recording import BEIJING, Actor
from cxzy_saas.domain.work import (
    Assessment,
    DailyRecord,
    Inspection,
    Measure,
    Meeting,
    month_period,
)

MEASURE_FILED = Measure.Filed  # type: ignore[attr-defined]
RECORDED = DailyRecord.Recorded  # type: ignore[attr-defined]
ASSESSED = Assessment.Recorded  # type: ignore[attr-defined]
MEETING_RECORDED = Meeting.Recorded  # type: ignore[attr-defined]


def corrected_fields(command: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The fields a correction command gives new values for (None: left as it was)."""
    return {f: getattr(command, f) for f in fields if getattr(command, f) is not None}


class WorkCommands(OrganisationCommands, PlanCommands):
    def check_subject(self, level: str, subject: str) -> str:
        """The subject's display name; it must exist (and a member must not have left).

        Raises:
            NotFound: no such member or group in this branch.
            StateConflict: the member left, or the group was dissolved.
        """
        # only read: the cached aggregates themselves, not deep copies
        if level == "member":
            member = self.peek(
                Member, Member.id_for(self.tenant, subject), "member.not_found", member_no=subject
            )
            member._check_active()
            return member.name
        if level == "group":
            group = self.peek(
                Group, Group.id_for(self.tenant, subject), "group.not_found", group=subject
            )
            group._check_active()
            return group.name
        if level == "branch" and subject == self.tenant:
            return self.branch().name
        raise InvalidInput("subject.unknown", field="subject", level=level, subject=subject)

    def check_own(self, actor: Actor, level: str, subject: str) -> None:
        """A member acts on their own measures only, a group leader on their group's and its
        members' (:func:`check_leads`); the branch's writers on any.

        Raises:
            Forbidden: a member acting on another subject's; a leader outside their group.
            NotFound: a leader naming a member who does not exist.
        """
        if actor.role == "member" and (level != "member" or subject != actor.member):
            raise Forbidden("measure.members_own_only")
        check_leads(self, actor, level, subject, writing=True)

    # measures

    def file_measure(self, actor: Actor, command: FileMeasure) -> UUID:
        c = command
        with self.acting(actor, BRANCH_PEOPLE):
            self.check_own(actor, c.level, c.subject)
            self.check_campaign(c.year)
            self.check_subject(c.level, c.subject)
            content, _ = self.plan_content(c.year)
            measure = Measure.file(c.year, c.level, c.subject, c.criteria, c.text, c.due, content)
            self.save(measure)
            return measure.id

    def measure(self, measure_id: UUID) -> Measure:
        return self.load(Measure, measure_id, "measure.not_found")

    def measures(self, year: int) -> list[Measure]:
        found = [self.measure(i) for i in self.ids_created_by(MEASURE_FILED)]
        return [m for m in found if m.year == year]

    def report_measure(self, actor: Actor, command: ReportMeasure) -> None:
        with self.acting(actor, BRANCH_PEOPLE):
            measure = self.measure(command.measure_id)
            self.check_own(actor, measure.level, measure.subject)
            measure.report(command.to, command.on)
            self.save(measure)

    def acknowledge_measure(self, actor: Actor, command: AcknowledgeMeasure) -> None:
        with self.acting(actor, BRANCH_ASSESSORS):
            measure = self.measure(command.measure_id)
            check_leads(self, actor, measure.level, measure.subject)
            measure.acknowledge(command.note, command.on)
            self.save(measure)

    def complete_measure(self, actor: Actor, command: CompleteMeasure) -> None:
        with self.acting(actor, BRANCH_PEOPLE):
            measure = self.measure(command.measure_id)
            self.check_own(actor, measure.level, measure.subject)
            measure.complete(command.on, command.note)
            self.save(measure)

    # daily records

    def record_daily(self, actor: Actor, command: RecordDaily) -> UUID:
        c = command
        with self.acting(actor, BRANCH_ASSESSORS):
            self.check_campaign(c.year)
            self.check_subject(c.level, c.subject)
            check_leads(self, actor, c.level, c.subject)
            content, _ = self.plan_content(c.year)
            record = DailyRecord.record(
                c.year, c.on, c.level, c.subject, c.criterion, c.text, c.evidence, content
            )
            self.save(record)
            return record.id

    def daily_record(self, record_id: UUID) -> DailyRecord:
        return self.load(DailyRecord, record_id, "daily_record.not_found")

    def retract_record(self, actor: Actor, command: RetractRecord) -> None:
        with self.acting(actor, BRANCH_ASSESSORS):
            record = self.daily_record(command.record_id)
            check_leads(self, actor, record.level, record.subject)
            record.retract(command.reason)
            self.save(record)

    def daily_records(self, year: int) -> list[DailyRecord]:
        found = [self.daily_record(i) for i in self.ids_created_by(RECORDED)]
        return [r for r in found if r.year == year]

    # monthly assessment

    def assess_month(self, actor: Actor, command: AssessMonth) -> list[UUID]:
        """Record one month's scores for several subjects (a whole group) in one transaction.

        Raises:
            NotFound: no campaign or plan for the year, or an unknown subject.
            InvalidInput: a month outside the campaign or not yet begun, points out of range.
            AlreadyExists: a subject was assessed for that month already (correct it instead).
            StateConflict: the campaign is closed, or a member has left.
        """
        year, month, level, scores = command.year, command.month, command.level, command.scores
        with self.acting(actor, BRANCH_ASSESSORS):
            if level not in ("member", "group"):
                raise InvalidInput("assessment.monthly_levels", field="level")
            self.check_writable(year)
            period = month_period(year, month)
            today = self.clock().astimezone(BEIJING).date()  # the branch's day
            if date(year, month, 1) > today:
                raise InvalidInput(
                    "assessment.month_not_begun", field="month", year=year, month=month
                )
            if not scores:
                raise InvalidInput("assessment.no_subjects", field="scores")
            content, version = self.plan_content(year)
            new = []
            for subject, points in scores.items():
                self.check_subject(level, subject)
                check_leads(self, actor, level, subject)
                if self.exists(Assessment.id_for(self.tenant, year, level, subject, period)):
                    raise AlreadyExists(
                        "assessment.assessed_already",
                        field="scores",
                        level=level,
                        subject=subject,
                        period=period,
                    )
                new.append(
                    Assessment.assess(
                        year, period, level, subject, points, content, version, command.on or today
                    )
                )
            self.save(*new)
            return [a.id for a in new]

    def assessment(self, year: int, month: int, level: str, subject: str) -> Assessment:
        period = month_period(year, month)
        return self.load(
            Assessment,
            Assessment.id_for(self.tenant, year, level, subject, period),
            "assessment.not_found",
            level=level,
            subject=subject,
            period=period,
        )

    def correct_score(self, actor: Actor, command: CorrectScore) -> None:
        c = command
        with self.acting(actor, BRANCH_ASSESSORS):
            assessment = self.assessment(c.year, c.month, c.level, c.subject)
            check_leads(self, actor, c.level, c.subject)
            # Checked against the items of the version it was assessed under, which scores it.
            content = self.plan(c.year).content_of(assessment.plan_version)
            assessment.correct(c.item, c.points, c.reason, content)
            self.save(assessment)

    def assessments(self, year: int) -> list[Assessment]:
        found = [
            self.load(Assessment, i, "record.not_found") for i in self.ids_created_by(ASSESSED)
        ]
        return [a for a in found if a.year == year]

    # quarterly inspection and meetings

    def record_inspection(self, actor: Actor, command: RecordInspection) -> UUID:
        c, year, quarter = command, command.year, command.quarter
        with self.acting(actor, BRANCH_WRITERS):
            self.campaign_of(year)
            inspection = Inspection.record(
                year, quarter, c.on, c.measures_checked, c.gaps, c.weak_links, c.improvements
            )
            if self.exists(inspection.id):
                raise AlreadyExists(
                    "inspection.done_already", field="quarter", quarter=quarter, year=year
                )
            self.save(inspection)
            return inspection.id

    def correct_inspection(self, actor: Actor, command: CorrectInspection) -> None:
        """Correct the quarter's findings, with a reason.

        Raises:
            NotFound: no inspection of that quarter.
            InvalidInput: nothing changed, no reason.
        """
        c = command
        with self.acting(actor, BRANCH_WRITERS):
            inspection = self.load(
                Inspection,
                Inspection.id_for(self.tenant, c.year, c.quarter),
                "inspection.not_found",
            )
            inspection.correct(corrected_fields(c, Inspection.CORRECTABLE), c.reason)
            self.save(inspection)

    def inspection(self, year: int, quarter: int) -> Inspection | None:
        iid = Inspection.id_for(self.tenant, year, quarter)
        return self.load(Inspection, iid, "inspection.not_found") if self.exists(iid) else None

    def record_meeting(self, actor: Actor, command: RecordMeeting) -> UUID:
        c = command
        with self.acting(actor, BRANCH_WRITERS):
            self.check_campaign(c.year)
            meeting = Meeting.record(c.year, c.kind, c.on, c.title, c.attendees, c.minutes)
            self.save(meeting)
            return meeting.id

    def correct_meeting(self, actor: Actor, command: CorrectMeeting) -> None:
        """Correct a meeting's title, attendance or minutes, with a reason.

        Raises:
            NotFound: no such meeting in this branch.
            InvalidInput: nothing changed, attendance out of range, no reason.
        """
        with self.acting(actor, BRANCH_WRITERS):
            meeting = self.meeting(command.meeting_id)
            meeting.correct(corrected_fields(command, Meeting.CORRECTABLE), command.reason)
            self.save(meeting)

    def meeting(self, meeting_id: UUID) -> Meeting:
        return self.load(Meeting, meeting_id, "meeting.not_found")

    def meetings(self, year: int) -> list[Meeting]:
        found = [
            self.load(Meeting, i, "record.not_found") for i in self.ids_created_by(MEETING_RECORDED)
        ]
        return [m for m in found if m.year == year]

    def subject_name(self, level: str, subject: str) -> str:
        try:
            if level == "member":
                return self.member(subject).name
            if level == "group":
                return self.group(subject).name
            return self.branch().name
        except NotFound:
            return subject
