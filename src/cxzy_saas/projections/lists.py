"""Read-model rows the pages list beside the committee's views: a committee's campaigns, what
a branch sent up and what was decided, the ballots; and a branch's own lists (its records and
measures), filtered and paged by the database."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from cxzy_saas.projections.db import ReadModelDB


def campaign_known(db: ReadModelDB, committee: str, year: int) -> bool:
    """Is the committee's campaign of ``year`` in the read model (yet)?"""
    with db.read() as tx:
        known = tx.query(
            "SELECT 1 FROM rm_campaigns WHERE committee = ? AND year = ?", (committee, year)
        )
    return bool(known)


def campaigns(db: ReadModelDB, committee: str) -> list[dict[str, Any]]:
    """The committee's campaigns, the latest first."""
    with db.read() as tx:
        found = tx.query(
            "SELECT year, title, board_open, closed_on FROM rm_campaigns WHERE committee = ? "
            "ORDER BY year DESC",
            (committee,),
        )
    keys = ("year", "title", "board_open", "closed_on")
    return [dict(zip(keys, row, strict=True)) for row in found]


def submissions(db: ReadModelDB, branch: str) -> list[dict[str, Any]]:
    """What a branch sent up, newest first, each with the committee's decision (or None)."""
    with db.read() as tx:
        found = tx.query(
            "SELECT s.kind, s.subject, s.submission, s.year, s.title, s.submitted_at, "
            "d.outcome, d.reason, d.decided_at FROM rm_submissions s "
            "LEFT JOIN rm_decisions d ON d.branch = s.tenant AND d.kind = s.kind "
            "AND d.subject = s.subject AND d.submission = s.submission "
            "WHERE s.tenant = ? ORDER BY s.submitted_at DESC, s.kind, s.subject",
            (branch,),
        )
    keys = (
        "kind",
        "subject",
        "submission",
        "year",
        "title",
        "submitted_at",
        "outcome",
        "reason",
        "decided_at",
    )
    return [dict(zip(keys, row, strict=True)) for row in found]


def open_ballots(db: ReadModelDB) -> list[tuple[str, str]]:
    """(branch, ballot id) of every ballot not yet closed, in every tenant."""
    with db.read() as tx:
        found = tx.query(
            "SELECT tenant, ballot FROM rm_ballots WHERE closed = 0 ORDER BY tenant, ballot"
        )
    return [(str(t), str(b)) for t, b in found]


def ballot_by_short(db: ReadModelDB, short: str) -> tuple[str, str] | None:
    """(branch, ballot id) of the ballot whose slips carry the address ``/b/<short>``."""
    with db.read() as tx:
        found = tx.query(
            "SELECT tenant, ballot FROM rm_ballots WHERE short = ? ORDER BY tenant, ballot",
            (short,),
        )
    return (str(found[0][0]), str(found[0][1])) if found else None


def branch_ballots(db: ReadModelDB, branch: str, year: int) -> list[dict[str, Any]]:
    """A branch's ballots of a campaign year: turnout so far, and whether closed."""
    with db.read() as tx:
        found = tx.query(
            "SELECT ballot, title, short, issued, cast_count, closed FROM rm_ballots "
            "WHERE tenant = ? AND year = ? ORDER BY ballot",
            (branch, year),
        )
    keys = ("ballot", "title", "short", "issued", "cast", "closed")
    return [dict(zip(keys, row, strict=True)) for row in found]


# A branch's lists (decision 0019): filtered, sorted and paged by the database.


@dataclass(frozen=True)
class Filters:
    """What a branch list may be narrowed to; None: not narrowed. ``member`` and ``group``
    name a member number or group code; ``group`` takes the group's own rows and those of
    its members (as the group stands now). ``q``: text contained, any case."""

    level: str | None = None
    subject: str | None = None
    member: str | None = None
    group: str | None = None
    criterion: int | None = None
    month: int | None = None
    status: str | None = None
    q: str | None = None
    kind: str | None = None  # of a meeting
    # A member who may see only their own member rows (decision 0018): their number.
    own_member: str | None = None


@dataclass(frozen=True)
class Paging:
    page: int = 1
    per_page: int = 50
    sort: str | None = None


@dataclass
class Found:
    items: list[dict[str, Any]]
    total: int
    position: int  # the branch log's position the rows reflect


