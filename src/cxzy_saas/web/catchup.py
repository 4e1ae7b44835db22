"""How a list that found the read model behind gets it moving (``web/listing.py``): the
projector running in this process is woken; with none here, the request projects the branch's
new events itself, taking only what no other projector owns. Given to the lists by the
factory (``web/app.py``), so that nothing a view imports builds a live projector."""

from __future__ import annotations

import threading

from flask import Flask

from cxzy_saas.projections.engine import Superseded
from cxzy_saas.projections.ownership import ProjectorBusy
from cxzy_saas.projections.projector import Projector, nudge
from cxzy_saas.web import read_model_of, read_models_of, read_port_of

EMBEDDED = "cxzy.embedded_projector"  # app.extensions: the projector runs in this process


def catch_up(app: Flask, committee: str, branch: str) -> None:
    if app.extensions.get(EMBEDDED):
        nudge()
    else:
        _project_here(app, committee, branch)


_catching = threading.Lock()


def _project_here(app: Flask, committee: str, branch: str) -> None:
    """Project ``branch``'s new events here, unless another projector owns them (another
    process on SQLite holds the lock; on PostgreSQL a worker holds the committee's lease)."""
    if not _catching.acquire(timeout=5):
        return
    try:
        made: dict[str, Projector] = app.extensions.setdefault("cxzy.list_projectors", {})
        projector = made.get(committee)
        if projector is None:
            models = read_models_of(app, committee)
            # SQLite: a connection of its own (requests must not see its batch uncommitted);
            # PostgreSQL: the requests' (its batches are transactions of their own).
            own = None if models.embedded else read_model_of(app, committee)
            projector = made[committee] = Projector(read_port_of(app, committee), models, own)
        try:
            with projector.owning():
                projector.catch_up(logs=[committee, branch])
        except (ProjectorBusy, Superseded):
            pass  # another projector has them: wait for it
    finally:
        _catching.release()
