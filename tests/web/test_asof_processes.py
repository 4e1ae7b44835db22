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


def test_an_as_of_view_beyond_the_queue_is_refused_at_once_in_the_readers_language(
    settings, monkeypatch
):
    """One replay running and none may wait (CXZY_ASOF_QUEUE=0): another as-of view is
    refused at once, 503 with Retry-After, a page in Chinese in its frame, not JSON."""
    import threading

    from tests.web.conftest import as_user

    app = app_for(settings)
    release, started = threading.Event(), threading.Event()

    def replayed(*args, **kwargs):  # type: ignore[no-untyped-def]
        started.set()
        release.wait(10)
        raise RuntimeError("released")

    monkeypatch.setattr(asof, "_replayed", replayed)
    asof.limit_replays(1, 5.0, queue=0)
    client = app.test_client()
    auth = bearer(client, "admin")
    board = "/api/v1/campaigns/2026/leaderboards/member"
    running = threading.Thread(
        target=lambda: app.test_client().get(f"{board}?as_of={DAYS[0]}", headers=auth)
    )
    running.start()
    try:
        assert started.wait(10)
        page = as_user(app.test_client(), "admin").get(f"/committee?as_of={DAYS[1]}")
        assert page.status_code == 503 and page.headers["Retry-After"] == "1"
        assert page.mimetype == "text/html" and "请 1 秒后刷新页面再试" in page.text
        zh = {**auth, "Accept-Language": "zh-CN"}
        api = client.get(f"{board}?as_of={DAYS[2]}", headers=zh)
        assert api.status_code == 503 and "请 1 秒后再试" in api.json["detail"]
    finally:
        release.set()
        running.join(10)
        asof.limit_replays(1, 10.0)
        app.extensions["cxzy.tenancy"].close()
