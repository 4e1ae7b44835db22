"""Every event of the domain by class: the registry that code outside the domain names events by.

The library makes the event classes from ``@event("Enrolled")`` when an aggregate class is
defined, so a type checker cannot see ``Member.Enrolled``. This module reads them off the
aggregate classes once and gives each a name of its own in the past tense, aggregate first
(``MemberEnrolled``); projection handlers, audit filters and label tables are keyed by these
classes. A misspelt one fails at import, and a test checks every ``"Aggregate.Event"`` text
outside the domain against :data:`BY_NAME`.

A stored event names its class twice: its topic (``cxzy_saas.domain.organisation:Member.Enrolled``)
and, once decoded by the projector or an audit, its name (``Member.Enrolled``, the class's
qualified name). :data:`BY_TOPIC` and :data:`BY_NAME` map both back to the class.
"""

from __future__ import annotations

import inspect
from typing import Any

from cxzy_saas.domain import (
    accounts,
    archive,
    ballot,
    commendation,
    committee,
    correspondence,
    decisions,
    evaluation,
    evidence,
    organisation,
    plan,
    tasks,
    work,
)
from cxzy_saas.domain.accounts import Account
from cxzy_saas.domain.archive import ArchiveSeal
from cxzy_saas.domain.ballot import Ballot
from cxzy_saas.domain.base import TenantAggregate
from cxzy_saas.domain.commendation import (
    AnnualSummary,
    BranchCommendation,
    Commendation,
    DeedMaterial,
)
from cxzy_saas.domain.committee import Committee, Registry
from cxzy_saas.domain.correspondence import Letter, Reply
from cxzy_saas.domain.decisions import Decision
from cxzy_saas.domain.evaluation import Nomination, Review
from cxzy_saas.domain.evidence import Evidence
from cxzy_saas.domain.organisation import Branch, Group, Member
from cxzy_saas.domain.plan import Campaign, Plan
from cxzy_saas.domain.tasks import Task, TaskReport
from cxzy_saas.domain.work import Assessment, DailyRecord, Inspection, Measure, Meeting

EventClass = type[Any]  # a subclass of its aggregate's ``Event``, made by the library

# In the order of the event catalogue (docs/events.md).
MODULES = (
    committee,
    accounts,
    organisation,
    plan,
    decisions,
    work,
    evidence,
    evaluation,
    ballot,
    commendation,
    tasks,
    correspondence,
    archive,
)


def aggregates() -> list[type[TenantAggregate]]:
    """Every aggregate class of the domain, module by module."""
    found = []
    for module in MODULES:
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, TenantAggregate) and cls.__module__ == module.__name__:
                found.append(cls)
    return found


def events_of(cls: type[TenantAggregate]) -> list[EventClass]:
    """The events an aggregate records (not the library's bases, nor ``Decision.Made``, the
    base of a decision's three outcomes)."""
    base = cls.Event
    return [
        value
        for name, value in vars(cls).items()
        if isinstance(value, type)
        and issubclass(value, base)
        and name not in ("Event", "Created")
        and not (name == "Made" and cls.__name__ == "Decision")
    ]


def name_of(cls: EventClass) -> str:
    """``Member.Enrolled``: how a decoded event is named (its class's qualified name)."""
    return str(cls.__qualname__)


def topic_of(cls: EventClass) -> str:
    """The topic the library stores with each event of ``cls`` (``module:qualified name``)."""
    return f"{cls.__module__}:{cls.__qualname__}"


BY_NAME: dict[str, EventClass] = {name_of(e): e for a in aggregates() for e in events_of(a)}
BY_TOPIC: dict[str, EventClass] = {topic_of(e): e for e in BY_NAME.values()}
AGGREGATE_OF: dict[EventClass, type[TenantAggregate]] = {
    e: a for a in aggregates() for e in events_of(a)
}


def named(name: str) -> EventClass | None:
    """The class of a decoded event's name, or None for a name this domain does not know."""
    return BY_NAME.get(name)


def of_aggregate(cls: EventClass | None, *aggregate: type[TenantAggregate]) -> bool:
    """Is ``cls`` an event of one of the ``aggregate`` classes?"""
    return cls is not None and AGGREGATE_OF.get(cls) in aggregate


def _event(aggregate: type[TenantAggregate], name: str) -> EventClass:
    cls = vars(aggregate).get(name)
    if cls not in events_of(aggregate):
        raise LookupError(f"{aggregate.__name__} records no event {name}")
    return cls


CommitteeRegistered = _event(Committee, "Registered")
CommitteeBranchRegistered = _event(Committee, "BranchRegistered")

RegistryStarted = _event(Registry, "Started")
RegistryCommitteeRegistered = _event(Registry, "CommitteeRegistered")
RegistryCommitteePlaced = _event(Registry, "CommitteePlaced")

