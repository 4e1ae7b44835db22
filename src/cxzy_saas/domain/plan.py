"""The campaign (创先争优活动) and its plan (活动方案), with the plan's workflow.

A plan's content (criteria, scoring items, composite weights, rules) is kept as a plain dict in
its events so that the log stays readable without this code; :class:`PlanContent` parses and
validates it. Each change of content makes a new plan version; every version stays in the log.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from cxzy_saas.domain.base import (
    TenantAggregate,
    clean_text,
    require,
    require_clean,
    require_past,
    require_text,
    stable_id,
)
from cxzy_saas.domain.errors import InvalidInput, NotFound, StateConflict
from cxzy_saas.domain.recording import BEIJING
from cxzy_saas.domain.scoring import RULE_WORDS, Item, month_score, share, share_text
from cxzy_saas.domain.text import ITEM_CODE, is_code

LEVELS = ("branch", "group", "member")
TEXT_FIELDS = (
    "guiding_ideology",
    "assessment_method",
    "selection_method",
    "commendation_method",
    "organisation",
)


# How the half-year result counts at the year's end (decision 0018): "advice" (the text's
# 作为年度评选的基础: shortlisting one the half-year review did not recommend departs from the
# advice and needs a reason), "condition" (only those recommended may be shortlisted), "off".
MIDYEAR_BASES = ("advice", "condition", "off")

# What a committee's plan may keep for its branches' plans (``rules.branch_keeps``): the parts
# a branch plan must have as the committee's plan in force has them (the template's limits).
BRANCH_KEEPABLE = (
    "criteria",
    "items",
    "composite_weights",
    "branch_formula",
    "quota_fraction",
    "veto_incompetent_share",
    "veto_min_trust",
    "min_turnout",
)

# The plan's rates and limits: exact fractions ("2/3"), read by ``scoring.share``.
SHARE_RULES = ("min_turnout", "veto_incompetent_share", "veto_min_trust", "quota_fraction")


def _share_or_none(value: object) -> Fraction | None:
    """``value`` as a share between 0 and 1, or None when it is not one."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        found = share(value)
    except (ValueError, ZeroDivisionError, OverflowError):
        return None
    return found if 0 <= found <= 1 else None


