"""Commendation (命名表彰), deed materials (事迹材料) and the annual summary (年度总结)."""

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

TITLES = {"branch": "先进党支部", "group": "先进党小组", "member": "优秀党员"}


class Commendation(TenantAggregate):
    """The committee's commendation decision for a campaign, in the committee's log. Each
    entry names a branch, level, subject and name; one may give a `reason`, and a branch named
    while a branch ranked above it was not carries `against_advice` (its reason required)."""

    @staticmethod
    def create_id(tenant: str, year: int) -> UUID:
        return Commendation.id_for(tenant, year)

    @staticmethod
    def id_for(committee: str, year: int) -> UUID:
        return stable_id(committee, "commendation", year)

    @event("Started")
    def __init__(self, year: int) -> None:
        self.year = year
        # Each decision as taken: its day, its words and whom it named (a document cites it).
        self.decisions: list[dict[str, Any]] = []

    @property
    def named(self) -> list[dict[str, Any]]:
        """Everyone named so far, decision by decision."""
        return [entry for decision in self.decisions for entry in decision["entries"]]

    def name(self, entries: Sequence[Mapping[str, Any]], on: date, decision_text: str) -> None:
        """Name commended subjects: dicts of branch, level, subject, name; a branch named
        against the committee's branch ranking also ``against_advice`` and its ``reason``.

        The decision names people on purpose, so the names stay in the event; a member's name
        is sealed in storage with that member's key (``storage/personal.py``) and reads as
        erased once the member's personal data is erased."""
        require(bool(entries), "commendation.no_entries", field="entries")
        # named for the year's work: in the year, or after it (the decision often follows it)
        require(on.year >= self.year, "commendation.before_year", field="on", year=self.year)
        require_past(on, "on")
        already = {(e["branch"], e["level"], e["subject"]) for e in self.named}
        entries = [_with_reason(e) for e in entries]
        for entry in entries:
            require(entry.get("level") in TITLES, "level.unknown", field="entries")
            key = (entry["branch"], entry["level"], entry["subject"])
            if key in already:
                raise StateConflict("commendation.named_already", name=entry["name"])
            already.add(key)
            # The ranking is advice (不以票取人): a choice against it records its reason.
            require(
                bool(entry.get("reason")) or not entry.get("against_advice"),
                "commendation.against_ranking_needs_reason",
                field="entries",
                name=entry["name"],
            )
        self._named(
            entries=[{**e, "title": TITLES[e["level"]]} for e in entries],
            on=on,
            decision_text=require_text(decision_text, "decision_text"),
        )

    @event("Named")
    def _named(self, entries: list[dict[str, Any]], on: date, decision_text: str) -> None:
        self.decisions.append({"on": on, "decision_text": decision_text, "entries": entries})


def _with_reason(entry: Mapping[str, Any]) -> dict[str, Any]:
    """``entry`` with its reason cleaned, and without one when it is empty."""
    reason = clean_text(entry.get("reason") or "", "reason")
    rest = {k: v for k, v in entry.items() if k != "reason"}
    return {**rest, "reason": reason} if reason else rest


class DeedMaterial(TenantAggregate):
    """The written deeds of a commended subject: versioned text plus attachment references."""

    @staticmethod
    def create_id(tenant: str, year: int, level: str, subject: str) -> UUID:
        return DeedMaterial.id_for(tenant, year, level, subject)

    @staticmethod
    def id_for(tenant: str, year: int, level: str, subject: str) -> UUID:
        return stable_id(tenant, "deeds", year, level, subject)

    @classmethod
    def draft(
        cls, year: int, level: str, subject: str, text: str, attachments: Sequence[str]
    ) -> DeedMaterial:
        require(level in TITLES, "level.unknown", field="level")
        return cls(
            year=year,
            level=level,
            subject=subject,
            text=require_text(text, "text", max_length=50000),
            attachments=_clean(attachments),
        )

    @event("Drafted")
    def __init__(
        self, year: int, level: str, subject: str, text: str, attachments: list[str]
    ) -> None:
        self.year = year
        self.level = level
        self.subject = subject
        self.versions = [text]
        self.attachments = attachments

    def revise(self, text: str, attachments: Sequence[str]) -> None:
        text = require_text(text, "text", max_length=50000)
        cleaned = _clean(attachments)
        changed = text != self.versions[-1] or cleaned != self.attachments
        require(changed, "deeds.unchanged", field="text")
        self._revised(text=text, attachments=cleaned)

    @event("Revised")
    def _revised(self, text: str, attachments: list[str]) -> None:
        self.versions.append(text)
        self.attachments = attachments


def _clean(attachments: Sequence[str]) -> list[str]:
    return [t for a in attachments if (t := clean_text(a, "attachments", multiline=False))]


