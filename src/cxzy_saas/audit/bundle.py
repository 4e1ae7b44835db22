"""An archive bundle: its files as bytes, built from the sealed records, written as a folder or a
zip, and read back.

Layout (names are relative paths inside the folder or zip)::

    manifest.json              chain heads, counts, positions, the seal event as stored
                               (and, once amended, every revision's seal event),
                               the SHA-256 of every other file, and a digest of itself
    events/branch.jsonl        the branch-year's stored events in log order, one per line,
                               each with its link hash (see chain.py)
    events/committee.jsonl     the committee's events about that branch-year, likewise
    names.json                 display names of the branch, its groups and members (from the
                               live store at export)
    scores.json                final scores and ranking, re-derivable from the events
    board.json                 the branch's rows of the committee's boards as of the seal
                               (its own, its groups', its members'), re-derivable likewise
    documents/NN-*.html|pdf    the documents in Chinese (documents.py)
    evidence.json              every evidence file the branch events attach, by SHA-256:
                               "kept" (its bytes are in evidence/) or "erased" (deleted with
                               a member's personal data, decision 0023)
    evidence/<sha256>          the bytes of each kept evidence file; the verifier checks each
                               against the hash in the sealed events

Every JSON file is written in one canonical form (orjson, sorted keys), so the verifier can
insist on it and a changed space is caught like a changed digit.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

import orjson

from cxzy_saas.audit.chain import ALGORITHM, Record, encode_lines, genesis, summarise
from cxzy_saas.audit.documents import (
    Context,
    Document,
    board_rows,
    build_documents,
    render_html,
    score_rows,
)
from cxzy_saas.audit.offline import Offline
from cxzy_saas.audit.pdf import render_pdf
from cxzy_saas.domain import events

# 2: board.json; scores under one rule for the plan version (decision 0012), 未参评 rows.
FORMAT = "cxzy-archive/2"
# 3: an amended branch-year (decision 0011): ``revisions`` holds every revision's seal event
# (the Sealed one, then one Resealed per closed amendment); ``seal`` and ``chains`` are the
# current revision's, whose chains continue the earlier revisions' over the same files. A
# branch-year never amended is exported as format 2, as before.
FORMAT_AMENDED = "cxzy-archive/3"
# The wording of the documents, which the verifier re-derives byte for byte (decision 0032): a
# bundle of other wording is exported again from its sealed events, never re-derived with it.
# 3: the commendation's table gives each name's reason (理由), and says when a branch was named
# against the committee's branch ranking.
DOCUMENTS = "cxzy-documents/3"
MANIFEST = "manifest.json"
SECTIONS = ("branch", "committee")
DEEDS_DRAFTED = events.topic_of(events.DeedMaterialDrafted)


EVIDENCE = "evidence.json"
EVIDENCE_ATTACHED = events.topic_of(events.EvidenceAttached)


def evidence_file(digest: str) -> str:
    return f"evidence/{digest}"


def pretty(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2) + b"\n"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def events_file(section: str) -> str:
    return f"events/{section}.jsonl"


def manifest_digest(manifest: Mapping[str, Any]) -> str:
    """SHA-256 of the manifest's canonical form without its own ``digest`` field."""
    body = {k: v for k, v in manifest.items() if k != "digest"}
    return sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS))


def derive(
    committee: str,
    branch: str,
    year: int,
    branch_records: Sequence[Record],
    committee_records: Sequence[Record],
    names: dict[str, str],
) -> tuple[dict[str, bytes], list[Document]]:
    """The files a verifier can recompute from the events and names: scores.json, board.json
    and every HTML document; also the documents themselves (for the PDFs)."""
    ctx = Context(
        committee,
        branch,
        year,
        names,
        Offline(branch, branch_records),
        Offline(committee, committee_records),
    )
    deed_ids = [UUID(r.aggregate) for r in branch_records if r.topic == DEEDS_DRAFTED]
    docs = build_documents(ctx, deed_ids, names.get(f"branch:{branch}", branch))
    files = {f"documents/{d.key}.html": render_html(d) for d in docs}
    files["scores.json"] = pretty({"branch": branch, "year": year, "levels": score_rows(ctx)})
    files["board.json"] = pretty({"branch": branch, "year": year, "levels": board_rows(ctx)})
    return files, docs


def build(
    committee: str,
    branch: str,
    year: int,
    branch_records: Sequence[Record],
    committee_records: Sequence[Record],
    seals: Sequence[Record],
    log_heads: Mapping[str, int],
    names: dict[str, str],
    *,
    with_pdf: bool = True,
    evidence: Mapping[str, bytes | None] | None = None,
) -> dict[str, bytes]:
    """Every file of the bundle; ``seals``: the seal's events, one per revision, the current
    last. Raises pdf.FontMissing when PDFs are wanted and no CJK font is installed."""
    files, docs = derive(committee, branch, year, branch_records, committee_records, names)
    files["names.json"] = pretty(names)
    if evidence:
        files[EVIDENCE] = pretty(
            {digest: "kept" if data is not None else "erased" for digest, data in evidence.items()}
        )
        files.update({evidence_file(d): data for d, data in evidence.items() if data is not None})
    if with_pdf:
        files.update({f"documents/{d.key}.pdf": render_pdf(d) for d in docs})
    chains = {}
    for section, records in (("branch", branch_records), ("committee", committee_records)):
        start = genesis(committee, branch, year, section)
        files[events_file(section)] = encode_lines(start, list(records))
        summary = summarise(start, list(records), log_heads[section])
        chains[section] = {
            "file": events_file(section),
            "genesis": start.hex(),
            **summary.as_dict(),
        }
    manifest: dict[str, Any] = {
        "format": FORMAT if len(seals) == 1 else FORMAT_AMENDED,
        "algorithm": ALGORITHM,
        "documents": DOCUMENTS,
        "committee": committee,
        "branch": branch,
        "year": year,
        "chains": chains,
        "seal": seals[-1].as_json(),
        "files": {name: sha256(data) for name, data in sorted(files.items())},
    }
    if len(seals) > 1:
        manifest["revisions"] = [record.as_json() for record in seals]
    manifest["digest"] = manifest_digest(manifest)
    files[MANIFEST] = pretty(manifest)
    return files


def write(files: Mapping[str, bytes], path: Path) -> None:
    """A zip when ``path`` ends in .zip (fixed timestamps, sorted names: the same bundle gives
    the same bytes), otherwise a folder, which must not exist or be empty.

    Raises:
        FileExistsError: the folder exists and is not empty, or the zip exists (an earlier
            export, perhaps the one an auditor holds: never overwritten).
    """
    if path.suffix.lower() == ".zip":
        if path.exists():
            raise FileExistsError(f"{path} exists: an earlier export is kept; choose a new name")
        path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(path, "x", zipfile.ZIP_DEFLATED) as z:
            for name in sorted(files):
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                z.writestr(info, files[name])
        return
    if path.exists() and any(path.iterdir()):
        raise FileExistsError(f"{path} exists and is not empty")
    for name, data in files.items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def read(path: Path) -> dict[str, bytes]:
    """The files of a bundle folder or zip, by relative POSIX path.

    Raises:
        FileNotFoundError: no such folder or file.
        zipfile.BadZipFile: a .zip that is not a zip.
    """
    if path.is_dir():
        return {
            p.relative_to(path).as_posix(): p.read_bytes()
            for p in sorted(path.rglob("*"))
            if p.is_file()
        }
    if not path.exists():
        raise FileNotFoundError(str(path))
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist() if not i.is_dir()}
