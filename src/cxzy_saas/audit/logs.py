"""The logs an audit reads: a committee's own log, its branches' logs and the registry's.

Audits never trust a read model or a checkpoint: they read the stored events themselves. A
moment is the end of a day in the committee's time zone (UTC+8), and a log's position at that
moment is found from the recorded times in the log (see :func:`position_at`).
"""

from __future__ import annotations

import copy
from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any
from uuid import UUID

from cxzy_saas.domain.errors import NotFound
from cxzy_saas.domain.events import BY_NAME, EventClass, of_aggregate
from cxzy_saas.domain.organisation import Member
from cxzy_saas.logs.decoding import DECODERS, decode_state, event_name
from cxzy_saas.logs.port import REGISTRY, Decoded, Logs, StoredNotification, Tenant
from cxzy_saas.projections.engine import LOCAL

CHUNK = 5000


@dataclass(frozen=True)
class LogEvent:
    """One stored event, decoded: where it sits (tenant log, position) and what it says.

    Made from a stored notification (``state``), it decodes the state when first asked for
    its ``data``: an audit reads each log to its head, to know each log's position at a day
    and its chain, but decodes only the events its replay and causes look at; a recorded day
    is read off the state's first field, where every stored event keeps its time.
    """

    tenant: str
    position: int
    aggregate: str
    version: int
    name: str  # "Assessment.ScoreCorrected"
    given: Mapping[str, Any] | None = field(default=None, repr=False)
    state: bytes | None = field(default=None, repr=False, compare=False)

    @cached_property
    def data(self) -> Mapping[str, Any]:
        if self.given is not None:
            return self.given
        assert self.state is not None
        return decode_state(self.state)

    @property
    def type(self) -> EventClass | None:
        """The event's class (``domain/events.py``), None for one this domain does not know."""
        return BY_NAME.get(self.name)

    @property
    def ref(self) -> str:
        """How audits name an event: its log and its position there, e.g. ``b01@812``."""
        return f"{self.tenant}@{self.position}"

    @property
    def recorded_at(self) -> datetime:
        if self.state is not None and "data" not in self.__dict__:
            moment = _stamped(self.state)
            if moment is not None:
                return moment
        found: datetime = self.data["timestamp"]
        return found

    @cached_property
    def day(self) -> date:
        """The committee's day the event was recorded on."""
        return self.recorded_at.astimezone(LOCAL).date()

    @property
    def actor(self) -> dict[str, str]:
        return dict(self.data.get("actor") or {})


@dataclass(frozen=True)
class Log:
    tenant: str
    kind: str  # registry | committee | branch
    events: list[LogEvent]
    # The notifications as stored, the events' source: a replay reads these rather than the
    # store again (:class:`Remembered`), so one read serves the audit and its replay.
    stored: list[StoredNotification] = field(default_factory=list, compare=False, repr=False)
    # The events up to ``since`` were not read: the reader holds what they made already (an
    # audit image, ``audit/images.py``, made at the end of a day no later than any it asks of
    # this log), so ``events`` are the ones after it.
    since: int = 0

    @property
    def head(self) -> int:
        return self.events[-1].position if self.events else self.since


def read_log(logs: Logs, code: str, kind: str) -> Log:
    """Every event of one tenant's log (``kind``: registry, committee or branch), in log order.

    Raises:
        NotFound: unknown committee or branch.
    """
    if kind != "registry" and not any(t.code == code and t.kind == kind for t in logs.tenants()):
        raise NotFound("tenant.not_found", tenant=code)
    return _read(logs, code, kind)


def _read(logs: Logs, code: str, kind: str, since: int = 0) -> Log:
    events: list[LogEvent] = []
    stored: list[StoredNotification] = []
    position = since
    while True:
        batch = logs.notifications(code, position, CHUNK)
        stored += batch
        events += [_event(code, n) for n in batch]
        if len(batch) < CHUNK:
            return Log(code, kind, events, stored, since)
        position = batch[-1].id


def committee_logs(
    logs: Logs, committee: str, since: Mapping[str, int] | None = None
) -> dict[str, Log]:
    """The registry's log, the committee's and each of its branches' (as registered now; a
    branch registered after a moment has no event before it, so replays are unaffected);
    each read after its position in ``since`` (see :attr:`Log.since`), or whole.

    Raises:
        NotFound: unknown committee.
    """
    tenants = logs.tenants()
    if not any(t.code == committee and t.kind == "committee" for t in tenants):
        raise NotFound("committee.not_found", committee=committee)
    kinds = {REGISTRY: "registry", committee: "committee"}
    kinds.update((t.code, "branch") for t in tenants if t.parent == committee)
    return {
        code: _read(logs, code, kind, (since or {}).get(code, 0)) for code, kind in kinds.items()
    }


