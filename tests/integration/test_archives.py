"""Sealed archives: seal, export and the offline verifier, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import random
import re
from datetime import date
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from cxzy_saas.application.commands.work import RecordDaily
from cxzy_saas.application.manifests import TENANTS_DIR, load_manifest
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.audit import bundle
from cxzy_saas.audit.chain import canonical, link
from cxzy_saas.audit.verify import verify_files
from cxzy_saas.cli import main
from cxzy_saas.config import Settings
from cxzy_saas.demo.build import build_demo
from cxzy_saas.domain.archive import ArchiveSeal
from cxzy_saas.domain.errors import AlreadyExists, ConcurrentModification, Forbidden, StateConflict
from cxzy_saas.domain.recording import Actor
from tests.builders import close_year

YEAR = 2026
ADMIN = Actor("admin", "committee-admin", "demo")
AUDITOR = Actor("auditor", "auditor", "demo")
CLERK = Actor("b01-clerk", "branch-clerk", "b01")


def small_demo(tenancy: Tenancy) -> None:
    build_demo(tenancy, load_manifest(TENANTS_DIR / "demo.toml"), branches=1, seed=5, year=YEAR)


@pytest.fixture(scope="module")
def sealed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, dict[str, bytes]]:
    """A demo branch-year on SQLite, closed, sealed and exported (with PDFs)."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("archive") / "var")
    tenancy = Tenancy(settings)
    try:
        small_demo(tenancy)
        committee = tenancy.committee("demo")
        close_year(tenancy, YEAR)
        committee.seal_archive(ADMIN, "b01", YEAR)
        files = committee.export_archive(AUDITOR, "b01", YEAR)
    finally:
        tenancy.close()
    return settings, files


# the seal and the export, on both stores


def test_seal_export_verify_and_refusals(demo_tenancy: Tenancy) -> None:
    tenancy = demo_tenancy
    small_demo(tenancy)
    committee = tenancy.committee("demo")
    with pytest.raises(Forbidden):
        committee.seal_archive(CLERK, "b01", YEAR)
    with pytest.raises(Forbidden):
        committee.seal_archive(AUDITOR, "b01", YEAR, on_demand=True)
    with pytest.raises(StateConflict, match="still open"):
        committee.seal_archive(ADMIN, "b01", YEAR)

    seal = committee.seal_archive(ADMIN, "b01", YEAR, on_demand=True)
    assert seal.on_demand and seal.events > 500 and seal.committee_events > 0
    with pytest.raises(AlreadyExists):
        committee.seal_archive(ADMIN, "b01", YEAR, on_demand=True)
    close_year(tenancy, YEAR)
    with pytest.raises(AlreadyExists):
        committee.seal_archive(ADMIN, "b01", YEAR)
    # Two admins racing: the one whose check passed before the other saved loses at the store.
    with committee.acting(ADMIN, {"committee-admin"}), pytest.raises(ConcurrentModification):
        committee.save(
            ArchiveSeal.seal(
                "demo",
                "b01",
                YEAR,
                algorithm=seal.algorithm,
                on_demand=False,
                branch_chain=seal.chain("branch"),
                committee_chain=seal.chain("committee"),
            )
        )

    with pytest.raises(Forbidden):
        committee.export_archive(CLERK, "b01", YEAR)
    before = committee.export_archive(AUDITOR, "b01", YEAR, with_pdf=False)
    result = verify_files(before)
    assert result.ok, result.message()
    assert result.summary["events"] == seal.events

    # A closed, sealed year refuses writes (decision 0011): nothing is appended, the archive
    # exports as it was.
    branch = tenancy.branch("b01")
    member = branch.members()[0].member_no
    head = branch.head()
    with pytest.raises(StateConflict, match="closed"):
        branch.record_daily(
            CLERK,
            RecordDaily(
                year=YEAR, on=date(YEAR, 12, 30), level="member", subject=member, text="封存后补记"
            ),
        )
    assert branch.head() == head
    after = committee.export_archive(AUDITOR, "b01", YEAR, with_pdf=False)
    assert after == before


def test_export_refuses_a_log_altered_after_the_seal(sealed, tmp_path):
    settings, _ = sealed
    tenancy = Tenancy(settings)
    try:
        seal = tenancy.committee("demo").archive_seal("b01", YEAR)
        assert seal is not None
        path = tenancy.store.location("b01")
    finally:
        tenancy.close()
    copy = tmp_path / "var"
    import shutil

    shutil.copytree(settings.data_dir, copy)
    import sqlite3

    db = sqlite3.connect(copy / "tenants" / Path(path).name)
    db.execute(
        "UPDATE stored_events SET state = replace(state, '2026', '2025') WHERE rowid = ?",
        (seal.last - 3,),
    )
    db.commit()
    db.close()
    tenancy = Tenancy(Settings(data_dir=copy))
    try:
        with pytest.raises(StateConflict, match="no longer hashes"):
            tenancy.committee("demo").export_archive(AUDITOR, "b01", YEAR, with_pdf=False)
    finally:
        tenancy.close()


