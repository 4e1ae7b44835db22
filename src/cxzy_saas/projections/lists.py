"""Read-model rows the pages list beside the committee's views: a committee's campaigns, what
a branch sent up and what was decided, the ballots; and a branch's own lists (its records and
measures), filtered and paged by the database."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from cxzy_saas.domain.organisation import MEMBER_STATUSES as ENROLLED_STATUSES
from cxzy_saas.projections.db import ReadModelDB, contains, escaped, values_in_chunks


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
    quarter: int | None = None  # of an inspection
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
INSPECTION_SORTS = {"quarter": "quarter, position", "-quarter": "quarter DESC, position DESC"}
MEMBER_SORTS = {
    "enrolled": "position",
    "-enrolled": "position DESC",
    "member_no": "member_no, position",
    "name": "pinyin(name), position",
    "joined": "joined_on, position",
    "-joined": "joined_on DESC, position DESC",
}
GROUP_SORTS = {"formed": "position", "code": "code, position", "name": "pinyin(name), position"}
DEED_SORTS = {
    "written": "position",
    "-written": "position DESC",
    "subject": "level, subject, position",
}
SUMMARY_SORTS = {"year": "year, position", "-year": "year DESC, position DESC"}
NOMINATION_SORTS = SUMMARY_SORTS
MEMBER_STATUSES = (*ENROLLED_STATUSES, "left")
GROUP_STATUSES = ("active", "dissolved")
RECORD_STATUSES = ("standing", "retracted")
MEASURE_STATUSES = ("open", "done", "overdue", "reported", "acknowledged")
# An annual summary not yet reported to anyone, or reported to the members' meeting, to the
# committee (since its last revision: a revision is reported again).
SUMMARY_STATUSES = ("unreported", "members-meeting", "committee")
# A nomination not yet submitted (or re-opened), submitted, or whose latest submission has a
# nominee the committee returned.
NOMINATION_STATUSES = ("draft", "submitted", "returned")


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
        where.append("fold(text) LIKE ? ESCAPE '\\'")
        params.append(contains(f.q))
    return where, params


Convert = Callable[[Any], Any]


def _day(text: Any) -> date:
    return date.fromisoformat(text)


def _moment(text: Any) -> datetime:
    return datetime.fromisoformat(text)


def _maybe(convert: Convert) -> Convert:
    return lambda value: None if value is None else convert(value)


def _criteria(text: Any) -> list[int]:
    return [int(c) for c in str(text).strip(",").split(",") if c]


@dataclass(frozen=True)
class Shape:
    """What a branch list reads: its table, and for each key of a row the column (or SQL
    expression) that holds it and how its stored value reads (None: as it is)."""

    table: str
    columns: tuple[tuple[str, str, Convert | None], ...]

    def found(
        self,
        db: ReadModelDB,
        branch: str,
        where: list[str],
        params: list[Any],
        order: str,
        p: Paging,
    ) -> Found:
        """A page of the rows ``where`` selects, in ``order``: one round trip (the count and
        the position as subqueries, which both stores run once; a window count would read
        every matching row whole), two when the page is past the end."""
        clause = " AND ".join(where)
        tracked = "(SELECT position FROM rm_tracking WHERE tenant = ?)"
        count = f"(SELECT COUNT(*) FROM {self.table} WHERE {clause})"
        columns = ", ".join(column for _, column, _ in self.columns)
        with db.read() as tx:
            rows = tx.query(
                # Named apart: PostgreSQL reads ORDER BY position as an output column's name
                # first, which the tracked position's subquery would be (a constant order).
                f"SELECT {columns}, {count} AS listed_total, {tracked} AS listed_position "
                f"FROM {self.table} WHERE {clause} "
                f"ORDER BY {order} LIMIT ? OFFSET ?",
                [*params, branch, *params, p.per_page, (p.page - 1) * p.per_page],
            )
            if rows:
                total, position = rows[0][-2], rows[0][-1]
            else:
                total, position = tx.query(
                    f"SELECT COUNT(*), {tracked} FROM {self.table} WHERE {clause}",
                    [branch, *params],
                )[0]
        items = [
            {
                key: value if convert is None else convert(value)
                for (key, _, convert), value in zip(self.columns, row, strict=False)
            }
            for row in rows
        ]
        return Found(items, int(total), int(position or 0))


def _tracked(tx: Any, branch: str) -> int:
    found = tx.query("SELECT position FROM rm_tracking WHERE tenant = ?", (branch,))
    return int(found[0][0]) if found else 0


def tracked(db: ReadModelDB, branch: str) -> int:
    """The position of ``branch``'s log whose effects the read model holds."""
    with db.read() as tx:
        return _tracked(tx, branch)


