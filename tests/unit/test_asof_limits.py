"""As-of replays are bounded: identical concurrent requests share one replay, and no more than
the process's limit run at once (a request that cannot start one in time is refused, so cheap
requests keep their latency)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from cxzy_saas.projections import asof
from cxzy_saas.projections.db import ReadModels


class Model:
    closed = False

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def slow(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[threading.Event, list[date]]]:
    release = threading.Event()
    built: list[date] = []

    def replayed(
        logs: Any, models: Any, day: date, index: Any, offload: Any = None, committee: Any = None
    ) -> Model:
        built.append(day)
        release.wait(5)
        return Model()

    monkeypatch.setattr(asof, "_replayed", replayed)
    asof.limit_replays(1, 0.2, queue=0)  # identical requests share, whatever the queue
    yield release, built
    asof.limit_replays(1, 10.0)


def test_identical_requests_share_one_replay(slow: tuple[threading.Event, list[date]]) -> None:
    release, built = slow
    models = ReadModels(Path("/nonexistent"))
    seen: list[Any] = []

    def ask() -> None:
        with asof.replay(None, models, date(2026, 3, 31), index=None) as db:  # type: ignore[arg-type]
            seen.append(db)

    threads = [threading.Thread(target=ask) for _ in range(5)]
    for t in threads:
        t.start()
    release.set()
    for t in threads:
        t.join(5)
    assert built == [date(2026, 3, 31)]
    assert len(seen) == 5 and all(db is seen[0] for db in seen)
    assert seen[0].closed  # closed when the last user was done


def test_a_replay_beyond_the_limit_is_refused_with_a_retry_after(
    slow: tuple[threading.Event, list[date]],
) -> None:
    release, built = slow
    models = ReadModels(Path("/nonexistent"))
    first = threading.Thread(
        target=lambda: asof.replay(None, models, date(2026, 1, 31)).__enter__()  # type: ignore[arg-type]
    )
    first.start()
    while not built:
        threading.Event().wait(0.01)
    with (
        pytest.raises(asof.AsOfBusy) as refused,
        asof.replay(None, models, date(2026, 2, 28)),  # type: ignore[arg-type]
    ):
        pass
    assert refused.value.retry_after >= 1
    release.set()
    first.join(5)


def test_a_request_beyond_the_queue_is_refused_at_once_not_holding_a_thread(
    slow: tuple[threading.Event, list[date]],
) -> None:
    """Waiting as-of requests each hold one of the server's threads: with the queue full, one
    more is refused at once rather than waiting (a burst took all 8 of a worker's threads, and
    a cheap request queued behind them in gunicorn)."""
    release, built = slow
    asof.limit_replays(1, 5.0, queue=1)
    models = ReadModels(Path("/nonexistent"))
    inside = [
        threading.Thread(
            target=lambda d=d: asof.replay(None, models, d).__enter__()  # type: ignore[arg-type,misc]
        )
        for d in (date(2026, 1, 31), date(2026, 2, 28))
    ]
    for t in inside:
        t.start()
    while not built:
        threading.Event().wait(0.01)
    threading.Event().wait(0.05)  # the second is waiting for the first
    started = time.perf_counter()
    with (
        pytest.raises(asof.AsOfBusy),
        asof.replay(None, models, date(2026, 3, 31)),  # type: ignore[arg-type]
    ):
        pass
    assert time.perf_counter() - started < 1.0  # not the 5 s wait
    release.set()
    for t in inside:
        t.join(5)


def index_of(days: dict[str, dict[str, int]]) -> Any:
    """A live model's time index: for each day, the events each tenant logged that day."""
    from cxzy_saas.projections.db import SQLiteReadModel

    db = SQLiteReadModel(":memory:")
    with db.transaction() as tx:
        for tenant, parent in (("c1", ""), ("b1", "c1"), ("b2", "c1"), ("c2", ""), ("d1", "c2")):
            tx.execute(
                "INSERT INTO rm_tenants (tenant, kind, name, parent) VALUES (?, ?, ?, ?)",
                (tenant, "branch" if parent else "committee", tenant, parent),
            )
        head: dict[str, int] = {}
        for day, logged in sorted(days.items()):
            for tenant, count in logged.items():
                head[tenant] = head.get(tenant, 0) + count
                tx.execute(
                    "INSERT INTO rm_time_index (tenant, day, position) VALUES (?, ?, ?)",
                    (tenant, day, head[tenant]),
                )
    return db


def test_checkpoints_follow_the_events_of_a_committee_not_only_the_calendar() -> None:
    # The start of a month is busy in committee c1 (its two branches together reach the budget
    # on the 3rd, the 6th and the 9th); c2's branch is busy too, but less.
    busy = {f"2026-03-{d:02d}": {"b1": 250, "b2": 250, "d1": 400} for d in range(1, 10)}
    quiet = {f"2026-03-{d:02d}": {"d1": 5} for d in range(10, 32)}
    db = index_of(busy | quiet | {"2026-04-02": {"b1": 1}})
    try:
        days = [d.isoformat() for d in asof.checkpoint_days(db, budget=1500)]
        # c1's 500 a day reach 1,500 every third day (the two committees' 900 together would
        # have reached it every second day); then the calendar's 15th and 31st; never the last
        # day, still going on
        assert days == ["2026-03-03", "2026-03-06", "2026-03-09", "2026-03-15", "2026-03-31"]
        # made as the projector goes: only the days after the latest image
        assert asof.checkpoint_days(db, date(2026, 3, 9), budget=1500) == [
            date(2026, 3, 15),
            date(2026, 3, 31),
        ]
        assert asof.checkpoint_days(db, date(2026, 3, 31), budget=1500) == []
    finally:
        db.close()