RECORD_SORTS = {
    "recorded": "position",
    "-recorded": "position DESC",
    "on": "on_date, position",
    "-on": "on_date DESC, position DESC",
}
MEASURE_SORTS = {
    "filed": "position",
    "-filed": "position DESC",
    "due": "due, position",
    "-due": "due DESC, position DESC",
    "open": "CASE WHEN done_on IS NULL THEN 0 ELSE 1 END, due, position",
}
ASSESSMENT_SORTS = {
    "recorded": "position",
    "-recorded": "position DESC",
    "period": "period, position",
    "-period": "period DESC, position DESC",
}
MEETING_SORTS = RECORD_SORTS
RECORD_STATUSES = ("standing", "retracted")
MEASURE_STATUSES = ("open", "done", "overdue", "reported", "acknowledged")


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _subject_terms(f: Filters, branch: str) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if f.level is not None:
        where.append("level = ?")
        params.append(f.level)
    if f.subject is not None:
        where.append("subject = ?")
        params.append(f.subject)
    if f.member is not None:
        where.append("level = 'member' AND subject = ?")
        params.append(f.member)
    if f.own_member is not None:
        where.append("(level != 'member' OR subject = ?)")
        params.append(f.own_member)
    if f.group is not None:
        where.append(
            "((level = 'group' AND subject = ?) OR (level = 'member' AND subject IN ("
            "SELECT m.subject FROM rm_subjects m JOIN rm_subjects g ON g.tenant = m.tenant "
            "AND g.level = 'group' AND g.aggregate = m.grp "
            "WHERE m.tenant = ? AND m.level = 'member' AND g.subject = ?)))"
        )
        params += [f.group, branch, f.group]
    if f.q:
        where.append("LOWER(text) LIKE ? ESCAPE '\\'")
        params.append(_like(f.q))
    return where, params


def _page(
    tx: Any,
    table: str,
    columns: str,
    where: list[str],
    params: list[Any],
    order: str,
    p: Paging,
    branch: str,
) -> tuple[list[tuple[Any, ...]], int, int]:
    """The page's rows, how many rows match, and the branch's tracked position: one round
    trip (the count and the position as subqueries, which both stores run once; a window
    count would read every matching row whole), two when the page is past the end."""
    clause = " AND ".join(where)
    tracked = "(SELECT position FROM rm_tracking WHERE tenant = ?)"
    count = f"(SELECT COUNT(*) FROM {table} WHERE {clause})"
    rows = tx.query(
        f"SELECT {columns}, {count}, {tracked} FROM {table} WHERE {clause} "
        f"ORDER BY {order} LIMIT ? OFFSET ?",
        [*params, branch, *params, p.per_page, (p.page - 1) * p.per_page],
    )
    if rows:
        return [r[:-2] for r in rows], int(rows[0][-2]), int(rows[0][-1] or 0)
    total, position = tx.query(
        f"SELECT COUNT(*), {tracked} FROM {table} WHERE {clause}", [branch, *params]
    )[0]
    return [], int(total), int(position or 0)


def _tracked(tx: Any, branch: str) -> int:
    found = tx.query("SELECT position FROM rm_tracking WHERE tenant = ?", (branch,))
    return int(found[0][0]) if found else 0


def tracked(db: ReadModelDB, branch: str) -> int:
    """The position of ``branch``'s log whose effects the read model holds."""
    with db.read() as tx:
        return _tracked(tx, branch)


def records(
    db: ReadModelDB, branch: str, year: int, f: Filters, p: Paging, record: str | None = None
) -> Found:
    """A page of ``branch``'s daily records of campaign ``year``, the shape the API gives
    (``RecordOut``); by default in the order they were recorded. ``record``: that one only.

    Raises:
        KeyError: a sort or status not among :data:`RECORD_SORTS`, :data:`RECORD_STATUSES`.
    """
    order = RECORD_SORTS[p.sort or "recorded"]
    where, params = _subject_terms(f, branch)
    where = ["tenant = ?", "year = ?", *where]
    params = [branch, year, *params]
    if f.criterion is not None:
        where.append("criterion = ?")
        params.append(f.criterion)
    if f.month is not None:
        where.append("month = ?")
        params.append(f.month)
    if record is not None:
        where.append("record = ?")
        params.append(record)
    if f.status is not None:
        where.append(
            {"standing": "retracted IS NULL", "retracted": "retracted IS NOT NULL"}[f.status]
        )
    with db.read() as tx:
        rows, total, position = _page(
            tx,
            "rm_records",
            "record, year, on_date, level, subject, criterion, text, evidence, retracted, "
            "recorded_by, recorded_at, retracted_by, retracted_at",
            where,
            params,
            order,
            p,
            branch,
        )
    items = [
        {
            "id": r[0],
            "year": r[1],
            "on": date.fromisoformat(r[2]),
            "level": r[3],
            "subject": r[4],
            "criterion": r[5],
            "text": r[6],
            "evidence": r[7],
            "retracted": r[8],
            "recorded_by": r[9],
            "recorded_at": datetime.fromisoformat(r[10]),
            "retracted_by": r[11],
            "retracted_at": None if r[12] is None else datetime.fromisoformat(r[12]),
        }
        for r in rows
    ]
    return Found(items, total, position)