class AnnualSummary(TenantAggregate):
    """The branch's year summary, reported to the members' meeting and to the committee."""

    @staticmethod
    def create_id(tenant: str, year: int) -> UUID:
        return AnnualSummary.id_for(tenant, year)

    @staticmethod
    def id_for(tenant: str, year: int) -> UUID:
        return stable_id(tenant, "annual-summary", year)

    @classmethod
    def file(
        cls, year: int, basic_facts: str, experience: str, problems: str, plans: str
    ) -> AnnualSummary:
        return cls(
            year=year,
            basic_facts=require_text(basic_facts, "basic_facts"),
            experience=require_text(experience, "experience"),
            problems=require_text(problems, "problems"),
            plans=require_text(plans, "plans"),
        )

    @event("Filed")
    def __init__(
        self, year: int, basic_facts: str, experience: str, problems: str, plans: str
    ) -> None:
        self.year = year
        self.basic_facts = basic_facts
        self.experience = experience
        self.problems = problems
        self.plans = plans
        self.reported: dict[str, date] = {}
        self.revisions = 1  # a correction adds one (``revise``)

    def report(self, to: str, on: date) -> None:
        require(
            to in ("members-meeting", "committee"),
            "summary.report_to",
            field="to",
        )
        if to in self.reported:
            raise StateConflict("summary.reported_already", to=to, on=self.reported[to])
        self._reported(to=to, on=require_past(on, "on"))

    @event("Reported")
    def _reported(self, to: str, on: date) -> None:
        self.reported[to] = on

    def revise(
        self, basic_facts: str, experience: str, problems: str, plans: str, reason: str
    ) -> None:
        """Correct the filed summary: a new revision, the earlier ones kept in the history. A
        revision after it was reported is reported again (the reports are cleared).

        Raises:
            InvalidInput: an empty part or reason; nothing changed.
        """
        revised = {
            "basic_facts": require_text(basic_facts, "basic_facts"),
            "experience": require_text(experience, "experience"),
            "problems": require_text(problems, "problems"),
            "plans": require_text(plans, "plans"),
        }
        current = {k: getattr(self, k) for k in revised}
        require(revised != current, "summary.unchanged", field="basic_facts")
        self._revised(**revised, reason=require_text(reason, "reason", max_length=2000))

    @event("Revised")
    def _revised(
        self, basic_facts: str, experience: str, problems: str, plans: str, reason: str
    ) -> None:
        self.basic_facts = basic_facts
        self.experience = experience
        self.problems = problems
        self.plans = plans
        self.revisions += 1
        self.reported = {}


# The forms a branch commends its own in (表彰形式), as the text lists them.
FORMS = {"notice": "通报表扬", "certificate": "颁发奖状证书", "prize": "颁发奖品"}


class BranchCommendation(TenantAggregate):
    """The branch's own commendation of its advanced groups and excellent members (通报表扬,
    奖状证书, 奖品), and its recommendation upward of outstanding ones (提请上级党委表彰).

    The text: "对评选出的先进党小组,要进行表彰,表彰形式有通报表扬,颁发奖状证书和奖品等,对事迹
    突出的党小组,党支部还可向上级党委推荐"; "对评选出来的优秀共产党员,党支部或党委要进行表彰".
    """

    @staticmethod
    def create_id(tenant: str, year: int) -> UUID:
        return BranchCommendation.id_for(tenant, year)

    @staticmethod
    def id_for(tenant: str, year: int) -> UUID:
        return stable_id(tenant, "branch-commendation", year)

    @event("Started")
    def __init__(self, year: int) -> None:
        self.year = year
        self.commended: list[dict[str, Any]] = []
        self.recommended: list[dict[str, Any]] = []

    def commend(
        self, level: str, subject: str, name: str, forms: Sequence[str], text: str, on: date
    ) -> None:
        """Commend one group or member in ``forms`` (keys of :data:`FORMS`).

        Raises:
            InvalidInput: a level not group or member, no form or an unknown one, no text.
            StateConflict: commended already this year.
        """
        require(level in ("group", "member"), "commendation.branch_levels", field="level")
        chosen = list(dict.fromkeys(forms))
        require(
            bool(chosen) and all(f in FORMS for f in chosen),
            "commendation.forms",
            field="forms",
            choices=tuple(FORMS),
        )
        if any(c["level"] == level and c["subject"] == subject for c in self.commended):
            raise StateConflict("commendation.commended_already", subject=subject, level=level)
        self._commended(
            level=level,
            subject=subject,
            name=name,
            forms=chosen,
            text=require_text(text, "text", max_length=5000),
            on=require_past(on, "on"),
        )

    @event("Commended")
    def _commended(
        self, level: str, subject: str, name: str, forms: list[str], text: str, on: date
    ) -> None:
        self.commended.append(
            {
                "level": level,
                "subject": subject,
                "name": name,
                "forms": forms,
                "text": text,
                "on": on,
            }
        )

    def recommend_upward(self, level: str, subject: str, name: str, reason: str, on: date) -> None:
        """Recommend a group or member the branch commended to the committee for its own
        commendation (事迹突出,提请上级党委表彰).

        Raises:
            StateConflict: not commended by the branch, or recommended already.
            InvalidInput: no reason.
        """
        if not any(c["level"] == level and c["subject"] == subject for c in self.commended):
            raise StateConflict("commendation.not_commended", subject=subject, level=level)
        if any(r["level"] == level and r["subject"] == subject for r in self.recommended):
            raise StateConflict("commendation.recommended_already", subject=subject, level=level)
        self._recommended_upward(
            level=level,
            subject=subject,
            name=name,
            reason=require_text(reason, "reason", max_length=5000),
            on=require_past(on, "on"),
        )

    @event("RecommendedUpward")
    def _recommended_upward(
        self, level: str, subject: str, name: str, reason: str, on: date
    ) -> None:
        self.recommended.append(
            {"level": level, "subject": subject, "name": name, "reason": reason, "on": on}
        )