# the verifier against tampering


def test_an_untouched_archive_verifies_every_time(sealed):
    _, files = sealed
    for _ in range(3):
        result = verify_files(dict(files))
        assert result.ok, result.message()
    assert {name.rsplit(".", 1)[-1] for name in files} == {"html", "pdf", "json", "jsonl"}
    assert sum(name.endswith(".pdf") for name in files) == 6
    assert files["documents/04-scores.pdf"].startswith(b"%PDF")


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")[:-1]


def _join(lines: list[bytes]) -> bytes:
    return b"".join(line + b"\n" for line in lines)


def _flip_byte(files, rng):
    name = rng.choice(sorted(files))
    data = bytearray(files[name])
    data[rng.randrange(len(data))] ^= rng.randrange(1, 256)
    return name, bytes(data)


def _change_digit(files, rng):
    name = rng.choice([n for n in sorted(files) if not n.endswith(".pdf")])
    data = bytearray(files[name])
    digits = [m.start() for m in re.finditer(rb"[0-9]", data)]
    i = rng.choice(digits)
    data[i] = ord(rng.choice([d for d in "0123456789" if ord(d) != data[i]]))
    return name, bytes(data)


def _delete_event(files, rng):
    name = rng.choice(["events/branch.jsonl", "events/committee.jsonl"])
    lines = _lines(files[name])
    del lines[rng.randrange(len(lines))]
    return name, _join(lines)


def _swap_events(files, rng):
    name = "events/branch.jsonl"
    lines = _lines(files[name])
    i, j = rng.sample(range(len(lines)), 2)
    lines[i], lines[j] = lines[j], lines[i]
    return name, _join(lines)


def _forge_event(files, rng):
    """Insert a plausible event whose own link hash is computed correctly from its predecessor."""
    name = rng.choice(["events/branch.jsonl", "events/committee.jsonl"])
    lines = _lines(files[name])
    at = rng.randrange(1, len(lines))
    before = orjson.loads(lines[at - 1])
    template = orjson.loads(lines[rng.randrange(len(lines))])
    forged = {
        **template,
        "position": before["position"],
        "state": template["state"].replace("2026", "2025"),
    }
    from cxzy_saas.audit.verify import _record

    record = _record("forged", forged)
    forged["hash"] = link(bytes.fromhex(before["hash"]), record).hex()
    lines.insert(at, canonical(forged))
    return name, _join(lines)


def _edit_document(files, rng):
    name = rng.choice([n for n in sorted(files) if n.startswith("documents/")])
    data = files[name]
    if name.endswith(".html"):
        text = data.decode()
        i = rng.randrange(text.index("<h1>"), len(text) - 20)
        return name, (text[:i] + rng.choice("党支部优秀合格") + text[i + 1 :]).encode()
    return name, data + b"\n%forged\n"


def _edit_manifest(files, rng):
    manifest = orjson.loads(files["manifest.json"])
    choice = rng.randrange(5)
    chain = manifest["chains"][rng.choice(["branch", "committee"])]
    if choice == 0:
        chain["events"] += rng.choice([-1, 1])
    elif choice == 1:
        chain["head"] = hashlib.sha256(str(rng.random()).encode()).hexdigest()
    elif choice == 2:
        doc = rng.choice(sorted(manifest["files"]))
        manifest["files"][doc] = hashlib.sha256(str(rng.random()).encode()).hexdigest()
    elif choice == 3:
        manifest["seal"]["state"] = manifest["seal"]["state"].replace(
            '"on_demand":false', '"on_demand":true'
        )
    else:
        manifest["year"] += 1
    # A careful forger keeps the manifest's digest consistent; that catches nothing the events
    # cannot, except in the seal's own metadata (time, actor), anchored only by the committee's
    # log: those edits are left with a stale digest.
    if choice != 3 and rng.random() < 0.5:
        manifest["digest"] = bundle.manifest_digest(manifest)
    return "manifest.json", bundle.pretty(manifest)


MUTATIONS = (
    _flip_byte,
    _change_digit,
    _delete_event,
    _swap_events,
    _forge_event,
    _edit_document,
    _edit_manifest,
)


def test_a_thousand_random_mutations_are_all_caught(sealed):
    _, files = sealed
    rng = random.Random(20260101)
    caught = 0
    for n in range(1050):
        mutate = MUTATIONS[n % len(MUTATIONS)]
        name, data = mutate(files, rng)
        if data == files[name]:
            continue  # e.g. a swap of two identical lines: nothing to catch
        result = verify_files({**files, name: data})
        assert not result.ok, f"mutation {n} ({mutate.__name__} of {name}) was not caught"
        assert result.where and result.what
        caught += 1
    assert caught >= 1000


