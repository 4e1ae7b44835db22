"""A committee admin rebuilds the read models from the logs, as a job with a progress bar.

On SQLite the projector runs inside the web process (``web.start_projector``), and a rebuild
that emptied the live read model beside it would race it: both would project the same events,
and a batch the live projector had read before the emptying would be committed after it. So
the rebuild never touches the live model until its last step:

1. it projects every log into a scratch database, up to the positions the live model had
   reached when it began (readers keep seeing the old boards meanwhile);
2. then, holding the live model's write lock (``BEGIN IMMEDIATE``: the live projector's next
   commit waits for it), it reads the live positions again, projects the few events committed
   since into the scratch model, and replaces every table of the live model with the scratch
   model's rows, in that one transaction.

After the swap the live model holds exactly the rebuild of every log up to the live tracking
positions, so the live projector, whose next batch starts from those positions, goes on without
losing or repeating an event. Two rebuilds never run at once (a lock per application).

On PostgreSQL the projector is a process of its own; this page refuses there and points to
``cxzy project rebuild`` (run with the projector stopped).
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

from flask import current_app, render_template
from werkzeug.wrappers import Response

from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.domain.errors import StateConflict
from cxzy_saas.projections.db import TABLES, SQLiteReadModel
from cxzy_saas.projections.projector import Projector
from cxzy_saas.web import tenancy_of
from cxzy_saas.web.pages import bp, nav_link
from cxzy_saas.web.pages.access import acting_for, go, signed_in, user
from cxzy_saas.web.pages.i18n import tr
from cxzy_saas.web.pages.jobs import Report, start_job

ADMINS = frozenset({"committee-admin"})
READ_MODEL_FILE = "projections.sqlite3"

nav_link("committee", "pages.rebuild_page", "重建读模型", "Rebuild read models")


def rebuild_in_place(tenancy: Tenancy, lock: threading.Lock, report: Report) -> int:
    """Rebuild the SQLite read model beside a running projector; returns the events projected.

    Raises:
        StateConflict: a rebuild runs already, or the store is not SQLite.
    """
    if tenancy.settings.backend != "sqlite":
        raise StateConflict("read_models.not_sqlite")
    if not lock.acquire(blocking=False):
        raise StateConflict("read_models.rebuilding")
    try:
        data_dir = tenancy.settings.data_dir
        live = SQLiteReadModel(data_dir / READ_MODEL_FILE)  # a connection of our own
        with tempfile.TemporaryDirectory(dir=data_dir, prefix="rebuild-") as folder:
            scratch_path = Path(folder) / READ_MODEL_FILE
            scratch = SQLiteReadModel(scratch_path)
            try:
                return _rebuild(tenancy, live, scratch, scratch_path, report)
            finally:
                scratch.close()
                live.close()
    finally:
        lock.release()


def _rebuild(
    tenancy: Tenancy, live: SQLiteReadModel, scratch: SQLiteReadModel, path: Path, report: Report
) -> int:
    projector = Projector(tenancy, scratch)
    total = max(1, sum(row["head"] for row in projector.status()))
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        report(0.9 * done / total, f"已投影 {done} / {total} 个事件", f"{done} / {total} events")

    report(0.0, "正在从各支部日志重建……", "Replaying the logs…")
    reached = Projector(tenancy, live).positions()
    projector.catch_up(advance, recompute_boards=False, stop_at=reached)
    report(0.9, "正在替换读模型……", "Swapping the read models…")
    live.conn.execute("ATTACH DATABASE ? AS scratch", (str(path),))
    try:
        with live.transaction() as tx:
            now = {t: int(p) for t, p in tx.query("SELECT tenant, position FROM rm_tracking")}
            late = projector.catch_up(stop_at=now)  # committed while we replayed
            done += late.events
            for table, (columns, _) in TABLES.items():
                names = ", ".join(columns)
                tx.execute(f"DELETE FROM main.{table}")
                tx.execute(
                    f"INSERT INTO main.{table} ({names}) SELECT {names} FROM scratch.{table}"
                )
    finally:
        live.conn.execute("DETACH DATABASE scratch")
    return done


def _lock() -> threading.Lock:
    lock = current_app.extensions.setdefault("cxzy.rebuild_lock", threading.Lock())
    assert isinstance(lock, type(threading.Lock()))
    return lock


@bp.get("/committee/read-models")
@signed_in
def rebuild_page() -> str:
    actor = acting_for(user().committee, ADMINS)
    return render_template("jobs/rebuild.html", actor=actor, error="")


@bp.post("/committee/read-models/rebuild")
@signed_in
def rebuild_start() -> Response | tuple[str, int]:
    acting_for(user().committee, ADMINS)
    tenancy, lock = tenancy_of(current_app), _lock()
    if lock.locked():
        error = tr("已有重建任务在运行,请等待其完成", "A rebuild is running already")
        return render_template("jobs/rebuild.html", error=error), 409

    def work(report: Report) -> tuple[str, str, str | None]:
        count = rebuild_in_place(tenancy, lock, report)
        return f"重建完成,共投影 {count} 个事件", f"Rebuilt from {count} events", None

    try:
        job = start_job(("重建读模型", "Rebuild read models"), work)
    except StateConflict:
        error = tr("同时运行的任务过多,请稍后再试", "Too many jobs are running; try again later")
        return render_template("jobs/rebuild.html", error=error), 409
    return go("pages.job_page", job_id=job.id)
