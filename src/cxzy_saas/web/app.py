"""The Flask application factory: one application per call, from settings."""

from __future__ import annotations

import contextlib
import logging
import pickle
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any
from uuid import UUID

from flask import Flask, Request
from flask.json.provider import DefaultJSONProvider
from jinja2.bccache import Bucket, FileSystemBytecodeCache

from cxzy_saas import wiring
from cxzy_saas.application.seen import seeing
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.config import MISSING_SECRET, WEAK_SECRET, Settings, SettingsError, weak_secret
from cxzy_saas.projections.asof import limit_replays
from cxzy_saas.web import (
    access_log,
    api,
    catchup,
    edge,
    health,
    limits,
    listing,
    metrics,
    pages,
    problems,
    requestlog,
    security,
)
from cxzy_saas.web.api import openapi


class UploadingRequest(Request):
    """Flask's request, closing every temporary file its form parser opened: Werkzeug's parser
    leaves the part it was writing open when the body turns out over the limit (413)."""

    def _get_file_stream(self, *args: Any, **kwargs: Any) -> Any:
        stream = super()._get_file_stream(*args, **kwargs)
        self.__dict__.setdefault("_cxzy_streams", []).append(stream)
        return stream

    def close(self) -> None:
        for stream in self.__dict__.get("_cxzy_streams", ()):
            stream.close()
        super().close()


class JSONProvider(DefaultJSONProvider):
    """Dates as ISO 8601 (Flask's default is an HTTP date), Chinese as it is."""

    ensure_ascii = False

    @staticmethod
    def default(o: object) -> object:
        if isinstance(o, date):
            return o.isoformat()
        if isinstance(o, UUID):
            return str(o)
        if isinstance(o, set | frozenset):
            return sorted(o)
        return DefaultJSONProvider.default(o)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Request bodies (``request.get_json``) through the edge's limits: a BodyError is a
        ValueError, which Flask answers with 400."""
        return edge.loads_json(s)


def create_app(
    settings: Settings | None = None, test_config: dict[str, Any] | None = None
) -> Flask:
    """The application over ``settings`` (default: from the environment).

    Raises:
        SettingsError: a malformed setting, or no secret key (CXZY_SECRET_KEY) outside tests:
            tokens and sessions are signed with it, and a key made up here would sign
            everyone out at each restart and differ between workers. ``cxzy demo`` makes one
            for its own server.
    """
    settings = settings or Settings.from_env()
    test_config = test_config or {}
    secret = settings.secret_key or test_config.get("SECRET_KEY")
    if not test_config.get("TESTING"):  # run under gunicorn directly, as under `cxzy serve`
        if not secret:
            raise SettingsError(MISSING_SECRET)
        if weak_secret(secret):
            raise SettingsError(WEAK_SECRET)
    app = Flask(__name__)
    app.request_class = UploadingRequest
    app.json = JSONProvider(app)
    app.config.from_mapping(
        SECRET_KEY=secret or secrets.token_hex(32),
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    app.config.update(test_config)
    app.jinja_env.bytecode_cache = template_cache()
    app.wsgi_app = one_view_of_the_logs(app.wsgi_app)  # type: ignore[method-assign,assignment]
    tenancy = Tenancy(settings)
    app.extensions["cxzy.tenancy"] = tenancy
    app.extensions["cxzy.read_port"] = wiring.read_port(tenancy)
    # Each cell's read port and read models, made when a request first reads that cell.
    app.extensions["cxzy.cells"] = {}
    app.extensions["cxzy.cell_factory"] = lambda cell: (
        wiring.read_port(tenancy, cell),
        wiring.read_models(tenancy, cell),
    )
    # As-of replays in processes of their own (tests replay in the request's thread unless
    # they ask: a pool per test application would cost a process start each).
    offload = None
    if app.config.get("ASOF_PROCESSES", settings.asof_processes and not app.testing):
        offload = wiring.ReplayProcesses(settings, settings.asof_replays)
        app.extensions["cxzy.replays"] = offload  # its pool ends with the process, or .close()
    limit_replays(settings.asof_replays, settings.asof_wait, offload, settings.asof_queue)
    # The embedded default (SQLite) runs the projector inside the web process; production
    # (PostgreSQL) runs `cxzy project run` as a process of its own.
    if app.config.get("EMBEDDED_PROJECTOR", settings.backend == "sqlite"):
        start_projector(tenancy)
        app.extensions[catchup.EMBEDDED] = True  # lists wake it (web/listing.py)
    app.extensions[listing.CATCH_UP] = catchup.catch_up

    # A rater's requests never reach an access log with the client's address (decision 0017).
    access_log.keep_raters_out()
    problems.register(app)
    requestlog.init_app(app)  # request ids and access lines (before the metrics: they time it)
    metrics.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(pages.bp)
    pages.init_app(app)  # CSRF on every form (the JSON API exempt), session cookie, i18n
    app.register_blueprint(api.bp)
    openapi.register(app)
    security.init_app(app, settings.web)  # headers, Secure cookies, trusted proxies
    limits.init_app(app, settings.web)  # sign-in and ballot-code entry, after their routes
    return app


class _TemplateCache(FileSystemBytecodeCache):
    """Jinja's compiled templates in a folder of the user's own under the temporary folder,
    keyed by each template's source: a process compiles a template on its first use (about
    0.15 s for the audit diff's page), and a worker started later loads it instead. A file
    that cannot be written or read only costs a compile."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, ValueError, EOFError, pickle.UnpicklingError):
            bucket.reset()  # a damaged file: compiled again, and written anew

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def template_cache() -> FileSystemBytecodeCache | None:
    """None where no folder of the user's own can be made: each process compiles its own."""
    try:
        return _TemplateCache()
    except (OSError, RuntimeError):
        return None


WSGI = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def one_view_of_the_logs(wsgi: WSGI) -> WSGI:
    """Each request reads each log's head once, and its commands' answers are what they
    saved (``application.seen``): the account behind a token, the campaign and the seals a
    branch command checks are kept while their log stays where it was."""

    def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with seeing():
            return wsgi(environ, start_response)

    return serve


app_log = logging.getLogger("cxzy.projector")


def start_projector(tenancy: Tenancy) -> threading.Thread:
    """The embedded projector's thread. It takes the data folder's projector lock first, for
    the life of the process, so that a second projector (``cxzy project run``) is refused.

    Raises:
        ProjectorBusy: another process is the projector of this data folder.
    """
    projector = wiring.projector(tenancy)
    projector.owning().__enter__()  # held until the process ends

    def follow() -> None:
        while True:  # nothing an event holds stops it; a bug in a pass is logged and retried
            try:
                projector.run(interval=0.5)
            except Exception:
                app_log.exception("projector pass failed; retrying")
                time.sleep(5)

    thread = threading.Thread(target=follow, name="cxzy-projector", daemon=True)
    thread.start()
    return thread
