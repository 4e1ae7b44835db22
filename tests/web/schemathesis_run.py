"""Schemathesis's engine, in this process, against an app's /api/openapi.json over WSGI: every
check and every phase (examples, coverage, fuzzing, stateful), NUL bytes allowed in generated
text; as one signed-in user. What ``st run --checks all --phases
examples,coverage,fuzzing,stateful --generation-allow-x00 true`` does against a server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import schemathesis
from flask import Flask
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema
from werkzeug.serving import WSGIRequestHandler, make_server

from cxzy_saas.config import Settings, WebSettings

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "positive_data_acceptance",
    "negative_data_rejection",
    "missing_required_header",
    "unsupported_method",
    "allow_header_conformance",
    "use_after_free",
    "ensure_resource_availability",
    "ignored_auth",
    "object_level_authorization",
)
PHASES = ("examples", "coverage", "fuzzing", "stateful")

# A password's strength (zxcvbn) is a rule no JSON Schema states: these operations may refuse a
# schema-valid password with 422 (decision 0020). Nothing else is exempt.
PASSWORD_ROUTES = ("/accounts", "/auth/password")


@dataclass
class Outcome:
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    cases: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # by phase
    server_errors: list[str] = field(default_factory=list)  # any 5xx, checked or not


def config(token: str, examples: int, seed: int) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "seed": seed,
            "headers": {"Authorization": f"Bearer {token}"},
            "workers": 1,
            "generation": {"max-examples": examples, "allow-x00": True, "deterministic": True},
            "checks": {name: {"enabled": True} for name in CHECKS},
            "phases": {name: {"enabled": True} for name in PHASES},
            "operations": [
                {
                    "include-path": f"/api/v1{path}",
                    "include-method": "POST",
                    "checks": {
                        "positive_data_acceptance": {
                            "expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]
                        }
                    },
                }
                for path in PASSWORD_ROUTES
            ],
        }
    )


class Quiet(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


@contextmanager
def served(app: Flask) -> Iterator[str]:
    """``app`` served over HTTP on a free local port (the engine's WSGI transport passes
    arguments Werkzeug's test client refuses on some checks' extra requests)."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


# Generated requests fail sign-in and ballot codes by the thousand: the limits would answer
# 429 to the rest (their own tests are in tests/web/test_sign_in.py).
UNLIMITED = WebSettings(
    sign_in_limit="1000000/minute",
    sign_in_address_limit="1000000/minute",
    ballot_limit="1000000/minute",
)


def run_as(folder: Path, username: str, examples: int) -> Outcome:
    """A demo of its own in ``folder``, served, and the engine run as ``username`` (a whole
    run in one call, so that a process pool can take it)."""
    from tests.web.api_demo import app_for, bearer, build

    settings = build(folder, Settings(data_dir=folder / "var", web=UNLIMITED))
    app = app_for(settings)
    token = bearer(app.test_client(), username)["Authorization"].removeprefix("Bearer ")
    return run(app, token, examples=examples)


def run(app: Flask, token: str, *, examples: int, seed: int = 17) -> Outcome:
    """Run the engine once; the failures it found, described, and what it sent."""
    with served(app) as base:
        return _run(f"{base}/api/openapi.json", config(token, examples, seed))


def _run(url: str, settings: SchemathesisConfig) -> Outcome:
    schema = schemathesis.openapi.from_url(url, config=settings)
    outcome = Outcome()
    started: dict[str, float] = {}
    for event in from_schema(schema).execute():
        if isinstance(event, events.PhaseStarted):
            started[event.phase.name] = event.timestamp
        if isinstance(event, events.PhaseFinished) and event.phase.name in started:
            outcome.seconds[event.phase.name] = event.timestamp - started[event.phase.name]
        if isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
            outcome.cases += len(event.recorder.cases)
            for interaction in event.recorder.interactions.values():
                status = interaction.response.status_code if interaction.response else 0
                outcome.statuses[status] = outcome.statuses.get(status, 0) + 1
                if status >= 500:
                    request = interaction.request
                    body = (request.body or b"")[:300]
                    outcome.server_errors.append(f"{request.method} {request.uri} {body!r}")
        if isinstance(event, events.NonFatalError):
            outcome.errors.append(f"{event.label}: {event.value!r}")
        if isinstance(event, events.FatalError):
            outcome.errors.append(repr(event.exception))
        if isinstance(event, events.EngineFinished):
            outcome.failures = [describe(failure) for failure in event.failures]
    return outcome


def describe(failure: Any) -> str:
    return (
        f"{getattr(failure, 'operation', '?')}: {getattr(failure, 'title', failure)}: "
        + str(getattr(failure, "message", ""))[:600]
    )
