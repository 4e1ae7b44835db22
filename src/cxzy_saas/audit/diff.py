"""The difference between two moments: leaderboard rows and month scores, with their causes.

Both moments are replayed from the logs (``replay.replayed_in_turn``: one replay, read at
each); the causes of a changed row are the events recorded between the two moments that touch
its subject (``causes.touches``). A row whose rank moved while nothing about it changed has no
cause of its own: others moved past it, and their rows name what moved them.

The replay is of the events the diff read already (``logs.Remembered``: each log is read and
decoded once) and leaves out what a snapshot cannot show (decision 0029): the branch lists,
other campaigns' boards, and the records, assessments and measures of other years
(``logs.other_years``). Its answer is the one a replay of every event gives, byte for byte
(``tests/integration/test_audit_diff_scoped.py``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from cxzy_saas.audit import causes
from cxzy_saas.audit.images import Image
from cxzy_saas.audit.logs import (
    Log,
    Remembered,
    between,
    continued,
    other_years,
    positions_at,
    upto,
)
from cxzy_saas.audit.replay import LEVELS, check_campaign, end_of, replayed_in_turn
from cxzy_saas.domain.errors import InvalidInput
from cxzy_saas.logs.port import Logs
from cxzy_saas.projections import queries
from cxzy_saas.projections.campaign import month_scores
from cxzy_saas.projections.db import SQLiteReadModel, with_tracking

BOARD_FIELDS = ("rank", "composite", "work", "rating", "target", "band", "status", "name")
Key = tuple[str, str, str]


@dataclass(frozen=True)
class Snapshot:
    """What a moment shows: each level's board and each month's (or quarter's) score."""

    boards: dict[str, list[dict[str, Any]]]
    scores: dict[tuple[str, str, str, str], dict[str, Any]]  # (level, branch, subject, period)


def snapshot(db: SQLiteReadModel, committee: str, year: int) -> Snapshot:
    boards = {level: queries.board_rows(db, committee, year, level) for level in LEVELS}
    scores = {}
    for s in month_scores(db, committee, year):
        branch = s["subject"] if s["level"] == "branch" else s["tenant"]
        scores[(s["level"], branch, s["subject"], s["period"])] = {
            "aggregate": s["aggregate"],
            "items": s["items"],
            "score": s["score"],
        }
    return Snapshot(boards, scores)


def row_key(level: str, row: Mapping[str, Any]) -> Key:
    if level == "branch":
        return ("branch", row["code"], row["code"])
    return (level, row["branch"], row["id"])


def board_changes(
    level: str, before: Iterable[Mapping[str, Any]], after: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Rows added, removed or changed in any of ``BOARD_FIELDS``, in the later board's order
    (removed rows last)."""
    old = {row_key(level, r): r for r in before}
    new = {row_key(level, r): r for r in after}
    order = list(new) + [k for k in old if k not in new]
    changes = []
    for key in order:
        a, b = old.get(key), new.get(key)
        if a is not None and b is not None:
            changed = [f for f in BOARD_FIELDS if a.get(f) != b.get(f)]
            if not changed:
                continue
            change = "changed"
        else:
            changed = list(BOARD_FIELDS)
            change = "added" if a is None else "removed"
        changes.append(
            {
                "level": key[0],
                "branch": key[1],
                "subject": key[2],
                "name": (b or a or {}).get("name"),
                "change": change,
                "fields": changed,
                "before": _row(a),
                "after": _row(b),
            }
        )
    return changes


def _row(row: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if row is None else {f: row.get(f) for f in BOARD_FIELDS if f != "name"}


def score_changes(
    before: Mapping[tuple[str, str, str, str], Mapping[str, Any]],
    after: Mapping[tuple[str, str, str, str], Mapping[str, Any]],
    levels: Iterable[str],
) -> list[dict[str, Any]]:
    """Month (and quarter) scores recorded or changed between the two moments."""
    wanted = set(levels)
    changes = []
    for key in sorted(set(before) | set(after)):
        if key[0] not in wanted:
            continue
        a, b = before.get(key), after.get(key)
        if a is not None and b is not None and (a["score"], a["items"]) == (b["score"], b["items"]):
            continue
        level, branch, subject, period = key
        changes.append(
            {
                "level": level,
                "branch": branch,
                "subject": subject,
                "period": period,
                "change": "added" if a is None else ("removed" if b is None else "changed"),
                "before": None if a is None else a["score"],
                "after": None if b is None else b["score"],
                "aggregate": (b or a or {}).get("aggregate"),
            }
        )
    return changes


def diff(
    port: Logs,
    logs: Mapping[str, Log],
    committee: str,
    year: int,
    start: date,
    end: date,
    levels: tuple[str, ...] = LEVELS,
    image: Image | None = None,
    later: Image | None = None,
    marks: Collection[date] = (),
    keep: Callable[[Image], None] | None = None,
) -> dict[str, Any]:
    """What changed between the ends of ``start`` and ``end`` (UTC+8), and why.

    ``image`` (``audit/images.py``), made at the end of a day on or before ``start``, is where
    the replay starts; ``logs`` were then read after its positions. ``later``, an image made
    at a day after that one (or after the first event) and on or before ``end``, is where it
    goes on from to ``end``. ``keep`` is handed an image at each day of ``marks`` that has
    ended (before the day of the last event recorded), with its chain heads left for the
    caller (which holds the stored events) to fill.

    Raises:
        InvalidInput: ``start`` after ``end``, or an unknown level.
        NotFound: the committee has no campaign for ``year``.
    """
    if start > end:
        raise InvalidInput("audit.range_reversed", field="from")
    if not set(levels) <= set(LEVELS):
        raise InvalidInput("level.unknown", field="level")
    if image is None:
        check_campaign(logs, committee, year)  # an image is only made of a campaign opened
    # Images only of days that have ended: before the day of the last event recorded.
    last = max((log.events[-1].day for log in logs.values() if log.events), default=None)
    marks = [d for d in marks if last is not None and d < last]
    days = sorted({*marks, start, end})
    at = {day: positions_at(logs, day) for day in days}
    first, second = at[start], at[end]
    # What the events after an image continue of the ones before it.
    earlier = [] if image is None else continued(port, logs, second)
    # One replay, read at the first moment and carried on to the second, of the events read
    # already (nothing is read twice). The snapshots read this campaign's boards and scores
    # only, so the replay leaves out what cannot change them: the branch lists, the other
    # campaigns' boards, and the records, assessments and measures of other years.
    origins = {e.aggregate: e for e in earlier if e.version == 1}
    remembered = Remembered(port, logs, other_years(logs, year, origins, second))
    restored = {} if image is None else {0: image}
    if later is not None and all(later.positions.get(c, 0) >= log.since for c, log in logs.items()):
        # from the later image at the first moment on or after its day, if it is ahead there
        # (and holds every event the logs were read after: an image is made of its moment's
        # events, so an earlier image made later may hold more)
        n = next(n for n, day in enumerate(days) if day >= later.day)
        ahead = n > 0 and (image is None or later.day > image.day)
        if ahead and days[n - 1] < later.day:
            restored[n] = later
    # an image of a diff's own day, where no event was recorded since: nothing to replay
    current = {
        n
        for n, one in restored.items()
        if one.boards and all(at[days[n]][code] == one.positions.get(code, 0) for code in logs)
    }
    replay = replayed_in_turn(
        remembered,
        logs,
        [at[day] for day in days],
        lists=False,
        campaign=(committee, year),
        models={n: one.model for n, one in restored.items()},
        unread={n for n, day in enumerate(days) if day not in (start, end)},
        current=current,
    )
    for day, db in zip(days, replay, strict=False):
        if day == start:
            before = snapshot(db, committee, year)
        if day == end:
            after = snapshot(db, committee, year)
        if keep is not None and day in marks:
            computed = day in (start, end)
            model = with_tracking(db.conn.serialize(), at[day])
            keep(Image(committee, year, day, at[day], {}, model, computed))
    # Every event up to the later moment is learnt, so that a correction between the two
    # moments finds the assessment it corrects, however long before it was recorded.
    index = causes.Index(committee).learn(earlier).learn(upto(logs, second))
    window = between(logs, first, second)
    touched = causes.subjects_of(window, index)
    boards: dict[str, list[dict[str, Any]]] = {}
    found = causes.Causes(touched, index)
    for level in levels:
        rows = board_changes(level, before.boards[level], after.boards[level])
        for row in rows:
            row["causes"] = found.of((row["level"], row["branch"], row["subject"]))
        boards[level] = rows
    scores = score_changes(before.scores, after.scores, levels)
    by_aggregate: dict[str, list[Any]] = {}
    for e in window:
        by_aggregate.setdefault(e.aggregate, []).append(e)
    for row in scores:
        aggregate = row.pop("aggregate")
        row["causes"] = [causes.describe(e, index) for e in by_aggregate.get(aggregate, [])]
    corrections = [causes.describe(e, index) for e in window if e.type in causes.CORRECTIONS]
    return {
        "campaign": year,
        "committee": committee,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "moments": [end_of(start).isoformat(), end_of(end).isoformat()],
        "levels": list(levels),
        "positions": {code: [first[code], second[code]] for code in logs},
        "events": len(window),
        "events_by_type": causes.counts_by_name(window),
        "events_by_branch": dict(sorted(Counter(e.tenant for e in window).items())),
        "boards": boards,
        "scores": scores,
        "corrections": corrections,
    }
