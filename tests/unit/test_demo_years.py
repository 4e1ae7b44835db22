"""Which campaign years the demo plays, and which it closes, for a given now."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cxzy_saas.demo.build import DemoYear, years_for


def test_by_default_last_year_is_closed_and_this_year_open():
    now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert years_for(now) == [DemoYear(2025, close=True), DemoYear(2026)]


def test_the_year_is_the_committees_beijing_year():
    # 31 December 17:00 UTC is already 1 January in Beijing
    now = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)
    assert years_for(now) == [DemoYear(2026, close=True), DemoYear(2027)]


def test_one_year_is_closed_when_past_and_open_when_current():
    now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert years_for(now, 2024) == [DemoYear(2024, close=True)]
    assert years_for(now, 2026) == [DemoYear(2026)]


@pytest.mark.parametrize(
    ("now", "year"),
    [
        (datetime(2026, 11, 30, 9, 0, tzinfo=UTC), 2027),
        (datetime(2026, 1, 1, 20, 0, tzinfo=UTC), 2026),  # 2 January, 04:00 in Beijing
    ],
)
def test_a_year_with_nothing_before_now_is_refused(now: datetime, year: int):
    with pytest.raises(ValueError, match="has not begun"):
        years_for(now, year)