def test_a_consistent_forgery_of_the_scores_is_caught_by_re_deriving_them(sealed):
    _, files = sealed
    scores = orjson.loads(files["scores.json"])
    row = scores["levels"]["member"][0]
    row["composite"] = round(row["composite"] + 1.5, 2)
    forged = {**files, "scores.json": bundle.pretty(scores)}
    manifest = orjson.loads(files["manifest.json"])
    manifest["files"]["scores.json"] = bundle.sha256(forged["scores.json"])
    manifest["digest"] = bundle.manifest_digest(manifest)
    forged["manifest.json"] = bundle.pretty(manifest)
    result = verify_files(forged)
    assert not result.ok
    assert result.where == "scores.json" and row["subject"] in (result.what or "")


def test_a_rechained_edit_is_caught_by_the_seal(sealed):
    """Edit an event, recompute every later hash and the manifest's head: the committee's seal
    event still holds the true head."""
    _, files = sealed
    lines = _lines(files["events/branch.jsonl"])
    records = [orjson.loads(line) for line in lines]
    records[5]["state"] = records[5]["state"].replace("2026", "2025", 1)
    from cxzy_saas.audit.chain import genesis
    from cxzy_saas.audit.verify import _record

    previous = genesis("demo", "b01", YEAR, "branch")
    for r in records:
        r["hash"] = link(previous, _record("x", r)).hex()
        previous = bytes.fromhex(r["hash"])
    forged = {**files, "events/branch.jsonl": _join([canonical(r) for r in records])}
    manifest = orjson.loads(files["manifest.json"])
    manifest["chains"]["branch"]["head"] = previous.hex()
    manifest["files"]["events/branch.jsonl"] = bundle.sha256(forged["events/branch.jsonl"])
    manifest["digest"] = bundle.manifest_digest(manifest)
    forged["manifest.json"] = bundle.pretty(manifest)
    result = verify_files(forged)
    assert not result.ok and result.where.startswith("seal event")


def test_the_first_changed_event_is_named_by_its_position(sealed):
    _, files = sealed
    lines = _lines(files["events/branch.jsonl"])
    target = orjson.loads(lines[100])
    target["state"] = target["state"].replace("2026", "2027", 1)
    lines[100] = canonical(target)
    result = verify_files({**files, "events/branch.jsonl": _join(lines)})
    assert not result.ok
    assert result.where.startswith(f"branch event at position {target['position']} ")


# the command line


def test_cli_seal_export_verify(tmp_path):
    data = tmp_path / "var"
    runner = CliRunner()
    store = ["--data-dir", str(data)]
    tenancy = Tenancy(Settings(data_dir=data))
    try:
        small_demo(tenancy)
    finally:
        tenancy.close()
    refused = runner.invoke(
        main, ["archive", "seal", "--branch", "b01", "--campaign", "2026", *store]
    )
    assert refused.exit_code != 0 and "still open" in refused.output
    ok = runner.invoke(
        main,
        ["archive", "seal", "--branch", "b01", "--campaign", "2026", "--on-demand", *store],
    )
    assert ok.exit_code == 0, ok.output
    assert "sealed b01 2026" in ok.output
    twice = runner.invoke(
        main,
        ["archive", "seal", "--branch", "b01", "--campaign", "2026", "--on-demand", *store],
    )
    assert twice.exit_code != 0 and "sealed already" in twice.output
    out = tmp_path / "b01-2026.zip"
    exported = runner.invoke(
        main,
        ["archive", "export", "--branch", "b01", "--campaign", "2026", "--out", str(out), *store],
    )
    assert exported.exit_code == 0, exported.output
    verified = runner.invoke(main, ["archive", "verify", str(out)])
    assert verified.exit_code == 0, verified.output
    assert "archive OK" in verified.output
    kept = out.read_bytes()
    again = runner.invoke(
        main,
        ["archive", "export", "--branch", "b01", "--campaign", "2026", "--out", str(out), *store],
    )
    assert again.exit_code == 1 and "exists" in again.output  # an earlier export stays
    assert out.read_bytes() == kept

    folder = tmp_path / "folder"
    bundle.write(bundle.read(out), folder)
    assert runner.invoke(main, ["archive", "verify", str(folder)]).exit_code == 0
    page = folder / "documents" / "06-deeds.html"
    page.write_bytes(page.read_bytes().replace("事迹".encode(), "事情".encode(), 1))
    failed = runner.invoke(main, ["archive", "verify", str(folder)])
    assert failed.exit_code == 1
    assert "documents/06-deeds.html" in failed.output