def _of_year(
    branch: str, year: int, terms: tuple[list[str], list[Any]]
) -> tuple[list[str], list[Any]]:
    where, params = terms
    return ["tenant = ?", "year = ?", *where], [branch, year, *params]


def _equal(where: list[str], params: list[Any], column: str, value: Any) -> None:
    if value is not None:
        where.append(f"{column} = ?")
        params.append(value)


def _text(where: list[str], params: list[Any], q: str | None, *columns: str) -> None:
    """Rows any of whose ``columns`` contains ``q`` (any case)."""
    if q:
        where.append("(" + " OR ".join(f"fold({c}) LIKE ? ESCAPE '\\'" for c in columns) + ")")
        params += [contains(q)] * len(columns)


RECORD_SHAPE = Shape(
    "rm_records",
    (
        ("id", "record", None),
        ("year", "year", None),
        ("on", "on_date", _day),
        ("level", "level", None),
        ("subject", "subject", None),
        ("criterion", "criterion", None),
        ("text", "text", None),
        ("evidence", "evidence", None),
        ("retracted", "retracted", None),
        ("recorded_by", "recorded_by", None),
        ("recorded_at", "recorded_at", _moment),
        ("retracted_by", "retracted_by", None),
        ("retracted_at", "retracted_at", _maybe(_moment)),
    ),
)


def records(
    db: ReadModelDB, branch: str, year: int, f: Filters, p: Paging, record: str | None = None
) -> Found:
    """A page of ``branch``'s daily records of campaign ``year``, the shape the API gives
    (``RecordOut``); by default in the order they were recorded. ``record``: that one only.

    Raises:
        KeyError: a sort or status not among :data:`RECORD_SORTS`, :data:`RECORD_STATUSES`.
    """
    order = RECORD_SORTS[p.sort or "recorded"]
    where, params = _of_year(branch, year, _subject_terms(f, branch))
    _equal(where, params, "criterion", f.criterion)
    _equal(where, params, "month", f.month)
    _equal(where, params, "record", record)
    if f.status is not None:
        where.append(
            {"standing": "retracted IS NULL", "retracted": "retracted IS NOT NULL"}[f.status]
        )
    return RECORD_SHAPE.found(db, branch, where, params, order, p)


MEASURE_SHAPE = Shape(
    "rm_measure_list",
    (
        ("id", "measure", None),
        ("year", "year", None),
        ("level", "level", None),
        ("subject", "subject", None),
        ("criteria", "criteria", _criteria),
        ("text", "text", None),
        ("due", "due", _day),
        ("reported_to", "reported_to", None),
        ("acknowledged", "acknowledged", bool),
        ("done_on", "done_on", _maybe(_day)),
    ),
)


def measures(db: ReadModelDB, branch: str, year: int, f: Filters, p: Paging, today: date) -> Found:
    """A page of ``branch``'s measures of campaign ``year`` (``MeasureOut``, and ``overdue``:
    not done and due before ``today``); by default in the order they were filed. ``month``:
    those due in that month.

    Raises:
        KeyError: a sort or status not among :data:`MEASURE_SORTS`, :data:`MEASURE_STATUSES`.
    """
    order = MEASURE_SORTS[p.sort or "filed"]
    where, params = _of_year(branch, year, _subject_terms(f, branch))
    if f.criterion is not None:
        where.append("criteria LIKE ?")
        params.append(f"%,{int(f.criterion)},%")
    if f.month is not None:  # due in that month of the year
        where.append("due LIKE ?")
        params.append(f"{year:04d}-{int(f.month):02d}-%")
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
    found = MEASURE_SHAPE.found(db, branch, where, params, order, p)
    for item in found.items:
        item["overdue"] = item["done_on"] is None and item["due"] < today
    return found


