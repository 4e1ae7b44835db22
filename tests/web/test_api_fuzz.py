"""Schemathesis against /api/openapi.json: generated requests for every operation, valid and
invalid, as a branch clerk and as the committee's admin. No answer may be a 5xx, carry a
status the document does not list, or break the response schema the document declares."""

from __future__ import annotations

from collections import Counter
from typing import Any

import hypothesis
import pytest
import schemathesis
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.web.api_demo import app_for, bearer, build

EXAMPLES_PER_OPERATION = 8


@pytest.fixture(scope="module")
def fuzzed_app(tmp_path_factory):
    return app_for(build(tmp_path_factory.mktemp("fuzz")))


@pytest.fixture(scope="module")
def tokens(fuzzed_app):
    client = fuzzed_app.test_client()
    return {"branch": bearer(client, "b01-clerk"), "committee": bearer(client, "admin")}


CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def fuzz(strategy: Any, headers: dict[str, str], statuses: Counter[int]) -> None:
    @hypothesis.given(case=strategy)
    @hypothesis.settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    def run(case: Any) -> None:
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        statuses[response.status_code] += 1

    run()


def test_no_request_makes_a_server_error_or_breaks_the_schema(fuzzed_app, tokens):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", fuzzed_app)
    statuses: Counter[int] = Counter()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 60
    for operation in operations:
        headers = tokens["branch" if "/branches/" in operation.path else "committee"]
        # Aim at a branch that exists, so that requests get past the 404 and exercise
        # validation and the commands; everything else is as generated.
        fixed = {k: v for k, v in (("code", "b01"), ("year", 2026)) if f"{{{k}}}" in operation.path}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz(operation.as_strategy(mode, path_parameters=fixed or None), headers, statuses)
    # The closing note quotes these figures.
    print(f"\nschemathesis: {sum(statuses.values())} requests, statuses {dict(statuses)}")
    assert statuses[200] + statuses[201] > 0 and not any(s >= 500 for s in statuses)
