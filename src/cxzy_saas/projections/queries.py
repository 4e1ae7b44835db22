"""Queries on the read models: what the committee (and, within limits, a branch) looks at."""

from __future__ import annotations

import statistics
from datetime import date
from typing import Any

import orjson

from cxzy_saas.domain.errors import InvalidInput, NotFound
from cxzy_saas.domain.plan import stored as stored_plan
from cxzy_saas.logs.port import Logs
from cxzy_saas.projections import boards
from cxzy_saas.projections.asof import replay
from cxzy_saas.projections.db import TABLES, ReadModelDB, ReadModels, values_in_chunks
from cxzy_saas.projections.lists import campaign_known


def parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("date.malformed", field="as_of", value=value) from None


def past_day(day: date, today: date) -> date:
    """``day`` for an as-of view, unless it is after ``today``: a view as of a day to come
    would show today's figures under a later date, as if they were a forecast.

    Raises:
        InvalidInput: ``day`` is after ``today``.
    """
    if day > today:
        raise InvalidInput(
            "as_of.in_future", field="as_of", value=day.isoformat(), today=today.isoformat()
        )
    return day


def only_committee(logs: Logs, committee: str | None) -> str:
    """``committee``, or the only one there is.

    Raises:
        NotFound: no committee ``committee``.
        InvalidInput: none named, and there is not exactly one.
    """
    codes = sorted(t.code for t in logs.tenants() if t.kind == "committee")
    if committee:
        if committee not in codes:
            raise NotFound("committee.not_found", committee=committee)
        return committee
    if len(codes) != 1:
        raise InvalidInput("committee.ambiguous", count=len(codes))
    return codes[0]


def board_rows(db: ReadModelDB, committee: str, year: int, level: str) -> list[dict[str, Any]]:
    """A campaign's leaderboard rows, ranked (ties 1, 1, 3)."""
    with db.read() as tx:
        found = tx.query(
            "SELECT rows FROM rm_boards WHERE committee = ? AND year = ? AND level = ?",
            (committee, year, level),
        )
    return orjson.loads(found[0][0]) if found else []


def leaderboard(
    logs: Logs,
    models: ReadModels,
    year: int,
    level: str,
    committee: str | None = None,
    as_of: str | None = None,
    db: ReadModelDB | None = None,
) -> dict[str, Any]:
    """``{"campaign", "level", "as_of", "rows": [...]}``; the same input gives the same bytes.

    ``db`` is the live read model (opened here when not given)."""
    if level not in ("branch", "group", "member"):
        raise InvalidInput("level.unknown", field="level")
    code = only_committee(logs, committee)
    # A caller's own read model is kept current by a running projector; without one (the
    # CLI), the as-of replay first brings the time index up to date.
    live, db = db, db or models.open()
    if as_of is None:
        rows = board_rows(db, code, year, level)
    else:
        day = parse_day(as_of)
        with replay(logs, models, day, index=live, committee=code) as replayed:
            rows = board_rows(replayed, code, year, level)
    if not rows and as_of is None and not campaign_known(db, code, year):
        raise NotFound("campaign.not_in_read_models", year=year)
    return {"campaign": year, "level": level, "committee": code, "as_of": as_of, "rows": rows}


def dump(db: ReadModelDB) -> dict[str, list[tuple[Any, ...]]]:
    """Every read-model table's rows, sorted: two models are equal when their dumps are."""
    with db.read() as tx:
        return {table: sorted(tx.query(f"SELECT * FROM {table}"), key=repr) for table in TABLES}


def quarantined(db: ReadModelDB) -> list[dict[str, Any]]:
    """The events the model omits because they could not be projected (``rm_quarantine``)."""
    with db.read() as tx:
        rows = tx.query(
            "SELECT tenant, position, topic, error FROM rm_quarantine ORDER BY tenant, position"
        )
    return [dict(zip(("tenant", "position", "topic", "error"), r, strict=True)) for r in rows]


def campaign_opened(tx: Any, committee: str, year: int) -> bool:
    """Whether ``committee`` opened a campaign for ``year``: nothing is owed in a year without
    one (a fresh deployment's branches are not late for quarters nobody asked of them)."""
    return bool(
        tx.query("SELECT 1 FROM rm_campaigns WHERE committee = ? AND year = ?", (committee, year))
    )


def board_open(db: ReadModelDB, committee: str, year: int) -> bool:
    with db.read() as tx:
        found = tx.query(
            "SELECT board_open FROM rm_campaigns WHERE committee = ? AND year = ?",
            (committee, year),
        )
    return bool(found and found[0][0])