def _finite(value: object) -> bool:
    """A number (not a boolean) that is neither NaN nor infinite."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return abs(value) <= 2**53 if isinstance(value, int) else math.isfinite(value)


@dataclass(frozen=True)
class ScoringItem:
    code: str
    level: str
    criterion: int
    title: str
    max_points: float
    weight: float

    def as_item(self) -> Item:
        return Item(self.code, self.max_points, self.weight)


@dataclass(frozen=True)
class PlanContent:
    """A validated plan content; build it with :meth:`parse`."""

    data: dict[str, Any]
    criteria: dict[str, dict[int, str]]
    items: dict[str, ScoringItem]

    @classmethod
    def parse(cls, data: dict[str, Any]) -> PlanContent:
        """Raises InvalidInput naming the first field that is wrong."""
        if not isinstance(data, dict):
            raise InvalidInput("plan.content_not_object", field="content")
        for name in TEXT_FIELDS:
            require(
                isinstance(data.get(name), str) and data[name].strip() != "",
                "text.empty",
                field=name,
            )
            require_clean(data[name], name)
        criteria: dict[str, dict[int, str]] = {level: {} for level in LEVELS}
        for c in data.get("criteria", []):
            level, number, text = c.get("level"), c.get("number"), c.get("text")
            require(level in LEVELS, "plan.criterion_level", field="criteria", choices=LEVELS)
            require(
                isinstance(number, int) and number > 0, "plan.criterion_number", field="criteria"
            )
            require(
                isinstance(text, str) and text.strip() != "",
                "plan.criterion_text",
                field="criteria",
            )
            require_clean(text, "criteria")
            require(
                number not in criteria[level],
                "plan.criterion_twice",
                field="criteria",
                level=level,
                number=number,
            )
            criteria[level][number] = text
        items: dict[str, ScoringItem] = {}
        for i in data.get("items", []):
            try:
                item = ScoringItem(
                    code=str(i["code"]),
                    level=str(i["level"]),
                    criterion=int(i["criterion"]),
                    title=str(i["title"]),
                    max_points=float(i["max_points"]),
                    weight=float(i["weight"]),
                )
            except (KeyError, TypeError, ValueError):
                raise InvalidInput(
                    "plan.item_malformed",
                    field="items",
                ) from None
            require(is_code(i["code"], ITEM_CODE), "plan.item_code", field="items", item=item.code)
            require_clean(item.title, "items", multiline=False)
            require(
                _finite(i["max_points"]) and _finite(i["weight"]),
                "plan.item_malformed",
                field="items",
            )
            require(item.code not in items, "plan.item_twice", field="items", item=item.code)
            require(item.level in LEVELS, "plan.item_level", field="items", item=item.code)
            require(
                item.criterion in criteria[item.level],
                "plan.item_criterion",
                field="items",
                item=item.code,
                level=item.level,
                criterion=item.criterion,
            )
            require(item.max_points > 0, "plan.item_max_points", field="items", item=item.code)
            require(item.weight >= 0, "plan.item_weight", field="items", item=item.code)
            items[item.code] = item
        for level in LEVELS:
            require(bool(criteria[level]), "plan.no_criteria", field="criteria", level=level)
            require(
                any(i.level == level for i in items.values()),
                "plan.no_items",
                field="items",
                level=level,
            )
        weights = data.get("composite_weights", {})
        require(
            isinstance(weights, dict)
            and set(weights) <= {"work", "rating", "target"}
            and all(_finite(v) and v >= 0 for v in weights.values())
            and sum(weights.values()) > 0,
            "plan.weights",
            field="composite_weights",
        )
        formula = data.get("branch_formula") or {}
        require(
            isinstance(formula, dict)
            and set(formula) <= {"own", "groups", "members"}
            and all(_finite(v) and v >= 0 for v in formula.values()),
            "plan.weights",
            field="branch_formula",
        )
        rules = data.get("rules", {})
        require(isinstance(rules, dict), "plan.rules_not_object", field="rules")
        require(
            rules.get("rating_aggregate", "mean") in ("mean", "median"),
            "plan.rating_aggregate",
            field="rules",
        )
        require(
            rules.get("quota_fraction") is None
            or _share_or_none(rules["quota_fraction"]) is not None,
            "plan.quota_fraction",
            field="rules",
        )
        require(
            rules.get("quota_rounding", "down") in ("down", "up"),
            "plan.quota_rounding",
            field="rules",
        )
        require(
            rules.get("midyear_basis", "advice") in MIDYEAR_BASES,
            "plan.midyear_basis",
            field="rules",
        )
        keeps = rules.get("branch_keeps", [])
        require(
            isinstance(keeps, list) and all(k in BRANCH_KEEPABLE for k in keeps),
            "plan.branch_keeps",
            field="rules",
            choices=BRANCH_KEEPABLE,
        )
        require(
            isinstance(rules.get("members_see_colleagues", False), bool),
            "plan.members_see_colleagues",
            field="rules",
        )
        for name in SHARE_RULES[:3]:
            require(
                rules.get(name) is None or _share_or_none(rules[name]) is not None,
                "plan.rule_share",
                field="rules",
                rule=name,
            )
        pools = rules.get("pool_weights") or {}
        require(
            isinstance(pools, dict)
            and set(pools) <= {"members", "constituents"}
            and all(_finite(v) and v >= 0 for v in pools.values()),
            "plan.weights",
            field="rules",
        )
        return cls(data=data, criteria=criteria, items=items)

    def items_for(self, level: str) -> list[ScoringItem]:
        return [i for i in self.items.values() if i.level == level]

    def month_score(self, level: str, points: Mapping[str, float]) -> float:
        """One assessment's score, 0-100, under this version's items of ``level``: the only
        way a month (or a quarter) is scored, by the projection, the branch's ranking and the
        archive alike."""
        return month_score([i.as_item() for i in self.items_for(level)], points)

    @property
    def rules(self) -> dict[str, Any]:
        return dict(self.data.get("rules", {}))

    def share(self, name: str) -> Fraction | None:
        """The rate or limit ``name`` of :data:`SHARE_RULES` as an exact fraction, or None when
        the plan leaves the rule off."""
        value = self.data.get("rules", {}).get(name)
        return None if value is None else share(value)

    def approximated(self) -> dict[str, tuple[Any, Fraction]]:
        """The limits written as decimals that are read as a simpler fraction (an earlier
        version stored two thirds as 0.6667): rule -> (as written, as read)."""
        found = {}
        for name in SHARE_RULES:
            value = self.data.get("rules", {}).get(name)
            if isinstance(value, float | str) and "/" not in str(value):
                read = share(value)
                if read != Fraction(str(value)):
                    found[name] = (value, read)
        return found

    def rule_texts(self) -> list[tuple[str, str]]:
        """The version's rules as sentences, (Chinese, English): each limit in the words that
        decide its boundary (``scoring.RULE_WORDS``), how ratings are summed up and weighed,
        the bands, the half-year's part and the branch's formula. The plan's page shows them
        and the archive prints them, so that a reader can recompute a score."""
        rules = self.data.get("rules", {})
        found = []
        read_as = self.approximated()
        up = rules.get("quota_rounding") == "up"
        english = {
            "min_turnout": "A rating pool with a turnout below {limit} does not count.",
            "veto_incompetent_share": "More than {limit} of votes incompetent: not eligible.",
            "veto_min_trust": "Trust (excellent and competent votes) below {limit}: not eligible.",
            "quota_fraction": "Excellent members: at most {limit} of the members.",
        }
        for name, words in RULE_WORDS.items():
            limit = self.share(name)
            if limit is None:
                continue
            text = share_text(limit)
            zh = words.format(limit=text, rounding="向上取整" if up else "向下取整")
            en = english[name].format(limit=text)
            if name in read_as:
                zh += f"（方案原写 {read_as[name][0]}，按最接近的简单分数 {text} 计）"
                en += f" (written {read_as[name][0]}, read as {text})"
            found.append((zh + "。", en))
        if rules.get("rating_aggregate", "mean") == "median":
            found.append(("民主测评按中位数汇总。", "Ratings are summed up by their median."))
        else:
            found.append(("民主测评按平均分汇总。", "Ratings are summed up by their mean."))
        pools = rules.get("pool_weights") or {}
        if pools:
            members, others = (
                _percent(pools.get("members", 0)),
                _percent(pools.get("constituents", 0)),
            )
            found.append(
                (
                    f"党员测评占 {members}，群众测评占 {others}。",
                    f"Members' ratings weigh {members}, constituents' {others}.",
                )
            )
        if rules.get("bands"):
            found.append(
                (
                    "得分 90 分及以上为优秀候选，70 至 89 分为合格，60 至 69 分为基本合格，"
                    "60 分以下为不合格（档次是参考，不是评定结果）。",
                    "Bands: 90 and above candidate for excellent, 70–89 competent, "
                    "60–69 basically competent, below 60 incompetent (advice only).",
                )
            )
        basis = rules.get("midyear_basis")
        if basis == "condition":
            found.append(
                (
                    "年终只能推荐半年初评推选的对象。",
                    "Only those recommended at the half-year may be nominated.",
                )
            )
        elif basis == "advice":
            found.append(
                (
                    "半年初评结果作为年度评选的基础，推荐其他对象须写明理由。",
                    "The half-year result is advice; others need a reason.",
                )
            )
        found.append(self.formula_text())
        return found

    def formula_text(self) -> tuple[str, str]:
        """How a branch's score is made of its own, its groups' and its members', in words."""
        own, groups, members = (self.branch_formula.get(k, 0) for k in ("own", "groups", "members"))
        ratio = f"{own:g} : {groups:g} : {members:g}"
        return (
            f"党支部得分由本级、党小组平均分、党员平均分按 {ratio} 合成。",
            f"Branch score: own, groups' mean and members' mean in the ratio {ratio}.",
        )

    @property
    def composite_weights(self) -> dict[str, float]:
        return {k: float(v) for k, v in self.data["composite_weights"].items()}

    @property
    def branch_formula(self) -> dict[str, float]:
        formula = self.data.get("branch_formula") or {"own": 0.5, "groups": 0.2, "members": 0.3}
        return {k: float(v) for k, v in formula.items()}


