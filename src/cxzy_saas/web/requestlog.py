"""The server's logs, configured in this one module: JSON lines on standard error, each with
the request's id, user and tenant when it is written during a request, and one access line
per request written by the application (gunicorn's own access log is off).

What a line never holds: a request's body or query string (passwords, ballot codes, personal
fields travel there), a header but the request id (tokens and cookies travel there), and
nothing at all about a ballot cast: no access line, so neither its time nor the voter's
address is written anywhere (a cast is counted by the metrics, without a time).

``X-Request-Id`` is taken from the request when it is a plain token (a proxy's), else made
here, and sent back on the response.
"""

from __future__ import annotations

import json
import logging
import logging.config
import re
import secrets
import time
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, has_request_context, request

from cxzy_saas.web.access_log import names_a_rater_page

ACCESS = logging.getLogger("cxzy.access")
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


class JsonLines(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, the request's context,
    the fields a caller passed as ``extra={"fields": {...}}``, and a traceback when any."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(request_context())
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def request_context() -> dict[str, str]:
    """The request id, user and tenant of the request being served, if any."""
    if not has_request_context():
        return {}
    found = {"request_id": str(g.get("request_id", ""))}
    user = g.get("cxzy_user")
    if user is not None:
        found["user"] = user.username
        found["tenant"] = (request.view_args or {}).get("code") or user.committee
    return found


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig``: the application's loggers and gunicorn's error log as
    JSON lines on standard error; gunicorn's access log silent (the application writes its own
    access lines, without ballot casts)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonLines}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            "gunicorn.error": {"handlers": ["stderr"], "level": level, "propagate": False},
            "gunicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
            "werkzeug": {"handlers": [], "level": "WARNING", "propagate": True},
        },
    }


def configure(level: str = "INFO") -> None:
    logging.config.dictConfig(logging_config(level))


def is_ballot_cast() -> bool:
    """A rater's request: to or from a rater's page (``access_log``'s rule, which the server's
    access loggers follow too), or to a route that takes a ballot code."""
    if names_a_rater_page(request.path) or names_a_rater_page(request.referrer or ""):
        return True
    view = current_view()
    meta = getattr(view, "openapi", None)
    return meta is not None and meta["access"].scope == "ballot"


def current_view() -> Any:
    from flask import current_app

    return current_app.view_functions.get(request.endpoint or "")


def route_of() -> str:
    """The URL rule served (``/api/v1/branches/<code>/members``), never the path itself."""
    rule = request.url_rule
    return rule.rule if rule is not None else "unmatched"


def elapsed() -> float:
    """Seconds since the request began."""
    return time.perf_counter() - g.get("request_started", time.perf_counter())


def init_app(app: Flask) -> None:
    @app.before_request
    def start() -> None:
        given = request.headers.get("X-Request-Id", "")
        g.request_id = given if REQUEST_ID.fullmatch(given) else secrets.token_hex(8)
        g.request_started = time.perf_counter()

    @app.after_request
    def finish(response: Response) -> Response:
        response.headers["X-Request-Id"] = g.get("request_id", "")
        if is_ballot_cast():
            return response
        seconds = elapsed()
        ACCESS.info(
            "%s %s %s",
            request.method,
            route_of(),
            response.status_code,
            extra={
                "fields": {
                    "method": request.method,
                    "route": route_of(),
                    "status": response.status_code,
                    "ms": round(seconds * 1000, 1),
                    "client": request.remote_addr,
                }
            },
        )
        return response
