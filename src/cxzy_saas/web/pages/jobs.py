"""Long actions in the background: a small runner of jobs in the web process, and their pages.

A job is one thread running one function, which reports a fraction done and a message; the
page polls ``/jobs/<id>/status`` (with a ``<meta refresh>`` when scripts are off) and shows the
result or a Chinese error at the end. At most ``MAX_RUNNING`` jobs run at once per process (a
2-core server must keep answering pages).

A job's state is kept in the deployment's database (``tenancy.jobs``, a table beside the logs),
not in the memory of the worker that runs it, so that any web worker answers for any job: with
several workers a job's page reaches one at random. The running worker writes its progress
there (at most twice a second) and touches the job every few seconds; a job whose worker died
is shown as interrupted once it has gone untouched for a minute (its work was written in one
transaction, or not at all).

A job belongs to the user who started it: anyone else gets 404 for its pages, as for a job that
does not exist.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, jsonify, render_template, url_for
from werkzeug.wrappers import Response

from cxzy_saas.domain.errors import DomainError, NotFound, StateConflict, render
from cxzy_saas.web import tenancy_of
from cxzy_saas.web.pages import bp, i18n
from cxzy_saas.web.pages.access import signed_in, user
from cxzy_saas.web.problems import json_params

MAX_RUNNING = 2
HEARTBEAT_SECONDS = 10.0
PROGRESS_SECONDS = 0.5

# ``report(fraction, zh, en)``; the work returns what the page shows at the end:
# (zh, en, link to follow or None).
Report = Callable[[float, str, str], None]
Outcome = tuple[str, str, str | None]
Work = Callable[[Report], Outcome]

INTERRUPTED = (
    "任务已中断（运行它的服务进程已停止），请重新开始",
    "The job was interrupted; start it again",
)


@dataclass
class Job:
    """What a job's page shows, from its stored record (``storage/jobs.py``)."""

    record: Any  # a JobRecord

    @property
    def id(self) -> str:
        return str(self.record.id)

    @property
    def owner(self) -> tuple[str, str]:
        return (self.record.committee, self.record.username)

    @property
    def done(self) -> bool:
        return bool(self.record.state != "running" or self.record.stale)

    @property
    def failed(self) -> bool:
        return bool(self.record.state == "failed" or self.record.stale)

    def as_json(self) -> dict[str, Any]:
        r = self.record
        return {
            "id": r.id,
            "title": i18n.tr(r.title_zh, r.title_en),
            "fraction": round(r.fraction, 4),
            "percent": int(r.fraction * 100),
            "message": self.text(),
            "done": self.done,
            "ok": self.done and not self.failed,
            "link": r.link,
        }

    def text(self) -> str:
        r = self.record
        if r.stale:
            return i18n.tr(*INTERRUPTED)
        if r.refusal is not None:
            refused = r.refusal  # rendered from the catalogue in the reader's language
            return render(
                refused["code"], {"field": refused["field"], **refused["params"]}, i18n.lang()
            )
        return i18n.tr(r.message_zh, r.message_en)


class JobRunner:
    """Runs jobs in threads of this process and keeps their state in ``store``."""

    def __init__(self, store: Any, max_running: int = MAX_RUNNING) -> None:
        self._store = store
        self._slots = threading.BoundedSemaphore(max_running)
        self._lock = threading.Lock()
        self._running: set[str] = set()
        self._heartbeat: threading.Thread | None = None

    def start(self, owner: tuple[str, str], title: tuple[str, str], work: Work) -> Job:
        """Run ``work`` in a thread of its own.

        Raises:
            StateConflict: as many jobs run as the process allows; try again later.
        """
        if not self._slots.acquire(blocking=False):
            raise StateConflict("job.too_many")
        try:
            record = self._store.new(secrets.token_urlsafe(16), *owner, *title)
        except BaseException:
            self._slots.release()
            raise
        with self._lock:
            self._running.add(record.id)
            self._beat()
        thread = threading.Thread(
            target=self._run, args=(record, work), name=f"cxzy-job-{record.id}", daemon=True
        )
        thread.start()
        return Job(record)

    def _run(self, record: Any, work: Work) -> None:
        last = 0.0

        def report(fraction: float, zh: str, en: str) -> None:
            nonlocal last
            changed = (zh, en) != (record.message_zh, record.message_en)
            record.fraction = min(max(fraction, 0.0), 1.0)
            record.message_zh, record.message_en = zh, en
            if changed or time.monotonic() - last >= PROGRESS_SECONDS:
                last = time.monotonic()
                record.updated = time.time()
                self._store.save(record)

        try:
            zh, en, link = work(report)
            record.fraction, record.message_zh, record.message_en = 1.0, zh, en
            record.link, record.state = link, "done"
        except DomainError as error:
            params = json_params(error.params)
            record.refusal = {"code": error.code, "field": error.field, "params": params}
            record.state = "failed"
        except Exception:
            logging.getLogger("cxzy").exception("job %s failed", record.id)
            record.message_zh = "任务意外中断，请稍后重试"
            record.message_en = "The job failed; try again later"
            record.state = "failed"
        finally:
            record.updated = time.time()
            try:
                self._store.save(record)
            finally:
                with self._lock:
                    self._running.discard(record.id)
                self._slots.release()

    def _beat(self) -> None:
        """Touch this process's running jobs every few seconds (one thread, while any runs)."""
        if self._heartbeat is not None and self._heartbeat.is_alive():
            return

        def beat() -> None:
            while True:
                time.sleep(HEARTBEAT_SECONDS)
                with self._lock:
                    running = sorted(self._running)
                    if not running:
                        self._heartbeat = None
                        return
                try:
                    self._store.touch(running)
                except Exception:  # the database away for a moment: try again next beat
                    logging.getLogger("cxzy").exception("jobs heartbeat failed")

        self._heartbeat = threading.Thread(target=beat, name="cxzy-jobs-heartbeat", daemon=True)
        self._heartbeat.start()

    def get(self, job_id: str, owner: tuple[str, str]) -> Job:
        """Raises NotFound for an unknown job and for another user's."""
        record = self._store.get(job_id)
        if record is None or (record.committee, record.username) != owner:
            raise NotFound("job.not_found")
        return Job(record)


def runner_of(app: Flask) -> JobRunner:
    runner = app.extensions.get("cxzy.jobs")
    if runner is None:
        runner = app.extensions.setdefault("cxzy.jobs", JobRunner(tenancy_of(app).jobs))
    assert isinstance(runner, JobRunner)
    return runner


def owner() -> tuple[str, str]:
    principal = user()
    return (principal.committee, principal.username)


def start_job(title: tuple[str, str], work: Work) -> Job:
    """A job of the signed-in user (see :meth:`JobRunner.start`)."""
    return runner_of(current_app).start(owner(), title, work)


@bp.get("/jobs/<job_id>")
@signed_in
def job_page(job_id: str) -> str:
    job = runner_of(current_app).get(job_id, owner())
    return render_template("jobs/job.html", job=job, data=job.as_json())


@bp.get("/jobs/<job_id>/status")
@signed_in
def job_status(job_id: str) -> Response:
    job = runner_of(current_app).get(job_id, owner())
    response = jsonify(job.as_json())
    response.headers["Cache-Control"] = "no-store"
    return response


def job_url(job: Job) -> str:
    return url_for("pages.job_page", job_id=job.id)
