"""The secret ballot in a sealed archive: the bundle carries the sheets without any code's hash
or time beside them, and `cxzy archive verify` recounts every tally from the sheets, so that a
changed sheet fails even when the forger re-hashes the whole chain and the seal."""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from cxzy_saas.application.manifests import TENANTS_DIR, load_manifest
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.audit import bundle
from cxzy_saas.audit.chain import canonical, genesis, link
from cxzy_saas.audit.verify import _record, verify_files
from cxzy_saas.cli import main
from cxzy_saas.config import Settings
from cxzy_saas.demo.build import build_demo
from cxzy_saas.domain import events
from cxzy_saas.domain.recording import Actor
from tests.builders import close_year

YEAR = 2026
ADMIN = Actor("admin", "committee-admin", "demo")
AUDITOR = Actor("auditor", "auditor", "demo")
CLOSED = events.topic_of(events.BallotClosed)
SPENT = events.topic_of(events.BallotCodeSpent)
OPENED = events.topic_of(events.BallotOpened)
FINE_TIME = re.compile(r"T(\d{2}:\d{2}:\d{2})")


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """A demo branch-year (with its year-end rating) closed, sealed and exported."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("ballot-archive") / "var")
    tenancy = Tenancy(settings)
    try:
        build_demo(tenancy, load_manifest(TENANTS_DIR / "demo.toml"), branches=1, seed=5, year=YEAR)
        committee = tenancy.committee("demo")
        close_year(tenancy, YEAR)
        committee.seal_archive(ADMIN, "b01", YEAR)
        return committee.export_archive(AUDITOR, "b01", YEAR, with_pdf=False)
    finally:
        tenancy.close()


def records(files: dict[str, bytes]) -> list[dict]:
    return [orjson.loads(line) for line in files["events/branch.jsonl"].splitlines()]


def test_the_bundle_keeps_sheets_apart_from_every_code_hash_and_time(exported):
    found = records(exported)
    hashes = set()
    for r in found:
        state = orjson.loads(r["state"])
        if r["topic"] == OPENED:
            hashes |= {h for pool in state["code_hashes"].values() for h in pool}
        if r["topic"] == SPENT:
            hashes.add(state["code_hash"])
    closed = [r for r in found if r["topic"] == CLOSED]
    assert len(closed) == 1 and hashes
    sheets = orjson.loads(closed[0]["state"])["sheets"]
    assert sum(len(s) for s in sheets.values()) == sum(1 for r in found if r["topic"] == SPENT)
    text = closed[0]["state"]
    assert not any(h in text for h in hashes)
    own = orjson.loads(text)["timestamp"]["_data_"][11:19]
    assert FINE_TIME.findall(text) == [own]  # the close's own moment, the same for every sheet
    for name, data in exported.items():
        if name.startswith("documents/") or name == "scores.json":
            assert not any(h.encode() in data for h in hashes), name
    assert verify_files(exported).ok


def test_an_edited_sheet_fails_verification(exported):
    lines = exported["events/branch.jsonl"].splitlines()
    at = next(i for i, r in enumerate(records(exported)) if r["topic"] == CLOSED)
    record = orjson.loads(lines[at])
    record["state"] = edit_a_sheet(record["state"])
    lines[at] = canonical(record)
    result = verify_files({**exported, "events/branch.jsonl": b"\n".join(lines) + b"\n"})
    assert not result.ok and f"position {record['position']}" in (result.where or "")


def test_a_sheet_forged_with_the_whole_chain_and_seal_is_caught_by_the_recount(exported, tmp_path):
    found = records(exported)
    at = next(i for i, r in enumerate(found) if r["topic"] == CLOSED)
    found[at]["state"] = edit_a_sheet(found[at]["state"])
    forged = rechained(exported, found)
    result = verify_files(forged)
    assert not result.ok
    assert (result.where or "").startswith("ballot ")
    assert "does not recount from the sheets" in (result.what or "")

    code, output = verify_cli(forged, tmp_path)
    assert code == 1 and "does not recount from the sheets" in output


def edit_a_sheet(state: str) -> str:
    """The same event with the first letter of the first sheet changed (the tally as it was)."""
    data = orjson.loads(state)
    pool = next(p for p, s in data["sheets"].items() if s)
    sheet = data["sheets"][pool][0]
    data["sheets"][pool][0] = ("I" if sheet[0] != "I" else "E") + sheet[1:]
    return orjson.dumps(data).decode()


def rechained(files: dict[str, bytes], found: list[dict]) -> dict[str, bytes]:
    """What a forger with the bundle alone can do: re-hash the chain, then write the new head
    into the manifest and into the seal event it carries, and every digest after them."""
    previous = genesis("demo", "b01", YEAR, "branch")
    for r in found:
        r["hash"] = link(previous, _record("x", r)).hex()
        previous = bytes.fromhex(r["hash"])
    forged = {**files, "events/branch.jsonl": b"".join(canonical(r) + b"\n" for r in found)}
    manifest = orjson.loads(files["manifest.json"])
    manifest["chains"]["branch"]["head"] = previous.hex()
    seal = orjson.loads(manifest["seal"]["state"])
    seal["head"] = previous.hex()
    manifest["seal"]["state"] = orjson.dumps(seal).decode()
    manifest["files"]["events/branch.jsonl"] = bundle.sha256(forged["events/branch.jsonl"])
    manifest["digest"] = bundle.manifest_digest(manifest)
    forged["manifest.json"] = bundle.pretty(manifest)
    return forged


def verify_cli(files: dict[str, bytes], folder: Path) -> tuple[int, str]:
    """`cxzy archive verify` on the bundle written out as a folder."""
    bundle.write(files, folder / "bundle")
    result = CliRunner().invoke(main, ["archive", "verify", str(folder / "bundle")])
    return result.exit_code, result.output
