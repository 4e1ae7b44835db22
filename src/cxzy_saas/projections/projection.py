"""The projection of one batch: turns decoded events of any tenant's log into read-model rows.

It reads events and nothing else. Its rows are buffered per batch by column name (``rows.py``)
and flushed by the projector together with the tracking positions; what each event changes is
its handler's (``handlers.py``). A few handlers need a fact from an earlier event of the same
aggregate (which month a retracted record belonged to, which entries a submitted nomination
holds); those facts are kept in memory as they stream past, and after a restart ``recall``
reads the aggregate's earlier events from its log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from cxzy_saas.domain import events as ev
from cxzy_saas.domain.events import EventClass
from cxzy_saas.domain.plan import PlanContent
from cxzy_saas.domain.plan import stored as stored_plan
from cxzy_saas.projections.rows import Rows

State = dict[str, Any]  # an event's decoded state
Event = tuple[EventClass, State]  # (event class, decoded state)
Recall = Callable[[str, str], Iterable[Event]]  # (tenant, aggregate id) -> its events


def iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, date | datetime) else str(value)


# Events whose facts later events of the same aggregate need (see ``Projection.fact``).
REMEMBERED = (
    ev.DailyRecordRecorded,
    ev.ReviewStarted,
    ev.AnnualSummaryFiled,
    ev.NominationStarted,
    ev.CampaignOpened,
)


class Projection(Rows):
    def __init__(self, recall: Recall | None = None) -> None:
        super().__init__()
        self.facts: dict[tuple[str, str], dict[str, Any]] = {}
        self.keys: dict[tuple[str, str], tuple[Any, ...]] = {}
        self.plans: dict[tuple[str, int, int], PlanContent] = {}
        self.touched: set[str] = set()  # tenants whose scores may have changed
        self.erased: list[tuple[str, str]] = []  # (tenant, member no) erased in this batch
        self.recall = recall
        self.position = 0  # the notification of the event being projected (its log's order)

    def forget(self, tenants: set[str]) -> None:
        """Drop what is kept of these tenants' aggregates: their logs are projected to their
        end for this pass, and a handler only asks about its own log's aggregates (were one
        asked again, ``recall`` and ``db_lookup`` read it back). A rebuild kept every record's
        facts of every log until its end: the heap grew with the cell, and every event's
        projection slowed with it."""
        if tenants:
            self.facts = {k: v for k, v in self.facts.items() if k[0] not in tenants}
            self.keys = {k: v for k, v in self.keys.items() if k[0] not in tenants}
            self.plans = {k: v for k, v in self.plans.items() if k[0] not in tenants}

    def fact(self, tenant: str, aggregate: str) -> dict[str, Any]:
        key = (tenant, aggregate)
        if key not in self.facts and self.recall is not None:
            for event, data in self.recall(tenant, aggregate):
                self.remember(tenant, aggregate, event, data)
        return self.facts.get(key, {})

    def remember(
        self, tenant: str, aggregate: str, event: EventClass, data: dict[str, Any]
    ) -> None:
        if event in REMEMBERED:
            self.facts[(tenant, aggregate)] = {
                "year": data["year"],
                "month": data["on"].month
                if event is ev.DailyRecordRecorded and "on" in data
                else None,
                "stage": data.get("stage"),
                "entries": [],
            }
        elif event is ev.NominationShortlisted:
            # Its year from the log when the nomination was started in an earlier batch (a
            # re-nomination's submission, projected alone, needs it).
            self.fact(tenant, aggregate)
            self.facts.setdefault((tenant, aggregate), {})["entries"] = data["entries"]

    def row_key(self, tenant: str, aggregate: str, lookup: str) -> tuple[Any, ...] | None:
        """The key of the read-model row an aggregate's later events change: kept from its
        creation event, or after a restart found by aggregate id with ``lookup``."""
        key = self.keys.get((tenant, aggregate))
        if key is None and self.db_lookup is not None:
            found = self.db_lookup(lookup, (tenant, aggregate))
            if found is not None:
                key = self.keys[(tenant, aggregate)] = tuple(found.values())
        return key

    def plan(self, tenant: str, year: int, version: int) -> PlanContent | None:
        key = (tenant, year, version)
        if key not in self.plans:
            row = self.get("rm_plan_versions", key)
            if row is None:
                return None
            self.plans[key] = stored_plan(row["content"])
        return self.plans[key]

    # what several handlers look up

    def campaign_year(self, tenant: str, aggregate: str) -> int | None:
        return self.fact(tenant, aggregate).get("year")

    def plan_row(self, tenant: str, aggregate: str) -> tuple[Any, ...] | None:
        return self.row_key(tenant, aggregate, "rm_plans_by_aggregate")

    def month_score(
        self, tenant: str, year: int, version: int, level: str, items: dict[str, float]
    ) -> float:
        """The assessment's score under the plan version it names (``PlanContent.month_score``,
        as the branch's ranking and the archive compute it)."""
        plan = self.plan(tenant, year, version)
        if plan is None:
            return 0.0
        return plan.month_score(level, items)
