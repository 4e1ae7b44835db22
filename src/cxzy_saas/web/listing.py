"""A branch's lists read from the read models, fresh enough that a user sees what was just
written (read-your-writes, ``docs/decisions/0019-branch-lists-from-read-models.md``).

A command's answer names the position its events took in the branch's log (header
``Cxzy-Position: <branch>=<position>``). A list waits until the read model holds that
position: the one the client names in ``Cxzy-After`` (what its last command answered), or
else the head of the branch's log when the list is asked, so that a page after a form's
redirect shows what the form wrote. When the projector runs in this process it is woken at
once; when none runs here, the request projects the branch's new events itself (as a command
line reader does, taking only what no other projector owns); after ``LIST_WAIT`` seconds
(default 2) it reads what is there, and says how far that is (``position``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import date
from typing import Any

from flask import current_app, request

from cxzy_saas.projections import lists
from cxzy_saas.projections.db import ReadModelDB
from cxzy_saas.web import read_model_of, read_port_of, tenancy_of

HEADER_AFTER = "Cxzy-After"
HEADER_POSITION = "Cxzy-Position"
CATCH_UP = "cxzy.list_catch_up"  # app.extensions: (app, committee, branch) -> None


def written_header(written: dict[str, int]) -> str:
    return ",".join(f"{log}={position}" for log, position in sorted(written.items()))


def asked_after(branch: str) -> int | None:
    """The position of ``branch`` the client's ``Cxzy-After`` header names, if any."""
    for part in request.headers.get(HEADER_AFTER, "").split(","):
        log, _, position = part.strip().partition("=")
        if log == branch and position.isdigit():
            return int(position)
    return None


def fresh_model(branch: str, *, decided: bool = False) -> ReadModelDB:
    """The read model of ``branch``'s committee, holding at least what was written to the
    branch's log before this request (or up to the position ``Cxzy-After`` names).
    ``decided``: the list shows the committee's decisions too, so its log is waited for the
    same way (a committee user's next list shows the decision they just made)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    committee = tenancy_of(app).parent_of(branch)
    db = read_model_of(app, committee)
    logs = [branch, committee] if decided else [branch]
    asked = {log: asked_after(log) for log in logs}
    wanted = {log: position for log, position in asked.items() if position is not None}
    unnamed = [log for log in logs if log not in wanted]
    if unnamed:
        wanted.update(read_port_of(app, committee).heads(unnamed))

    def behind() -> bool:
        return any(lists.tracked(db, log) < position for log, position in wanted.items())

    if not behind():
        return db
    # Wake the projector of this process, or project the branch here (``web/catchup.py``,
    # given by the factory: nothing a list or an as-of view imports builds a live projector;
    # it takes the committee's log with the branch's).
    app.extensions[CATCH_UP](app, committee, branch)
    deadline = time.monotonic() + float(app.config.get("LIST_WAIT", 2.0))
    while behind() and time.monotonic() < deadline:
        time.sleep(0.02)
    return db


def page_answer(
    found: lists.Found, paging: lists.Paging, keys: Iterable[str] | None = None
) -> dict[str, Any]:
    """A list's answer: the page's rows, paging, and the position of the branch's log the
    rows reflect. ``keys``: the fields of each row to answer, dates as ISO text (JSON-ready,
    in the shape of the route's response schema, ``api_route(ready=True)``)."""
    items = found.items
    if keys is not None:
        names = tuple(keys)
        items = [
            {k: v.isoformat() if isinstance(v, date) else v for k, v in row.items() if k in names}
            for row in items
        ]
    return {
        "items": items,
        "page": paging.page,
        "per_page": paging.per_page,
        "total": found.total,
        "position": found.position,
    }


def titled(rows: list[dict[str, Any]], branch: str | None = None) -> list[dict[str, Any]]:
    """Submissions (or the 待办's approvals, whose kind is ``what``) with a nominee's title
    naming the member or group: 推荐先进党小组：后勤党小组. The read model keeps the code: a name
    is personal data, read from the branch at view time (decision 0007)."""
    tenancy = tenancy_of(current_app)
    for row in rows:
        kind = row.get("what") or row.get("kind")
        if kind != "nominee" or str(row.get("subject", "")).count(":") != 2:
            continue
        _, level, subject = str(row["subject"]).split(":", 2)
        name = tenancy.branch(branch or row["branch"]).subject_name(level, subject)
        what = str(row["title"]).removesuffix(subject).strip()
        row["title"] = f"{what}：{name}"
    return rows