def matrix(db: ReadModelDB, committee: str, year: int) -> dict[str, Any]:
    """Branch × criterion: the share of points earned (0-100) on each criterion's scoring items,
    over the committee's quarterly assessments of the branch (the 先进党支部 criteria, level
    "branch") and all monthly assessments of the branch's groups and members, each read with
    the items of the plan version it was assessed under (decision 0012); and each criterion's
    title, from the committee's plan in force (a branch's own where the committee's has none)."""
    earned: dict[tuple[str, str, int], list[float]] = {}
    scope = "tenant IN (SELECT tenant FROM rm_tenants WHERE parent = ?) AND year = ?"
    with db.read() as tx:
        names = dict(tx.query("SELECT tenant, name FROM rm_tenants WHERE parent = ?", (committee,)))
        found = tx.query(
            "SELECT tenant, level, plan_version, items FROM rm_assessments "
            f"WHERE {scope} AND level IN ('member', 'group') "
            "ORDER BY tenant, level, subject, period",
            (committee, year),
        )
        # The committee's own assessments of its branches: under its tenant, the branch as
        # subject, scored with the committee's plan.
        found += [
            (subject, "branch", version, items, committee)
            for subject, version, items in tx.query(
                "SELECT subject, plan_version, items FROM rm_assessments "
                "WHERE tenant = ? AND year = ? AND level = 'branch' ORDER BY subject, period",
                (committee, year),
            )
        ]
        versions = {
            (tenant, int(version)): stored_plan(content)
            for tenant, version, content in tx.query(
                "SELECT tenant, version, content FROM rm_plan_versions WHERE "
                "(tenant = ? OR tenant IN (SELECT tenant FROM rm_tenants WHERE parent = ?)) "
                "AND year = ?",
                (committee, committee, year),
            )
        }
        plan, own_plans = boards.plans_in_force(tx, committee, year)
    for tenant, level, version, items, *planner in found:
        plan_of = planner[0] if planner else tenant
        content = versions.get((plan_of, int(version)))
        if content is None:
            continue
        for code, points in orjson.loads(items).items():
            item = content.items.get(code)
            if item is not None:
                key = (tenant, level, item.criterion)
                earned.setdefault(key, [0.0, 0.0])
                earned[key][0] += points
                earned[key][1] += item.max_points
    order = {"branch": 0, "group": 1, "member": 2}
    criteria = sorted(
        {(level, number) for (_, level, number) in earned}, key=lambda c: (order[c[0]], c[1])
    )
    titles: dict[str, str] = {}
    for source in [plan, *own_plans.values()]:
        for level, number in criteria:
            text = source.criteria.get(level, {}).get(number) if source else None
            if text:
                titles.setdefault(f"{level}:{number}", text)
    rows = []
    for tenant in sorted(t for t in names if t in own_plans):
        cells = {}
        for level, number in criteria:
            got = earned.get((tenant, level, number))
            cells[f"{level}:{number}"] = round(got[0] / got[1] * 100, 2) if got and got[1] else None
        rows.append({"code": tenant, "name": names[tenant], "cells": cells})
    return {
        "campaign": year,
        "criteria": [f"{level}:{number}" for level, number in criteria],
        "titles": titles,
        "rows": rows,
    }


def trends(db: ReadModelDB, committee: str, year: int, day: date | None = None) -> dict[str, Any]:
    """Per branch: the mean monthly work score of its members by month, daily records per
    month, and the committee's quarterly assessment score. Seen on ``day``, a month not begun
    has no count of records (None), rather than none recorded (0)."""
    with db.read() as tx:
        names = dict(tx.query("SELECT tenant, name FROM rm_tenants WHERE parent = ?", (committee,)))
        monthly = tx.query(
            "SELECT tenant, period, AVG(score) FROM rm_assessments "
            "WHERE tenant IN (SELECT tenant FROM rm_tenants WHERE parent = ?) AND year = ? "
            "AND level = 'member' GROUP BY tenant, period",
            (committee, year),
        )
        records = tx.query(
            "SELECT tenant, month, records FROM rm_record_counts "
            "WHERE tenant IN (SELECT tenant FROM rm_tenants WHERE parent = ?) AND year = ?",
            (committee, year),
        )
        quarterly = tx.query(
            "SELECT subject, period, score FROM rm_assessments "
            "WHERE tenant = ? AND year = ? AND level = 'branch'",
            (committee, year),
        )
    series: dict[str, dict[str, Any]] = {
        t: {
            "code": t,
            "name": n,
            "monthly_score": [None] * 12,
            "records": [0] * 12,
            "quarterly_score": [None] * 4,
        }
        for t, n in names.items()
    }
    for tenant, period, score in monthly:
        series[tenant]["monthly_score"][int(period[-2:]) - 1] = round(score, 2)
    for tenant, month, count in records:
        series[tenant]["records"][month - 1] = count
    if day is not None:
        begun = months_begun(year, day)
        for line in series.values():
            line["records"] = [n if m < begun else None for m, n in enumerate(line["records"])]
    for branch, period, score in quarterly:
        if branch in series:
            series[branch]["quarterly_score"][int(period[-1]) - 1] = round(score, 2)
    return {
        "campaign": year,
        "branches": [series[t] for t in sorted(series)],
        "committee": spread([s["monthly_score"] for s in series.values()]),
    }


