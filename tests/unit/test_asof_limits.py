"""As-of replays are bounded: identical concurrent requests share one replay, and no more than
the process's limit run at once (a request that cannot start one in time is refused, so cheap
requests keep their latency)."""

from __future__ import annotations

import threading
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
def slow(monkeypatch: pytest.MonkeyPatch) -> tuple[threading.Event, list[date]]:
    release = threading.Event()
    built: list[date] = []

    def replayed(
        logs: Any, models: Any, day: date, index: Any, offload: Any = None, committee: Any = None
    ) -> Model:
        built.append(day)
        release.wait(5)
        return Model()

    monkeypatch.setattr(asof, "_replayed", replayed)
    asof.limit_replays(1, 0.2)
    return release, built


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
    asof.limit_replays(1, 10.0)
