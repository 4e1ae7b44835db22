"""As-of replays in processes of their own: the same answers as a replay in the request's
thread, and a killed replay process costs no request (a new one starts)."""

from __future__ import annotations

import os
import signal

import pytest

from cxzy_saas.projections import asof
from cxzy_saas.wiring import REPLAY_NICENESS
from tests.web.api_demo import app_for, bearer, build

DAYS = ("2026-03-31", "2026-06-30", "2026-09-15")


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    yield build(tmp_path_factory.mktemp("asof-processes"))
    asof.limit_replays(1, 10.0)  # the process-wide limit, without this module's processes


def boards(app, days=DAYS):
    client = app.test_client()
    auth = bearer(client, "admin")
    found = {}
    for day in days:
        for path in ("leaderboards/member", "leaderboards/branch", "matrix", "trends"):
            response = client.get(f"/api/v1/campaigns/2026/{path}?as_of={day}", headers=auth)
            assert response.status_code == 200, response.json
            found[(day, path)] = response.json
    return found


def test_a_replay_in_a_process_of_its_own_answers_as_one_in_the_request_thread(settings):
    here = app_for(settings)
    apart = app_for(settings, ASOF_PROCESSES=True)
    try:
        replays = apart.extensions["cxzy.replays"]
        assert boards(apart) == boards(here)
        children = replays._pool._processes  # the replays did run elsewhere
        assert children and all(pid != os.getpid() for pid in children)
        # at a lower CPU priority than the web's, so that cheap requests are served first
        assert replays._pool.submit(os.nice, 0).result() >= min(19, os.nice(0) + REPLAY_NICENESS)
    finally:
        apart.extensions["cxzy.replays"].close()
        for app in (here, apart):
            app.extensions["cxzy.tenancy"].close()


def test_a_killed_replay_process_is_replaced_and_the_request_answers(settings):
    app = app_for(settings, ASOF_PROCESSES=True)
    try:
        first = boards(app, DAYS[:1])
        replays = app.extensions["cxzy.replays"]
        for pid in list(replays._pool._processes):
            os.kill(pid, signal.SIGKILL)
        assert boards(app, DAYS[:1]) == first
    finally:
        app.extensions["cxzy.replays"].close()
        app.extensions["cxzy.tenancy"].close()
