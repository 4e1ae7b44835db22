"""The projection: turns decoded events of any tenant's log into read-model rows.

It reads events and nothing else. Rows are buffered per batch as upserts keyed by primary key
(the last write of a batch wins) and flushed by the projector together with the tracking
positions. Rows are written and read by column name (``put("rm_subjects", tenant=..., ...)``);
the table definitions are ``projections/schema.sql``. A few handlers need a fact from an earlier
event of the same aggregate (which month a retracted record belonged to, which entries a
submitted nomination holds); those facts are kept in memory as they stream past, and after a
restart ``recall`` reads the aggregate's earlier events from its log.

Handlers are keyed by event class (``domain/events.py``) and take ``(tenant, aggregate,
version, data)``: the log the event is in, its aggregate's id, its version and its decoded state.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from cxzy_saas.domain import events as ev
from cxzy_saas.domain import scoring
from cxzy_saas.domain.events import EventClass
from cxzy_saas.domain.organisation import erased_value
from cxzy_saas.domain.plan import PlanContent
from cxzy_saas.projections.db import TABLES, Tx

COLUMNS = {table: columns for table, (columns, _) in TABLES.items()}
POSITION = {table: {c: i for i, c in enumerate(columns)} for table, columns in COLUMNS.items()}
KEY_INDEX = {table: [columns.index(k) for k in key] for table, (columns, key) in TABLES.items()}

Row = dict[str, Any]  # a read-model row by column name
Event = tuple[EventClass, dict[str, Any]]  # (event class, decoded state)
Recall = Callable[[str, str], Iterable[Event]]  # (tenant, aggregate id) -> its events
Lookup = Callable[[str, tuple[Any, ...]], Row | None]  # (table or lookup, key) -> a stored row


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


class Projection:
    def __init__(self, recall: Recall | None = None) -> None:
        self.rows: dict[str, dict[tuple[Any, ...], list[Any]]] = {t: {} for t in TABLES}
        self.increments: dict[tuple[str, int, int], int] = {}  # record counts to add
        self.facts: dict[tuple[str, str], dict[str, Any]] = {}
        self.keys: dict[tuple[str, str], tuple[Any, ...]] = {}
        self.plans: dict[tuple[str, int, int], PlanContent] = {}
        self.touched: set[str] = set()  # tenants whose scores may have changed
        self.erased: list[tuple[str, str]] = []  # (tenant, member no) erased in this batch
        self.recall = recall
        self.db_lookup: Lookup | None = None

    # buffering, by column name

    def put(self, table: str, **values: Any) -> None:
        """Write a whole row; every column of ``table`` by name, and no other.

        Raises:
            KeyError: a column missing, or one the table does not have.
        """
        row = [values.pop(column) for column in COLUMNS[table]]
        if values:
            raise KeyError(f"{table} has no column {sorted(values)}")
        self.rows[table][tuple(row[i] for i in KEY_INDEX[table])] = row

    def _row(self, table: str, key: tuple[Any, ...]) -> list[Any] | None:
        row = self.rows[table].get(key)
        if row is None and self.db_lookup is not None:
            found = self.db_lookup(table, key)
            row = None if found is None else [found[c] for c in COLUMNS[table]]
        return row

    def get(self, table: str, key: tuple[Any, ...]) -> Row | None:
        """The row of ``key`` (its primary key's values, in order): buffered, else stored."""
        row = self._row(table, key)
        return None if row is None else dict(zip(COLUMNS[table], row, strict=True))

    def set(self, table: str, key: tuple[Any, ...], **changes: Any) -> None:
        """Change some columns of an existing row; nothing when there is none."""
        row = self._row(table, key)
        if row is None:
            return
        position = POSITION[table]
        for column, value in changes.items():
            row[position[column]] = value
        self.rows[table][key] = row

    def flush(self, tx: Tx) -> int:
        written = 0
        for table, rows in self.rows.items():
            if rows:
                tx.upsert(table, list(rows.values()))
                written += len(rows)
                rows.clear()
        if self.increments:
            tx.executemany(
                "INSERT INTO rm_record_counts (tenant, year, month, records) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (tenant, year, month) DO UPDATE "
                "SET records = rm_record_counts.records + excluded.records",
                [(*k, n) for k, n in self.increments.items()],
            )
            written += len(self.increments)
            self.increments.clear()
        return written

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

    # plans

    def plan(self, tenant: str, year: int, version: int) -> PlanContent | None:
        key = (tenant, year, version)
        if key not in self.plans:
            row = self.get("rm_plan_versions", key)
            if row is None:
                return None
            self.plans[key] = PlanContent.parse(json.loads(row["content"]))
        return self.plans[key]

    # the handlers

    def handle(
        self, tenant: str, aggregate: str, version: int, event: EventClass, data: dict[str, Any]
    ) -> None:
        handler = HANDLERS.get(event)
        if handler is not None:
            handler(self, tenant, aggregate, version, data)

    def _registry_committee(self, tenant: str, aggregate: str, version: int, data: Row) -> None:
        self.put(
            "rm_tenants", tenant=data["code"], kind="committee", name=data["name"], parent=None
        )

    def _branch_registered(self, tenant: str, aggregate: str, version: int, data: Row) -> None:
        self.put("rm_tenants", tenant=data["code"], kind="branch", name=data["name"], parent=tenant)

    def _group_formed(self, tenant: str, aggregate: str, version: int, data: Row) -> None:
        self.keys[(tenant, aggregate)] = (tenant, "group", data["code"])
        self.put(
            "rm_subjects",
            tenant=tenant,
            level="group",
            subject=data["code"],
            aggregate=aggregate,
            name=data["name"],
            grp=None,
            active=1,
        )
        self.touched.add(tenant)

    def _member_enrolled(self, tenant: str, aggregate: str, version: int, data: Row) -> None:
        self.keys[(tenant, aggregate)] = (tenant, "member", data["member_no"])
        self.put(
            "rm_subjects",
            tenant=tenant,
            level="member",
            subject=data["member_no"],
            aggregate=aggregate,
            name=data["name"],
            grp=str(data["group_id"]) if data["group_id"] else None,
            active=1,
        )
        self.touched.add(tenant)

    def _member_erased(self, tenant: str, aggregate: str, version: int, data: Row) -> None:
        # The Enrolled event already reads as erased once the key is gone (a rebuild shows the
        # placeholder from the start); this sets it on rows projected while the key existed.
        key = self.row_key(tenant, aggregate, "rm_subjects_by_aggregate")
        if key is not None:
            _, _, member_no = key
            self.set("rm_subjects", key, name=erased_value("name"))
            self.erased.append((tenant, member_no))
            self.touched.add(tenant)

    def _campaign_opened(self, tenant: str, aggregate: str, version: int, data: Row) -> None:
        self.remember(tenant, aggregate, ev.CampaignOpened, data)
        self.put(
            "rm_campaigns",
            committee=tenant,
            year=data["year"],
            title=data["title"],
            board_open=0,
            closed_on=None,
        )
        self.touched.add(tenant)

    def _campaign_year(self, tenant: str, aggregate: str) -> int | None:
        return self.fact(tenant, aggregate).get("year")

    def _campaign_visibility(self, tenant: str, aggregate: str, version: int, data: Row) -> None:
        year = self._campaign_year(tenant, aggregate)
        if year is not None:
            self.set("rm_campaigns", (tenant, year), board_open=int(data["open_to_branches"]))

    def _campaign_closed(self, tenant: str, aggregate: str, version: int, data: Row) -> None:
        year = self._campaign_year(tenant, aggregate)
        if year is not None:
            self.set("rm_campaigns", (tenant, year), closed_on=iso(data["on"]))

    def _plan_drafted(self, tenant: str, aggregate: str, version: int, data: Row) -> None:
        self.keys[(tenant, aggregate)] = (tenant, data["year"])
        self.put(
            "rm_plan_versions",
            tenant=tenant,
            year=data["year"],
            version=1,
            content=json.dumps(data["content"], ensure_ascii=False),
        )
        self.put(
            "rm_plans",
            tenant=tenant,
            year=data["year"],
            aggregate=aggregate,
            status="draft",
            submissions=0,
        )
        self.touched.add(tenant)

    def _plan_row(self, tenant: str, aggregate: str) -> tuple[Any, ...] | None:
        return self.row_key(tenant, aggregate, "rm_plans_by_aggregate")

    def _plan_revised(self, tenant: str, aggregate: str, version: int, data: Row) -> None:
        key = self._plan_row(tenant, aggregate)
        if key is None:
            return
        _, year = key
        stored = self.db_lookup("rm_plan_version_count", key) if self.db_lookup else None
        known = max(
            [v for (t, y, v) in self.rows["rm_plan_versions"] if (t, y) == key]
            + [int(stored["versions"]) if stored and stored["versions"] is not None else 0]
        )
        self.put(
            "rm_plan_versions",
            tenant=tenant,
            year=year,
            version=known + 1,
            content=json.dumps(data["content"], ensure_ascii=False),
        )
        self.set("rm_plans", key, status="revised")
        self.touched.add(tenant)

    def _plan_submitted(self, tenant: str, aggregate: str, version: int, data: Row) -> None:
        key = self._plan_row(tenant, aggregate)
        if key is None:
            return
        _, year = key
        self.set("rm_plans", key, status="submitted", submissions=data["submission"])
        self.put(
            "rm_submissions",
            tenant=tenant,
            kind="plan",
            subject=str(year),
            submission=data["submission"],
            year=year,
            title="活动方案",
            submitted_at=iso(data["timestamp"]),
        )

    def _decision(self, tenant: str, aggregate: str, version: int, data: Row) -> None:
        self.put(
            "rm_decisions",
            committee=tenant,
            branch=data["branch"],
            kind=data["kind"],
            subject=data["subject"],
            submission=data["submission"],
            outcome=data["outcome"],
            reason=data["reason"],
            decided_at=iso(data["timestamp"]),
        )

    def _assessed(self, tenant: str, aggregate: str, version: int, data: Row) -> None:
        items = {k: float(p) for k, p in data["scores"].items()}
        score = self._month_score(tenant, data["year"], data["plan_version"], data["level"], items)
        self.keys[(tenant, aggregate)] = (
            tenant,
            data["year"],
            data["level"],
            data["subject"],
            data["period"],
        )
        self.put(
            "rm_assessments",
            tenant=tenant,
            year=data["year"],
            level=data["level"],
            subject=data["subject"],
            period=data["period"],
            aggregate=aggregate,
            plan_version=data["plan_version"],
            items=json.dumps(items, sort_keys=True),
            score=score,
            recorded_at=iso(data["timestamp"]),
        )
        self.touched.add(tenant)

    def _month_score(
        self, tenant: str, year: int, version: int, level: str, items: dict[str, float]
    ) -> float:
        plan = self.plan(tenant, year, version)
        if plan is None:
            return 0.0
        return scoring.month_score([i.as_item() for i in plan.items_for(level)], items)

    def _score_corrected(self, tenant: str, aggregate: str, version: int, data: Row) -> None:
        key = self.row_key(tenant, aggregate, "rm_assessments_by_aggregate")
        if key is None:
            return
        row = self.get("rm_assessments", key)
        if row is None:
            return
        items = json.loads(row["items"])
        items[data["item"]] = float(data["points"])
        score = self._month_score(tenant, row["year"], row["plan_version"], row["level"], items)
        self.set("rm_assessments", key, items=json.dumps(items, sort_keys=True), score=score)
        self.touched.add(tenant)

    def _measure_filed(self, tenant: str, aggregate: str, version: int, data: Row) -> None:
        self.put(
            "rm_measures",
            tenant=tenant,
            measure=aggregate,
            year=data["year"],
            level=data["level"],
            subject=data["subject"],
            done=0,
        )
        self.touched.add(tenant)

    def _measure_completed(self, tenant: str, aggregate: str, version: int, data: Row) -> None:
        self.set("rm_measures", (tenant, aggregate), done=1)
        self.touched.add(tenant)

    def _measure_reported(self, tenant: str, aggregate: str, version: int, data: Row) -> None:
        if data["to"] == "committee":
            row = self.get("rm_measures", (tenant, aggregate))
            self.put(
                "rm_submissions",
                tenant=tenant,
                kind="measure",
                subject=aggregate,
                submission=1,
                year=row["year"] if row else data["on"].year,
                title="党支部措施",
                submitted_at=iso(data["timestamp"]),
            )

    def _ballot_opened(self, tenant: str, aggregate: str, version: int, data: Row) -> None:
        self.put(
            "rm_ballots",
            tenant=tenant,
            ballot=aggregate,
            year=data["year"],
            title=data["title"],
            issued=sum(len(h) for h in data["code_hashes"].values()),
            cast_count=0,
            closed=0,
            tallies="{}",
        )

    def _ballot_cast(self, tenant: str, aggregate: str, version: int, data: Row) -> None:
        row = self.get("rm_ballots", (tenant, aggregate))
        if row is not None:
            self.set("rm_ballots", (tenant, aggregate), cast_count=row["cast_count"] + 1)

    def _ballot_closed(self, tenant: str, aggregate: str, version: int, data: Row) -> None:
        result = {"turnout": data["turnout"], "tallies": data["tallies"]}
        self.set(
            "rm_ballots",
            (tenant, aggregate),
            closed=1,
            tallies=json.dumps(result, sort_keys=True, ensure_ascii=False),
        )
        self.touched.add(tenant)

    def _inspected(self, tenant: str, aggregate: str, version: int, data: Row) -> None:
        self.put(
            "rm_inspections",
            tenant=tenant,
            year=data["year"],
            quarter=data["quarter"],
            on_date=iso(data["on"]),
        )

    def _recorded(self, tenant: str, aggregate: str, version: int, data: Row) -> None:
        # Not remembered: a retraction is rare, and recalls the record's month from its log.
        key = (tenant, data["year"], data["on"].month)
        self.increments[key] = self.increments.get(key, 0) + 1

    def _retracted(self, tenant: str, aggregate: str, version: int, data: Row) -> None:
        fact = self.fact(tenant, aggregate)
        if fact:
            key = (tenant, fact["year"], fact["month"])
            self.increments[key] = self.increments.get(key, 0) - 1

    def _submitted(self, tenant: str, kind: str, year: int, title: str, data: Row) -> None:
        self.put(
            "rm_submissions",
            tenant=tenant,
            kind=kind,
            subject=str(year),
            submission=1,
            year=year,
            title=title,
            submitted_at=iso(data["timestamp"]),
        )

    def _review_reported(self, tenant: str, aggregate: str, version: int, data: Row) -> None:
        fact = self.fact(tenant, aggregate)
        if fact.get("stage") == "midyear":
            self._submitted(tenant, "midyear-report", fact["year"], "半年初评情况", data)

    def _summary_reported(self, tenant: str, aggregate: str, version: int, data: Row) -> None:
        fact = self.fact(tenant, aggregate)
        if data["to"] == "committee" and fact:
            self._submitted(tenant, "annual-summary", fact["year"], "年度总结", data)

    def _nomination_submitted(self, tenant: str, aggregate: str, version: int, data: Row) -> None:
        fact = self.fact(tenant, aggregate)
        for entry in fact.get("entries", []):
            what = "先进党小组" if entry["level"] == "group" else "优秀党员"
            self.put(
                "rm_submissions",
                tenant=tenant,
                kind="nominee",
                subject=f"{fact['year']}:{entry['level']}:{entry['subject']}",
                submission=data["submission"],
                year=fact["year"],
                title=f"推荐{what} {entry['subject']}",
                submitted_at=iso(data["timestamp"]),
            )


Handler = Callable[[Projection, str, str, int, Row], None]


def _remembering(event: EventClass) -> Handler:
    def handler(self: Projection, tenant: str, aggregate: str, version: int, data: Row) -> None:
        self.remember(tenant, aggregate, event, data)

    return handler


def _subject_change(**changes: Any) -> Handler:
    def handler(self: Projection, tenant: str, aggregate: str, version: int, data: Row) -> None:
        key = self.row_key(tenant, aggregate, "rm_subjects_by_aggregate")
        if key is not None:
            values = {k: (fn(data) if callable(fn) else fn) for k, fn in changes.items()}
            self.set("rm_subjects", key, **values)
            self.touched.add(tenant)

    return handler


def _plan_status(status: str) -> Handler:
    def handler(self: Projection, tenant: str, aggregate: str, version: int, data: Row) -> None:
        key = self._plan_row(tenant, aggregate)
        if key is not None:
            self.set("rm_plans", key, status=status)

    return handler


P = Projection
HANDLERS: dict[EventClass, Handler] = {
    ev.RegistryCommitteeRegistered: P._registry_committee,
    ev.CommitteeBranchRegistered: P._branch_registered,
    ev.GroupFormed: P._group_formed,
    ev.GroupRenamed: _subject_change(name=lambda d: d["name"]),
    ev.GroupDissolved: _subject_change(active=0),
    ev.MemberEnrolled: P._member_enrolled,
    ev.MemberMovedToGroup: _subject_change(
        grp=lambda d: str(d["group_id"]) if d["group_id"] else None
    ),
    ev.MemberLeft: _subject_change(active=0),
    ev.MemberPersonalDataErased: P._member_erased,
    ev.CampaignOpened: P._campaign_opened,
    ev.CampaignLeaderboardVisibilityChanged: P._campaign_visibility,
    ev.CampaignClosed: P._campaign_closed,
    ev.PlanDrafted: P._plan_drafted,
    ev.PlanDiscussed: _plan_status("discussed"),
    ev.PlanCirculated: _plan_status("circulated"),
    ev.PlanFinalised: _plan_status("final"),
    ev.PlanRevised: P._plan_revised,
    ev.PlanSubmitted: P._plan_submitted,
    ev.DecisionApproved: P._decision,
    ev.DecisionReturned: P._decision,
    ev.DecisionAcknowledged: P._decision,
    ev.AssessmentRecorded: P._assessed,
    ev.AssessmentScoreCorrected: P._score_corrected,
    ev.MeasureFiled: P._measure_filed,
    ev.MeasureReported: P._measure_reported,
    ev.MeasureCompleted: P._measure_completed,
    ev.BallotOpened: P._ballot_opened,
    ev.BallotCast: P._ballot_cast,
    ev.BallotClosed: P._ballot_closed,
    ev.InspectionRecorded: P._inspected,
    ev.DailyRecordRecorded: P._recorded,
    ev.DailyRecordRetracted: P._retracted,
    ev.ReviewStarted: _remembering(ev.ReviewStarted),
    ev.ReviewReportedToCommittee: P._review_reported,
    ev.AnnualSummaryFiled: _remembering(ev.AnnualSummaryFiled),
    ev.AnnualSummaryReported: P._summary_reported,
    ev.NominationStarted: _remembering(ev.NominationStarted),
    ev.NominationShortlisted: _remembering(ev.NominationShortlisted),
    ev.NominationSubmitted: P._nomination_submitted,
}