def _percent(value: object) -> str:
    try:
        return f"{float(str(value)):.0%}"
    except ValueError:
        return str(value)


def version_in_force(latest: int, approved: Iterable[int]) -> int:
    """The version of a plan that scores and rules follow: the latest version the committee
    approved; before any approval, provisionally the latest version (a branch assesses January
    before its plan is approved, with the items its clerk was shown). A revision counts from its
    approval on. A committee's own plan is approved by nobody: its latest version is in force.
    """
    return max(approved, default=latest)


class Campaign(TenantAggregate):
    """One year's campaign of a committee, in the committee's log."""

    @staticmethod
    def create_id(tenant: str, year: int) -> UUID:
        return Campaign.id_for(tenant, year)

    @staticmethod
    def id_for(committee: str, year: int) -> UUID:
        return stable_id(committee, "campaign", year)

    @classmethod
    def open(cls, year: int, title: str, latest: int | None = None) -> Campaign:
        """A new campaign; ``latest``: the year of the committee's latest campaign, if any. The
        years follow one another: the first may be any year, each next one the year after."""
        require(2000 <= year <= 2100, "campaign.year_out_of_range", field="year")
        if latest is not None:
            require(
                year == latest + 1,
                "campaign.year_not_next",
                field="year",
                year=year,
                latest=latest,
                next=latest + 1,
            )
        return cls(year=year, title=require_text(title, "title", max_length=200, multiline=False))

    @event("Opened")
    def __init__(self, year: int, title: str) -> None:
        self.year = year
        self.title = title
        self.closed_on: date | None = None
        self.leaderboard_open = False

    def covers(self, day: date) -> bool:
        return day.year == self.year

    def check_open(self) -> None:
        if self.closed_on is not None:
            raise StateConflict("campaign.closed", year=self.year, on=self.closed_on)

    @property
    def opened_on(self) -> date:
        """The day (Beijing) the campaign was opened."""
        return self.created_on.astimezone(BEIJING).date()

    def close(self, on: date) -> None:
        """Close the year on ``on``: never before the day it was opened, nor before its last
        month (the year closes after its year-end evaluation, the seed's step 5: a close dated
        in June would say that half a year of records came after it), nor after today (a close
        takes effect when it is recorded)."""
        self.check_open()
        start = max(date(self.year, 1, 1), self.opened_on)
        require(
            on >= start,
            "campaign.closed_before_start",
            field="on",
            year=self.year,
            on=on,
            start=start,
        )
        earliest = max(start, date(self.year, 12, 1))
        require(
            on >= earliest,
            "campaign.closed_before_year_end",
            field="on",
            year=self.year,
            on=on,
            earliest=earliest,
        )
        require_past(on, "on")
        self._closed(on=on)

    @event("Closed")
    def _closed(self, on: date) -> None:
        self.closed_on = on

    def open_leaderboard(self, open_to_branches: bool) -> None:
        if open_to_branches == self.leaderboard_open:
            raise StateConflict("campaign.leaderboard_unchanged")
        self._leaderboard_visibility(open_to_branches=open_to_branches)

    @event("LeaderboardVisibilityChanged")
    def _leaderboard_visibility(self, open_to_branches: bool) -> None:
        self.leaderboard_open = open_to_branches


