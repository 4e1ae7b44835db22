"""Long actions in the background: a small runner of jobs in the web process, and their pages.

A job is one thread running one function, which reports a fraction done and a message; the
page polls ``/jobs/<id>.json`` (with a ``<meta refresh>`` when scripts are off) and shows the
result or a Chinese error at the end. At most ``MAX_RUNNING`` jobs run at once per process (a
2-core server must keep answering pages), and only the latest ``KEEP`` are remembered.

A job belongs to the user who started it: anyone else gets 404 for its pages, as for a job that
does not exist. Jobs live in the memory of one web process; a restart forgets them (the work
they did is in the logs, or was not done at all: each writes in one transaction). With several
web workers a job's page must reach the worker that runs it (sticky sessions); the embedded
default (SQLite) serves with one worker.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, jsonify, render_template, url_for
from werkzeug.wrappers import Response

from cxzy_saas.domain.errors import DomainError, NotFound, StateConflict
from cxzy_saas.web.pages import bp, i18n
from cxzy_saas.web.pages.access import signed_in, user

MAX_RUNNING = 2
KEEP = 200

# ``report(fraction, zh, en)``; the work returns what the page shows at the end:
# (zh, en, link to follow or None).
Report = Callable[[float, str, str], None]
Outcome = tuple[str, str, str | None]
Work = Callable[[Report], Outcome]


@dataclass
class Job:
    id: str
    owner: tuple[str, str]  # (committee, user name)
    title: tuple[str, str]
    fraction: float = 0.0
    message: tuple[str, str] = ("排队中", "queued")
    done: bool = False
    error: DomainError | None = None
    failed: bool = False
    link: str | None = None
    started: float = field(default_factory=time.time)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": i18n.tr(*self.title),
            "fraction": round(self.fraction, 4),
            "percent": int(self.fraction * 100),
            "message": self.text(),
            "done": self.done,
            "ok": self.done and not self.failed,
            "link": self.link,
        }

    def text(self) -> str:
        if self.error is not None:
            return i18n.message(self.error)
        return i18n.tr(*self.message)


class JobRunner:
    def __init__(self, max_running: int = MAX_RUNNING, keep: int = KEEP) -> None:
        self._lock = threading.Lock()
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._slots = threading.BoundedSemaphore(max_running)
        self._keep = keep

    def start(self, owner: tuple[str, str], title: tuple[str, str], work: Work) -> Job:
        """Run ``work`` in a thread of its own.

        Raises:
            StateConflict: as many jobs run as the process allows; try again later.
        """
        if not self._slots.acquire(blocking=False):
            raise StateConflict("job.too_many")
        job = Job(secrets.token_urlsafe(16), owner, title)
        with self._lock:
            self._jobs[job.id] = job
            finished = [j.id for j in self._jobs.values() if j.done]
            for old in finished[: max(0, len(self._jobs) - self._keep)]:
                del self._jobs[old]
        thread = threading.Thread(target=self._run, args=(job, work), name=f"cxzy-job-{job.id}")
        thread.daemon = True
        thread.start()
        return job

    def _run(self, job: Job, work: Work) -> None:
        def report(fraction: float, zh: str, en: str) -> None:
            job.fraction, job.message = min(max(fraction, 0.0), 1.0), (zh, en)

        try:
            zh, en, link = work(report)
            job.fraction, job.message, job.link = 1.0, (zh, en), link
        except DomainError as error:
            job.error, job.failed = error, True
        except Exception:
            logging.getLogger("cxzy").exception("job %s failed", job.id)
            job.message = ("任务意外中断,请稍后重试", "The job failed; try again later")
            job.failed = True
        finally:
            job.done = True
            self._slots.release()

    def get(self, job_id: str, owner: tuple[str, str]) -> Job:
        """Raises NotFound for an unknown job and for another user's."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or job.owner != owner:
            raise NotFound("job.not_found")
        return job


def runner_of(app: Flask) -> JobRunner:
    runner = app.extensions.get("cxzy.jobs")
    if runner is None:
        runner = app.extensions.setdefault("cxzy.jobs", JobRunner())
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
