"""The offline verifier: a bundle's files in, the first thing that does not match out.

It needs nothing but the bundle's bytes (no database, no network): it recomputes both hash
chains, checks counts, positions and heads against the manifest and against the committee's
seal event carried in it, checks every file against its SHA-256, recounts each ballot's tally
from its grade sheets, and re-derives the final scores and the HTML documents from the events
through the domain's own scoring code. An amended branch-year's bundle (decision 0011) carries
every revision's seal event: each revision's chains must be the first events of the files, ending
at its log heads, with its heads as their link hashes, so each revision verifies as it was sealed.

What it proves: the bundle is internally whole and its events hash to the head recorded in the
seal. What it cannot prove alone: that the seal itself is genuine, since whoever forges a whole
bundle can forge a seal event too. The head it prints is compared with the committee's log (or a
printed copy of it) to close that gap.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from eventsourcing.utils import get_topic

from cxzy_saas.audit.bundle import (
    DOCUMENTS,
    EVIDENCE,
    EVIDENCE_ATTACHED,
    FORMAT,
    FORMAT_AMENDED,
    MANIFEST,
    SECTIONS,
    derive,
    events_file,
    evidence_file,
    manifest_digest,
    pretty,
    sha256,
)
from cxzy_saas.audit.chain import ALGORITHM, Record, canonical, genesis, link
from cxzy_saas.audit.offline import Offline
from cxzy_saas.domain import events
from cxzy_saas.domain.archive import ArchiveSeal
from cxzy_saas.domain.ballot import Ballot, recount
from cxzy_saas.domain.plan import Campaign

SEALED = get_topic(ArchiveSeal.Sealed)
RESEALED = get_topic(ArchiveSeal.Resealed)  # type: ignore[attr-defined]
CAMPAIGN_CLOSED = get_topic(Campaign.Closed)  # type: ignore[attr-defined]
BALLOT_CLOSED = events.topic_of(events.BallotClosed)
CHAIN_KEYS = {"file", "genesis", "head", "events", "first", "last", "log_head"}
MANIFEST_KEYS = {
    "format",
    "algorithm",
    "documents",
    "committee",
    "branch",
    "year",
    "chains",
    "seal",
    "files",
    "digest",
}


class Mismatch(Exception):
    """The first thing in a bundle that does not hold: where it is and what is wrong."""

    def __init__(self, where: str, what: str) -> None:
        super().__init__(f"{where}: {what}")
        self.where = where
        self.what = what


@dataclass
class Result:
    ok: bool
    where: str | None = None
    what: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)

    def message(self) -> str:
        if self.ok:
            s = self.summary
            lines = [
                f"archive OK: {s['branch']} {s['year']} revision {s['revision']}, "
                f"{s['events']} branch events and "
                f"{s['committee_events']} committee events chained to head {s['head']}, "
                f"{s['files']} files; compare the head with the seal in the committee's log"
            ]
            for r in s["revisions"]:
                lines.append(
                    f"  revision {r['revision']}: {r['events']} branch events, head {r['head']}"
                    + (
                        f"; amendment {r['amendment']}: {r['reason']}"
                        if r["amendment"]
                        else " (the seal)"
                    )
                )
            return "\n".join(lines)
        return f"archive does NOT verify: {self.where}: {self.what}"


def verify_files(files: Mapping[str, bytes]) -> Result:
    """Verify a bundle given as {relative path: bytes}. Never raises for bad input: every
    problem becomes a failed :class:`Result` naming the first event or file that is wrong."""
    try:
        summary = _verify(files)
    except Mismatch as m:
        return Result(False, m.where, m.what)
    return Result(True, summary=summary)


def _json(where: str, data: bytes) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as e:
        raise Mismatch(where, f"not valid JSON ({e})") from None


def _require(condition: bool, where: str, what: str) -> None:
    if not condition:
        raise Mismatch(where, what)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _record(where: str, data: Any) -> Record:
    _require(isinstance(data, dict), where, "not an event object")
    keys = set(data) - {"hash"}
    _require(
        keys
        in (
            {"aggregate", "position", "topic", "version", "state"},
            {"aggregate", "position", "topic", "version", "state_b64"},
        ),
        where,
        f"unexpected fields {sorted(data)}",
    )
    _require(_is_int(data["position"]) and data["position"] > 0, where, "bad position")
    _require(_is_int(data["version"]) and data["version"] > 0, where, "bad version")
    _require(isinstance(data["aggregate"], str), where, "bad aggregate id")
    _require(isinstance(data["topic"], str), where, "bad topic")
    if "state" in data:
        _require(isinstance(data["state"], str), where, "bad state")
        state = data["state"].encode("utf-8")
    else:
        try:
            state = base64.b64decode(data["state_b64"], validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise Mismatch(where, "state_b64 is not base64") from None
        # Two base64 texts may decode to the same bytes; only the canonical one is accepted.
        _require(base64.b64encode(state).decode() == data["state_b64"], where, "bad base64")
    return Record(data["position"], data["aggregate"], data["version"], data["topic"], state)


def _manifest(files: Mapping[str, bytes]) -> dict[str, Any]:
    _require(MANIFEST in files, MANIFEST, "missing")
    manifest = _json(MANIFEST, files[MANIFEST])
    _require(isinstance(manifest, dict), MANIFEST, "not an object")
    _require(pretty(manifest) == files[MANIFEST], MANIFEST, "not in canonical form (edited?)")
    amended = manifest.get("format") == FORMAT_AMENDED
    _require(
        manifest.get("format") == "cxzy-archive/1" or "documents" in manifest,
        MANIFEST,
        "documents of the first wording (a plan's status in English, only the last nomination "
        "submission, no commendation decision; decision 0032): export the sealed branch-year "
        "again",
    )
    keys = MANIFEST_KEYS | {"revisions"} if amended else MANIFEST_KEYS
    _require(set(manifest) == keys, MANIFEST, f"unexpected fields {sorted(manifest)}")
    _require(
        manifest["format"] != "cxzy-archive/1",
        MANIFEST,
        "format cxzy-archive/1: exported before scores followed one plan-version rule and "
        "bundles carried the board (decision 0012); export the sealed branch-year again",
    )
    _require(
        manifest["format"] in (FORMAT, FORMAT_AMENDED),
        MANIFEST,
        f"format is not {FORMAT} or {FORMAT_AMENDED}",
    )
    _require(
        manifest["documents"] == DOCUMENTS,
        MANIFEST,
        f"documents are {manifest['documents']!r}, not {DOCUMENTS}: export the sealed "
        "branch-year again with this version",
    )
    if amended:
        revisions = manifest["revisions"]
        _require(
            isinstance(revisions, list) and len(revisions) >= 2,
            MANIFEST,
            "bad revisions (an amended archive lists two or more)",
        )
    _require(manifest["algorithm"] == ALGORITHM, MANIFEST, f"algorithm is not {ALGORITHM}")
    for key in ("committee", "branch"):
        _require(isinstance(manifest[key], str), MANIFEST, f"bad {key}")
    _require(_is_int(manifest["year"]), MANIFEST, "bad year")
    chains = manifest["chains"]
    _require(isinstance(chains, dict) and set(chains) == set(SECTIONS), MANIFEST, "bad chains")
    for section in SECTIONS:
        c = chains[section]
        where = f"{MANIFEST} chains.{section}"
        _require(isinstance(c, dict) and set(c) == CHAIN_KEYS, where, "unexpected fields")
        _require(c["file"] == events_file(section), where, "bad file name")
        for key in ("events", "first", "last", "log_head"):
            _require(_is_int(c[key]) and c[key] >= 0, where, f"bad {key}")
    listed = manifest["files"]
    _require(isinstance(listed, dict), MANIFEST, "bad files")
    _require(all(isinstance(v, str) for v in listed.values()), MANIFEST, "bad file hashes")
    return manifest


def _check_file_set(manifest: dict[str, Any], files: Mapping[str, bytes]) -> None:
    listed = set(manifest["files"])
    for section in SECTIONS:
        _require(events_file(section) in listed, MANIFEST, f"does not list {events_file(section)}")
    for name in sorted(set(files) - listed - {MANIFEST}):
        raise Mismatch(name, "not listed in the manifest (added after export?)")
    for name in sorted(listed - set(files)):
        raise Mismatch(name, "listed in the manifest but missing from the bundle")


def _check_seal(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """Every revision's seal event, checked; their states, oldest first. The current (last)
    revision's is the manifest's ``seal`` and its heads are the manifest's ``chains``."""
    listed = manifest.get("revisions", [manifest["seal"]])
    _require(listed[-1] == manifest["seal"], MANIFEST, "seal is not the last revision's")
    expected = str(ArchiveSeal.id_for(manifest["committee"], manifest["branch"], manifest["year"]))
    states: list[dict[str, Any]] = []
    version = 0
    for number, data in enumerate(listed, 1):
        where = (
            "seal event (manifest.json seal)"
            if len(listed) == 1
            else f"revision {number} seal event (manifest.json revisions)"
        )
        seal = _record(where, data)
        topic = SEALED if number == 1 else RESEALED
        _require(seal.topic == topic, where, f"topic is {seal.topic}, not {topic}")
        _require(seal.aggregate == expected, where, "its id is not the seal of this branch-year")
        if number == 1:
            _require(seal.version == 1, where, "not the seal's first event")
        else:
            _require(seal.version > version, where, "out of the seal's order")
        version = seal.version
        state = _json(where, seal.state)
        _require(isinstance(state, dict), where, "state is not an object")
        _require(state.get("tenant") == manifest["committee"], where, "not in this committee's log")
        for key in ("branch", "year", "algorithm"):
            _require(state.get(key) == manifest[key], where, f"its {key} differs from the manifest")
        if number > 1:
            _require(state.get("revision") == number, where, f"not revision {number}")
        states.append(state)
    where = "seal event (manifest.json seal)"
    for section in SECTIONS:
        prefix = "" if section == "branch" else "committee_"
        chain = manifest["chains"][section]
        for key in ("head", "events", "first", "last", "log_head"):
            _require(
                states[-1].get(prefix + key) == chain[key],
                where,
                f"{section} {key} {states[-1].get(prefix + key)!r} differs from the manifest's "
                f"{chain[key]!r}",
            )
    return states


