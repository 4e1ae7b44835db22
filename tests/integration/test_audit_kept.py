"""Diffs kept across requests and processes (``audit/kept.py``): a diff made once is read back
by another process without replaying anything, the same to the byte; an append to any log it
read makes it anew; a kept diff whose logs were changed without an append fails verification
and is removed; the warmer makes a diff asked lately again after an append."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cxzy_saas import wiring
from cxzy_saas.application.commands.organisation import EraseMember
from cxzy_saas.application.commands.work import RetractRecord
from cxzy_saas.application.manifests import TENANTS_DIR, load_manifest
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.audit import kept as kept_module
from cxzy_saas.audit.diff import diff
from cxzy_saas.audit.kept import Kept, Warmer, key_of, logs_of, verify
from cxzy_saas.audit.logs import committee_logs
from cxzy_saas.cli import main
from cxzy_saas.config import Settings
from cxzy_saas.demo.build import CHINA, build_demo
from cxzy_saas.domain.recording import Actor, SimulatedClock
from tests.builders import a_clerk

ASKED = ("demo", 2026, date(2026, 6, 30), date(2027, 1, 31), ("branch", "member"))


@pytest.fixture
def tenancy(demo_settings: Settings) -> Iterator[Tenancy]:
    """The demo on SQLite, and on PostgreSQL (``demo_settings``)."""
    built = Tenancy(demo_settings)
    build_demo(built, load_manifest(TENANTS_DIR / "demo.toml"), branches=2, seed=4)
    built.clock = SimulatedClock(datetime.combine(date(2027, 1, 12), time(10), tzinfo=CHINA))
    yield built
    built.close()


def refusing(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("replayed although kept")


def retract_one(tenancy: Tenancy) -> None:
    b02 = tenancy.branch("b02")
    record = next(r for r in b02.daily_records(2026) if r.retracted is None)
    b02.retract_record(a_clerk("b02"), RetractRecord(record_id=record.id, reason="记载有误，撤回"))


def test_another_process_reads_a_kept_diff_without_replaying(
    tenancy: Tenancy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = wiring.read_port(tenancy)
    made = Kept(tmp_path / "kept").diff(port, ASKED)
    monkeypatch.setattr(kept_module, "diff", refusing)
    again = Kept(tmp_path / "kept").diff(port, ASKED)  # a new process: nothing in memory
    assert repr(again) == repr(made)
    assert len(list((tmp_path / "kept").glob("diff-*.json"))) == 1


def test_an_append_to_a_log_read_makes_the_diff_anew(tenancy: Tenancy, tmp_path: Path) -> None:
    port = wiring.read_port(tenancy)
    kept = Kept(tmp_path / "kept")
    before = kept.diff(port, ASKED)
    retract_one(tenancy)
    after = Kept(tmp_path / "kept").diff(port, ASKED)
    # made from the image of its first day (audit/images.py), as a replay of every event
    assert repr(after) == repr(diff(port, committee_logs(port, "demo"), *ASKED))
    assert after["events"] == before["events"] + 1
    assert after["events_by_type"].get("DailyRecord.Retracted", 0) == (
        before["events_by_type"].get("DailyRecord.Retracted", 0) + 1
    )
    assert len(list((tmp_path / "kept").glob("diff-*.json"))) == 2


def test_a_kept_diff_that_no_longer_matches_its_logs_is_removed(
    tenancy: Tenancy, tmp_path: Path
) -> None:
    port = wiring.read_port(tenancy)
    folder = tmp_path / "kept"
    Kept(folder).diff(port, ASKED)
    Kept(folder).diff(port, (*ASKED[:4], ("group",)))
    assert verify(port, folder) == {
        "valid": 2,
        "removed": 0,
        "stale": 0,
        "images_valid": 7,  # 2025-12-31 to 2026-06-30 (not 2027-01-31: not over on 12 January)
        "images_removed": 0,
    }
    # one file now claims a chain its logs do not have (as if b01 had been rewritten)
    path = sorted(folder.glob("diff-*.json"))[0]
    entry = json.loads(path.read_bytes())
    entry["chains"]["b01"] = "0" * 64
    path.write_text(json.dumps(entry, ensure_ascii=False))
    found = verify(port, folder)
    assert (found["valid"], found["removed"], found["stale"]) == (1, 1, 0)
    assert not path.exists()
    retract_one(tenancy)
    found = verify(port, folder)
    assert (found["valid"], found["removed"], found["stale"]) == (0, 0, 1)
    assert found["images_valid"] == 7  # an append leaves the images' positions held


def test_the_warmer_makes_a_diff_asked_lately_again_after_an_append(
    tenancy: Tenancy, tmp_path: Path
) -> None:
    port = wiring.read_port(tenancy)
    kept = Kept(tmp_path / "kept")
    before = kept.diff(port, ASKED)
    warmer = Warmer(kept, lambda: port, pause=0)
    assert warmer.once() == 0  # nothing grew
    retract_one(tenancy)
    assert warmer.once() == 1
    warm = kept.get(key_of(ASKED, port.heads(logs_of(port, "demo"))))
    assert warm is not None and warm["events"] == before["events"] + 1
    assert warmer.once() == 0


def test_cxzy_audit_kept_verifies_the_web_pages_kept_diffs(tenancy: Tenancy) -> None:
    data = tenancy.settings.data_dir
    Kept(data / kept_module.FOLDER).diff(wiring.read_port(tenancy), ASKED)
    tenancy.close()
    store = ["--database-url", url] if (url := tenancy.settings.database_url) else []
    result = CliRunner().invoke(main, ["audit", "kept", "--data-dir", str(data), *store])
    assert result.exit_code == 0, result.output
    assert "1 kept diffs verified, 0 removed" in result.output
    assert "7 images verified, 0 removed" in result.output


def test_an_erasure_removes_the_kept_diffs_that_hold_the_members_name(tenancy: Tenancy) -> None:
    """A kept diff holds members' names as its replay showed them; once the live projector
    commits an erasure, no file of the audit's cache still holds the erased name."""
    folder = tenancy.settings.data_dir / kept_module.FOLDER
    live = wiring.open_read_model(tenancy)
    wiring.projector(tenancy, live).catch_up()
    made = Kept(folder).diff(wiring.read_port(tenancy), ASKED)
    row = next(r for r in made["boards"]["member"] if r["branch"] == "b02")
    name = row["name"]
    assert any(name in p.read_text() for p in folder.glob("diff-*.json"))
    assert any(name.encode() in p.read_bytes() for p in folder.glob("image-*.bin"))
    tenancy.branch("b02").erase_member(
        Actor(user="b02-secretary", role="branch-secretary", tenant="b02"),
        EraseMember(member_no=row["subject"], reason="本人申请删除个人信息"),
    )
    wiring.projector(tenancy, live).catch_up()
    assert not list(folder.glob("diff-*.json"))
    assert not list(folder.glob("image-*.bin"))
