"""Which events touch which subjects: the link between a changed score and its causes.

Pure functions over decoded events. A subject is ``(level, branch, id)``: ``("member", "b01",
"B01003")``, ``("group", "b01", "g2")`` or ``("branch", "b01", "b01")``. Most events name their
subject in their own fields; a later event of the same aggregate (a score corrected, a measure
completed, a ballot closed) takes the subject of the aggregate's first event.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cxzy_saas.audit.logs import LogEvent, plain
from cxzy_saas.domain import events as ev
from cxzy_saas.domain.ballot import Ballot
from cxzy_saas.domain.committee import Committee
from cxzy_saas.domain.events import AGGREGATE_OF
from cxzy_saas.domain.organisation import Branch, Group, Member
from cxzy_saas.domain.work import Assessment, Measure

Subject = tuple[str, str, str]  # (level, branch, id)

# Events that can change a row of a leaderboard or a month's score: assessments and their
# corrections, measures filed or done (target completion), closed ballots (rating), who is on
# the board (enrolment, departure, groups formed, dissolved or renamed) and the plans whose
# items and weights every score is computed with.
SCORING = {
    ev.AssessmentRecorded,
    ev.AssessmentScoreCorrected,
    ev.MeasureFiled,
    ev.MeasureCompleted,
    ev.BallotClosed,
    ev.MemberEnrolled,
    ev.MemberLeft,
    ev.GroupFormed,
    ev.GroupRenamed,
    ev.GroupDissolved,
    ev.PlanDrafted,
    ev.PlanRevised,
    ev.CommitteeBranchRegistered,
    ev.BranchRenamed,
}
CORRECTIONS = {ev.AssessmentScoreCorrected, ev.DailyRecordRetracted}
EVERYONE = "*"  # a plan's change touches every subject of its branch (or of the committee)


@dataclass
class Index:
    """What each aggregate is about, learnt from its first event, and where each event sits."""

    committee: str
    first: dict[str, LogEvent] = field(default_factory=dict)  # aggregate -> its first event
    at: dict[tuple[str, int], LogEvent] = field(default_factory=dict)  # (aggregate, version)
    members: dict[str, str] = field(default_factory=dict)  # member aggregate -> member no
    groups: dict[str, str] = field(default_factory=dict)  # group aggregate -> group code

    def learn(self, events: Iterable[LogEvent]) -> Index:
        for e in events:
            self.at[(e.aggregate, e.version)] = e
            if e.version == 1:
                self.first[e.aggregate] = e
                if e.type is ev.MemberEnrolled:
                    self.members[e.aggregate] = e.data["member_no"]
                elif e.type is ev.GroupFormed:
                    self.groups[e.aggregate] = e.data["code"]
        return self

    def origin(self, e: LogEvent) -> LogEvent:
        return self.first.get(e.aggregate, e)

    def corrected(self, e: LogEvent) -> LogEvent | None:
        """The event a correction names (``corrects`` is a version of the same aggregate)."""
        if e.type not in CORRECTIONS:
            return None
        return self.at.get((e.aggregate, int(e.data.get("corrects") or 1)))


def touches(e: LogEvent, index: Index) -> set[Subject]:
    """The subjects whose scores or rows ``e`` may change; ``(level, branch, "*")`` for all
    of a branch, ``("*", "*", "*")`` for the whole committee."""
    if e.type not in SCORING:
        return set()
    origin = index.origin(e)
    data = origin.data
    aggregate = AGGREGATE_OF[e.type]
    if aggregate in (Assessment, Measure):
        level, subject = data["level"], data["subject"]
        if level == "branch":
            return {("branch", subject, subject)}
        return {(level, e.tenant, subject)}
    if aggregate is Ballot:
        return {(s["level"], e.tenant, s["subject"]) for s in data.get("subjects", [])}
    if aggregate is Member:
        return {("member", e.tenant, data["member_no"])}
    if aggregate is Group:
        return {("group", e.tenant, data["code"])}
    if aggregate is Committee:
        return {("branch", e.data["code"], e.data["code"])}
    if aggregate is Branch:
        return {("branch", e.tenant, e.tenant)}
    # plans
    if e.tenant == index.committee:
        return {(EVERYONE, EVERYONE, EVERYONE)}
    return {(EVERYONE, e.tenant, EVERYONE)}


def caused(subject: Subject, touched: set[Subject]) -> bool:
    """Does an event touching ``touched`` bear on ``subject``'s row? A branch's score is built
    from its groups' and members' scores, so what touches them touches the branch too."""
    level, branch, _ = subject
    for t_level, t_branch, t_id in touched:
        if t_level == EVERYONE and t_branch in (EVERYONE, branch):
            return True
        if (t_level, t_branch, t_id) == subject:
            return True
        if level == "branch" and t_branch == branch:
            return True
    return False


def effective(e: LogEvent, index: Index) -> str | None:
    """The date or period the fact belongs to: the event's own ``period`` or ``on``, or, for a
    correction, the one of what it corrects (a score corrected in January 2027 still belongs
    to November 2026). Other events without a date of their own have none."""
    sources = (e, index.origin(e)) if e.type in CORRECTIONS else (e,)
    for source in sources:
        for key in ("period", "on", "joined_on"):
            if source.data.get(key) is not None:
                return str(plain(source.data[key]))
    return None


def describe(e: LogEvent, index: Index) -> dict[str, Any]:
    """A short account of an event, for a cause or a correction."""
    found: dict[str, Any] = {
        "ref": e.ref,
        "event": e.name,
        "recorded_at": e.recorded_at.isoformat(),
        "actor": e.actor,
        "effective": effective(e, index),
    }
    target = index.corrected(e)
    if target is not None:
        found["corrects"] = target.ref
    if e.type is ev.AssessmentScoreCorrected:
        origin = index.origin(e).data
        found["subject"] = f"{origin['level']}:{origin['subject']}"
        found["change"] = {
            "item": e.data["item"],
            "previous": e.data["previous"],
            "points": e.data["points"],
            "reason": e.data["reason"],
        }
    elif e.type is ev.DailyRecordRetracted:
        origin = index.origin(e).data
        found["subject"] = f"{origin['level']}:{origin['subject']}"
        found["change"] = {"reason": e.data["reason"]}
    return found


def subjects_of(events: Iterable[LogEvent], index: Index) -> list[tuple[LogEvent, set[Subject]]]:
    return [(e, t) for e in events if (t := touches(e, index))]


def causes_of(
    subject: Subject, touched: Iterable[tuple[LogEvent, set[Subject]]], index: Index
) -> list[dict[str, Any]]:
    return [describe(e, index) for e, t in touched if caused(subject, t)]


class Causes:
    """:func:`causes_of` for many subjects over one window, each event looked at once: the
    events indexed by what they touch (the same rule as :func:`caused`), each described once."""

    def __init__(self, touched: Sequence[tuple[LogEvent, set[Subject]]], index: Index) -> None:
        self.touched, self.index = touched, index
        self.everyone: list[int] = []
        self.branch_wide: dict[str, list[int]] = defaultdict(list)  # everyone in a branch
        self.in_branch: dict[str, list[int]] = defaultdict(list)  # anything in a branch
        self.exact: dict[Subject, list[int]] = defaultdict(list)
        for n, (_, subjects) in enumerate(touched):
            for level, branch, ident in subjects:
                if level == EVERYONE and branch == EVERYONE:
                    self.everyone.append(n)
                elif level == EVERYONE:
                    self.branch_wide[branch].append(n)
                self.exact[(level, branch, ident)].append(n)
                self.in_branch[branch].append(n)
        self.described: dict[int, dict[str, Any]] = {}

    def of(self, subject: Subject) -> list[dict[str, Any]]:
        level, branch, _ = subject
        found = (
            set(self.everyone)
            | set(self.branch_wide.get(branch, ()))
            | set(self.exact.get(subject, ()))
        )
        if level == "branch":
            found |= set(self.in_branch.get(branch, ()))
        return [self._describe(n) for n in sorted(found)]

    def _describe(self, n: int) -> dict[str, Any]:
        if n not in self.described:
            self.described[n] = describe(self.touched[n][0], self.index)
        return dict(self.described[n])


def counts_by_name(events: Iterable[LogEvent]) -> dict[str, int]:
    found: dict[str, int] = {}
    for e in events:
        found[e.name] = found.get(e.name, 0) + 1
    return dict(sorted(found.items()))


def mapping(rows: Iterable[Mapping[str, Any]], key: Any) -> dict[Any, Mapping[str, Any]]:
    return {key(r): r for r in rows}