def _check_revisions(
    manifest: dict[str, Any],
    states: list[dict[str, Any]],
    section: str,
    walked: tuple[list[Record], list[bytes]],
) -> None:
    """Each revision's chain is a prefix of the next one's: its events are the first ones of
    the file, they end at its log head, and the link hash after the last of them is its head.
    So an earlier revision's bundle, and the heads its seal recorded, still hold."""
    records, digests = walked
    start = genesis(manifest["committee"], manifest["branch"], manifest["year"], section)
    prefix = "" if section == "branch" else "committee_"
    for number, state in enumerate(states, 1):
        where = f"revision {number} ({section} chain)"
        count: Any = state.get(prefix + "events")
        log_head: Any = state.get(prefix + "log_head")
        _require(_is_int(count) and 0 <= count <= len(records), where, "bad event count")
        _require(_is_int(log_head), where, "bad log head")
        head = digests[count - 1] if count else start
        _require(head.hex() == state.get(prefix + "head"), where, "its head is not in the chain")
        _require(
            all(r.position <= log_head for r in records[:count])
            and all(r.position > log_head for r in records[count:]),
            where,
            "its events are not the chain's first ones up to its log head",
        )


def _check_on_demand(manifest: dict[str, Any], seal: dict[str, Any], records: list[Record]) -> None:
    # A seal is on demand exactly when the campaign was still open: its Closed event is then
    # absent from the committee section, which is bounded by the seal's committee log head.
    campaign = str(Campaign.id_for(manifest["committee"], manifest["year"]))
    closed = any(r.topic == CAMPAIGN_CLOSED and r.aggregate == campaign for r in records)
    _require(
        seal.get("on_demand") is (not closed),
        "seal event (manifest.json seal)",
        "on_demand does not fit the campaign's events (closed before the seal or not)",
    )