ASSESSMENT_SHAPE = Shape(
    "rm_assessment_list",
    (
        ("id", "assessment", None),
        ("year", "year", None),
        ("period", "period", None),
        ("level", "level", None),
        ("subject", "subject", None),
        ("scores", "scores", json.loads),
        ("plan_version", "plan_version", None),
        ("on", "on_date", _day),
        ("corrections", "corrections", json.loads),
    ),
)


def assessments(db: ReadModelDB, branch: str, year: int, f: Filters, p: Paging) -> Found:
    """A page of ``branch``'s assessments of campaign ``year`` (``AssessmentOut``: scores
    with the corrections applied, and the corrections); by default in the order recorded.
    ``q`` is not a filter of theirs (they hold no text but the corrections' reasons).

    Raises:
        KeyError: a sort not among :data:`ASSESSMENT_SORTS`.
    """
    order = ASSESSMENT_SORTS[p.sort or "recorded"]
    subjects_only = Filters(f.level, f.subject, f.member, f.group, own_member=f.own_member)
    where, params = _of_year(branch, year, _subject_terms(subjects_only, branch))
    _equal(where, params, "month", f.month)
    return ASSESSMENT_SHAPE.found(db, branch, where, params, order, p)


MEETING_SHAPE = Shape(
    "rm_meetings",
    (
        ("id", "meeting", None),
        ("year", "year", None),
        ("kind", "kind", None),
        ("on", "on_date", _day),
        ("title", "title", None),
        ("attendees", "attendees", None),
        ("minutes", "minutes", None),
    ),
)


def meetings(db: ReadModelDB, branch: str, year: int, f: Filters, p: Paging) -> Found:
    """A page of ``branch``'s meetings of campaign ``year`` (``MeetingOut``), by default in
    the order recorded; ``q`` looks in the title and the minutes.

    Raises:
        KeyError: a sort not among :data:`MEETING_SORTS`.
    """
    order = MEETING_SORTS[p.sort or "recorded"]
    where, params = _of_year(branch, year, ([], []))
    _equal(where, params, "kind", f.kind)
    _equal(where, params, "month", f.month)
    _text(where, params, f.q, "title", "minutes")
    return MEETING_SHAPE.found(db, branch, where, params, order, p)


INSPECTION_SHAPE = Shape(
    "rm_inspection_list",
    (
        ("id", "inspection", None),
        ("year", "year", None),
        ("quarter", "quarter", None),
        ("on", "on_date", _day),
        ("measures_checked", "measures_checked", None),
        ("gaps", "gaps", None),
        ("weak_links", "weak_links", None),
        ("improvements", "improvements", None),
        ("recorded_by", "recorded_by", None),
        ("recorded_at", "recorded_at", _moment),
    ),
)


