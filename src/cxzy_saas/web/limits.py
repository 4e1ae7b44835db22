"""Rate limits on the doors a guesser knocks at: sign-in and ballot-code entry (Flask-Limiter).

- Sign-in (the page ``/login``, the API's ``/auth/token`` and ``/auth/password``): per account
  (the username as typed, known or not, so that limits tell nothing about which users exist)
  and per client address, shared by the three doors.
- Ballot-code entry (the page ``/ballot``, a ballot's own page and the API's cast route): per
  client address. Not per ballot: a guesser could then lock a meeting's voters out.

Only failed attempts count (a response of 400 or more): a room of voters behind one address,
or colleagues signing in, use up nothing. At the ballot's doors only a guess counts: a code or
a ballot address that does not exist (:data:`GUESSES`); a rater's own mistakes (a sheet not
filled in, a code sent twice) do not, for a room of raters shares one address. Past the
limit the answer is 429 with ``Retry-After`` and a message in the catalogue's words
(problem+json on the API, a page otherwise).

Counts live in memory by default (one process) and in Redis in production
(``CXZY_RATE_LIMIT_STORAGE=redis://…``), so that all workers share them. Each refusal is
announced on the ``refused`` signal (blinker, which Flask ships), for metrics.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, render_template, request
from flask.signals import Namespace
from flask_limiter import Limiter, RateLimitExceeded, RequestLimit

from cxzy_saas.config import WebSettings
from cxzy_saas.domain.errors import DomainError
from cxzy_saas.web.pages import i18n
from cxzy_saas.web.problems import api_language, noted, problem

SIGN_IN = ("pages.login", "api.token", "api.change_own_password")
BALLOT_ENTRY = ("pages.ballot_code", "pages.ballot_short", "api.cast_ballot")

signals = Namespace()
# Sent with the application as sender and ``door`` ("sign-in", "sign-in-address", "ballot").
refused = signals.signal("cxzy.rate-limited")


def client_address() -> str:
    """The client's address (behind trusted proxies, as ProxyFix found it)."""
    return request.remote_addr or "unknown"


def account_key() -> str:
    """The username a sign-in names, lower-cased: the same key for a known and an unknown one."""
    username: Any = ""
    if request.is_json:
        try:
            body = request.get_json(silent=True)
        except RecursionError:  # a body nested too deep: refused later by the route
            body = None
        if isinstance(body, dict):
            username = body.get("username", "")
    else:
        username = request.form.get("username", "")
    name = username.strip().lower()[:100] if isinstance(username, str) else ""
    return f"user:{name}"


def failed(response: Response) -> bool:
    """Whether an attempt counts: it failed (a 429 is not an attempt)."""
    return response.status_code >= 400 and response.status_code != 429


# The refusals of a guess at the ballot's doors (noted by whoever answers: ``problems.note``).
GUESSES = frozenset({"ballot.unknown_code", "ballot.not_found"})


def guessed(response: Response) -> bool:
    """Whether a ballot-code attempt counts: it was refused as a guess."""
    return failed(response) and noted() in GUESSES


def init_app(app: Flask, settings: WebSettings) -> Limiter:
    """Guard the sign-in and ballot-code routes of ``app`` (registered before this is called).

    Raises:
        KeyError: one of the guarded endpoints is missing (renamed without this table).
    """
    limiter = Limiter(
        client_address,
        storage_uri=settings.rate_limit_storage,
        strategy="fixed-window",
        key_prefix=app.config.get("RATELIMIT_KEY_PREFIX", "cxzy"),
        headers_enabled=False,
        # Redis down: count in this process's memory meanwhile (and say so in the log), rather
        # than answer every sign-in with an error or stop limiting.
        in_memory_fallback_enabled=True,
    )
    limiter.init_app(app)

    def door(
        limit: str, scope: str, key: Callable[[], str], counts: Callable[[Response], bool] = failed
    ) -> Any:
        def breached(found: RequestLimit) -> None:
            refused.send(app, door=scope)

        return limiter.shared_limit(
            limit,
            scope=scope,
            key_func=key,
            methods=["POST"],
            deduct_when=counts,
            on_breach=breached,
        )

    per_account = door(settings.sign_in_limit, "sign-in", account_key)
    per_address = door(settings.sign_in_address_limit, "sign-in-address", client_address)
    ballot = door(settings.ballot_limit, "ballot", client_address, guessed)
    for endpoint in SIGN_IN:
        app.view_functions[endpoint] = per_account(per_address(app.view_functions[endpoint]))
    for endpoint in BALLOT_ENTRY:
        app.view_functions[endpoint] = ballot(app.view_functions[endpoint])
    for endpoint in SIGN_IN + BALLOT_ENTRY:
        meta = getattr(app.view_functions[endpoint], "openapi", None)
        if meta is not None:  # an API route: its OpenAPI document names the 429
            meta["rate_limited"] = True

    @app.errorhandler(RateLimitExceeded)
    def too_many(error: RateLimitExceeded) -> Response:
        found = limiter.current_limit
        reset = found.reset_at if found is not None else time.time() + 60
        seconds = max(1, int(reset - time.time()) + 1)
        refusal = DomainError("request.too_many", seconds=seconds)
        if request.path.startswith("/api/"):
            language = api_language()
            text = refusal.text(language)
            response = problem(
                429,
                "too many requests",
                text,
                code="request.too_many",
                params={"seconds": seconds},
            )
            response.headers["Content-Language"] = language
            response.vary.add("Accept-Language")
        else:
            text = refusal.text(i18n.lang())
            response = Response(render_template("error.html", status=429, error=text), 429)
        response.headers["Retry-After"] = str(seconds)
        return response

    return limiter
