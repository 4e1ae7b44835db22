"""Diffs kept across requests and processes: an audit-owned cache, derived from the logs only.

A diff is a function of the logs it reads up to their heads, so a diff made once answers again
while no log it read has grown. Each is kept in memory (the last few asked) and as a file in
``<data folder>/audit-cache/`` that every worker process of the data folder shares, named by
the SHA-256 of its key: the committee, the campaign, the two days, the levels and the head
position of every log read (the registry's, the committee's, each branch's). Any append moves
a head, so it makes a new key: nothing kept is ever updated, only left behind and pruned.

Each file also holds, per log, the head of a SHA-256 chain over the stored events the diff was
made from (``_link``: position, version, aggregate, topic and the stored bytes), so a
kept diff is verifiable against the logs (:func:`verify`): a log rewritten in place, without
an append, no longer matches and the file is dropped. A read model, a checkpoint or the time
index is never part of a key or of a kept diff.

After appends, diffs asked recently are made again in the background (:class:`Warmer`), so the
next reader of the same days finds the new one ready. A kept diff holds members' names as the
replay showed them: the live projector removes every kept file when it commits an erasure
(``projections.asof.forget_erased``), as it overwrites the name in its as-of checkpoints.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import os
import struct
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import orjson

from cxzy_saas.audit import images
from cxzy_saas.audit.diff import diff
from cxzy_saas.audit.images import Image, Images
from cxzy_saas.audit.logs import Log, committee_logs
from cxzy_saas.audit.replay import LEVELS
from cxzy_saas.domain.errors import NotFound
from cxzy_saas.domain.events import MemberPersonalDataErased
from cxzy_saas.logs.port import REGISTRY, Logs, StoredNotification
from cxzy_saas.projections.db import AUDIT_CACHE
from cxzy_saas.projections.db import AUDIT_ERASED as ERASED

FOLDER = AUDIT_CACHE  # in the data folder
IN_MEMORY = 8  # diffs kept in each process's memory, the last asked for
ON_DISK = 64  # diff files kept in the folder, the newest
_TAG = b"cxzy-audit kept-diff/v2\x00"
_HEAD = struct.Struct(">QQIII")
logger = logging.getLogger(__name__)

Asked = tuple[str, int, date, date, tuple[str, ...]]  # committee, year, from, to, levels


def logs_of(port: Logs, committee: str) -> list[str]:
    """The logs a diff of ``committee`` reads, as ``committee_logs`` reads them."""
    return [REGISTRY, committee, *(t.code for t in port.tenants() if t.parent == committee)]


def described(asked: Asked, heads: Mapping[str, int]) -> dict[str, Any]:
    """What a diff was asked for and the logs' heads it was made at: its key's text, and the
    head of its file."""
    committee, year, start, end, levels = asked
    return {
        "committee": committee,
        "year": year,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "levels": list(levels),
        "heads": dict(sorted(heads.items())),
    }


def key_of(asked: Asked, heads: Mapping[str, int]) -> str:
    text = json.dumps(described(asked, heads), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chain_heads(log: Log, positions: list[int], start: str | None) -> list[str]:
    """The chain's head at each of ``positions`` (rising), over the stored events of a log
    read whole, or after its ``since`` from ``start``, the chain's head there."""
    if start is not None and log.since:
        current = bytes.fromhex(start)
    else:
        current = hashlib.sha256(_TAG + log.tenant.encode("utf-8")).digest()
    found = []
    stored = iter(log.stored)
    n = next(stored, None)
    for position in positions:
        while n is not None and n.id <= position:
            current = _link(current, n)
            n = next(stored, None)
        found.append(current.hex())
    return found


