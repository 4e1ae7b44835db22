"""What one user must do now (待办), from the read models: the monthly grids due, items the
committee returned, tasks it assigned, measures to finish, ballots open, and for the committee
the submissions waiting for its decision and its own quarterly assessment of branches.

Each item: ``kind``, ``branch``, ``period`` or ``title``, ``due`` (ISO date, or None when the
rules set no date), ``overdue`` (due before today), ``count`` and ``reason`` where they apply.
The pages word them; this module only finds them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from cxzy_saas.projections.db import ReadModelDB
from cxzy_saas.projections.lists import submissions, with_measure_titles
from cxzy_saas.projections.queries import approvals, campaign_opened, overdue_duties

APPROVALS_LISTED = 10  # the oldest submissions waiting are listed one by one; the rest counted


def grid_due(year: int, month: int) -> date:
    """A month's assessment is due by the 10th of the next month (as the overdue page)."""
    return date(year + (month == 12), month % 12 + 1, 10)


def _item(
    kind: str, branch: str, due: date | str | None, today: date, **more: Any
) -> dict[str, Any]:
    day = date.fromisoformat(due) if isinstance(due, str) else due
    return {
        "kind": kind,
        "branch": branch,
        "due": day.isoformat() if day else None,
        "overdue": bool(day and day < today),
        **more,
    }


def grids(
    db: ReadModelDB, branch: str, year: int, today: date, group: str | None = None
) -> list[dict[str, Any]]:
    """The months ended by ``today`` whose grid still lacks subjects (members and groups; a
    group leader's: their group's members only), oldest first."""
    with db.read() as tx:
        parent = tx.query("SELECT parent FROM rm_tenants WHERE tenant = ?", (branch,))
        if not parent or not campaign_opened(tx, parent[0][0], year):
            return []
        subjects = tx.query(
            "SELECT s.level, s.subject, g.subject, s.since FROM rm_subjects s "
            "LEFT JOIN rm_subjects g "
            "ON g.tenant = s.tenant AND g.level = 'group' AND g.aggregate = s.grp "
            "WHERE s.tenant = ? AND s.active = 1 AND s.level IN ('member', 'group')",
            (branch,),
        )
        done = set(
            tx.query(
                "SELECT level, subject, period FROM rm_assessments WHERE tenant = ? AND year = ?",
                (branch, year),
            )
        )
    if group is not None:
        subjects = [s for s in subjects if s[0] == "member" and s[2] == group]
    items = []
    for month in range(1, 13):
        due = grid_due(year, month)
        if due.replace(day=1) > today:  # the month has not ended yet
            break
        period = f"{year}-{month:02d}"
        missing = sum(  # of those on the books by the month's end (not one enrolled later)
            1
            for level, subject, _, since in subjects
            if str(since)[:7] <= period and (level, subject, period) not in done
        )
        if missing:
            items.append(
                _item("grid", branch, due, today, period=period, month=month, count=missing)
            )
    return items


def returned(db: ReadModelDB, branch: str) -> list[dict[str, Any]]:
    """What the committee returned and the branch has not sent again, with the reason."""
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for row in submissions(db, branch):  # newest first
        latest.setdefault((row["kind"], row["subject"]), row)
    return [
        {
            "kind": "returned",
            "branch": branch,
            "due": None,
            "overdue": False,
            "what": row["kind"],
            "subject": row["subject"],
            "title": row["title"],
            "reason": row["reason"],
        }
        for row in latest.values()
        if row["outcome"] == "returned"
    ]


def tasks(db: ReadModelDB, branch: str, year: int, today: date) -> list[dict[str, Any]]:
    """Tasks the committee assigned that the branch has not reported done, nearest due first."""
    with db.read() as tx:
        found = tx.query(
            "SELECT title, due FROM rm_duties WHERE tenant = ? AND year = ? AND kind = 'task' "
            "AND done_on IS NULL ORDER BY due, title",
            (branch, year),
        )
    return [_item("task", branch, due or None, today, title=title) for title, due in found]


