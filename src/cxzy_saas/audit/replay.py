"""Replay: every read model of a committee's campaign at a past moment, and its digest.

The replay reads nothing but the logs: each log's position at the moment comes from the
recorded times of its own events (``logs.position_at``), not from the live read model's time
index, and the events up to there are projected into a throw-away in-memory model with the
projector's own code, from the first event (no checkpoint). The digest is SHA-256 over a
canonical dump of that model, restricted to what the moment determines:

- the committee's campaign ``year``: rows of the committee and of its branches, and of that
  year where a table has one; decisions through the submission they answer;
- the views computed from those rows (boards, matrix, trends, overdue work on that day,
  approvals waiting, ballots);
- never log positions (``rm_tracking``, ``rm_time_index``): notification ids belong to a
  store, and two stores holding the same events may number them differently;
- members' names: a name is personal data, readable only while the member's key exists, so
  a replay of last year made after an erasure shows the erased placeholder where one made
  before it showed the name; the digest must not depend on when the replay ran;
- aggregate ids as aliases ``<log>#<n>`` (the n-th aggregate created in that log): measures,
  records and meetings get random ids, which two equal back-fills do not share.

Rows are sorted by their canonical encoding and JSON texts are parsed and re-encoded with
sorted keys, so the digest depends on the facts only, not on the order of an upsert or of a
dict. SQLite and PostgreSQL logs replay into the same kind of model, so they give equal bytes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from uuid import UUID

from cxzy_saas.audit.logs import Log, positions_at, upto
from cxzy_saas.domain import events
from cxzy_saas.domain.errors import NotFound
from cxzy_saas.logs.port import Logs
from cxzy_saas.projections import queries
from cxzy_saas.projections.campaign import campaign_rows
from cxzy_saas.projections.db import TABLES, SQLiteReadModel
from cxzy_saas.projections.engine import LOCAL, CatchUp

LEVELS = ("branch", "group", "member")
# Store positions, not facts; and the boards' gaps, which rm_boards' rows hold already.
UNDETERMINED = ("rm_tracking", "rm_time_index", "rm_board_gaps")
JSON_COLUMNS = {
    ("rm_plan_versions", "content"),
    ("rm_assessments", "items"),
    ("rm_ballots", "tallies"),
    ("rm_boards", "rows"),
}


def end_of(day: date) -> datetime:
    """The moment a day stands for: its last instant in the committee's time zone."""
    return datetime.combine(day, time.max, tzinfo=LOCAL)


@contextmanager
def replayed(
    port: Logs, logs: Mapping[str, Log], positions: Mapping[str, int]
) -> Iterator[SQLiteReadModel]:
    """A throw-away read model holding exactly the events up to ``positions``.

    Tenants without a position are not read at all. The projector is asked for every board
    at the end (``boards=True``), as the live projector's last batch of a rebuild does.
    """
    db = SQLiteReadModel(":memory:")
    try:
        stop = {code: positions.get(code, 0) for code in logs}
        CatchUp(port, db, batch_size=50000).catch_up(recompute_boards=False, stop_at=stop)
        yield db
    finally:
        db.close()


def replayed_in_turn(
    port: Logs,
    logs: Mapping[str, Log],
    moments: list[Mapping[str, int]],
    lists: bool = True,
    campaign: tuple[str, int] | None = None,
    models: Mapping[int, bytes] | None = None,
    unread: Collection[int] = (),
    current: Collection[int] = (),
) -> Iterator[SQLiteReadModel]:
    """One throw-away read model brought to each of ``moments`` in turn (each at or after the
    one before): the same model as :func:`replayed` gives at each, for the cost of one replay
    to the last. Yields the model at each moment; read it before asking for the next.
    ``lists=False`` leaves the branch lists empty, and ``campaign`` (committee, year) computes
    that campaign's leaderboards only (``CatchUp``): for a reader of that campaign's boards
    and scores, which no list and no other campaign feeds. ``models`` (index of a moment -> a
    model made before, ``Connection.serialize``: an audit image holding no event after that
    moment, nor fewer than the moment before) are where the replay goes on from at a moment.
    ``unread`` are the indexes of moments whose leaderboards nobody reads: not computed there
    (the boards are computed whole from the other tables at each moment that is read).
    ``current`` are those whose model, from ``models``, is the moment's already, boards and
    all: nothing is projected there."""
    db = SQLiteReadModel(":memory:")
    try:
        for n, positions in enumerate(moments):
            if models and n in models:
                db.conn.deserialize(models[n])
            if n in current:
                yield db
                continue
            stop = {code: positions.get(code, 0) for code in logs}
            only = None if campaign is None else [campaign]
            decode = getattr(port, "decoded", None)  # events decoded already, when it has them
            CatchUp(
                port, db, batch_size=50000, lists=lists, campaigns=only, decode=decode
            ).catch_up(recompute_boards=False, stop_at=stop, boards=n not in unread)
            yield db
    finally:
        db.close()


def aliases(logs: Mapping[str, Log], positions: Mapping[str, int]) -> dict[str, str]:
    """Aggregate id -> ``<log>#<n>``, n counting the aggregates created in that log so far."""
    names: dict[str, str] = {}
    counts: dict[str, int] = {}
    for e in upto(logs, positions):
        if e.version == 1:
            counts[e.tenant] = counts.get(e.tenant, 0) + 1
            names[e.aggregate] = f"{e.tenant}#{counts[e.tenant]}"
    return names


def canonical(value: Any, names: Mapping[str, str]) -> Any:
    """``value`` with aggregate ids replaced by their aliases, recursively."""
    if isinstance(value, str):
        if len(value) == 36 and value.count("-") == 4:
            try:
                return names.get(str(UUID(value)), value)
            except ValueError:
                return value
        return value
    if isinstance(value, dict):
        return {canonical(k, names): canonical(v, names) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(v, names) for v in value]
    return value