def _walk(
    manifest: dict[str, Any], files: Mapping[str, bytes], section: str
) -> tuple[list[Record], list[bytes]]:
    chain = manifest["chains"][section]
    name = events_file(section)
    start = genesis(manifest["committee"], manifest["branch"], manifest["year"], section)
    _require(chain["genesis"] == start.hex(), f"{MANIFEST} chains.{section}", "bad genesis")
    data = files[name]
    _require(data == b"" or data.endswith(b"\n"), name, "does not end with a newline")
    records: list[Record] = []
    digests: list[bytes] = []
    previous, last_position = start, 0
    for number, line in enumerate(data.split(b"\n")[:-1], 1):
        where = f"{name} line {number}"
        obj = _json(where, line)
        record = _record(where, obj)
        where = f"{section} event at position {record.position} ({name} line {number})"
        _require(canonical(obj) == line, where, "not in canonical form (edited?)")
        _require(record.position > last_position, where, "out of log order")
        _require(record.position <= chain["log_head"], where, "beyond the log head sealed")
        digest = link(previous, record)
        if obj.get("hash") != digest.hex():
            raise Mismatch(
                where,
                "its hash does not match: this event was changed, or one before it was "
                "removed, inserted or moved",
            )
        previous, last_position = digest, record.position
        records.append(record)
        digests.append(digest)
    where = f"{name} ({section} chain)"
    _require(
        len(records) == chain["events"], where, f"{len(records)} events, sealed {chain['events']}"
    )
    if records:
        _require(records[0].position == chain["first"], where, "first position differs")
        _require(records[-1].position == chain["last"], where, "last position differs")
    _require(previous.hex() == chain["head"], where, "the chain's head is not the sealed head")
    return records, digests