def measures(
    db: ReadModelDB, branch: str, year: int, today: date, member: str
) -> list[dict[str, Any]]:
    """A member's own measures not done yet, nearest due first."""
    with db.read() as tx:
        found = tx.query(
            "SELECT measure, text, due FROM rm_measure_list WHERE tenant = ? AND year = ? "
            "AND level = 'member' AND subject = ? AND done_on IS NULL ORDER BY due, position",
            (branch, year, member),
        )
    return [
        _item("measure", branch, due, today, measure=measure, title=text)
        for measure, text, due in found
    ]


def ballots(db: ReadModelDB, branch: str, year: int) -> list[dict[str, Any]]:
    """The branch's ballots still open: a member casts with the code handed to them."""
    with db.read() as tx:
        found = tx.query(
            "SELECT title, short FROM rm_ballots WHERE tenant = ? AND year = ? AND closed = 0 "
            "ORDER BY title",
            (branch, year),
        )
    return [
        {"kind": "ballot", "branch": branch, "due": None, "overdue": False, "title": t, "short": s}
        for t, s in found
    ]


def committee(db: ReadModelDB, committee_code: str, year: int, today: date) -> list[dict[str, Any]]:
    """Submissions waiting for the committee (the :data:`APPROVALS_LISTED` oldest, then one
    item with the number of the others), then its quarterly assessments of branches past their
    date: one item a quarter, with the number of branches not assessed (``name``: the first)."""
    waiting = approvals(db, committee_code, open_years=True)
    listed = with_measure_titles(db, waiting[:APPROVALS_LISTED])
    items = [
        {
            "kind": "approval",
            "branch": row["branch"],
            "name": row["name"],
            "due": None,
            "overdue": False,
            "title": row["title"],
            "what": row["kind"],
            "subject": row["subject"],
            "since": str(row["submitted_at"])[:10],
        }
        for row in listed
    ]
    if len(waiting) > APPROVALS_LISTED:  # the rest in one item: the approvals page lists them
        more = len(waiting) - APPROVALS_LISTED
        items.append(_item("approvals", committee_code, None, today, count=more))
    with db.read() as tx:
        names = dict(
            tx.query(
                "SELECT tenant, name FROM rm_tenants WHERE parent = ? AND kind = 'branch'",
                (committee_code,),
            )
        )
    missing: dict[str, list[dict[str, Any]]] = {}
    for row in overdue_duties(db, committee_code, year, today, names):
        if row["kind"] == "branch-assessment-missing":
            missing.setdefault(row["period"], []).append(row)
    for period, rows in missing.items():  # one item a quarter, however many branches
        first = rows[0]
        items.append(
            _item(
                "branch-assessment",
                first["branch"] if len(rows) == 1 else committee_code,
                min(row["due"] for row in rows),
                today,
                name=first["name"],
                period=period,
                count=len(rows),
            )
        )
    return items


def summaries(
    db: ReadModelDB, branch: str, year: int, member: str | None = None
) -> list[dict[str, Any]]:
    """The evaluation rounds still open (not reported to the committee) and, of each, the
    members whose self-summary is not filed (``member``: that member only); rounds with none
    missing are left out."""
    with db.read() as tx:
        rounds = tx.query(
            "SELECT ref, title FROM rm_duties WHERE tenant = ? AND year = ? AND kind = 'review' "
            "AND done_on IS NULL ORDER BY ref",
            (branch, year),
        )
        filed = {
            ref
            for (ref,) in tx.query(
                "SELECT ref FROM rm_duties WHERE tenant = ? AND year = ? AND kind = 'summary'",
                (branch, year),
            )
        }
        members = [
            subject
            for (subject,) in tx.query(
                "SELECT subject FROM rm_subjects WHERE tenant = ? AND level = 'member' "
                "AND active = 1",
                (branch,),
            )
        ]
    wanted = [member] if member is not None else members
    items = []
    for ref, stage in rounds:
        missing = [m for m in wanted if f"{ref}-{m}" not in filed]
        if missing:
            items.append(
                {
                    "kind": "summary",
                    "branch": branch,
                    "due": None,
                    "overdue": False,
                    "stage": stage,
                    "count": len(missing),
                }
            )
    return items
