"""The trail of one subject: every event about it, in order, and what corrected what.

A subject is a member (by member number), a group (by code), the branch itself (by its code),
or any aggregate of the branch's or its committee's log (by UUID). Its trail is its own
aggregate's events, every event of the branch log about it (assessments and their corrections,
daily records and their retractions, measures, summaries and critique remarks, ballots it was
rated in, nominations, deed materials) and the committee's events about it (decisions on it,
commendations, the committee's assessments of the branch).

Ballots are secret: a trail shows that a subject was put to a vote and the tally it got when
the ballot closed, and counts (codes issued, voided, spent; sheets), never a single cast, a code's
hash or a grade sheet. A member's sensitive personal fields (gender, phone, ID numbers) are
not shown either (the trail is for the record, not for contact details); the name is, as on
every board, and reads as erased once the member's personal data is erased (decision 0007).
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from cxzy_saas.audit import causes
from cxzy_saas.audit.logs import Log, LogEvent, plain
from cxzy_saas.domain import events as ev
from cxzy_saas.domain.ballot import Ballot
from cxzy_saas.domain.commendation import AnnualSummary, BranchCommendation
from cxzy_saas.domain.decisions import Decision
from cxzy_saas.domain.errors import NotFound
from cxzy_saas.domain.evaluation import Nomination
from cxzy_saas.domain.events import AGGREGATE_OF, of_aggregate
from cxzy_saas.domain.organisation import SENSITIVE_FIELDS, Branch, Member
from cxzy_saas.domain.plan import Plan
from cxzy_saas.domain.work import Inspection, Meeting

PRIVATE = "(personal data, not shown)"
NAME_OF = "name-of:"  # + a member number: that member's name, as the views show it
# Never shown: an account's password hash, a ballot's salt and key check, a spent code's hash
# (a hash beside a moment says whose slip it was).
HIDDEN = (
    "timestamp",
    "originator_topic",
    "tenant",
    "actor",
    "password_hash",
    "salt",
    "key_check",
    "code_hash",
)
OWN_LEVEL = (ev.AssessmentRecorded, ev.DailyRecordRecorded, ev.MeasureFiled, ev.DeedMaterialDrafted)
BRANCH_WIDE = (
    Branch,
    Plan,
    Inspection,
    Meeting,
    AnnualSummary,
    Nomination,
    Ballot,
    BranchCommendation,
)
# A branch's own commendation of a group or member, and its recommendation of one upward.
COMMENDING = (ev.BranchCommendationCommended, ev.BranchCommendationRecommendedUpward)
# The first event of the aggregates a subject is, and the field naming the subject.
SUBJECTS = {ev.MemberEnrolled: "member_no", ev.GroupFormed: "code", ev.BranchOpened: "code"}


@dataclass(frozen=True)
class Subject:
    kind: str  # member | group | branch | aggregate
    id: str  # member number, group code, branch code or aggregate id
    aggregate: str  # the subject's own aggregate
    branch: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "id": self.id, "aggregate": self.aggregate}


def resolve(branch: Log, committee: Log, text: str) -> Subject:
    """The subject ``text`` names in ``branch``'s log.

    Raises:
        NotFound: no member, group, branch or aggregate of that id in the branch's trail.
    """
    text = text.strip()
    code = branch.tenant
    for e in branch.events:
        if e.version != 1:
            continue
        if e.type is ev.MemberEnrolled and e.data["member_no"] == text:
            return Subject("member", text, e.aggregate, code)
        if e.type is ev.GroupFormed and e.data["code"] == text:
            return Subject("group", text, e.aggregate, code)
        if e.type is ev.BranchOpened and e.data["code"] == text:
            return Subject("branch", text, e.aggregate, code)
    try:
        wanted = str(UUID(text))
    except ValueError:
        raise NotFound("trail.subject_unknown", text=text, branch=code) from None
    for log in (branch, committee):
        first = next((e for e in log.events if e.aggregate == wanted), None)
        if first is None:
            continue
        if log is committee and not _committee_event_of(first, code):
            break  # another branch's: not for this branch's trail
        if first.type in SUBJECTS:
            return resolve(branch, committee, first.data[SUBJECTS[first.type]])
        return Subject("aggregate", wanted, wanted, code)
    raise NotFound("trail.aggregate_unknown", aggregate=wanted, branch=code)


def _committee_event_of(e: LogEvent, branch: str) -> bool:
    data = e.data
    return (
        data.get("branch") == branch
        or (data.get("level") == "branch" and data.get("subject") == branch)
        or (e.type is ev.CommitteeBranchRegistered and data.get("code") == branch)
    )


class _Filter:
    """Decides, event by event in log order, whether an event is about the subject, and what
    of it to show. Stateful: an aggregate whose first event is about the subject is followed,
    so that its later events (a correction, a completion, a close) are kept too."""

    def __init__(self, subject: Subject, index: causes.Index) -> None:
        self.subject = subject
        self.index = index
        self.followed: set[str] = {subject.aggregate}
        self.group_of: dict[str, str | None] = {}  # member aggregate -> group aggregate

    @property
    def key(self) -> str:
        return f"{self.subject.kind}:{self.subject.id}"

    def own_level(self, data: Mapping[str, Any]) -> bool:
        s = self.subject
        return data.get("level") == s.kind and data.get("subject") == s.id

    def branch_event(self, e: LogEvent) -> dict[str, Any] | None:
        s, data, aggregate = self.subject, e.data, AGGREGATE_OF.get(e.type)  # type: ignore[arg-type]
        if e.type is ev.BallotCodeSpent:
            # A secret ballot: a trail shows counts (the turnout at the close), never one cast.
            return None
        if e.type is ev.BallotCodesReissued and s.kind in ("member", "group"):
            return None  # the slips of a ballot, not about the people rated in it
        if e.type in (ev.MemberEnrolled, ev.MemberMovedToGroup, ev.MemberLeft):
            was = self.group_of.get(e.aggregate)
            now = None if e.type is ev.MemberLeft else plain(data.get("group_id"))
            self.group_of[e.aggregate] = now
            if s.kind == "group" and s.aggregate in (was, now):
                groups = self.index.groups
                return {
                    "member_no": self.index.members.get(e.aggregate),
                    "from": None if was is None else groups.get(was, was),
                    "to": None if now is None else groups.get(now, now),
                }
        if e.aggregate in self.followed:
            return self.fields(e)
        if e.version == 1 and e.type in OWN_LEVEL and self.own_level(data):
            self.followed.add(e.aggregate)
            return self.fields(e)
        if s.kind == "branch":
            return self.fields(e) if aggregate in BRANCH_WIDE or self._branch_review(e) else None
        if s.kind == "aggregate":
            return None
        return self._about_member_or_group(e)

    @staticmethod
    def _branch_review(e: LogEvent) -> bool:
        return e.type in (
            ev.ReviewStarted,
            ev.ReviewBranchSummaryFiled,
            ev.ReviewRecommended,
            ev.ReviewReportedToCommittee,
        )

    def _about_member_or_group(self, e: LogEvent) -> dict[str, Any] | None:
        s, data = self.subject, e.data
        if e.type is ev.ReviewSummaryFiled and s.kind == "member" and data["member"] == s.id:
            return self.fields(e)
        if e.type is ev.ReviewCritiqueRecorded and s.kind == "member" and data["member"] == s.id:
            return self.fields(e)
        if e.type is ev.ReviewGroupSummaryFiled and s.kind == "group" and data["group"] == s.id:
            return self.fields(e)
        if e.type is ev.ReviewRecommended and s.id in data.get(f"{s.kind}s", []):
            return {"recommended": True, "reason": data.get("reason", "")}
        if e.type is ev.BallotOpened and any(
            f"{x['level']}:{x['subject']}" == self.key for x in data.get("subjects", [])
        ):
            self.followed.add(e.aggregate)
            return self.fields(e)
        if e.type in COMMENDING and self.own_level(data):
            return self.fields(e)
        if e.type is ev.NominationShortlisted and any(self.own_level(x) for x in data["entries"]):
            self.followed.add(e.aggregate)
            return self.fields(e)
        return None

    def committee_event(self, e: LogEvent) -> dict[str, Any] | None:
        s, data = self.subject, e.data
        branch = s.branch
        if e.aggregate in self.followed:
            return self.fields(e)
        if s.kind == "branch":
            if _committee_event_of(e, branch):
                if e.version == 1:
                    self.followed.add(e.aggregate)  # its corrections follow
                return self.fields(e)
            if e.type is ev.CommendationNamed and any(
                x.get("branch") == branch for x in data["entries"]
            ):
                return self.fields(e)
            return None
        if of_aggregate(e.type, Decision) and data.get("branch") == branch:
            about = str(data.get("subject", ""))
            if about in self.followed or about.endswith(f":{self.key}"):
                return self.fields(e)
        if e.type is ev.CommendationNamed and any(
            x.get("branch") == branch and self.own_level(x) for x in data["entries"]
        ):
            return self.fields(e)
        return None

    def fields(self, e: LogEvent) -> dict[str, Any]:
        """What of ``e`` a trail shows (see the module's docstring for what it leaves out)."""
        s = self.subject
        shown = {k: plain(v) for k, v in e.data.items() if k not in HIDDEN}
        if of_aggregate(e.type, Member):
            for k in SENSITIVE_FIELDS:
                if k in shown:
                    shown[k] = PRIVATE
            if "name" in shown:  # sealed in the log: the page shows the member's name by number
                number = s.id if s.kind == "member" else shown.get("member_no")
                shown["name"] = NAME_OF + str(number) if number else PRIVATE
        elif e.type in (ev.PlanDrafted, ev.PlanRevised):
            content = shown.pop("content", {}) or {}
            shown["content"] = {
                "criteria": len(content.get("criteria", [])),
                "items": len(content.get("items", [])),
            }
        elif e.type is ev.BallotOpened:
            shown["code_hashes"] = {p: len(h) for p, h in shown["code_hashes"].items()}
            shown["subjects"] = len(shown["subjects"])
        elif e.type is ev.BallotCodesReissued:
            # How many, never which: a hash beside a day would say whose slip was lost.
            shown = {
                "pool": shown["pool"],
                "voided": shown["voided"],
                "code_hashes": len(shown["code_hashes"]),
            }
        elif e.type is ev.BallotClosed:
            shown["sheets"] = {p: len(found) for p, found in shown.get("sheets", {}).items()}
            if s.kind in ("member", "group"):
                shown["tallies"] = {self.key: shown["tallies"].get(self.key, {})}
        elif e.type is ev.NominationShortlisted:
            shown.pop("ranking", None)
            if s.kind in ("member", "group"):
                shown["entries"] = [x for x in shown["entries"] if self.own_level(x)]
        elif e.type in COMMENDING and shown.get("level") == "member" and "name" in shown:
            shown["name"] = NAME_OF + str(shown.get("subject", ""))  # sealed: read by number
        elif e.type is ev.CommendationNamed:
            shown["entries"] = [
                {**x, "name": PRIVATE} if x.get("level") == "member" else x
                for x in shown["entries"]
                if x.get("branch") == s.branch and (s.kind == "branch" or self.own_level(x))
            ]
        return shown


def trail(branch: Log, committee: Log, subject: Subject) -> list[dict[str, Any]]:
    """Every event about ``subject`` in order: each log in its own order, the two logs merged
    by recorded time. Each correction names the event it corrects (``corrects``) and each
    corrected event the corrections of it (``corrected_by``)."""
    index = causes.Index(committee.tenant).learn(branch.events).learn(committee.events)
    chosen = _Filter(subject, index)
    mine = [(e, f) for e in branch.events if (f := chosen.branch_event(e)) is not None]
    theirs = [(e, f) for e in committee.events if (f := chosen.committee_event(e)) is not None]
    merged = heapq.merge(mine, theirs, key=lambda pair: pair[0].recorded_at)
    entries: list[dict[str, Any]] = []
    by_ref: dict[str, dict[str, Any]] = {}
    for e, shown in merged:
        target = index.corrected(e)
        entry = {
            "ref": e.ref,
            "log": e.tenant,
            "position": e.position,
            "event": e.name,
            "aggregate": e.aggregate,
            "version": e.version,
            "recorded_at": e.recorded_at.isoformat(),
            "effective": causes.effective(e, index),
            "actor": e.actor,
            "fields": shown,
            "corrects": None if target is None else target.ref,
            "corrected_by": [],
        }
        if target is not None and target.ref in by_ref:
            by_ref[target.ref]["corrected_by"].append(e.ref)
        by_ref[e.ref] = entry
        entries.append(entry)
    return entries


# Things that events name by their id (a measure acknowledged, a letter answered, a task
# reported done), by the event that made them, the field that says what they are, and the
# marks it is quoted in: a title as a title (《》), the start of a text as a quote (“”).
TITLED = {
    "Measure.Filed": ("text", "“{}”"),
    "Letter.Sent": ("title", "《{}》"),
    "Task.Assigned": ("title", "《{}》"),
    "DailyRecord.Recorded": ("text", "“{}”"),
}


def titles(*logs: Log, width: int = 30) -> dict[str, str]:
    """The ids of the things in ``logs`` that other events name -> what they are called (their
    title, or the start of their text), to show in place of the id."""
    found = {}
    for log in logs:
        for e in log.events:
            field, marks = TITLED.get(e.name, ("", ""))
            text = e.data.get(field) if field else None
            if isinstance(text, str) and text:
                text = " ".join(text.split())
                found[e.aggregate] = marks.format(
                    text if len(text) <= width else text[: width - 1] + "…"
                )
    return found


def names_withheld(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``entries`` with every member's name shown as personal data, for a reader that does not
    look names up (the command line): a trail names a member by number (:data:`NAME_OF`)."""
    return [
        {
            **e,
            "fields": {
                k: PRIVATE if isinstance(v, str) and v.startswith(NAME_OF) else v
                for k, v in e["fields"].items()
            },
        }
        for e in entries
    ]