def measures(db: ReadModelDB, branch: str, year: int, f: Filters, p: Paging, today: date) -> Found:
    """A page of ``branch``'s measures of campaign ``year`` (``MeasureOut``, and ``overdue``:
    not done and due before ``today``); by default in the order they were filed.

    Raises:
        KeyError: a sort or status not among :data:`MEASURE_SORTS`, :data:`MEASURE_STATUSES`.
    """
    order = MEASURE_SORTS[p.sort or "filed"]
    where, params = _subject_terms(f, branch)
    where = ["tenant = ?", "year = ?", *where]
    params = [branch, year, *params]
    if f.criterion is not None:
        where.append("criteria LIKE ?")
        params.append(f"%,{int(f.criterion)},%")
    if f.status is not None:
        where.append(
            {
                "open": "done_on IS NULL",
                "done": "done_on IS NOT NULL",
                "overdue": "done_on IS NULL AND due < ?",
                "reported": "reported_to IS NOT NULL",
                "acknowledged": "acknowledged = 1",
            }[f.status]
        )
        if f.status == "overdue":
            params.append(today.isoformat())
    with db.read() as tx:
        rows, total, position = _page(
            tx,
            "rm_measure_list",
            "measure, year, level, subject, criteria, text, due, reported_to, acknowledged, "
            "done_on",
            where,
            params,
            order,
            p,
            branch,
        )
    items = []
    for r in rows:
        due = date.fromisoformat(r[6])
        done_on = None if r[9] is None else date.fromisoformat(r[9])
        items.append(
            {
                "id": r[0],
                "year": r[1],
                "level": r[2],
                "subject": r[3],
                "criteria": [int(c) for c in r[4].strip(",").split(",") if c],
                "text": r[5],
                "due": due,
                "reported_to": r[7],
                "acknowledged": bool(r[8]),
                "done_on": done_on,
                "overdue": done_on is None and due < today,
            }
        )
    return Found(items, total, position)


def assessments(db: ReadModelDB, branch: str, year: int, f: Filters, p: Paging) -> Found:
    """A page of ``branch``'s assessments of campaign ``year`` (``AssessmentOut``: scores
    with the corrections applied, and the corrections); by default in the order recorded.
    ``q`` is not a filter of theirs (they hold no text but the corrections' reasons).

    Raises:
        KeyError: a sort not among :data:`ASSESSMENT_SORTS`.
    """
    order = ASSESSMENT_SORTS[p.sort or "recorded"]
    where, params = _subject_terms(
        Filters(f.level, f.subject, f.member, f.group, own_member=f.own_member), branch
    )
    where = ["tenant = ?", "year = ?", *where]
    params = [branch, year, *params]
    if f.month is not None:
        where.append("month = ?")
        params.append(f.month)
    with db.read() as tx:
        rows, total, position = _page(
            tx,
            "rm_assessment_list",
            "assessment, year, period, level, subject, scores, plan_version, on_date, corrections",
            where,
            params,
            order,
            p,
            branch,
        )
    items = [
        {
            "id": r[0],
            "year": r[1],
            "period": r[2],
            "level": r[3],
            "subject": r[4],
            "scores": json.loads(r[5]),
            "plan_version": r[6],
            "on": date.fromisoformat(r[7]),
            "corrections": json.loads(r[8]),
        }
        for r in rows
    ]
    return Found(items, total, position)


def meetings(db: ReadModelDB, branch: str, year: int, f: Filters, p: Paging) -> Found:
    """A page of ``branch``'s meetings of campaign ``year`` (``MeetingOut``), by default in
    the order recorded; ``q`` looks in the title and the minutes.

    Raises:
        KeyError: a sort not among :data:`MEETING_SORTS`.
    """
    order = MEETING_SORTS[p.sort or "recorded"]
    where = ["tenant = ?", "year = ?"]
    params: list[Any] = [branch, year]
    if f.kind is not None:
        where.append("kind = ?")
        params.append(f.kind)
    if f.month is not None:
        where.append("month = ?")
        params.append(f.month)
    if f.q:
        where.append("(LOWER(title) LIKE ? ESCAPE '\\' OR LOWER(minutes) LIKE ? ESCAPE '\\')")
        params += [_like(f.q), _like(f.q)]
    with db.read() as tx:
        rows, total, position = _page(
            tx,
            "rm_meetings",
            "meeting, year, kind, on_date, title, attendees, minutes",
            where,
            params,
            order,
            p,
            branch,
        )
    keys = ("id", "year", "kind", "on", "title", "attendees", "minutes")
    items = [dict(zip(keys, r, strict=True)) for r in rows]
    for item in items:
        item["on"] = date.fromisoformat(item["on"])
    return Found(items, total, position)


def subjects(db: ReadModelDB, branch: str) -> list[dict[str, Any]]:
    """A branch's groups and members (those dissolved or gone included: ``active``), groups
    first, each by code: what a list's filters and names need, without loading a member; a
    member's ``group`` is the code of the group they are in now (None: none)."""
    with db.read() as tx:
        found = tx.query(
            "SELECT level, subject, name, active, aggregate, grp FROM rm_subjects "
            "WHERE tenant = ? ORDER BY CASE WHEN level = 'group' THEN 0 ELSE 1 END, subject",
            (branch,),
        )
    groups = {
        aggregate: subject for level, subject, _, _, aggregate, _ in found if level == "group"
    }
    return [
        {
            "level": level,
            "subject": subject,
            "name": name,
            "active": bool(active),
            "group": groups.get(grp) if level == "member" else None,
        }
        for level, subject, name, active, _, grp in found
    ]
