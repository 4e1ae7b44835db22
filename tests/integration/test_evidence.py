"""Evidence files (decision 0023) on SQLite and PostgreSQL: kept by SHA-256 in the tenant's
file store, limits and types refused in Chinese, images made small for viewing, erased with a
member's personal data, carried by the sealed archive and checked by the offline verifier."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from cxzy_saas.application.commands.organisation import EraseMember
from cxzy_saas.application.evidence import AttachEvidence
from cxzy_saas.application.manifests import TENANTS_DIR, load_manifest
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.audit import bundle
from cxzy_saas.audit.verify import verify_files
from cxzy_saas.cli import main
from cxzy_saas.demo.build import build_demo
from cxzy_saas.domain.errors import AlreadyExists, InvalidInput, NotFound, StateConflict
from cxzy_saas.domain.evidence import MAX_BYTES
from cxzy_saas.domain.organisation import ERASED_NAME
from cxzy_saas.domain.recording import Actor
from tests.builders import close_year

YEAR = 2026
ADMIN = Actor("admin", "committee-admin", "demo")
AUDITOR = Actor("auditor", "auditor", "demo")
CLERK = Actor("b01-clerk", "branch-clerk", "b01")
SECRETARY = Actor("b01-secretary", "branch-secretary", "b01")


def png(width: int = 40, height: int = 30, colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def small_demo(tenancy: Tenancy) -> None:
    build_demo(tenancy, load_manifest(TENANTS_DIR / "demo.toml"), branches=1, seed=5, year=YEAR)


def test_files_are_kept_by_hash_limited_and_erased_with_the_member(demo_tenancy: Tenancy) -> None:
    small_demo(demo_tenancy)
    b01 = demo_tenancy.branch("b01")
    records = [r for r in b01.daily_records(YEAR) if r.level == "member"]
    mine, other = records[0], next(r for r in records if r.subject != records[0].subject)
    photo = png(3000, 2000)
    attach = b01.attach_evidence(
        CLERK, AttachEvidence(item="record", item_id=mine.id, name="支部活动.png", data=photo)
    )
    found = b01.evidence(attach)
    assert found.sha256 == hashlib.sha256(photo).hexdigest()
    assert (found.name, found.media_type, found.size) == ("支部活动.png", "image/png", len(photo))
    assert b01.evidence_file(CLERK, attach) == photo
    small = b01.evidence_file(CLERK, attach, view=True)
    with Image.open(io.BytesIO(small)) as image:
        assert max(image.size) == 1280  # made small for viewing; the original stays
    # The same file again on the same item is refused; on another item it is kept once.
    with pytest.raises(AlreadyExists):
        b01.attach_evidence(
            CLERK, AttachEvidence(item="record", item_id=mine.id, name="again.png", data=photo)
        )
    shared = b01.attach_evidence(
        CLERK, AttachEvidence(item="record", item_id=other.id, name="合影.png", data=photo)
    )
    measure = b01.measures(YEAR)[0]
    document = b01.attach_evidence(
        CLERK, AttachEvidence(item="measure", item_id=measure.id, name="总结.pdf", data=PDF)
    )
    assert [e.id for e in b01.evidence_of(CLERK, "measure", measure.id)] == [document]

    # Limits and types, refused with Chinese messages before anything is kept.
    refusals = {
        "empty.pdf": (b"", "空的"),
        "big.pdf": (b"%PDF-" + b"0" * MAX_BYTES, "超过了每个文件 10 MB 的上限"),
        "tool.exe": (b"MZ\x90\x00", "不支持这种文件"),
        "photo.png": (PDF, "文件内容与扩展名（.png）不符"),
        "broken.png": (b"\x89PNG\r\n\x1a\n" + b"junk" * 10, "文件内容不是 PNG 图片"),
        "cut.jpg": (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "文件内容不是 JPEG 图片（文件名为 .jpg）"),
    }
    for name, (data, words) in refusals.items():
        with pytest.raises(InvalidInput) as refused:
            b01.attach_evidence(
                CLERK, AttachEvidence(item="record", item_id=mine.id, name=name, data=data)
            )
        assert words in refused.value.text("zh"), name
    with pytest.raises(NotFound):
        b01.attach_evidence(
            CLERK, AttachEvidence(item="record", item_id=measure.id, name="a.pdf", data=PDF)
        )
    # A photo whose name is its ending only is a PNG still, not a file "without an ending".
    unnamed = png(21, 21)
    b01.attach_evidence(
        CLERK, AttachEvidence(item="record", item_id=mine.id, name=".png", data=unnamed)
    )

    # Erasing the member: their file's name reads as erased and their own file is deleted;
    # the same bytes on another member's record stay.
    own = png(50, 50, "blue")
    theirs = b01.attach_evidence(
        CLERK, AttachEvidence(item="record", item_id=mine.id, name="张三的照片.png", data=own)
    )
    assert b01.evidence(theirs).name == "张三的照片.png"  # read by this process before
    elsewhere = Tenancy(demo_tenancy.settings)  # another web worker erases the member
    try:
        elsewhere.branch("b01").erase_member(
            SECRETARY, EraseMember(member_no=mine.subject, reason="本人申请")
        )
    finally:
        elsewhere.close()
    fresh = demo_tenancy.branch("b01")
    assert fresh.evidence(theirs).name == ERASED_NAME
    assert ERASED_NAME in {e.name for e in fresh.evidence_of(CLERK, "record", mine.id)}
    with pytest.raises(StateConflict, match="erased"):
        fresh.evidence_file(CLERK, theirs)
    assert fresh.evidence_files.get("b01", hashlib.sha256(own).hexdigest()) is None
    assert fresh.evidence_file(CLERK, shared) == photo

    # The sealed archive carries the files; the verifier checks them against the events.
    committee = demo_tenancy.committee("demo")
    close_year(demo_tenancy, YEAR)
    committee.seal_archive(ADMIN, "b01", YEAR)
    files = committee.export_archive(AUDITOR, "b01", YEAR, with_pdf=False)
    assert files[f"evidence/{found.sha256}"] == photo
    assert files[f"evidence/{hashlib.sha256(PDF).hexdigest()}"] == PDF
    assert f"evidence/{hashlib.sha256(own).hexdigest()}" not in files
    result = verify_files(files)
    assert result.ok, result.message()


@pytest.fixture(scope="module")
def archived(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    from cxzy_saas.config import Settings

    settings = Settings(data_dir=tmp_path_factory.mktemp("evidence") / "var")
    tenancy = Tenancy(settings)
    try:
        small_demo(tenancy)
        b01 = tenancy.branch("b01")
        record = b01.daily_records(YEAR)[0]
        b01.attach_evidence(
            CLERK, AttachEvidence(item="record", item_id=record.id, name="照片.png", data=png())
        )
        inspection = next(i for q in (1, 2, 3, 4) if (i := b01.inspection(YEAR, q)) is not None)
        b01.attach_evidence(
            CLERK,
            AttachEvidence(item="inspection", item_id=inspection.id, name="检查.pdf", data=PDF),
        )
        committee = tenancy.committee("demo")
        close_year(tenancy, YEAR)
        committee.seal_archive(ADMIN, "b01", YEAR)
        return committee.export_archive(AUDITOR, "b01", YEAR, with_pdf=False)
    finally:
        tenancy.close()


def test_the_archive_round_trip_catches_a_changed_file(
    archived: dict[str, bytes], tmp_path: Path
) -> None:
    names = sorted(n for n in archived if n.startswith("evidence/"))
    assert len(names) == 2 and "evidence.json" in archived
    folder = tmp_path / "bundle"
    bundle.write(archived, folder)
    runner = CliRunner()
    ok = runner.invoke(main, ["archive", "verify", str(folder)])
    assert ok.exit_code == 0, ok.output

    # A photo swapped after export: the manifest's hash says so.
    swapped = dict(archived)
    swapped[names[0]] = png(41, 30)
    (folder / names[0]).write_bytes(swapped[names[0]])
    bad = runner.invoke(main, ["archive", "verify", str(folder)])
    assert bad.exit_code == 1 and names[0] in bad.output

    # Swapped and the manifest rewritten to match: the sealed event's hash still says so.
    import orjson

    manifest = orjson.loads(archived["manifest.json"])
    manifest["files"][names[0]] = hashlib.sha256(swapped[names[0]]).hexdigest()
    manifest["digest"] = bundle.manifest_digest(manifest)
    swapped["manifest.json"] = bundle.pretty(manifest)
    result = verify_files(swapped)
    assert not result.ok and "sealed events" in result.message()

    # A file taken out and marked erased: only a member's file can be erased.
    removed = dict(archived)
    inspection_file = next(n for n in names if archived[n].startswith(b"%PDF"))
    del removed[inspection_file]
    listed = orjson.loads(archived["evidence.json"])
    listed[inspection_file.removeprefix("evidence/")] = "erased"
    removed["evidence.json"] = bundle.pretty(listed)
    manifest = orjson.loads(archived["manifest.json"])
    del manifest["files"][inspection_file]
    manifest["files"]["evidence.json"] = hashlib.sha256(removed["evidence.json"]).hexdigest()
    manifest["digest"] = bundle.manifest_digest(manifest)
    removed["manifest.json"] = bundle.pretty(manifest)
    result = verify_files(removed)
    assert not result.ok and "not only a member's file" in result.message()


def test_the_command_line_attaches_lists_and_writes_out(tmp_path: Path) -> None:
    from cxzy_saas.config import Settings

    settings = Settings(data_dir=tmp_path / "var")
    tenancy = Tenancy(settings)
    try:
        small_demo(tenancy)
        record = tenancy.branch("b01").daily_records(YEAR)[0]
    finally:
        tenancy.close()
    photo = tmp_path / "照片.png"
    photo.write_bytes(png())
    store = ["--data-dir", str(settings.data_dir)]
    attach = ["evidence", "attach", "--branch", "b01", "--item", "record"]
    attach += ["--item-id", str(record.id), *store]
    runner = CliRunner()
    made = runner.invoke(main, [*attach, str(photo)])
    assert made.exit_code == 0, made.output
    evidence_id = made.output.split()[0]
    listed = runner.invoke(main, ["evidence", "list", "--branch", "b01", *store])
    assert evidence_id in listed.output and "照片.png" in listed.output
    out = tmp_path / "out.png"
    got = runner.invoke(
        main, ["evidence", "get", "--branch", "b01", "--id", evidence_id, "--out", str(out), *store]
    )
    assert got.exit_code == 0, got.output
    assert out.read_bytes() == photo.read_bytes()
    bad = tmp_path / "x.exe"
    bad.write_bytes(b"MZ")
    refused = runner.invoke(main, [*attach, str(bad)])
    assert refused.exit_code == 1 and "not accepted" in refused.output
