"""Serving the web application: gunicorn in production, Flask's server only as a fallback.

gunicorn runs the app factory inside each worker (nothing is built before the fork), with
threaded workers. On SQLite there is one worker: the embedded projector runs in the web process
and must be alone in following the logs into the one read-model file (a second worker would run
a second projector over the same file). On PostgreSQL the projector is its own process
(``cxzy project run``), so workers may be added; each holds a pool of up to
``max_connections`` connections, so the server's total is ``workers × max_connections``.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask import Flask

from cxzy_saas.config import MISSING_SECRET, WEAK_SECRET, Settings, weak_secret


def serve(
    settings: Settings,
    host: str,
    port: int,
    workers: int | None,
    threads: int,
    demo: bool = False,
) -> None:
    """Serve until stopped.

    Raises:
        click.ClickException: no CXZY_SECRET_KEY (only the demo serves without one, with the
            key kept in its data folder).
    """
    from cxzy_saas.web import requestlog

    if workers is None:
        workers = 1 if settings.backend == "sqlite" else 2
    if settings.backend == "sqlite" and workers > 1:
        raise click.UsageError(
            "on SQLite the projector runs inside the web process: use --workers 1 "
            "(or PostgreSQL with `cxzy project run` for more workers)"
        )
    if settings.secret_key and weak_secret(settings.secret_key):
        raise click.ClickException(WEAK_SECRET)
    if not settings.secret_key:
        if not demo:
            raise click.ClickException(MISSING_SECRET)
        # The demo's own key from its data folder (made before the workers fork, so that every
        # worker signs with it): its ballots' codes were hashed with it when the demo was built.
        settings = dataclasses.replace(settings, secret_key=settings.server_secret().decode())
    settings = with_public_url(settings, host, port)
    requestlog.configure()
    if settings.metrics_dir is None:
        # Every worker's counters in files of one folder, added up when scraped; a folder of
        # this server's own, made before the workers fork (and before prometheus-client is
        # imported, which reads the variable once).
        folder = Path(tempfile.mkdtemp(prefix="cxzy-metrics-"))
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
        settings = dataclasses.replace(settings, metrics_dir=folder)
    from cxzy_saas.web.app import create_app

    try:
        from gunicorn.app.base import BaseApplication
    except ImportError:  # gunicorn runs on Unix only
        click.echo(
            f"gunicorn is not available: serving with Flask's development server on "
            f"http://{host}:{port}/ (not for production; Ctrl-C stops)"
        )
        create_app(settings).run(host=host, port=port, threaded=True)
        return

    class Server(BaseApplication):
        def __init__(self, factory: Callable[[], Flask], options: dict[str, Any]) -> None:
            self.factory = factory
            self.options = options
            super().__init__()

        def load_config(self) -> None:
            for key, value in self.options.items():
                if key in self.cfg.settings:  # a setting of a later gunicorn than installed
                    self.cfg.set(key, value)

        def load(self) -> Flask:
            return self.factory()

    click.echo(
        f"serving on http://{host}:{port}/ with gunicorn "
        f"({workers} worker{'s' if workers > 1 else ''} × {threads} threads; Ctrl-C stops)"
    )
    Server(
        lambda: create_app(settings),
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            # The application writes its own access lines (never a ballot cast's): requestlog.py
            "accesslog": None,
            "logconfig_dict": requestlog.logging_config(),
            "timeout": 120,
            # gunicorn answers a longer request line with its own English page: it takes up to
            # 8 KB (its limit short of none) so that lines over the application's 4 KB get the
            # application's Chinese 414 (web/problems.py, MAX_REQUEST_LINE).
            "limit_request_line": 8190,
            # gunicorn 25's control socket is one path per user ($HOME/.gunicorn/gunicorn.ctl):
            # a second server on the host took it over, and stopping either removed it for
            # both. cxzy serve offers no use of it.
            "control_socket_disable": True,
        },
    ).run()


def with_public_url(settings: Settings, host: str, port: int) -> Settings:
    """Without CXZY_PUBLIC_URL, ballot slips carry the address served on, and a note says
    to set it: behind a reverse proxy, or on 0.0.0.0, that address is not the raters'."""
    if settings.web.public_url:
        return settings
    url = f"http://{host}:{port}"
    click.echo(
        f"CXZY_PUBLIC_URL is not set: ballot slips will show {url}; set it to the address "
        "raters reach this server at",
        err=True,
    )
    return dataclasses.replace(settings, web=dataclasses.replace(settings.web, public_url=url))
