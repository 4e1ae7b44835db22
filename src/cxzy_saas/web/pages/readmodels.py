"""A committee admin rebuilds the read models from the logs, as a job with a progress bar.

On SQLite the projector runs inside the web process (``web.app.start_projector``); the rebuild runs
beside it and swaps its result in at the end (``projections.projector.rebuild_beside`` says
how). Two rebuilds never run at once (a lock per application). On PostgreSQL the projector is a
process of its own; this page refuses there and points to ``cxzy project rebuild`` (run with the
projector stopped).
"""

from __future__ import annotations

import threading

from flask import current_app, render_template
from werkzeug.wrappers import Response

from cxzy_saas.domain.errors import StateConflict
from cxzy_saas.logs.port import Logs
from cxzy_saas.projections.db import ReadModels
from cxzy_saas.projections.projector import rebuild_beside
from cxzy_saas.web import read_models_of, read_port_of
from cxzy_saas.web.pages import bp, i18n, nav_link
from cxzy_saas.web.pages.access import acting_for, go, opens, signed_in, user
from cxzy_saas.web.pages.i18n import tr
from cxzy_saas.web.pages.jobs import Report, start_job

ADMINS = frozenset({"committee-admin"})
nav_link("committee", "pages.rebuild_page", "重新统计", "Rebuild read models")


def rebuild_in_place(logs: Logs, models: ReadModels, lock: threading.Lock, report: Report) -> int:
    """Rebuild the SQLite read model beside a running projector; returns the events projected.

    Raises:
        StateConflict: a rebuild runs already, or the store is not SQLite.
    """
    if not models.embedded:
        raise StateConflict("read_models.not_sqlite")
    if not lock.acquire(blocking=False):
        raise StateConflict("read_models.rebuilding")

    def advance(done: int, total: int) -> None:
        report(0.9 * done / total, f"已处理 {done} / {total} 条记录", f"{done} / {total} events")

    try:
        report(0.0, "正在从各支部日志重建……", "Replaying the logs…")
        return rebuild_beside(
            logs,
            models,
            advance,
            lambda: report(0.9, "正在切换到新的统计结果……", "Swapping the read models…"),
        )
    finally:
        lock.release()


def _lock() -> threading.Lock:
    lock = current_app.extensions.setdefault("cxzy.rebuild_lock", threading.Lock())
    assert isinstance(lock, type(threading.Lock()))
    return lock


@bp.get("/committee/read-models")
@signed_in
@opens(ADMINS)
def rebuild_page() -> str:
    actor = acting_for(user().committee, ADMINS)
    embedded = read_models_of(current_app, actor.tenant).embedded
    return render_template("jobs/rebuild.html", actor=actor, error="", embedded=embedded)


@bp.post("/committee/read-models/rebuild")
@signed_in
def rebuild_start() -> Response | tuple[str, int]:
    committee = acting_for(user().committee, ADMINS).tenant
    logs, models = read_port_of(current_app, committee), read_models_of(current_app, committee)
    if not models.embedded:  # the projector service keeps them: no job that can only fail
        message = i18n.message(StateConflict("read_models.not_sqlite"))
        return render_template("jobs/rebuild.html", error=message, embedded=False), 409
    lock = _lock()
    if lock.locked():
        error = tr("已有重建任务在运行，请等待其完成", "A rebuild is running already")
        return render_template("jobs/rebuild.html", error=error, embedded=True), 409

    def work(report: Report) -> tuple[str, str, str | None]:
        count = rebuild_in_place(logs, models, lock, report)
        return f"重新统计完成，共处理 {count} 条记录", f"Rebuilt from {count} events", None

    try:
        job = start_job(("重新统计", "Rebuild read models"), work)
    except StateConflict:
        error = tr("同时运行的任务过多，请稍后再试", "Too many jobs are running; try again later")
        return render_template("jobs/rebuild.html", error=error, embedded=True), 409
    return go("pages.job_page", job_id=job.id)