def _verify(files: Mapping[str, bytes]) -> dict[str, Any]:
    manifest = _manifest(files)
    _check_file_set(manifest, files)
    states = _check_seal(manifest)
    walked = {section: _walk(manifest, files, section) for section in SECTIONS}
    for section in SECTIONS:
        _check_revisions(manifest, states, section, walked[section])
    records = {section: walked[section][0] for section in SECTIONS}
    first = states[0]
    _check_on_demand(manifest, first, records["committee"][: first["committee_events"]])
    _require(manifest_digest(manifest) == manifest["digest"], MANIFEST, "its digest does not match")
    for name, expected in sorted(manifest["files"].items()):
        _require(sha256(files[name]) == expected, name, "its SHA-256 does not match the manifest")
    names = _json("names.json", files.get("names.json", b"null"))
    _require(
        isinstance(names, dict) and all(isinstance(v, str) for v in names.values()),
        "names.json",
        "not a map of names",
    )
    _check_ballots(manifest["branch"], records["branch"])
    _check_evidence(files, records["branch"])
    try:
        derived, _ = derive(
            manifest["committee"],
            manifest["branch"],
            manifest["year"],
            records["branch"],
            records["committee"],
            names,
        )
    except Exception as e:  # any failure to replay is a finding about the bundle, not a crash
        raise Mismatch("events", f"do not replay into a valid history ({e!r})") from None
    for name, data in sorted(derived.items()):
        _require(name in files, name, "missing")
        if files[name] != data:
            raise Mismatch(name, _difference(name, files[name], data))
    return {
        "branch": manifest["branch"],
        "year": manifest["year"],
        "head": manifest["chains"]["branch"]["head"],
        "events": manifest["chains"]["branch"]["events"],
        "committee_events": manifest["chains"]["committee"]["events"],
        "files": len(files),
        "evidence_files": sum(1 for name in files if name.startswith("evidence/")),
        "revision": len(states),
        "revisions": [
            {
                "revision": number,
                "head": state["head"],
                "events": state["events"],
                "committee_events": state["committee_events"],
                "amendment": state.get("amendment"),
                "reason": state.get("reason"),
            }
            for number, state in enumerate(states, 1)
        ],
    }


