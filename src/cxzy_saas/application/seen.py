"""What one web request (or one command, outside a request) has read of the logs: each thing
read once (``TenantApplication.seen_head``, ``kept`` and ``load``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from uuid import UUID


class Seen:
    """What one web request (or one command, outside a request) has read of the logs, so that
    it reads each thing once: each log's head, and the aggregates its commands saved (a
    command is answered with what it wrote, not a reload). A request sees each log as of the
    first time it asked for its head; its own writes move that head on."""

    def __init__(self) -> None:
        self.heads: dict[str, int] = {}
        self.saved: dict[UUID, Any] = {}


_seen: ContextVar[Seen | None] = ContextVar("cxzy_seen", default=None)


@contextmanager
def seeing() -> Iterator[Seen]:
    """A scope of :class:`Seen` (the web app opens one per request, each command one when it
    runs outside any); inside another, that one."""
    found = _seen.get()
    if found is not None:
        yield found
        return
    token = _seen.set(Seen())
    try:
        yield _seen.get()  # type: ignore[misc]
    finally:
        _seen.reset(token)


def seen_now() -> Seen | None:
    """The current scope of :class:`Seen`, if any."""
    return _seen.get()