def months_begun(year: int, day: date) -> int:
    """How many months of ``year`` have begun on ``day``: 12 for a year gone by, 0 for one to
    come."""
    return 12 if day.year > year else (day.month if day.year == year else 0)


def spread(lines: list[list[float | None]]) -> dict[str, list[Any]]:
    """Month by month over the branches that have a figure: their mean and their lower and
    upper quartiles (the band a branch's line is read against); None where none has one; and
    how many branches have one (``counted``: a month that counts fewer is read with care)."""
    found: dict[str, list[Any]] = {"average": [], "q1": [], "q3": [], "counted": []}
    for month in zip(*lines, strict=True) if lines else []:
        figures = sorted(v for v in month if v is not None)
        found["counted"].append(len(figures))
        if not figures:
            for key in ("average", "q1", "q3"):
                found[key].append(None)
            continue
        found["average"].append(round(statistics.fmean(figures), 2))
        if len(figures) > 1:
            q1, _, q3 = statistics.quantiles(figures, n=4, method="inclusive")
        else:
            q1 = q3 = figures[0]
        found["q1"].append(round(q1, 2))
        found["q3"].append(round(q3, 2))
    return found


def overdue(db: ReadModelDB, committee: str, year: int, today: date) -> list[dict[str, Any]]:
    """Work past its time: a month's assessment not done by the 10th of the next month, a
    quarter's inspection not done by the 15th after it ends, a plan not submitted by 31 January."""
    items: list[dict[str, Any]] = []
    with db.read() as tx:
        if not campaign_opened(tx, committee, year):
            return []
        names = dict(
            tx.query(
                "SELECT tenant, name FROM rm_tenants WHERE parent = ? AND kind = 'branch'",
                (committee,),
            )
        )
        # Counted, not read row by row (every assessment of a committee's year is 40,000 rows
        # at 200 branches): each branch's active members and groups by the month they came on
        # the books (a member enrolled in December owes no January sheet); the assessments made
        # per month (rm_assessment_counts), less those of members and groups since gone.
        scope = "tenant IN (SELECT tenant FROM rm_tenants WHERE parent = ?)"
        joined: dict[str, list[tuple[str, int]]] = {}
        for tenant, month, n in tx.query(
            f"SELECT tenant, substr(since, 1, 7), COUNT(*) FROM rm_subjects WHERE {scope} "
            "AND active = 1 GROUP BY tenant, substr(since, 1, 7)",
            (committee,),
        ):
            joined.setdefault(tenant, []).append((str(month), int(n)))
        assessed = {
            (t, period): int(n)
            for t, period, n in tx.query(
                f"SELECT tenant, period, assessed FROM rm_assessment_counts WHERE {scope} "
                "AND year = ?",
                (committee, year),
            )
        }
        # The few gone subjects first, then their assessments by key: a join leaves the order
        # to the planner, and PostgreSQL, its statistics not yet gathered, read every
        # assessment of the year to find them (430 ms at 200 branches).
        gone = tx.query(
            f"SELECT tenant, level, subject FROM rm_subjects WHERE {scope} AND active = 0",
            (committee,),
        )
        for values, keys in values_in_chunks(gone):
            for t, period, n in tx.query(
                "SELECT tenant, period, COUNT(*) FROM rm_assessments WHERE year = ? "
                f"AND (tenant, level, subject) IN ({values}) GROUP BY tenant, period",
                [year, *keys],
            ):
                assessed[(t, period)] = assessed.get((t, period), 0) - int(n)
        inspected = {
            (t, q)
            for t, q in tx.query(
                f"SELECT DISTINCT tenant, quarter FROM rm_inspections WHERE {scope} AND year = ?",
                (committee, year),
            )
        }
        plans = dict(
            tx.query(
                f"SELECT tenant, status FROM rm_plans WHERE {scope} AND year = ?", (committee, year)
            )
        )
    for month in range(1, 13):
        due = date(year + (month == 12), month % 12 + 1, 10)
        if due >= today:
            continue
        period = f"{year}-{month:02d}"
        missing = {
            t: sum(n for came, n in months if came <= period) - assessed.get((t, period), 0)
            for t, months in joined.items()
        }
        for tenant, count in sorted(missing.items()):
            if tenant not in names or count <= 0:
                continue
            items.append(
                {
                    "branch": tenant,
                    "name": names[tenant],
                    "kind": "monthly-assessment",
                    "period": period,
                    "due": due.isoformat(),
                    "missing": count,
                }
            )
    for quarter in range(1, 5):
        end_month = 3 * quarter
        due = date(year + (quarter == 4), end_month % 12 + 1, 15)
        if due >= today:
            continue
        for tenant in sorted(names):
            if (tenant, quarter) not in inspected:
                items.append(
                    {
                        "branch": tenant,
                        "name": names[tenant],
                        "kind": "quarterly-inspection",
                        "period": f"{year}-Q{quarter}",
                        "due": due.isoformat(),
                        "missing": 1,
                    }
                )
    items += overdue_duties(db, committee, year, today, names)
    plan_due = date(year, 1, 31)
    if plan_due < today:
        for tenant in sorted(names):
            if plans.get(tenant) in (None, "draft", "discussed", "circulated", "final", "revised"):
                items.append(
                    {
                        "branch": tenant,
                        "name": names[tenant],
                        "kind": "plan-not-submitted",
                        "period": str(year),
                        "due": plan_due.isoformat(),
                        "missing": 1,
                    }
                )
    return items


