"""The hash chain of an archive: SHA-256 over a canonical encoding of each stored event.

What is hashed is the event *as stored* (position, aggregate id, version, topic and the stored
state bytes), never a decoded and re-encoded form. Two reasons: re-encoding would make the hash
depend on this code's transcoder (a library upgrade could change it), and members' personal
fields are encrypted in storage with per-member keys that can later be destroyed; a sealed
archive must still verify after that, so the chain may only depend on bytes that never change.

Encoding of one link (``sha256-chain/v1``)::

    h[0] = SHA-256( "cxzy-archive sha256-chain/v1" 0x00
                    || canonical({branch, committee, section, year}) )
    h[i] = SHA-256( h[i-1] (32 raw bytes)
                    || uint64be(len(header)) || header
                    || uint64be(len(state))  || state )
    header = canonical({aggregate, position, topic, version})

``canonical`` is compact JSON with sorted keys in UTF-8 (orjson's output; every value in it is
an ASCII string or an integer, so the form is unambiguous). The length prefixes make the input
injective: no choice of state bytes can pose as another header, and no header can absorb
bytes of the state. The genesis binds the chain to its branch-year, so a chain of branch A
cannot be presented as branch B's. Each event's own hash is written beside it in the bundle,
so a verifier can name the first event that does not match rather than only the head.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

ALGORITHM = "sha256-chain/v1"
_GENESIS_TAG = b"cxzy-archive sha256-chain/v1\x00"
SECTIONS = ("branch", "committee")


def canonical(value: Any) -> bytes:
    """Compact JSON, keys sorted, UTF-8: the one encoding every hashed header uses."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


@dataclass(frozen=True)
class Record:
    """One stored event, exactly as its log holds it."""

    position: int
    aggregate: str  # the aggregate id, canonical hyphenated UUID text
    version: int
    topic: str
    state: bytes

    def header(self) -> bytes:
        return canonical(
            {
                "aggregate": self.aggregate,
                "position": self.position,
                "topic": self.topic,
                "version": self.version,
            }
        )

    def as_json(self) -> dict[str, Any]:
        """The stored state goes in as text when it is UTF-8 (readable, and still exact),
        otherwise as base64 (a configured library cipher or compressor makes it binary)."""
        data: dict[str, Any] = {
            "aggregate": self.aggregate,
            "position": self.position,
            "topic": self.topic,
            "version": self.version,
        }
        try:
            data["state"] = self.state.decode("utf-8")
        except UnicodeDecodeError:
            data["state_b64"] = base64.b64encode(self.state).decode("ascii")
        return data


def genesis(committee: str, branch: str, year: int, section: str) -> bytes:
    context = canonical(
        {"branch": branch, "committee": committee, "section": section, "year": year}
    )
    return hashlib.sha256(_GENESIS_TAG + context).digest()


def link(previous: bytes, record: Record) -> bytes:
    header = record.header()
    h = hashlib.sha256(previous)
    h.update(struct.pack(">Q", len(header)))
    h.update(header)
    h.update(struct.pack(">Q", len(record.state)))
    h.update(record.state)
    return h.digest()


def chain(start: bytes, records: Iterable[Record]) -> Iterator[tuple[Record, bytes]]:
    """Each record with its link hash, in the order given."""
    current = start
    for record in records:
        current = link(current, record)
        yield record, current


@dataclass(frozen=True)
class ChainSummary:
    head: str
    events: int
    first: int
    last: int
    log_head: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "head": self.head,
            "events": self.events,
            "first": self.first,
            "last": self.last,
            "log_head": self.log_head,
        }


def summarise(start: bytes, records: list[Record], log_head: int) -> ChainSummary:
    head = start
    for _, digest in chain(start, records):
        head = digest
    return ChainSummary(
        head=head.hex(),
        events=len(records),
        first=records[0].position if records else 0,
        last=records[-1].position if records else 0,
        log_head=log_head,
    )


def encode_lines(start: bytes, records: list[Record]) -> bytes:
    """The JSON lines of a section: each record with its link hash, one canonical line each."""
    out = bytearray()
    for record, digest in chain(start, records):
        out += canonical({**record.as_json(), "hash": digest.hex()})
        out += b"\n"
    return bytes(out)
