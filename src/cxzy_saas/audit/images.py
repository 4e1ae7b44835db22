"""Audit images: a diff's throw-away model as it stood at the end of a month, kept so that a
later diff replays from there rather than from each log's first event (decision 0034).

A diff's replay (decision 0029: one committee's campaign, no branch lists, that campaign's
boards, no record, assessment or measure of another year) passes the ends of the months
between its image, or the end of the year before the campaign, and its first day. At each,
and at its later day when that is a month end, it keeps an image: the model's bytes
(``Connection.serialize``), the position it holds of each log (the last event recorded by
that day's end, ``logs.position_at``) and the head of each log's SHA-256 chain up to that
position (``kept.chain_heads``). Its leaderboards are not computed at a month end that is
not one of the diff's days: a replay computes them whole, from the other tables, at the end
of every moment it reads, unless the moment is an image's own and its boards were computed.

A diff whose first day is on or after an image's day restores the latest such image, reads
each log after the image's position only (``logs.Log.since``) and replays on from there.
Nothing is lost by starting there: the model holds exactly the events up to those positions,
and a position found for a later day is either an event read after them or the image's own
(the event there was recorded by the image's day). What the events read need of earlier ones
(the creating event of an aggregate they continue) is read by aggregate (``logs.continued``).

The rule of decision 0029 stands: an image is the audit's own, derived from the logs only,
never from a read model, a checkpoint or the time index. Like a kept diff it is trusted while
its logs have not shrunk below its positions, and ``cxzy audit kept`` checks its chains
against the logs (a log changed in place, without an append, removes it). It holds members'
names as the replay showed them: an erasure removes every image with the kept diffs.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import struct
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

PREFIX = "image-"
_MAGIC = b"cxzy-audit image/1\n"
PER_CAMPAIGN = 14  # image files kept of a campaign, the newest: a year's month ends and one


@dataclass(frozen=True)
class Image:
    committee: str
    year: int
    day: date
    positions: dict[str, int]
    chains: dict[str, str]  # log -> chain head up to its position
    model: bytes
    boards: bool = False  # whether its leaderboards were computed (a diff's own day)

    def fits(self, heads: Mapping[str, int]) -> bool:
        """Whether the logs (their heads now) still hold every event the image was made of."""
        return all(code in heads and heads[code] >= p for code, p in self.positions.items())


def month_ends(after: date, until: date) -> list[date]:
    """The last days of the months strictly after ``after``, up to ``until``."""
    found: list[date] = []
    day = after + timedelta(days=1)
    while True:
        end = (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        if end > until:
            return found
        found.append(end)
        day = end + timedelta(days=1)


def marks(year: int, image: Image | None, start: date, end: date) -> list[date]:
    """The days a diff of campaign ``year`` from ``start`` to ``end`` keeps images at: the
    month ends after its image's day (or from the end of the year before the campaign) up to
    ``start``, and ``end`` when it is a month end. Not the month ends between the two days:
    each would cost the diff another computation of the boards."""
    after = image.day if image is not None else date(year - 1, 12, 30)
    found = month_ends(after, start)
    if month_ends(end - timedelta(days=1), end) == [end] and end not in found:
        found.append(end)
    return found


class Images:
    """The images of one data folder (``folder``; None keeps none)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def _path(self, committee: str, year: int, day: date) -> Path | None:
        if self.folder is None:
            return None
        return self.folder / f"{PREFIX}{committee}-{year}-{day.isoformat()}.bin"

    def latest(
        self,
        committee: str,
        year: int,
        day: date,
        heads: Mapping[str, int],
        after: date | None = None,
    ) -> Image | None:
        """The image of the campaign made at the latest month end on or before ``day`` (and
        after ``after``) whose logs still hold it; None if there is none."""
        days = [d for d in self.days(committee, year) if d <= day and (after is None or d > after)]
        for found in sorted(days, reverse=True):
            image = self.read(committee, year, found)
            if image is not None and image.fits(heads):
                return image
        return None

    def days(self, committee: str, year: int) -> set[date]:
        """The days the campaign has images of."""
        if self.folder is None:
            return set()
        prefix = f"{PREFIX}{committee}-{year}-"
        found = set()
        for path in self.folder.glob(f"{prefix}*.bin"):
            try:
                found.add(date.fromisoformat(path.name[len(prefix) : -len(".bin")]))
            except ValueError:
                continue
        return found

    def read(self, committee: str, year: int, day: date) -> Image | None:
        path = self._path(committee, year, day)
        if path is None:
            return None
        try:
            image = decode(path.read_bytes())
        except (OSError, ValueError):
            return None  # absent, or not whole: made again
        return image if (image.committee, image.year, image.day) == (committee, year, day) else None

    def write(self, image: Image) -> Path | None:
        """The file written, if it could be."""
        path = self._path(image.committee, image.year, image.day)
        if path is None or self.folder is None:
            return None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".image-", suffix=".tmp")
            with os.fdopen(handle, "wb") as out:
                out.write(encode(image))
            os.replace(temporary, path)  # whole or not at all, for every reader
        except OSError:
            return None  # a cache: a folder that cannot be written only costs the next reader
        self._prune(f"{PREFIX}{image.committee}-{image.year}-")
        return path

    def _prune(self, campaign: str) -> None:
        """The newest images of a campaign kept, and no file a writer left half made (another
        process may remove or replace any of them meanwhile)."""
        assert self.folder is not None
        found = []
        for path in [*self.folder.glob(f"{campaign}*.bin"), *self.folder.glob(".image-*.tmp")]:
            with contextlib.suppress(OSError):
                found.append((path.stat().st_mtime, path))
        kept = sorted(found)
        for _, old in [f for f in kept if f[1].suffix == ".bin"][:-PER_CAMPAIGN]:
            old.unlink(missing_ok=True)
        for changed, left in kept:
            if left.suffix == ".tmp" and time.time() - changed > 3600:
                left.unlink(missing_ok=True)


def encode(image: Image) -> bytes:
    head = json.dumps(
        {
            "committee": image.committee,
            "year": image.year,
            "day": image.day.isoformat(),
            "positions": image.positions,
            "chains": image.chains,
            "size": len(image.model),
            "sha256": hashlib.sha256(image.model).hexdigest(),
            "boards": image.boards,
        },
        sort_keys=True,
    ).encode("utf-8")
    return _MAGIC + struct.pack(">I", len(head)) + head + image.model


def decode(data: bytes) -> Image:
    """Raises ValueError for bytes that are not a whole image."""
    try:
        if not data.startswith(_MAGIC):
            raise ValueError("not an audit image")
        start = len(_MAGIC)
        (size,) = struct.unpack(">I", data[start : start + 4])
        head: dict[str, Any] = json.loads(data[start + 4 : start + 4 + size])
        model = data[start + 4 + size :]
        if len(model) != head["size"] or hashlib.sha256(model).hexdigest() != head["sha256"]:
            raise ValueError("not an audit image")
        return Image(
            str(head["committee"]),
            int(head["year"]),
            date.fromisoformat(head["day"]),
            {str(k): int(v) for k, v in head["positions"].items()},
            {str(k): str(v) for k, v in head["chains"].items()},
            model,
            bool(head["boards"]),
        )
    except (struct.error, KeyError, TypeError, AttributeError) as error:
        raise ValueError("not an audit image") from error
