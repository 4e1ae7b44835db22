"""Access logs leave the secret ballot out (decision 0017).

A line of an access log holds a client's address and the second of a request. For a rater's
requests (the ballot pages, the API's cast) that would say who voted when, and, beside the log's
order of spent codes, help tie a code to a person. So those requests are not logged at all:
neither by gunicorn (logger ``gunicorn.access``) nor by Flask's development server (``werkzeug``),
and neither is a request whose referrer is a rater's page, or whose address names one (the
language link carries the page it came from). The filter sits on the loggers, so it holds
whatever handlers and formats the deployment configures for them.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote

# /ballot, /ballot/..., /b/<short>, /static/ballot.* and /api/v1/branches/<b>/ballots/<id>/casts
RATER_PATHS = re.compile(
    r"(?:^|[\s\"'=?&])(?:https?://[^/\s\"]*)?"
    r"(?:/ballot(?:[/?\s\"]|$)|/b/[^/\s\"?]+|/static/ballot\.|/api/v1/branches/[^/\s\"]+/ballots/[^/\s\"]+/casts)"
)
LOGGERS = ("gunicorn.access", "werkzeug")


def names_a_rater_page(text: str) -> bool:
    return RATER_PATHS.search(unquote(unquote(text))) is not None


class RaterRequests(logging.Filter):
    """Drops the log records of requests to or from a rater's pages."""

    def filter(self, record: logging.LogRecord) -> bool:
        texts: list[str] = []
        if isinstance(record.args, dict):  # gunicorn's access atoms: U path, r line, f referrer
            texts += [str(record.args.get(k, "")) for k in ("U", "q", "r", "f")]
        try:
            texts.append(record.getMessage())
        except (TypeError, ValueError, KeyError):
            texts.append(str(record.msg))
        return not any(names_a_rater_page(t) for t in texts)


def keep_raters_out() -> None:
    """Install the filter on the access loggers (once per process; idempotent)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RaterRequests) for f in logger.filters):
            logger.addFilter(RaterRequests())