def _link(previous: bytes, n: StoredNotification) -> bytes:
    """SHA-256 over the previous link and one stored event: its position, version, aggregate
    (canonical UUID text), topic and stored bytes, each length-prefixed. Not the archives'
    ``chain.link``, whose canonical header costs twice as much a link (7.8 µs, 3.8 here): a kept
    file's chain is checked only against the same store's logs, never offline."""
    aggregate, topic = str(n.originator_id).encode(), n.topic.encode("utf-8")
    h = hashlib.sha256(previous)
    h.update(_HEAD.pack(n.id, n.originator_version, len(aggregate), len(topic), len(n.state)))
    h.update(aggregate)
    h.update(topic)
    h.update(n.state)
    return h.digest()


def erased_after(logs: Mapping[str, Log], positions: Mapping[str, int]) -> bool:
    """Whether a member's personal data was erased in a log after ``positions``."""
    return any(
        e.type is MemberPersonalDataErased and e.position > positions.get(code, 0)
        for code, log in logs.items()
        for e in log.events
    )


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic collector paused while a diff is made, then as it was. A diff makes
    tens of thousands of objects (the events read, their states, the causes) that live until
    it ends and make no cycles; the collector walked them again and again as they grew: a
    quarter of a diff made from images in a new process (994 ms with it, 749 without)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Kept:
    """The diffs of one data folder (``folder``; None keeps them in memory only)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.images = Images(folder)
        self._memory: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.asked: dict[Asked, float] = {}  # what was asked lately, and when (the warmer's)

    def diff(self, port: Logs, asked: Asked) -> dict[str, Any]:
        """``audit.diff.diff`` of ``asked``, from memory, from the folder, or made and kept.

        Raises:
            InvalidInput, NotFound: as ``audit.diff.diff``.
        """
        with self._lock:
            self.asked[asked] = time.monotonic()
        heads = port.heads(logs_of(port, asked[0]))
        key = key_of(asked, heads)
        found = self.get(key)
        if found is not None:
            return found
        return self.make(port, asked, heads)

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            if key in self._memory:
                self._memory.move_to_end(key)
                return self._memory[key]
        entry = self._read(key)
        if entry is None:
            return None
        self._remember(key, entry["diff"])
        return dict(entry["diff"])

    def make(self, port: Logs, asked: Asked, heads: Mapping[str, int]) -> dict[str, Any]:
        """Made from the latest image on or before its first day (``audit/images.py``), or
        from the first event; keeps an image at each month end its replay passes."""
        with collector_paused():
            return self._make(port, asked, heads)

    def _make(self, port: Logs, asked: Asked, heads: Mapping[str, int]) -> dict[str, Any]:
        committee, year, start, end, levels = asked
        erasures = self.erasures()  # before anything is read
        image = self.images.latest(committee, year, start, heads)
        later = self.images.latest(
            committee, year, end, heads, after=None if image is None else image.day
        )
        logs = committee_logs(port, committee, None if image is None else image.positions)
        # An image made before a member's data was erased holds the name, where a replay now
        # shows the erased placeholder: no image before an erasure is gone on from.
        if image is not None and erased_after(logs, image.positions):
            image = later = None
            logs = committee_logs(port, committee)
        if later is not None and erased_after(logs, later.positions):
            later = None
        made: list[Image] = []
        have = self.images.days(committee, year) if self.images.folder else None
        marks = (
            []
            if have is None
            else [d for d in images.marks(year, image, start, end) if d not in have]
        )
        found = diff(
            port, logs, committee, year, start, end, levels, image, later, marks, made.append
        )
        read = {code: log.head for code, log in logs.items()}
        # Each image's chains, and the diff's own at the heads read, in one pass over each log.
        begun = {} if image is None else image.chains
        chains = {
            code: chain_heads(
                log, [m.positions[code] for m in made] + [read[code]], begun.get(code)
            )
            for code, log in logs.items()
        }
        written = [
            self.images.write(replace(one, chains={code: c[n] for code, c in chains.items()}))
            for n, one in enumerate(made)
        ]
        # Kept under the heads the logs had when read (a log that grew since the heads were
        # asked is kept under its new head: the key then says what the diff was made of).
        key = key_of(asked, {**heads, **read})
        self._remember(key, found)
        written.append(
            self._write(key, asked, read, {code: c[-1] for code, c in chains.items()}, found)
        )
        if self.erasures() != erasures:
            # An erasure was committed meanwhile, and its files removed: these may hold the
            # name too (an erasure removes what it finds after it says so, ``forget_erased``).
            for path in written:
                if path is not None:
                    path.unlink(missing_ok=True)
        return found

    def prepare(self, port: Logs, committee: str, year: int, today: date) -> list[date]:
        """The images of campaign ``year`` at the month ends that ended before ``today`` (from
        the end of the year before it), made now where missing (``audit/images.py``), so that
        the first diff asked of any days starts from one: one replay, from the latest image
        there is, kept as the diff of the last such month end to itself. The days made.

        Raises:
            NotFound: the committee has no campaign for ``year``.
        """
        ends = images.month_ends(date(year - 1, 12, 30), min(today, date(year + 1, 1, 1)))
        ends = [d for d in ends if d < today]
        had = self.images.days(committee, year)
        if self.folder is None or not ends or set(ends) <= had:
            return []
        heads = port.heads(logs_of(port, committee))
        self.make(port, (committee, year, ends[-1], ends[-1], LEVELS), heads)
        return sorted(self.images.days(committee, year) - had)

    def erasures(self) -> str | None:
        """What the folder's erasure mark says now (``projections.asof.forget_erased``)."""
        if self.folder is None:
            return None
        try:
            return (self.folder / ERASED).read_text()
        except OSError:
            return None

    def _remember(self, key: str, found: dict[str, Any]) -> None:
        with self._lock:
            self._memory[key] = found
            self._memory.move_to_end(key)
            while len(self._memory) > IN_MEMORY:
                self._memory.popitem(last=False)

    def _path(self, key: str) -> Path | None:
        return None if self.folder is None else self.folder / f"diff-{key}.json"

    def _read(self, key: str) -> dict[str, Any] | None:
        path = self._path(key)
        if path is None:
            return None
        try:
            entry: dict[str, Any] = orjson.loads(path.read_bytes())
        except (OSError, ValueError):
            return None  # absent, or half written by a process that died: made again
        return entry

    def _write(
        self,
        key: str,
        asked: Asked,
        heads: Mapping[str, int],
        chains: Mapping[str, str],
        found: dict[str, Any],
    ) -> Path | None:
        """The file written, if it could be."""
        path = self._path(key)
        if path is None or self.folder is None:
            return None
        entry = {
            **described(asked, heads),
            "chains": dict(sorted(chains.items())),
            "diff": found,
        }
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".diff-", suffix=".tmp")
            with os.fdopen(handle, "wb") as out:
                out.write(orjson.dumps(entry))
            os.replace(temporary, path)  # whole or not at all, for every reader
            self._prune()
        except OSError:
            return None  # a cache: a folder that cannot be written only costs the next reader
        return path

    def _prune(self) -> None:
        assert self.folder is not None
        files = sorted(self.folder.glob("diff-*.json"), key=lambda p: p.stat().st_mtime)
        for old in files[:-ON_DISK]:
            old.unlink(missing_ok=True)