# Every kind of overdue item :func:`overdue` answers (the API's document lists them).
OVERDUE_KINDS = (
    "monthly-assessment",
    "quarterly-inspection",
    "plan-not-submitted",
    "assigned-task",
    "quarterly-discussion-missing",
    "committee-life-missing",
    "branch-assessment-missing",
)

# The branch committee's quarterly meetings the text asks for: it discusses the campaign at
# least once a quarter (至少每季度要讨论一次), and its members hold their own 组织生活 every
# three months (每三个月要单独过一次组织生活). Due, like an inspection, by the 15th after.
QUARTERLY_MEETINGS = {
    "committee-discussion": "quarterly-discussion-missing",
    "committee-life": "committee-life-missing",
}


def quarter_due(year: int, quarter: int) -> date:
    return date(year + (quarter == 4), (3 * quarter) % 12 + 1, 15)


def overdue_duties(
    db: ReadModelDB, committee: str, year: int, today: date, names: dict[str, str]
) -> list[dict[str, Any]]:
    """Tasks the committee assigned and the branch has not reported done by their date; the
    branch committee's quarterly meetings not held; the committee's own quarterly assessment
    of a branch not made (by the 15th after the quarter)."""
    with db.read() as tx:
        if not campaign_opened(tx, committee, year):
            return []
        duties = tx.query(
            "SELECT tenant, kind, ref, title, due, done_on FROM rm_duties WHERE year = ? "
            "AND tenant IN (SELECT tenant FROM rm_tenants WHERE parent = ?)",
            (year, committee),
        )
        assessed = {
            (subject, period)
            for subject, period in tx.query(
                "SELECT subject, period FROM rm_assessments "
                "WHERE tenant = ? AND year = ? AND level = 'branch'",
                (committee, year),
            )
        }
    items: list[dict[str, Any]] = []
    held = {(t, kind, ref) for t, kind, ref, _, _, done in duties if kind != "task" and done}
    for tenant, kind, _, title, due, done in sorted(duties, key=lambda d: (d[4], d[0], d[3])):
        if (
            kind == "task"
            and tenant in names
            and due
            and not done
            and date.fromisoformat(due) < today
        ):
            items.append(
                {
                    "branch": tenant,
                    "name": names[tenant],
                    "kind": "assigned-task",
                    "period": str(year),
                    "title": title,
                    "due": due,
                    "missing": 1,
                }
            )
    for quarter in range(1, 5):
        due_day = quarter_due(year, quarter)
        if due_day >= today:
            continue
        period = f"{year}-Q{quarter}"
        for tenant in sorted(names):
            for meeting, kind in QUARTERLY_MEETINGS.items():
                if (tenant, meeting, period) not in held:
                    items.append(
                        {
                            "branch": tenant,
                            "name": names[tenant],
                            "kind": kind,
                            "period": period,
                            "due": due_day.isoformat(),
                            "missing": 1,
                        }
                    )
            if (tenant, period) not in assessed:
                items.append(
                    {
                        "branch": tenant,
                        "name": names[tenant],
                        "kind": "branch-assessment-missing",
                        "period": period,
                        "due": due_day.isoformat(),
                        "missing": 1,
                    }
                )
    return items