# Plan statuses, in the order the seed lays the workflow out.
DRAFT, DISCUSSED, CIRCULATED, FINAL, SUBMITTED, REVISED = (
    "draft",
    "discussed",
    "circulated",
    "final",
    "submitted",
    "revised",
)


class Plan(TenantAggregate):
    """A campaign plan: the committee's (in its log) or a branch's own (in the branch's log).

    draft → discussed (支委会讨论) → circulated (征求意见) → comments → final (定稿) → submitted
    (报党委批准). The committee's approval or return is a decision in the committee's log; a
    returned plan is revised (naming the return it answers), finalised and submitted again.
    """

    @staticmethod
    def create_id(tenant: str, year: int) -> UUID:
        return Plan.id_for(tenant, year)

    @staticmethod
    def id_for(tenant: str, year: int) -> UUID:
        return stable_id(tenant, "plan", year)

    @classmethod
    def draft(cls, year: int, content: dict[str, Any], drafter: str) -> Plan:
        PlanContent.parse(content)
        return cls(
            year=year,
            content=content,
            drafter=require_text(drafter, "drafter", max_length=50, multiline=False),
        )

    @event("Drafted")
    def __init__(self, year: int, content: dict[str, Any], drafter: str) -> None:
        self.year = year
        self.versions: list[dict[str, Any]] = [content]
        self.drafter = drafter
        self.status = DRAFT
        self.comments: list[dict[str, str]] = []
        self.discussions: list[dict[str, Any]] = []
        self.submissions = 0
        self.submitted_days: dict[int, date] = {}
        self.submitted_versions: dict[int, int] = {}  # submission number -> version submitted
        self.answered: list[UUID] = []
        self.last_on: date | None = None  # the date of the latest dated step

    def _step_on(self, on: date) -> date:
        """A step's date: not before the previous step's (the first step: the day the plan
        was drafted) and not after today. One rule for the committee's and the branches' plans.
        """
        previous = self.last_on or self.created_on.astimezone(BEIJING).date()
        return require_past(on, "on", after=previous)

    @property
    def content(self) -> PlanContent:
        return PlanContent.parse(self.versions[-1])

    @property
    def version_no(self) -> int:
        return len(self.versions)

    def content_of(self, number: int) -> PlanContent:
        """Version ``number`` (1-based) of the content.

        Raises:
            NotFound: no such version.
        """
        if not 1 <= number <= len(self.versions):
            raise NotFound("plan.version_not_found", version=number)
        return PlanContent.parse(self.versions[number - 1])

    def in_force(self, approved_submissions: Iterable[int]) -> int:
        """The version in force (:func:`version_in_force`), given which of this plan's
        submissions the committee approved."""
        approved = [self.submitted_versions.get(n, 0) for n in approved_submissions]
        return version_in_force(self.version_no, [v for v in approved if v])

    def _expect(self, *statuses: str, doing: str) -> None:
        if self.status not in statuses:
            raise StateConflict("plan.wrong_status", doing=doing, status=self.status)

    def record_discussion(self, on: date, minutes: str) -> None:
        self._expect(DRAFT, DISCUSSED, REVISED, doing="discuss")
        self._discussed(on=self._step_on(on), minutes=require_text(minutes, "minutes"))

    @event("Discussed")
    def _discussed(self, on: date, minutes: str) -> None:
        self.discussions.append({"on": on, "minutes": minutes})
        self.last_on = on
        self.status = DISCUSSED

    def revise(self, content: dict[str, Any], note: str, answering: UUID | None = None) -> None:
        """A new version of the content. After submission only in answer to a return."""
        if answering is None:
            self._expect(DRAFT, DISCUSSED, CIRCULATED, REVISED, doing="revise")
        else:
            self._expect(SUBMITTED, doing="answer a return of")
            if answering in self.answered:
                raise StateConflict("plan.return_answered")
        PlanContent.parse(content)
        self._revised(content=content, note=clean_text(note, "note"), answering=answering)

    @event("Revised")
    def _revised(self, content: dict[str, Any], note: str, answering: UUID | None) -> None:
        self.versions.append(content)
        self.status = REVISED
        if answering is not None:
            self.answered.append(answering)

    def circulate(self, to: str, on: date) -> None:
        self._expect(DISCUSSED, REVISED, doing="circulate")
        to = require_text(to, "to", max_length=200, multiline=False)
        self._circulated(to=to, on=self._step_on(on))

    @event("Circulated")
    def _circulated(self, to: str, on: date) -> None:
        self.status = CIRCULATED
        self.last_on = on

    def record_comment(self, by: str, text: str, on: date) -> None:
        self._expect(CIRCULATED, doing="comment on")
        self._commented(
            by=require_text(by, "by", max_length=100, multiline=False),
            text=require_text(text, "text"),
            on=self._step_on(on),
        )

    @event("CommentRecorded")
    def _commented(self, by: str, text: str, on: date) -> None:
        self.comments.append({"by": by, "text": text, "on": on.isoformat()})
        self.last_on = on

    def finalise(self, on: date) -> None:
        self._expect(CIRCULATED, REVISED, DISCUSSED, doing="finalise")
        self._finalised(on=self._step_on(on), version=self.version_no)

    @event("Finalised")
    def _finalised(self, on: date, version: int) -> None:
        self.status = FINAL
        self.last_on = on

    def submit(self, on: date) -> int:
        self._expect(FINAL, doing="submit")
        self._submitted(
            on=self._step_on(on), submission=self.submissions + 1, version=self.version_no
        )
        return self.submissions

    @event("Submitted")
    def _submitted(self, on: date, submission: int, version: int) -> None:
        self.submissions = submission
        self.submitted_versions[submission] = version
        self.submitted_days[submission] = on
        self.status = SUBMITTED
        self.last_on = on


@functools.lru_cache(maxsize=1024)
def stored(text: str) -> PlanContent:
    """A plan version's content as stored (JSON text), parsed once: a version never changes,
    and the projector and the boards met the same few texts thousands of times. Read it,
    never change it (the instance is shared)."""
    return PlanContent.parse(json.loads(text))
