"""Audit images (``audit/images.py``, decision 0034): a diff made after an earlier one replays
from the latest image on or before its first day, reading each log after the image only, and
answers what a replay of every event answers, byte for byte; images the logs no longer hold,
or that are not whole, are not used; ``verify`` removes one whose chains do not match.

The demo as a committee holds it on 20 May 2026 (2025 closed and sealed, 2026 up to that
day); then, on that day, scores of February and a record of January are corrected: events
after every image that continue aggregates created before them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner

from cxzy_saas import wiring
from cxzy_saas.application.commands.organisation import EraseMember
from cxzy_saas.application.commands.work import CorrectScore, RetractRecord
from cxzy_saas.application.manifests import TENANTS_DIR, load_manifest
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.audit import diff as diff_module
from cxzy_saas.audit import images
from cxzy_saas.audit import kept as kept_module
from cxzy_saas.audit.diff import diff
from cxzy_saas.audit.images import Images
from cxzy_saas.audit.kept import Kept, logs_of, verify
from cxzy_saas.audit.logs import committee_logs
from cxzy_saas.audit.replay import LEVELS
from cxzy_saas.cli import main as cli
from cxzy_saas.config import Settings
from cxzy_saas.demo.build import CHINA, build_demo_today
from cxzy_saas.domain.organisation import erased_value
from cxzy_saas.domain.recording import Actor, SimulatedClock
from cxzy_saas.projections.asof import forget_erased
from tests.builders import a_clerk

NOW = datetime.combine(date(2026, 5, 20), time(18), tzinfo=CHINA)


def corrected_after_the_images(tenancy: Tenancy) -> None:
    """A February score and a January record of b02, corrected on 20 May."""
    b02 = tenancy.branch("b02")
    subject = b02.ranking(2026)["member"][-1].subject
    scores = b02.assessment(2026, 2, "member", subject).scores
    item = next(code for code, points in scores.items() if points)
    b02.correct_score(
        a_clerk("b02"),
        CorrectScore(
            year=2026,
            month=2,
            level="member",
            subject=subject,
            item=item,
            points=0,
            reason="复核：不应加分",
        ),
    )
    record = next(r for r in b02.daily_records(2026) if r.on.month == 1 and r.retracted is None)
    b02.retract_record(a_clerk("b02"), RetractRecord(record_id=record.id, reason="记载有误，撤回"))


@pytest.fixture(scope="module")
def tenancy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tenancy]:
    built = Tenancy(Settings(data_dir=tmp_path_factory.mktemp("images") / "var"))
    build_demo_today(built, load_manifest(TENANTS_DIR / "demo.toml"), NOW, branches=2, seed=5)
    # The images are made before the corrections: the diffs below read them after the images.
    Kept(built.settings.data_dir / kept_module.FOLDER).diff(
        wiring.read_port(built), ("demo", 2026, date(2026, 3, 31), date(2026, 4, 30), LEVELS)
    )
    built.clock = SimulatedClock(NOW)
    corrected_after_the_images(built)
    yield built
    built.close()


def from_images(tenancy: Tenancy, asked: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The diff as a new process makes it, with the log reads it made."""
    reads: list[Any] = []
    real = kept_module.committee_logs

    def spied(port: Any, committee: str, since: Any = None) -> Any:
        reads.append(dict(since or {}))
        return real(port, committee, since)

    with monkeypatch.context() as patched:
        patched.setattr(kept_module, "committee_logs", spied)
        port = wiring.read_port(tenancy)
        made = Kept(tenancy.settings.data_dir / kept_module.FOLDER).make(
            port, asked, port.heads(logs_of(port, "demo"))
        )
    return made, reads


CASES = [
    (2026, "2026-04-30", "2026-05-20", ("branch", "group", "member")),
    # from the image of 31 December, whose last events of each branch are 2025's records
    (2026, "2026-01-10", "2026-02-28", ("branch", "member")),
    (2026, "2026-03-31", "2026-05-20", ("member",)),
    (2026, "2026-04-10", "2026-05-15", ("branch", "group")),
    (2026, "2026-05-20", "2026-05-20", ("group", "member")),
]