def approvals(db: ReadModelDB, committee: str, open_years: bool = False) -> list[dict[str, Any]]:
    """Submissions of the committee's branches still waiting for its decision, oldest first;
    with ``open_years``, only those of campaigns not closed (a closed year is final, decision
    0011: what it left undecided can no longer be decided, so it is no one's to-do)."""
    closed = (
        "AND NOT EXISTS (SELECT 1 FROM rm_campaigns c WHERE c.committee = t.parent "
        "AND c.year = s.year AND c.closed_on IS NOT NULL) "
        if open_years
        else ""
    )
    with db.read() as tx:
        found = tx.query(
            "SELECT s.tenant, t.name, s.kind, s.subject, s.submission, s.year, s.title, "
            "s.submitted_at "
            "FROM rm_submissions s JOIN rm_tenants t ON t.tenant = s.tenant "
            "LEFT JOIN rm_decisions d ON d.branch = s.tenant AND d.kind = s.kind "
            "AND d.subject = s.subject AND d.submission = s.submission "
            "WHERE t.parent = ? AND d.outcome IS NULL "
            + closed
            + "ORDER BY s.submitted_at, s.tenant, s.kind, s.subject",
            (committee,),
        )
    keys = ("branch", "name", "kind", "subject", "submission", "year", "title", "submitted_at")
    return [dict(zip(keys, row, strict=True)) for row in found]


def ballots(
    db: ReadModelDB, committee: str, year: int, grades: bool = True
) -> list[dict[str, Any]]:
    """Each ballot's turnout and grade distribution (all subjects, all pools together; not
    with ``grades`` False: its tallies are the costly part to read)."""
    with db.read() as tx:
        found = tx.query(
            "SELECT b.tenant, b.ballot, b.title, b.issued, b.cast_count, b.closed, "
            + ("b.tallies " if grades else "'{}' ")
            + "FROM rm_ballots b JOIN rm_tenants t ON t.tenant = b.tenant "
            "WHERE t.parent = ? AND b.year = ? ORDER BY b.tenant, b.ballot",
            (committee, year),
        )
    result = []
    for tenant, ballot, title, issued, cast, closed, tallies in found:
        counted = {g: 0 for g in ("excellent", "competent", "basic", "incompetent")}
        for pools in orjson.loads(tallies).get("tallies", {}).values():
            for counts in pools.values():
                for grade, n in counts.items():
                    counted[grade] += n
        result.append(
            {
                "branch": tenant,
                "ballot": ballot,
                "title": title,
                "issued": issued,
                "cast": cast,
                "turnout": round(cast / issued, 4) if issued else 0.0,
                "closed": bool(closed),
                "grades": counted,
            }
        )
    return result


def assessment_progress(db: ReadModelDB, committee: str, period: str) -> list[dict[str, Any]]:
    """Per branch, a month's assessments (``period``: "2026-11"): its groups and members on
    the books that month, and how many of them are assessed for it."""
    month_end = f"{period}-31"
    with db.read() as tx:
        names = dict(
            tx.query(
                "SELECT tenant, name FROM rm_tenants WHERE parent = ? AND kind = 'branch'",
                (committee,),
            )
        )
        due = dict(
            tx.query(
                "SELECT tenant, COUNT(*) FROM rm_subjects "
                "WHERE tenant IN (SELECT tenant FROM rm_tenants WHERE parent = ?) "
                "AND level IN ('member', 'group') AND since <= ? "
                "AND (until IS NULL OR until >= ?) GROUP BY tenant",
                (committee, month_end, f"{period}-01"),
            )
        )
        done = dict(
            tx.query(
                "SELECT tenant, COUNT(*) FROM rm_assessments "
                "WHERE tenant IN (SELECT tenant FROM rm_tenants WHERE parent = ?) "
                "AND level IN ('member', 'group') AND period = ? GROUP BY tenant",
                (committee, period),
            )
        )
    return [
        {
            "branch": code,
            "name": names[code],
            "due": int(due.get(code, 0)),
            "assessed": min(int(done.get(code, 0)), int(due.get(code, 0))),
        }
        for code in sorted(names)
    ]