def position_at(log: Log, day: date) -> int:
    """The position of the last event recorded on or before the end of ``day`` (UTC+8).

    This is the rule of the live time index (``rm_time_index``: the highest position per day),
    so an audit replay and ``cxzy leaderboard --as-of`` stop at the same place. Recorded days
    rise with positions (one clock stamps each command just before it commits, and the store
    serialises a tenant's writes; a spent ballot code is stamped with its day only, decision
    0017), so the events up to this position are the ones recorded by then; the log is
    scanned from its end rather than bisected so that a clock step backwards between two
    writers cannot make the answer depend on where a search happened to look. A log read
    after ``since`` answers for a day no earlier than the one its image was made at, when
    ``since`` was that day's position (the caller's to keep).
    """
    for e in reversed(log.events):  # the last in log order, however the days run
        if e.day <= day:
            return e.position
    return log.since


def positions_at(logs: Mapping[str, Log], day: date) -> dict[str, int]:
    return {code: position_at(log, day) for code, log in logs.items()}


# Aggregates that belong to one campaign year, named in the event that creates them, and whose
# projection writes rows of that year only (``projections/handlers.py``: ``rm_assessments``,
# ``rm_assessment_counts``, record counts, ``rm_measures`` and ``rm_submissions`` by year, and
# branch lists), so that another year's board or month score never depends on them.
YEARLY = ("Assessment.Recorded", "DailyRecord.Recorded", "Measure.Filed")


def other_years(
    logs: Mapping[str, Log],
    year: int,
    origins: Mapping[str, LogEvent] | None = None,
    until: Mapping[str, int] | None = None,
) -> dict[str, set[int]]:
    """Per log, the positions of the events of :data:`YEARLY` aggregates created for another
    campaign year than ``year`` (every event of such an aggregate, corrections included), up
    to ``until`` (each log's position; the whole log if None). ``origins`` are the creating
    events of aggregates created before the logs' ``since``."""
    found: dict[str, set[int]] = {}
    created = list((origins or {}).values())
    for code, log in logs.items():
        read = _upto(log, until)
        others = {
            e.aggregate
            for e in [*read, *(o for o in created if o.tenant == code)]
            if e.version == 1 and e.name in YEARLY and e.data.get("year") != year
        }
        if others:
            found[code] = {e.position for e in read if e.aggregate in others}
    return found


def _upto(log: Log, until: Mapping[str, int] | None) -> list[LogEvent]:
    if until is None:
        return log.events
    limit = until.get(log.tenant, 0)
    return [e for e in log.events if e.position <= limit]


def continued(
    logs: Logs, read: Mapping[str, Log], until: Mapping[str, int] | None = None
) -> list[LogEvent]:
    """The events before each log's ``since`` of the aggregates its events after it (up to
    ``until``, or all) continue (a correction of an assessment recorded earlier, a measure
    completed): what an audit reading a log after an image needs of the events it did not
    read. One indexed read per log that has any, by aggregate."""
    found: list[LogEvent] = []
    for code, log in read.items():
        if not log.since:
            continue
        events = _upto(log, until)
        created = {e.aggregate for e in events if e.version == 1}
        wanted = sorted({e.aggregate for e in events if e.aggregate not in created})
        for start in range(0, len(wanted), 500):
            for n in logs.notifications_of(code, wanted[start : start + 500]):
                if n.id <= log.since:
                    found.append(_event(code, n))
    return found


def _event(code: str, n: StoredNotification) -> LogEvent:
    return LogEvent(
        code, n.id, str(n.originator_id), n.originator_version, event_name(n.topic), state=n.state
    )


_STAMP = b'{"timestamp":{"_type_":"datetime_iso","_data_":"'


def _stamped(state: bytes) -> datetime | None:
    """The time a stored state begins with, as the transcoder wrote it (the event's first
    field: ``{"timestamp":{"_type_":"datetime_iso","_data_":"2026-07-02T10:00:00+00:00"},...``),
    or None for a state that does not begin so."""
    if not state.startswith(_STAMP):
        return None
    end = state.find(b'"', len(_STAMP))
    try:
        return datetime.fromisoformat(state[len(_STAMP) : end].decode("ascii"))
    except ValueError:
        return None