def inspections(db: ReadModelDB, branch: str, year: int, f: Filters, p: Paging) -> Found:
    """A page of ``branch``'s quarterly inspections of campaign ``year`` (``InspectionOut``),
    by default by quarter; ``quarter``, or ``month``: the inspection of the quarter the month
    is in; ``q``: text contained in any of its four parts.

    Raises:
        KeyError: a sort not among :data:`INSPECTION_SORTS`.
    """
    order = INSPECTION_SORTS[p.sort or "quarter"]
    where, params = _of_year(branch, year, ([], []))
    _equal(where, params, "quarter", f.quarter)
    if f.month is not None:
        _equal(where, params, "quarter", (f.month - 1) // 3 + 1)
    _text(where, params, f.q, "measures_checked", "gaps", "weak_links", "improvements")
    return INSPECTION_SHAPE.found(db, branch, where, params, order, p)


DEED_SHAPE = Shape(
    "rm_deed_list",
    (
        ("id", "deeds", None),
        ("year", "year", None),
        ("level", "level", None),
        ("subject", "subject", None),
        ("text", "text", None),
        ("versions", "versions", None),
        ("attachments", "attachments", json.loads),
    ),
)


def deeds(db: ReadModelDB, branch: str, year: int, f: Filters, p: Paging) -> Found:
    """A page of ``branch``'s deed materials of campaign ``year`` (``DeedsOut``: the latest
    text and how many versions), by default in the order first written; ``member``,
    ``group`` (its own and its members'), ``level``/``subject``, ``q`` (in the latest text).

    Raises:
        KeyError: a sort not among :data:`DEED_SORTS`.
    """
    order = DEED_SORTS[p.sort or "written"]
    where, params = _of_year(branch, year, _subject_terms(f, branch))
    return DEED_SHAPE.found(db, branch, where, params, order, p)


SUMMARY_SHAPE = Shape(
    "rm_summary_list",
    (
        ("id", "summary", None),
        ("year", "year", None),
        ("basic_facts", "basic_facts", None),
        ("experience", "experience", None),
        ("problems", "problems", None),
        ("plans", "plans", None),
        ("members-meeting", "meeting_on", None),  # ISO days: answered nested
        ("committee", "committee_on", None),
        ("revisions", "revisions", None),
    ),
)


def summaries(
    db: ReadModelDB, branch: str, f: Filters, p: Paging, year: int | None = None
) -> Found:
    """A page of ``branch``'s annual summaries (``AnnualSummaryOut``, one a year), by default
    the latest year first; ``year``: that one; ``status``: not yet reported (``unreported``),
    or reported to the ``members-meeting`` or the ``committee``; ``q``: text in any part.

    Raises:
        KeyError: a sort or status not among :data:`SUMMARY_SORTS`, :data:`SUMMARY_STATUSES`.
    """
    order = SUMMARY_SORTS[p.sort or "-year"]
    where: list[str] = ["tenant = ?"]
    params: list[Any] = [branch]
    _equal(where, params, "year", year)
    if f.status is not None:
        where.append(
            {
                "unreported": "meeting_on IS NULL AND committee_on IS NULL",
                "members-meeting": "meeting_on IS NOT NULL",
                "committee": "committee_on IS NOT NULL",
            }[f.status]
        )
    _text(where, params, f.q, "basic_facts", "experience", "problems", "plans")
    found = SUMMARY_SHAPE.found(db, branch, where, params, order, p)
    for item in found.items:  # as the aggregate says it: to whom, the day
        reported = {to: item.pop(to) for to in ("members-meeting", "committee")}
        item["reported"] = {to: on for to, on in reported.items() if on is not None}
    return found


NOMINATION_SHAPE = Shape(
    "rm_nomination_list",
    (
        ("year", "year", None),
        ("entries", "entries", json.loads),
        ("submissions", "submissions", None),
        ("submitted_on", "submitted_on", _maybe(_day)),
        ("reopenings", "reopenings", json.loads),
    ),
)
# The committee's decision on a nominee of a nomination's latest submission ("year:level:
# subject", as the committee's log names it).
NOMINEE_DECISION = (
    "SELECT 1 FROM rm_decisions d WHERE d.branch = rm_nomination_list.tenant "
    "AND d.kind = 'nominee' AND d.submission = rm_nomination_list.submissions "
    "AND SUBSTR(d.subject, 1, 5) = CAST(rm_nomination_list.year AS TEXT) || ':'"
)


def nominations(
    db: ReadModelDB, branch: str, f: Filters, p: Paging, year: int | None = None
) -> Found:
    """A page of ``branch``'s nominations (``NominationOut``, one a year), by default the latest
    year first, each with the committee's decisions on its latest submission's nominees and
    those it returned; ``year``: that one; ``member``/``level`` and ``subject``: those that
    shortlist that subject now; ``group``: the group, or any of its members now; ``status``:
    ``draft`` (not submitted since started or re-opened), ``submitted``, ``returned`` (a
    nominee of the latest submission returned).

    Raises:
        KeyError: a sort or status not among :data:`NOMINATION_SORTS`,
            :data:`NOMINATION_STATUSES`.
    """
    order = NOMINATION_SORTS[p.sort or "-year"]
    where: list[str] = ["tenant = ?"]
    params: list[Any] = [branch]
    _equal(where, params, "year", year)
    shortlisted = []  # patterns of the subjects column
    if f.member is not None:
        shortlisted.append(f"%,member:{escaped(f.member)},%")
    if f.subject is not None:
        level = f",{escaped(f.level)}" if f.level else ""
        shortlisted.append(f"%{level}:{escaped(f.subject)},%")
    elif f.level is not None:
        shortlisted.append(f"%,{escaped(f.level)}:%")
    for pattern in shortlisted:
        where.append("subjects LIKE ? ESCAPE '\\'")
        params.append(pattern)
    if f.group is not None:
        # Its own entry, or a member's of it now (the pattern's % given as parameters: a
        # literal % in the statement is a placeholder to psycopg).
        where.append(
            "(subjects LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM rm_subjects m "
            "JOIN rm_subjects g ON g.tenant = m.tenant AND g.level = 'group' "
            "AND g.aggregate = m.grp WHERE m.tenant = rm_nomination_list.tenant "
            "AND m.level = 'member' AND g.subject = ? "
            "AND rm_nomination_list.subjects LIKE ? || m.subject || ?))"
        )
        params += [f"%,group:{escaped(f.group)},%", f.group, "%,member:", ",%"]
    if f.status is not None:
        where.append(
            {
                "draft": "submitted_on IS NULL",
                "submitted": "submitted_on IS NOT NULL",
                "returned": f"submitted_on IS NOT NULL AND EXISTS ({NOMINEE_DECISION} "
                "AND d.outcome = 'returned')",
            }[f.status]
        )
    found = NOMINATION_SHAPE.found(db, branch, where, params, order, p)
    _decided(db, branch, found.items)
    return found


def _decided(db: ReadModelDB, branch: str, items: list[dict[str, Any]]) -> None:
    """Each nomination's ``decisions`` (the committee's, on its entries, of its latest
    submission) and ``returned`` (those returned, while that submission stands)."""
    wanted = {
        (f"{n['year']}:{e['level']}:{e['subject']}", n["submissions"])
        for n in items
        for e in n["entries"]
    }
    decided: dict[tuple[str, int], tuple[str, str]] = {}
    if wanted:
        marks = ", ".join("?" for _ in wanted)
        with db.read() as tx:
            rows = tx.query(
                "SELECT subject, submission, outcome, reason FROM rm_decisions "
                f"WHERE branch = ? AND kind = 'nominee' AND subject IN ({marks})",
                [branch, *{subject for subject, _ in wanted}],
            )
        decided = {(s, int(n)): (o, r) for s, n, o, r in rows if (s, int(n)) in wanted}
    for n in items:
        n["decisions"], n["returned"] = [], []
        for e in n["entries"]:
            found = decided.get((f"{n['year']}:{e['level']}:{e['subject']}", n["submissions"]))
            if found is None:
                continue
            outcome, reason = found
            who = {"level": e["level"], "subject": e["subject"]}
            n["decisions"].append({**who, "outcome": outcome, "reason": reason})
            if outcome == "returned" and n["submitted_on"] is not None:
                n["returned"].append({**who, "reason": reason})


GROUP_CODE = (
    "(SELECT g.code FROM rm_group_list g WHERE g.tenant = rm_member_list.tenant "
    "AND g.grp = rm_member_list.grp)"
)
MEMBER_SHAPE = Shape(
    "rm_member_list",
    (
        ("member_no", "member_no", None),
        ("name", "name", None),
        ("status", "status", None),
        ("group", GROUP_CODE, None),
        ("roles", "roles", json.loads),
        ("active", "active", bool),
        ("joined_on", "joined_on", _day),
        ("left_on", "left_on", _maybe(_day)),
    ),
)


def members(db: ReadModelDB, branch: str, f: Filters, p: Paging, include_left: bool) -> Found:
    """A page of ``branch``'s members (``MemberOut``), by default in the order enrolled;
    ``group``: its members now, ``status``: ``full``/``probationary`` (or ``left``: those gone,
    whatever ``include_left`` says), ``q``: text in the name or the member number.

    Raises:
        KeyError: a sort not among :data:`MEMBER_SORTS`.
    """
    order = MEMBER_SORTS[p.sort or "enrolled"]
    where: list[str] = ["tenant = ?"]
    params: list[Any] = [branch]
    if f.status == "left":
        where.append("active = 0")
    else:
        _equal(where, params, "status", f.status)
        if not include_left:
            where.append("active = 1")
    _equal(where, params, "member_no", f.member)
    if f.group is not None:
        where.append("grp IN (SELECT grp FROM rm_group_list WHERE tenant = ? AND code = ?)")
        params += [branch, f.group]
    _text(where, params, f.q, "name", "member_no")
    return MEMBER_SHAPE.found(db, branch, where, params, order, p)


GROUP_SHAPE = Shape(
    "rm_group_list",
    (
        ("code", "code", None),
        ("name", "name", None),
        ("dissolved", "dissolved", bool),
        ("grp", "grp", None),
    ),
)


def groups(db: ReadModelDB, branch: str, f: Filters, p: Paging) -> Found:
    """A page of ``branch``'s groups (``GroupOut``: with the numbers of their members now, in
    the order enrolled), by default in the order formed; ``status``: ``active``/``dissolved``,
    ``group``: that one, ``q``: text in the name or the code.

    Raises:
        KeyError: a sort not among :data:`GROUP_SORTS`.
    """
    order = GROUP_SORTS[p.sort or "formed"]
    where: list[str] = ["tenant = ?"]
    params: list[Any] = [branch]
    if f.status is not None:
        where.append({"active": "dissolved = 0", "dissolved": "dissolved = 1"}[f.status])
    _equal(where, params, "code", f.group)
    _text(where, params, f.q, "name", "code")
    found = GROUP_SHAPE.found(db, branch, where, params, order, p)
    by_group: dict[str, list[str]] = {item.pop("grp"): [] for item in found.items}
    if by_group:
        marks = ", ".join("?" for _ in by_group)
        with db.read() as tx:
            rows = tx.query(
                f"SELECT grp, member_no FROM rm_member_list WHERE tenant = ? AND active = 1 "
                f"AND grp IN ({marks}) ORDER BY position",
                [branch, *by_group],
            )
        for grp, member_no in rows:
            by_group[grp].append(member_no)
    for item, grp in zip(found.items, list(by_group), strict=True):
        item["members"] = by_group[grp]
    return found


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


def with_measure_titles(
    db: ReadModelDB, rows: list[dict[str, Any]], width: int = 30
) -> list[dict[str, Any]]:
    """``rows`` (submissions waiting, with ``branch``) with each measure's title its own
    words, cut at ``width`` characters: a submission calls every measure 党支部措施, which
    tells no two apart. A measure the lists do not hold (a replayed read model has no lists)
    keeps that title."""
    keys = [(r["branch"], r["subject"]) for r in rows if r.get("kind") == "measure"]
    found: dict[tuple[str, str], str] = {}
    with db.read() as tx:
        for values, params in values_in_chunks(keys):
            for tenant, aggregate, text in tx.query(
                "SELECT tenant, measure, text FROM rm_measure_list "
                f"WHERE (tenant, measure) IN ({values})",
                params,
            ):
                found[(tenant, aggregate)] = " ".join(str(text).split())
    for row in rows:
        text = found.get((row["branch"], row["subject"])) if row.get("kind") == "measure" else None
        if text:
            row["title"] = cut(text, width)
    return rows


def cut(text: str, width: int = 30) -> str:
    """``text`` cut at ``width`` characters, an ellipsis saying so."""
    return text if len(text) <= width else text[: width - 1] + "…"