def encode(value: Any) -> bytes:
    """The canonical encoding: JSON, sorted keys, no spaces, UTF-8, floats as Python's shortest
    round-trip repr (the same on every machine), NaN refused."""
    return json.dumps(
        value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def table_rows(db: SQLiteReadModel, committee: str, year: int) -> dict[str, list[list[Any]]]:
    """Every determined table's rows of the campaign, JSON texts parsed, column order kept."""
    dump: dict[str, list[list[Any]]] = {}
    for table, found in campaign_rows(db, committee, year, skip=UNDETERMINED).items():
        columns = TABLES[table][0]
        rows = []
        for row in found:
            cells = list(row)
            for i, column in enumerate(columns):
                if (table, column) in JSON_COLUMNS and isinstance(cells[i], str):
                    cells[i] = json.loads(cells[i])
            rows.append(cells)
        dump[table] = rows
    return dump


def views(db: SQLiteReadModel, committee: str, year: int, day: date) -> dict[str, Any]:
    """What the committee looks at, computed from the model as the live queries do."""
    return {
        "matrix": queries.matrix(db, committee, year),
        "trends": queries.trends(db, committee, year),
        "overdue": queries.overdue(db, committee, year, day),
        "approvals": [a for a in queries.approvals(db, committee) if a["year"] == year],
        "ballots": queries.ballots(db, committee, year),
    }


# Tables whose every row is a member's (the others say so in a ``level`` column).
MEMBERS_ONLY = frozenset({"rm_member_list"})


def without_names(table: str, row: list[Any]) -> list[Any]:
    """A row with members' names blanked (see the module's docstring: they are not facts of
    the moment but of whether a key still exists)."""
    columns = TABLES[table][0]
    if "name" not in columns and table != "rm_boards":
        return row
    level: str | None = "member" if table in MEMBERS_ONLY else None
    if level is None and "level" in columns:
        level = row[columns.index("level")]
    if level != "member":
        return row
    if table == "rm_boards":
        rows = row[columns.index("rows")]
        row[columns.index("rows")] = [{**r, "name": None} for r in rows]
    else:
        row[columns.index("name")] = None
    return row


def canonical_dump(
    db: SQLiteReadModel,
    committee: str,
    year: int,
    day: date,
    names: Mapping[str, str],
    rows: Mapping[str, list[list[Any]]] | None = None,
) -> bytes:
    """The bytes the digest is taken of (see the module's docstring for what they cover);
    ``rows`` are the model's :func:`table_rows`, when read already."""
    found = table_rows(db, committee, year) if rows is None else rows
    tables = {
        table: sorted((canonical(without_names(table, list(r)), names) for r in listed), key=encode)
        for table, listed in found.items()
    }
    document = {
        "committee": committee,
        "campaign": year,
        "as_of": day.isoformat(),
        "tables": {t: {"columns": TABLES[t][0], "rows": rows} for t, rows in tables.items()},
        "views": canonical(views(db, committee, year, day), names),
    }
    return encode(document)


@dataclass(frozen=True)
class Replay:
    committee: str
    year: int
    day: date
    positions: dict[str, int]
    dump: bytes
    summary: dict[str, Any]

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.dump).hexdigest()

    def as_dict(self) -> dict[str, Any]:
        return {
            "campaign": self.year,
            "committee": self.committee,
            "as_of": self.day.isoformat(),
            "moment": end_of(self.day).isoformat(),
            "digest": self.digest,
            "algorithm": "sha256",
            **self.summary,
        }


def check_campaign(logs: Mapping[str, Log], committee: str, year: int) -> None:
    """Raises NotFound unless the committee's log opened a campaign for ``year`` (at any time:
    an as-of day before it was opened is allowed and shows an empty campaign)."""
    for e in logs[committee].events:
        if e.type is events.CampaignOpened and e.data.get("year") == year:
            return
    raise NotFound("committee.no_campaign", committee=committee, year=year)


def replay_campaign(
    port: Logs, logs: Mapping[str, Log], committee: str, year: int, day: date
) -> Replay:
    """Replay the committee's logs up to the end of ``day`` and take the digest.

    Raises:
        NotFound: the committee has no campaign for ``year``.
    """
    check_campaign(logs, committee, year)
    positions = positions_at(logs, day)
    names = aliases(logs, positions)
    with replayed(port, logs, positions) as db:
        tables = table_rows(db, committee, year)
        dump = canonical_dump(db, committee, year, day, names, tables)
        boards = {level: queries.board_rows(db, committee, year, level) for level in LEVELS}
        omitted = queries.quarantined(db)
    counts = {
        code: sum(1 for e in log.events if e.position <= positions[code])
        for code, log in logs.items()
    }
    summary = {
        "logs": [
            {
                "tenant": code,
                "kind": log.kind,
                "position": positions[code],
                "events": counts[code],
                "head": log.head,
            }
            for code, log in logs.items()
        ],
        "events": sum(counts.values()),
        "rows": {t: len(rows) for t, rows in tables.items()},
        "leaders": {level: [_leader(r) for r in rows[:3]] for level, rows in boards.items()},
    }
    if omitted:
        # events the replayed read model omits: they could not be projected (quarantine)
        summary["quarantined"] = omitted
    return Replay(committee, year, day, positions, dump, summary)


def _leader(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "rank": row["rank"],
        "id": row.get("code") or row.get("id"),
        "branch": row.get("branch", row.get("code")),
        "name": row["name"],
        "composite": row["composite"],
    }