class Remembered:
    """A read port serving the notifications of ``logs`` (read already, with their stored
    bytes) from memory, and anything else through ``port``: a replay of logs an audit has
    read reads nothing twice, and still sees exactly the stored events (the same bytes the
    store gave, decoded by the projector's own code).

    ``leave_out`` (log -> positions) are events a replay need not see: the caller's to
    justify (:func:`other_years`); the others keep their positions and order.
    """

    def __init__(
        self, port: Logs, logs: Mapping[str, Log], leave_out: Mapping[str, set[int]] | None = None
    ) -> None:
        self.port = port
        self.logs = logs
        self.reads_many_at_once = False  # everything is in memory: no round trip to save
        self._stored: dict[str, list[StoredNotification]] = {}
        for code, log in logs.items():
            out = (leave_out or {}).get(code)
            self._stored[code] = [n for n in log.stored if n.id not in out] if out else log.stored
        self._ids = {code: [n.id for n in stored] for code, stored in self._stored.items()}
        self._events = {code: {e.position: e for e in log.events} for code, log in logs.items()}

    def decoded(self, log: str, n: StoredNotification) -> dict[str, Any]:
        """The state of an event read already, as ``decode_state`` gives it from its stored
        bytes (``_read`` decoded it so): a copy, for the projector opens members' personal
        fields in place; a member's event is copied whole, its fields may sit deeper down."""
        found = self._events.get(log, {}).get(n.id)
        if found is None:
            return decode_state(n.state)
        if found.type is not None and of_aggregate(found.type, Member):
            return copy.deepcopy(dict(found.data))
        return dict(found.data)

    def tenants(self) -> list[Tenant]:
        return self.port.tenants()

    def committees(self) -> list[str]:
        return self.port.committees()

    def branches(self, committee: str) -> list[str]:
        return self.port.branches(committee)

    def notifications(
        self, log: str, after: int, limit: int, stop: int | None = None
    ) -> Sequence[StoredNotification]:
        if log not in self.logs:
            return self.port.notifications(log, after, limit, stop)
        if after < self.logs[log].since:
            raise ValueError(f"{log} was read after {self.logs[log].since}, not after {after}")
        stored, ids = self._stored[log], self._ids[log]
        start = bisect_right(ids, after)
        end = len(ids) if stop is None else bisect_right(ids, stop)
        return stored[start : min(end, start + limit)]

    def notifications_between(
        self, ranges: Sequence[tuple[str, int, int]]
    ) -> dict[str, list[StoredNotification]]:
        return {
            log: list(self.notifications(log, after, upto - after, upto))
            for log, after, upto in ranges
        }

    def notifications_of(self, log: str, aggregates: Sequence[str]) -> list[StoredNotification]:
        return self.port.notifications_of(log, aggregates)

    def events(self, log: str, aggregate: Any) -> list[Any]:
        return self.port.events(log, aggregate)

    def head(self, log: str) -> int:
        return self.port.head(log)

    def heads(self, logs: Sequence[str]) -> dict[str, int]:
        return self.port.heads(logs)

    def open_personal(self, log: str, decoded: Sequence[Decoded]) -> None:
        self.port.open_personal(log, decoded)


def between(
    logs: Mapping[str, Log], after: Mapping[str, int], until: Mapping[str, int]
) -> list[LogEvent]:
    """The events with ``after[t] < position <= until[t]``, each log in order, logs in turn."""
    found = []
    for code, log in logs.items():
        low, high = after.get(code, 0), until.get(code, 0)
        found += [e for e in log.events if low < e.position <= high]
    return found


def upto(logs: Mapping[str, Log], positions: Mapping[str, int]) -> Iterator[LogEvent]:
    """The events up to ``positions``, each log in order, logs in turn."""
    for code, log in logs.items():
        limit = positions.get(code, 0)
        for e in log.events:
            if e.position > limit:
                break
            yield e


def plain(value: Any) -> Any:
    """A decoded value as plain JSON types: dates and times as ISO text, UUIDs as text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, dict):
        if "_type_" in value and "_data_" in value and value["_type_"] in DECODERS:
            return plain(DECODERS[value["_type_"]](value["_data_"]))
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def branch_log_or_error(logs: Mapping[str, Log], branch: str) -> Log:
    """Raises NotFound unless ``branch`` is one of the logs."""
    log = logs.get(branch)
    if log is None or log.kind != "branch":
        raise NotFound("branch.not_found", branch=branch)
    return log