def verify(port: Logs, folder: Path) -> dict[str, int]:
    """Check every kept diff whose logs have not grown, and every image (``audit/images.py``),
    against the logs as they are now: the chain heads recorded must be the logs' own, at the
    heads (a diff) or at the image's positions. A file that does not match (a log was changed
    without an append), that its logs no longer hold (a log shorter than an image's position)
    or that is unreadable is removed; a diff whose logs grew is left for pruning. Returns the
    diffs found ``valid``, ``removed`` and ``stale``, and the images ``images_valid`` and
    ``images_removed``."""
    counts = {"valid": 0, "removed": 0, "stale": 0, "images_valid": 0, "images_removed": 0}

    def judge(path: Path, good: bool, kind: str = "") -> None:
        counts[kind + ("valid" if good else "removed")] += 1
        if not good:
            path.unlink(missing_ok=True)

    diffs: list[tuple[Path, str, dict[str, str]]] = []  # file, committee, chains
    for path in sorted(folder.glob("diff-*.json")):
        try:
            entry = json.loads(path.read_bytes())
            heads, recorded, committee = entry["heads"], entry["chains"], entry["committee"]
            if port.heads(list(heads)) != heads:
                counts["stale"] += 1
                continue
        except (OSError, ValueError, KeyError, NotFound):
            judge(path, False)
            continue
        diffs.append((path, committee, recorded))
    kept: list[tuple[Path, Image]] = []
    for path in sorted(folder.glob(f"{images.PREFIX}*.bin")):
        try:
            kept.append((path, images.decode(path.read_bytes())))
        except (OSError, ValueError, KeyError):
            judge(path, False, "images_")
    # Each committee's logs read once, and each log's chain walked once, to every position
    # an image of it holds and to its head.
    chains: dict[tuple[str, str], dict[int, str]] = {}  # (committee, log) -> position -> head
    now: dict[str, dict[str, int]] = {}  # committee -> its logs' heads
    for committee in {c for _, c, _ in diffs} | {i.committee for _, i in kept}:
        try:
            logs = committee_logs(port, committee)
        except NotFound:
            continue
        now[committee] = {code: log.head for code, log in logs.items()}
        for code, log in logs.items():
            wanted = {log.head} | {
                i.positions[code]
                for _, i in kept
                if i.committee == committee and code in i.positions
            }
            positions = sorted(p for p in wanted if p <= log.head)
            walked = chain_heads(log, positions, None)
            chains[(committee, code)] = dict(zip(positions, walked, strict=True))

    def at(committee: str, code: str, position: int) -> str | None:
        return chains.get((committee, code), {}).get(position)

    for path, committee, recorded in diffs:
        good = committee in now and all(
            code in now[committee] and at(committee, code, now[committee][code]) == head
            for code, head in recorded.items()
        )
        judge(path, good)
    for path, image in kept:
        good = (
            image.committee in now
            and image.fits(now[image.committee])
            and all(
                at(image.committee, code, position) == image.chains.get(code)
                for code, position in image.positions.items()
            )
        )
        judge(path, good, "images_")
    return counts