def _check_evidence(files: Mapping[str, bytes], records: list[Record]) -> None:
    """Every evidence file the sealed events attach is in the bundle and hashes to the SHA-256
    its event names (a file replaced after the seal fails here, whatever the manifest says),
    or is listed as erased with a member's personal data, which only a file about a member can
    be (decision 0023). No file is there that no event names."""
    attached: dict[str, bool] = {}  # hash -> every item it is on is about a member
    for record in records:
        if record.topic == EVIDENCE_ATTACHED:
            state = _json(f"event {record.position}", record.state)
            _require(isinstance(state, dict), f"event {record.position}", "not an object")
            digest, level = state.get("sha256"), state.get("level")
            _require(isinstance(digest, str), f"event {record.position}", "no file hash")
            attached[digest] = attached.get(digest, True) and level == "member"
    listed = _json(EVIDENCE, files[EVIDENCE]) if EVIDENCE in files else {}
    _require(isinstance(listed, dict), EVIDENCE, "not a map of file hashes")
    _require(set(listed) == set(attached), EVIDENCE, "does not list the files the events attach")
    for digest, members_only in sorted(attached.items()):
        name = evidence_file(digest)
        if listed[digest] == "erased":
            _require(name not in files, name, "listed as erased but present")
            _require(members_only, name, "listed as erased, but not only a member's file")
            continue
        _require(listed[digest] == "kept", EVIDENCE, f"bad state for {digest}")
        _require(name in files, name, "missing from the bundle")
        _require(
            sha256(files[name]) == digest,
            name,
            "its SHA-256 does not match the hash in the sealed events (file altered)",
        )
    strays = {n for n in files if n.startswith("evidence/")} - {evidence_file(d) for d in attached}
    for name in sorted(strays):
        raise Mismatch(name, "no sealed event attaches this file")


def _check_ballots(branch: str, records: list[Record]) -> None:
    """Each closed ballot's tally is recounted from its sheets: one sheet per code spent, per
    pool, no more codes spent than issued, every sheet counted once (``domain/ballot.recount``).
    A forger who rewrites a sheet and re-hashes the whole chain and seal is caught here."""
    offline = Offline(branch, records)
    closed = {r.aggregate: r.position for r in records if r.topic == BALLOT_CLOSED}
    for ballot_id in offline.created_by(events.BallotOpened):
        try:
            ballot = offline.get(Ballot, ballot_id)
        except Exception as e:  # a record that does not replay is a finding, not a crash
            raise Mismatch(f"ballot {ballot_id}", f"its events do not replay ({e!r})") from None
        problem = None if ballot is None else recount(ballot)
        if problem is not None:
            where = f"ballot {ballot_id} (Ballot.Closed at position {closed.get(str(ballot_id))})"
            raise Mismatch(where, f"the tally does not recount from the sheets: {problem}")


def _difference(name: str, found: bytes, derived: bytes) -> str:
    if name not in ("scores.json", "board.json"):
        return "differs from the document re-derived from the events"
    try:
        have = orjson.loads(found)["levels"]
        want = orjson.loads(derived)["levels"]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return "differs from the scores re-derived from the events"
    for level in sorted(set(have) | set(want)):
        for got, expect in zip(have.get(level, []), want.get(level, []), strict=False):
            if got != expect:
                subject = expect.get("subject", expect.get("id", expect.get("code")))
                return f"{level} {subject}: the events give {expect}, not {got}"
        if len(have.get(level, [])) != len(want.get(level, [])):
            return f"{level}: a different number of rows than the events give"
    return "differs from the scores re-derived from the events"