@pytest.mark.parametrize(("year", "start", "end", "levels"), CASES)
def test_a_diff_from_an_image_is_the_whole_replays_byte_for_byte(
    tenancy: Tenancy, monkeypatch: pytest.MonkeyPatch, year: int, start: str, end: str, levels: Any
) -> None:
    asked = ("demo", year, date.fromisoformat(start), date.fromisoformat(end), levels)
    made, reads = from_images(tenancy, asked, monkeypatch)
    # read after the image of the month end on or before the first day, not from the start
    assert reads and reads[0] and all(p > 0 for p in reads[0].values() if p is not None)
    port = wiring.read_port(tenancy)
    reference = diff(port, committee_logs(port, "demo"), *asked)
    assert repr(made) == repr(reference)
    if start == end:
        return
    assert made["events"] > 0 and made["scores"]
    if end == "2026-05-20":  # the corrections are there, each naming what it corrects
        corrections = {c["event"]: c for c in made["corrections"]}
        assert set(corrections) == {"Assessment.ScoreCorrected", "DailyRecord.Retracted"}
        assert all(c["corrects"].startswith("b02@") for c in corrections.values())


def test_a_diff_before_every_image_replays_from_the_first_event(
    tenancy: Tenancy, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = ("demo", 2026, date(2025, 11, 30), date(2026, 2, 28), ("member",))
    made, reads = from_images(tenancy, asked, monkeypatch)
    assert reads == [{}]
    port = wiring.read_port(tenancy)
    assert repr(made) == repr(diff(port, committee_logs(port, "demo"), *asked))


def test_an_image_its_logs_no_longer_hold_or_not_whole_is_not_used(
    tenancy: Tenancy, tmp_path: Path
) -> None:
    port = wiring.read_port(tenancy)
    heads = port.heads(logs_of(port, "demo"))
    folder = tenancy.settings.data_dir / kept_module.FOLDER
    found = Images(folder).latest("demo", 2026, date(2026, 4, 15), heads)
    assert found is not None and found.day == date(2026, 3, 31)
    # as if b01 had been restored from an older backup: shorter than the image's position
    assert Images(folder).latest("demo", 2026, date(2026, 4, 15), {**heads, "b01": 1}) is None
    # a copy of the folder whose newest image before the day was cut short
    copy = tmp_path / "copy"
    copy.mkdir()
    for path in folder.glob("image-*.bin"):
        (copy / path.name).write_bytes(path.read_bytes())
    cut = copy / "image-demo-2026-2026-03-31.bin"
    cut.write_bytes(cut.read_bytes()[:-4096])
    older = Images(copy).latest("demo", 2026, date(2026, 4, 15), heads)
    assert older is not None and older.day == date(2026, 2, 28)


def test_verify_removes_an_image_whose_chain_does_not_match_its_log(
    tenancy: Tenancy, tmp_path: Path
) -> None:
    port = wiring.read_port(tenancy)
    folder = tenancy.settings.data_dir / kept_module.FOLDER
    copy = tmp_path / "kept"
    copy.mkdir()
    for path in folder.glob("image-*.bin"):
        (copy / path.name).write_bytes(path.read_bytes())
    count = len(list(copy.glob("image-*.bin")))
    assert verify(port, copy)["images_valid"] == count
    path = copy / "image-demo-2026-2026-01-31.bin"
    image = images.decode(path.read_bytes())
    forged = images.Image(
        image.committee,
        image.year,
        image.day,
        image.positions,
        {**image.chains, "b02": "0" * 64},
        image.model,
    )
    path.write_bytes(images.encode(forged))
    (copy / "diff-0000.json").write_text("{")  # a kept diff cut short
    (copy / "image-demo-2026-2026-07-31.bin").write_bytes(b"not an image")
    found = verify(port, copy)
    assert (found["images_valid"], found["images_removed"]) == (count - 1, 2)
    assert (found["valid"], found["removed"]) == (0, 1)
    assert not path.exists() and not list(copy.glob("*07-31*")) and not list(copy.glob("diff-*"))


def test_month_ends_and_the_days_a_diff_keeps_images_at() -> None:
    assert images.month_ends(date(2025, 12, 30), date(2026, 3, 1)) == [
        date(2025, 12, 31),
        date(2026, 1, 31),
        date(2026, 2, 28),
    ]
    assert images.marks(2026, None, date(2026, 2, 10), date(2026, 4, 30)) == [
        date(2025, 12, 31),
        date(2026, 1, 31),
        date(2026, 4, 30),
    ]
    assert images.marks(2026, None, date(2026, 2, 10), date(2026, 4, 29)) == [
        date(2025, 12, 31),
        date(2026, 1, 31),
    ]


def test_a_diff_goes_on_from_the_image_of_a_later_month_end_before_its_later_day(
    tenancy: Tenancy, monkeypatch: pytest.MonkeyPatch
) -> None:
    restored: list[Any] = []
    real = diff_module.replayed_in_turn

    def spied(*args: Any, **kwargs: Any) -> Any:
        restored.append(sorted(kwargs.get("models") or {}))
        return real(*args, **kwargs)

    asked = ("demo", 2026, date(2026, 3, 31), date(2026, 5, 20), ("branch", "member"))
    with monkeypatch.context() as patched:
        patched.setattr(diff_module, "replayed_in_turn", spied)
        made, _ = from_images(tenancy, asked, monkeypatch)
    # the image of 31 March at the first day, that of 30 April on the way to 20 May
    assert restored == [[0, 1]]
    port = wiring.read_port(tenancy)
    assert repr(made) == repr(diff(port, committee_logs(port, "demo"), *asked))


def test_the_port_reads_a_log_as_the_library_does(tenancy: Tenancy) -> None:
    """The embedded store's port reads rows itself (aggregate ids as text, no ``UUID`` made):
    the same events, ids and bytes as the library's ``select_notifications``, and by
    aggregate the same again."""
    port = wiring.read_port(tenancy)
    library = tenancy.branch("b01").recorder.select_notifications(1, 10_000)
    ours = port.notifications("b01", 0, 10_000)
    assert [
        (n.id, str(n.originator_id), n.originator_version, n.topic, bytes(n.state)) for n in ours
    ] == [
        (n.id, str(n.originator_id), n.originator_version, n.topic, bytes(n.state)) for n in library
    ]
    some = sorted({str(n.originator_id) for n in library[:40]})
    assert [n.id for n in port.notifications_of("b01", some)] == [
        n.id for n in library if str(n.originator_id) in some
    ]


def test_a_later_image_holding_less_than_the_first_is_not_gone_on_from(tmp_path: Path) -> None:
    """Images are made of the events their day holds when they are made: an event recorded
    later under an earlier day (a clock set back) is in an image made after it, not in one
    made before. A diff whose first image holds such an event does not go on from a later
    image made before it (it would lose it), and answers as the whole replay does."""
    built = Tenancy(Settings(data_dir=tmp_path / "var"))
    build_demo_today(built, load_manifest(TENANTS_DIR / "demo.toml"), NOW, branches=2, seed=5)
    folder = built.settings.data_dir / kept_module.FOLDER

    def made(asked: Any) -> Any:
        port = wiring.read_port(built)
        return Kept(folder).make(port, asked, port.heads(logs_of(port, "demo")))

    made(("demo", 2026, date(2026, 3, 31), date(2026, 4, 30), LEVELS))  # 30 April's image
    built.clock = SimulatedClock(datetime.combine(date(2026, 3, 20), time(10), tzinfo=CHINA))
    corrected_after_the_images(built)  # recorded now, on 20 March
    (folder / "image-demo-2026-2026-03-31.bin").unlink()
    made(("demo", 2026, date(2026, 3, 31), date(2026, 4, 10), LEVELS))  # 31 March's, anew
    asked = ("demo", 2026, date(2026, 3, 31), date(2026, 5, 20), LEVELS)
    port = wiring.read_port(built)
    assert repr(made(asked)) == repr(diff(port, committee_logs(port, "demo"), *asked))
    built.close()


def test_a_diff_keeps_no_image_of_a_day_not_over(tenancy: Tenancy) -> None:
    """On 20 May (the last day recorded), a diff to 31 May keeps no image of 31 May: the
    month's later events would not be in it."""
    folder = tenancy.settings.data_dir / kept_module.FOLDER
    port = wiring.read_port(tenancy)
    Kept(folder).make(
        port,
        ("demo", 2026, date(2026, 4, 30), date(2026, 5, 31), ("branch",)),
        port.heads(logs_of(port, "demo")),
    )
    assert date(2026, 5, 31) not in Images(folder).days("demo", 2026)


def test_an_image_file_that_is_not_one_is_passed_over(tenancy: Tenancy, tmp_path: Path) -> None:
    port = wiring.read_port(tenancy)
    heads = port.heads(logs_of(port, "demo"))
    for garbage in (b"", b"cxzy-audit image/1\n\x00", b"cxzy-audit image/1\n\x00\x00\x00\x02[]"):
        (tmp_path / "image-demo-2026-2026-03-31.bin").write_bytes(garbage)
        assert Images(tmp_path).latest("demo", 2026, date(2026, 4, 15), heads) is None
    # an image under another campaign's name
    source = tenancy.settings.data_dir / kept_module.FOLDER / "image-demo-2026-2026-02-28.bin"
    (tmp_path / "image-demo-2026-2026-03-31.bin").write_bytes(source.read_bytes())
    assert Images(tmp_path).latest("demo", 2026, date(2026, 4, 15), heads) is None
    # a byte of its model changed, its size and header as they were
    data = bytearray(source.read_bytes())
    data[-5000] ^= 0xFF
    (tmp_path / "image-demo-2026-2026-02-28.bin").write_bytes(bytes(data))
    assert Images(tmp_path).latest("demo", 2026, date(2026, 4, 15), heads) is None


def test_a_diff_made_while_an_erasure_was_committed_keeps_nothing(
    tenancy: Tenancy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its files may hold the erased member's name, and the erasure's removal may have run
    before they were written: they are removed (the erasure marks the folder first)."""
    real = kept_module.diff
    folder = tmp_path / kept_module.FOLDER  # the data folder's, which an erasure empties

    def erased_meanwhile(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        forget_erased(SimpleNamespace(data_dir=tmp_path, checkpoints=tmp_path / "none"), [])
        return found

    monkeypatch.setattr(kept_module, "diff", erased_meanwhile)
    port = wiring.read_port(tenancy)
    asked = ("demo", 2026, date(2026, 3, 31), date(2026, 4, 30), LEVELS)
    made = Kept(folder).make(port, asked, port.heads(logs_of(port, "demo")))
    assert made["events"] > 0
    assert not list(folder.glob("image-*")) and not list(folder.glob("diff-*"))


def test_an_image_made_before_an_erasure_is_not_gone_on_from(tmp_path: Path) -> None:
    """Between an erasure and the live projector's removal of the images, a diff does not
    start from an image that holds the member's name: it shows the member erased, as the
    whole replay does."""
    built = Tenancy(Settings(data_dir=tmp_path / "var"))
    build_demo_today(built, load_manifest(TENANTS_DIR / "demo.toml"), NOW, branches=2, seed=5)
    folder = built.settings.data_dir / kept_module.FOLDER
    port = wiring.read_port(built)
    asked = ("demo", 2026, date(2026, 3, 31), date(2026, 4, 30), LEVELS)
    Kept(folder).make(port, asked, port.heads(logs_of(port, "demo")))
    built.clock = SimulatedClock(NOW)
    b01 = built.branch("b01")
    member = b01.ranking(2026)["member"][0].subject
    b01.erase_member(
        Actor(user="b01-secretary", role="branch-secretary", tenant="b01"),
        EraseMember(member_no=member, reason="本人申请删除个人信息"),
    )
    asked = ("demo", 2026, date(2026, 4, 10), date(2026, 5, 15), LEVELS)
    port = wiring.read_port(built)
    made = Kept(folder).diff(port, asked)
    assert repr(made) == repr(diff(port, committee_logs(port, "demo"), *asked))
    names = {r["name"] for r in made["boards"]["member"] if r["subject"] == member}
    assert names == {erased_value("name")}
    built.close()


def test_cxzy_audit_images_makes_the_month_ends_before_any_diff_is_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``cxzy audit images`` (run by ``cxzy demo`` for the open year) makes an image at each
    month end recorded past, where none is yet: the first diff asked then starts from one,
    and answers as the whole replay does."""
    built = Tenancy(Settings(data_dir=tmp_path / "var"))
    build_demo_today(built, load_manifest(TENANTS_DIR / "demo.toml"), NOW, branches=2, seed=5)
    built.close()
    run = CliRunner()
    made = run.invoke(cli, ["audit", "images", "--data-dir", str(tmp_path / "var")])
    assert made.exit_code == 0, made.output
    # the events end on 20 May: no image of 31 May or later, whatever day it is now
    ends = [date(2025, 12, 31), date(2026, 1, 31), date(2026, 2, 28)]
    ends += [date(2026, 3, 31), date(2026, 4, 30)]
    assert re.fullmatch(
        r"demo 2026: 5 images made \(2025-12-31 to 2026-04-30\), \d+\.\d s\n", made.output
    )
    folder = tmp_path / "var" / kept_module.FOLDER
    assert sorted(Images(folder).days("demo", 2026)) == ends
    again = run.invoke(cli, ["audit", "images", "--data-dir", str(tmp_path / "var")])
    assert again.output == "demo 2026: images up to date\n"
    none = run.invoke(
        cli, ["audit", "images", "--data-dir", str(tmp_path / "var"), "--campaign", "2019"]
    )
    assert (none.exit_code, none.output) == (0, "demo 2019: no campaign\n")
    unknown = run.invoke(
        cli, ["audit", "images", "--data-dir", str(tmp_path / "var"), "--committee", "x"]
    )
    assert unknown.exit_code == 1 and "no committee x" in unknown.output

    reopened = Tenancy(Settings(data_dir=tmp_path / "var"))
    asked = ("demo", 2026, date(2026, 2, 14), date(2026, 3, 20), LEVELS)
    first, reads = from_images(reopened, asked, monkeypatch)
    assert reads[0] and all(p > 0 for p in reads[0].values())  # after the image of 31 January
    port = wiring.read_port(reopened)
    assert repr(first) == repr(diff(port, committee_logs(port, "demo"), *asked))
    reopened.close()
