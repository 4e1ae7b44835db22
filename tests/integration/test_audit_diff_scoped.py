"""The diff's replay leaves out what its answer cannot show (issue 15: audit at scale), and its
answer stays the one a whole replay of every event gives, byte for byte.

The demo as a committee holds it on 20 May 2026 (2025 played whole, closed and sealed; 2026 up
to that day), so both campaign years have records, assessments and measures; each diff is made
twice, by ``audit.diff.diff`` as it is, and with its replay swapped for the whole one (every
event read from the store again, the branch lists, every campaign's boards): the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any

import pytest

from cxzy_saas import wiring
from cxzy_saas.application.manifests import TENANTS_DIR, load_manifest
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.audit import diff as diff_module
from cxzy_saas.audit import replay
from cxzy_saas.audit.diff import diff
from cxzy_saas.audit.logs import committee_logs, other_years
from cxzy_saas.config import Settings
from cxzy_saas.demo.build import CHINA, build_demo_today

NOW = datetime.combine(date(2026, 5, 20), time(18), tzinfo=CHINA)


@pytest.fixture(scope="module")
def tenancy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tenancy]:
    built = Tenancy(Settings(data_dir=tmp_path_factory.mktemp("scoped") / "var"))
    build_demo_today(built, load_manifest(TENANTS_DIR / "demo.toml"), NOW, branches=2, seed=5)
    yield built
    built.close()


def whole(port: Any, logs: Any, moments: Any, **_: Any) -> Any:
    """The replay as it was before it was scoped: every event, read from the store again."""
    return replay.replayed_in_turn(port.port, logs, moments)


CASES = [
    (2026, "2026-01-31", "2026-05-20", ("branch", "group", "member")),
    (2026, "2025-12-31", "2026-03-31", ("member",)),
    (2026, "2026-04-30", "2026-04-30", ("branch", "group")),
    (2025, "2025-06-30", "2026-02-15", ("branch", "group", "member")),
    (2025, "2025-01-01", "2025-12-31", ("group",)),
]


@pytest.mark.parametrize(("year", "start", "end", "levels"), CASES)
def test_a_scoped_diff_is_the_whole_replays_byte_for_byte(
    tenancy: Tenancy, monkeypatch: pytest.MonkeyPatch, year: int, start: str, end: str, levels: Any
) -> None:
    port = wiring.read_port(tenancy)
    logs = committee_logs(port, "demo")
    args = ("demo", year, date.fromisoformat(start), date.fromisoformat(end), levels)
    scoped = diff(port, logs, *args)
    with monkeypatch.context() as patched:
        patched.setattr(diff_module, "replayed_in_turn", whole)
        reference = diff(port, logs, *args)
    assert repr(scoped) == repr(reference)
    # and the diff shows something to compare: rows and scores that changed between the days
    if start != end:
        assert scoped["events"] > 0 and scoped["scores"]


def test_the_replay_leaves_out_the_other_years_records_and_assessments(tenancy: Tenancy) -> None:
    logs = committee_logs(wiring.read_port(tenancy), "demo")
    left_out = other_years(logs, 2026)
    names = {
        e.name
        for code, log in logs.items()
        for e in log.events
        if e.position in left_out.get(code, ())
    }
    assert {"Assessment.Recorded", "DailyRecord.Recorded", "Measure.Filed"} <= names
    kept = [
        e
        for code, log in logs.items()
        for e in log.events
        if e.position not in left_out.get(code, ()) and e.name == "Assessment.Recorded"
    ]
    assert kept and all(e.data["year"] == 2026 for e in kept)
