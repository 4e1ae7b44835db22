"""Half-year preliminary evaluation (半年初评) and year-end evaluation (年终总评) in a branch's log,
and the nomination (推荐名单) the branch sends up."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
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
from cxzy_saas.domain.errors import StateConflict

STAGES = ("midyear", "year-end")


class Review(TenantAggregate):
    """One evaluation round of a branch: summaries, critique remarks, recommendations, report.

    The half-year round ranks nobody as advanced: it finds gaps and recommends groups and
    members to praise. The year-end round's ranking and shortlist live in :class:`Nomination`.
    """

    @staticmethod
    def create_id(tenant: str, year: int, stage: str) -> UUID:
        return Review.id_for(tenant, year, stage)

    @staticmethod
    def id_for(tenant: str, year: int, stage: str) -> UUID:
        return stable_id(tenant, "review", year, stage)

    @classmethod
    def start(cls, year: int, stage: str, on: date) -> Review:
        require(stage in STAGES, "review.unknown_stage", field="stage", choices=STAGES)
        require(on.year == year, "review.date_outside_year", field="on", year=year)
        earliest = date(year, 6, 1) if stage == "midyear" else date(year, 11, 1)
        require(on >= earliest, "review.too_early", field="on", stage=stage, earliest=earliest)
        require_past(on, "on")
        return cls(year=year, stage=stage, on=on)

    @event("Started")
    def __init__(self, year: int, stage: str, on: date) -> None:
        self.year = year
        self.stage = stage
        self.summaries: dict[str, str] = {}  # member no -> self/personal summary
        self.remarks: dict[str, list[str]] = {}  # member no -> critique remarks
        self.group_summaries: dict[str, str] = {}
        self.branch_summary: str | None = None
        self.recommended: dict[str, list[str]] = {"group": [], "member": []}
        self.started_on = on
        self.reported_on: date | None = None

    def _check_not_reported(self) -> None:
        if self.reported_on is not None:
            raise StateConflict("review.reported", stage=self.stage, on=self.reported_on)

    def file_summary(self, member: str, text: str) -> None:
        self._check_not_reported()
        self._summary_filed(member=member, text=require_text(text, "text"))

    @event("SummaryFiled")
    def _summary_filed(self, member: str, text: str) -> None:
        self.summaries[member] = text

    def record_critique(self, member: str, remarks: Sequence[str]) -> None:
        self._check_not_reported()
        cleaned = [t for r in remarks if (t := clean_text(r, "remarks"))]
        require(bool(cleaned), "review.no_remarks", field="remarks")
        self._critique_recorded(member=member, remarks=cleaned)

    @event("CritiqueRecorded")
    def _critique_recorded(self, member: str, remarks: list[str]) -> None:
        self.remarks.setdefault(member, []).extend(remarks)

    def file_group_summary(self, group: str, text: str) -> None:
        self._check_not_reported()
        self._group_summary_filed(group=group, text=require_text(text, "text"))

    @event("GroupSummaryFiled")
    def _group_summary_filed(self, group: str, text: str) -> None:
        self.group_summaries[group] = text

    def file_branch_summary(self, text: str) -> None:
        self._check_not_reported()
        self._branch_summary_filed(text=require_text(text, "text"))

    @event("BranchSummaryFiled")
    def _branch_summary_filed(self, text: str) -> None:
        self.branch_summary = text

    def recommend(self, groups: Sequence[str], members: Sequence[str], reason: str) -> None:
        self._check_not_reported()
        require(self.stage == "midyear", "review.recommend_midyear_only", field="stage")
        require(bool(groups) or bool(members), "review.recommend_none", field="members")
        self._recommended(
            groups=list(groups), members=list(members), reason=clean_text(reason, "reason")
        )

    @event("Recommended")
    def _recommended(self, groups: list[str], members: list[str], reason: str) -> None:
        self.recommended = {"group": groups, "member": members}

    def report(self, on: date) -> None:
        """Report the round to the committee (党支部应将半年初评情况向党委汇报)."""
        self._check_not_reported()
        require(
            self.branch_summary is not None,
            "review.summary_missing",
            field="summary",
        )
        self._reported(on=require_past(on, "on", after=self.started_on))

    @event("ReportedToCommittee")
    def _reported(self, on: date) -> None:
        self.reported_on = on


def departs(row: Mapping[str, Any], chosen: int) -> bool:
    """Whether shortlisting the subject of ``row`` (a computed ranking row) departs from the
    ranking when ``chosen`` subjects of its level are shortlisted: it ranks below that number,
    a veto bars it, or it has no rank at all (未参评: nothing to score, so the ranking cannot
    advise it)."""
    rank = row.get("rank")
    return rank is None or rank > chosen or row.get("veto") is not None


class Nomination(TenantAggregate):
    """The year-end shortlist (推荐名单) of advanced groups and excellent members.

    The computed ranking is advice: the branch may shortlist against it, but each entry that
    departs from it (skips someone ranked higher, or a vetoed subject) carries its reason.
    """

    @staticmethod
    def create_id(tenant: str, year: int) -> UUID:
        return Nomination.id_for(tenant, year)

    @staticmethod
    def id_for(tenant: str, year: int) -> UUID:
        return stable_id(tenant, "nomination", year)

    @classmethod
    def shortlist(
        cls,
        year: int,
        entries: Sequence[Mapping[str, Any]],
        ranking: Mapping[str, Sequence[Mapping[str, Any]]],
        quota: Mapping[str, int | None],
        *,
        midyear: Mapping[str, Sequence[str]] | None = None,
        basis: str = "off",
    ) -> Nomination:
        nomination = cls(year=year)
        nomination.revise(entries, ranking, quota, midyear=midyear, basis=basis)
        return nomination

    @event("Started")
    def __init__(self, year: int) -> None:
        self.year = year
        self.entries: list[dict[str, Any]] = []
        self.ranking: dict[str, list[dict[str, Any]]] = {}
        self.submissions = 0
        self.submitted_on: date | None = None
        # What each submission listed, and each re-opening after a return (kept in history).
        self.submitted: dict[int, list[dict[str, Any]]] = {}
        self.submitted_days: dict[int, date] = {}
        self.reopenings: list[dict[str, Any]] = []

    def revise(
        self,
        entries: Sequence[Mapping[str, Any]],
        ranking: Mapping[str, Sequence[Mapping[str, Any]]],
        quota: Mapping[str, int | None],
        *,
        midyear: Mapping[str, Sequence[str]] | None = None,
        basis: str = "off",
    ) -> None:
        """Set the shortlist. ``ranking[level]`` is the computed advice: rows of subject,
        composite, rank, and veto (a reason, or None); no names (an erased member's name must
        not stay in the log; older logs hold them, and are read as erased when the member is).
        ``quota[level]`` is the most entries. ``midyear``: whom the half-year review
        recommended, by level (None or empty: no recommendation recorded, nothing asked);
        ``basis``: the plan's ``midyear_basis`` (decision 0018): "advice" (one not recommended
        departs from the advice and needs a reason), "condition" (only those recommended), "off".

        Raises:
            StateConflict: after submission.
            InvalidInput: an entry not in the ranking, twice, over the quota, or departing from
                the ranking without a reason.
        """
        if self.submitted_on is not None:
            raise StateConflict("nomination.submitted_already")
        checked = [dict(e) for e in entries]
        require(bool(checked), "nomination.empty", field="entries")
        for level in ("group", "member"):
            chosen = [e for e in checked if e.get("level") == level]
            rows = {r["subject"]: r for r in ranking.get(level, [])}
            limit = quota.get(level)
            require(
                limit is None or len(chosen) <= limit,
                "nomination.over_quota",
                field="entries",
                limit=limit,
                level=level,
            )
            subjects = [e.get("subject") for e in chosen]
            require(
                len(set(subjects)) == len(subjects),
                "nomination.listed_twice",
                field="entries",
                level=level,
            )
            for entry in chosen:
                row = rows.get(entry["subject"])
                require(
                    row is not None,
                    "nomination.not_ranked",
                    field="entries",
                    level=level,
                    subject=entry["subject"],
                )
                assert row is not None
                departed = departs(row, len(chosen))
                reason = clean_text(str(entry.get("reason") or ""), "reason")
                require(
                    reason != "" or row["rank"] is not None,
                    "nomination.unrated_needs_reason",
                    field="entries",
                    level=level,
                    subject=entry["subject"],
                )
                require(
                    reason != "" or row.get("veto") is None,
                    "nomination.vetoed_needs_reason",
                    field="entries",
                    level=level,
                    subject=entry["subject"],
                    rank=row["rank"],
                    veto=row.get("veto"),
                )
                require(
                    reason != "" or not departed,
                    "nomination.departs_needs_reason",
                    field="entries",
                    level=level,
                    subject=entry["subject"],
                    rank=row["rank"],
                )
                entry.update(
                    composite=row["composite"], rank=row["rank"], departs=departed, reason=reason
                )
                if basis != "off" and midyear and any(midyear.values()):
                    listed = entry["subject"] in midyear.get(level, ())
                    require(
                        listed or basis != "condition",
                        "nomination.not_recommended_midyear",
                        field="entries",
                        level=level,
                        subject=entry["subject"],
                    )
                    require(
                        listed or reason != "",
                        "nomination.midyear_needs_reason",
                        field="entries",
                        level=level,
                        subject=entry["subject"],
                    )
                    entry.update(midyear=listed, departs=departed or not listed)
        require(
            all(e.get("level") in ("group", "member") for e in checked),
            "nomination.entries_level",
            field="entries",
        )
        self._shortlisted(
            entries=checked, ranking={k: [dict(r) for r in v] for k, v in ranking.items()}
        )

    @event("Shortlisted")
    def _shortlisted(
        self, entries: list[dict[str, Any]], ranking: dict[str, list[dict[str, Any]]]
    ) -> None:
        self.entries = entries
        self.ranking = ranking

    def submit(self, on: date) -> int:
        if self.submitted_on is not None:
            raise StateConflict("nomination.submitted_on", on=self.submitted_on)
        self._submitted(on=require_past(on, "on"), submission=self.submissions + 1)
        return self.submissions

    @event("Submitted")
    def _submitted(self, on: date, submission: int) -> None:
        self.submitted_on = on
        self.submissions = submission
        self.submitted[submission] = [dict(e) for e in self.entries]
        self.submitted_days[submission] = on

    def renominate(
        self,
        returned: Sequence[Mapping[str, str]],
        answer: str,
        entries: Sequence[Mapping[str, Any]],
        ranking: Mapping[str, Sequence[Mapping[str, Any]]],
        quota: Mapping[str, int | None],
        on: date,
        *,
        midyear: Mapping[str, Sequence[str]] | None = None,
        basis: str = "off",
    ) -> int:
        """After the committee returned nominees of the latest submission: a new submission
        (number + 1) that answers the return's reasons, with the new shortlist. The earlier
        submissions, the returns and the answer stay in the history.

        ``returned``: the latest submission's returned nominees ({"level", "subject",
        "reason"}, the committee's reason); ``quota``: what is left of it beside the nominees
        already approved.

        Raises:
            StateConflict: nothing submitted, or nothing of the latest submission returned.
            InvalidInput: no answer; a shortlist refused as :meth:`revise` refuses it.
        """
        if self.submitted_on is None:
            raise StateConflict("nomination.not_submitted_yet", year=self.year)
        if not returned:
            raise StateConflict("nomination.nothing_returned", submission=self.submissions)
        answer = require_text(answer, "answer", max_length=5000)
        require_past(on, "on", after=self.submitted_on)
        self._reopened(
            submission=self.submissions, returned=[dict(r) for r in returned], answer=answer
        )
        self.revise(entries, ranking, quota, midyear=midyear, basis=basis)
        return self.submit(on)

    @event("Reopened")
    def _reopened(self, submission: int, returned: list[dict[str, str]], answer: str) -> None:
        self.submitted_on = None
        self.reopenings.append({"submission": submission, "returned": returned, "answer": answer})

    def entry(self, level: str, subject: str) -> dict[str, Any] | None:
        return next(
            (e for e in self.entries if e["level"] == level and e["subject"] == subject), None
        )