class Warmer:
    """Makes again, in the background, the diffs asked in the last ``recent`` seconds whose
    logs grew, at most one at a time and each at most once every ``pause`` seconds; looks
    every ``every`` seconds (a look costs the heads of the logs: a ``stat`` each, or one
    query)."""

    def __init__(
        self,
        kept: Kept,
        port: Callable[[], Logs],
        every: float = 5.0,
        recent: float = 1800.0,
        pause: float = 60.0,
    ) -> None:
        self.kept = kept
        self.port = port
        self.every, self.recent, self.pause = every, recent, pause
        self._made: dict[Asked, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="audit-warmer", daemon=True)

    def start(self) -> Warmer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.once()
            except Exception:  # a cache: the next reader makes it instead
                logger.exception("audit warmer: a diff could not be made")

    def once(self) -> int:
        """Make what is due now; the number of diffs made."""
        now = time.monotonic()
        with self.kept._lock:
            asked = [a for a, at in self.kept.asked.items() if now - at <= self.recent]
            for gone in [a for a, at in self.kept.asked.items() if now - at > self.recent]:
                del self.kept.asked[gone]
        made = 0
        port = self.port()
        for one in asked:
            if now - self._made.get(one, -self.pause) < self.pause:
                continue
            heads = port.heads(logs_of(port, one[0]))
            if self.kept.get(key_of(one, heads)) is not None:
                continue
            self._made[one] = now
            self.kept.make(port, one, heads)
            made += 1
        return made
