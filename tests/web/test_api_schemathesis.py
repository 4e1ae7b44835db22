"""Schemathesis against the API as its document describes it: every check, every phase
(examples, coverage, fuzzing, stateful), NUL bytes allowed in generated text, signed in as a
committee admin, a branch secretary and a member, each on a demo of its own (the admin's run
disables accounts and changes passwords). No failure: no 5xx, no undocumented status, header
or body, nothing the document allows refused as invalid nor anything it refuses accepted, 405
with Allow, links that lead to what was made.

Time: the generated cases per operation (``EXAMPLES``) bound the fuzzing phase; the coverage
and examples phases are what the document states, whatever their number. Figures of a run are
printed (``-s``): cases, statuses and seconds per phase.
"""

from __future__ import annotations

import pytest

from cxzy_saas.config import Settings, WebSettings
from tests.web.api_demo import app_for, bearer, build
from tests.web.schemathesis_run import run

EXAMPLES = 5
# Generated requests fail sign-in and ballot codes by the thousand: the limits would answer
# 429 to the rest (their own test is tests/web/test_sign_in.py).
UNLIMITED = WebSettings(
    sign_in_limit="1000000/minute",
    sign_in_address_limit="1000000/minute",
    ballot_limit="1000000/minute",
)


@pytest.mark.parametrize("username", ["admin", "b01-secretary", "b01-member"])
def test_schemathesis_finds_nothing(tmp_path, username):
    settings = build(tmp_path, Settings(data_dir=tmp_path / "var", web=UNLIMITED))
    app = app_for(settings)
    token = bearer(app.test_client(), username)["Authorization"].removeprefix("Bearer ")
    outcome = run(app, token, examples=EXAMPLES)
    seconds = {str(phase): round(s, 1) for phase, s in outcome.seconds.items()}
    print(f"\n{username}: {outcome.cases} cases, statuses {outcome.statuses}, seconds {seconds}")
    assert not outcome.errors, outcome.errors
    assert not outcome.server_errors, outcome.server_errors
    assert not outcome.failures, "\n".join(outcome.failures)
    assert outcome.statuses.get(200, 0) > 0 and outcome.cases > 1000