AccountRegistered = _event(Account, "Registered")
AccountPasswordChanged = _event(Account, "PasswordChanged")
AccountPasswordReset = _event(Account, "PasswordReset")
AccountSignedOut = _event(Account, "SignedOut")
AccountDisabled = _event(Account, "Disabled")
AccountEnabled = _event(Account, "Enabled")
AccountAccessGranted = _event(Account, "AccessGranted")
AccountAccessRevoked = _event(Account, "AccessRevoked")
AccountMemberLinked = _event(Account, "MemberLinked")

BranchOpened = _event(Branch, "Opened")
BranchRenamed = _event(Branch, "Renamed")

GroupFormed = _event(Group, "Formed")
GroupRenamed = _event(Group, "Renamed")
GroupDissolved = _event(Group, "Dissolved")

MemberEnrolled = _event(Member, "Enrolled")
MemberMovedToGroup = _event(Member, "MovedToGroup")
MemberFullMembershipConfirmed = _event(Member, "FullMembershipConfirmed")
MemberRoleGiven = _event(Member, "RoleGiven")
MemberRoleRelieved = _event(Member, "RoleRelieved")
MemberLeft = _event(Member, "Left")
MemberPersonalDataErased = _event(Member, "PersonalDataErased")

CampaignOpened = _event(Campaign, "Opened")
CampaignClosed = _event(Campaign, "Closed")
CampaignLeaderboardVisibilityChanged = _event(Campaign, "LeaderboardVisibilityChanged")

PlanDrafted = _event(Plan, "Drafted")
PlanDiscussed = _event(Plan, "Discussed")
PlanRevised = _event(Plan, "Revised")
PlanCirculated = _event(Plan, "Circulated")
PlanCommentRecorded = _event(Plan, "CommentRecorded")
PlanFinalised = _event(Plan, "Finalised")
PlanSubmitted = _event(Plan, "Submitted")

DecisionApproved = _event(Decision, "Approved")
DecisionReturned = _event(Decision, "Returned")
DecisionAcknowledged = _event(Decision, "Acknowledged")

AssessmentRecorded = _event(Assessment, "Recorded")
AssessmentScoreCorrected = _event(Assessment, "ScoreCorrected")

DailyRecordRecorded = _event(DailyRecord, "Recorded")
DailyRecordRetracted = _event(DailyRecord, "Retracted")

InspectionRecorded = _event(Inspection, "Recorded")
InspectionCorrected = _event(Inspection, "Corrected")

MeasureFiled = _event(Measure, "Filed")
MeasureReported = _event(Measure, "Reported")
MeasureAcknowledged = _event(Measure, "Acknowledged")
MeasureCompleted = _event(Measure, "Completed")

MeetingRecorded = _event(Meeting, "Recorded")
MeetingCorrected = _event(Meeting, "Corrected")

EvidenceAttached = _event(Evidence, "Attached")
EvidenceWithdrawn = _event(Evidence, "Withdrawn")

NominationStarted = _event(Nomination, "Started")
NominationShortlisted = _event(Nomination, "Shortlisted")
NominationSubmitted = _event(Nomination, "Submitted")
NominationReopened = _event(Nomination, "Reopened")

ReviewStarted = _event(Review, "Started")
ReviewSummaryFiled = _event(Review, "SummaryFiled")
ReviewCritiqueRecorded = _event(Review, "CritiqueRecorded")
ReviewGroupSummaryFiled = _event(Review, "GroupSummaryFiled")
ReviewBranchSummaryFiled = _event(Review, "BranchSummaryFiled")
ReviewRecommended = _event(Review, "Recommended")
ReviewReportedToCommittee = _event(Review, "ReportedToCommittee")

BallotOpened = _event(Ballot, "Opened")
BallotCodeSpent = _event(Ballot, "CodeSpent")
BallotCodesReissued = _event(Ballot, "CodesReissued")
BallotClosed = _event(Ballot, "Closed")

AnnualSummaryFiled = _event(AnnualSummary, "Filed")
AnnualSummaryReported = _event(AnnualSummary, "Reported")
AnnualSummaryRevised = _event(AnnualSummary, "Revised")

CommendationStarted = _event(Commendation, "Started")
CommendationNamed = _event(Commendation, "Named")

DeedMaterialDrafted = _event(DeedMaterial, "Drafted")
DeedMaterialRevised = _event(DeedMaterial, "Revised")

BranchCommendationStarted = _event(BranchCommendation, "Started")
BranchCommendationCommended = _event(BranchCommendation, "Commended")
BranchCommendationRecommendedUpward = _event(BranchCommendation, "RecommendedUpward")

TaskAssigned = _event(Task, "Assigned")
TaskReportReported = _event(TaskReport, "Reported")

LetterSent = _event(Letter, "Sent")
ReplyGiven = _event(Reply, "Given")

ArchiveSealSealed = _event(ArchiveSeal, "Sealed")
ArchiveSealAmendmentOpened = _event(ArchiveSeal, "AmendmentOpened")
ArchiveSealResealed = _event(ArchiveSeal, "Resealed")
