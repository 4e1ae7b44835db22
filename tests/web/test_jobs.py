"""Background jobs kept in the database: a job started by one web worker is answered for by
any other, and a job whose worker died shows as interrupted instead of running for ever."""

from __future__ import annotations

import threading
import time

import pytest

from cxzy_saas.web.app import create_app
from cxzy_saas.web.pages.jobs import runner_of
from tests.web.conftest import as_user, build_small_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory):  # type: ignore[no-untyped-def]
    return build_small_demo(tmp_path_factory.mktemp("jobs"))


def worker(demo):  # type: ignore[no-untyped-def]
    """One web worker: an application of its own over the same store."""
    return create_app(demo.settings, {"TESTING": True, "EMBEDDED_PROJECTOR": False})


def test_any_worker_answers_for_a_job_another_worker_runs(demo):
    first, second = worker(demo), worker(demo)
    release = threading.Event()

    def work(report):  # type: ignore[no-untyped-def]
        report(0.4, "正在写入", "writing")
        release.wait(10)
        return "已完成", "done", "/committee"

    with first.app_context():
        job = runner_of(first).start(("demo", "admin"), ("测试任务", "A test job"), work)
    client = as_user(second.test_client(), "admin")
    deadline = time.time() + 5
    while (status := client.get(f"/jobs/{job.id}/status").get_json())["percent"] < 40:
        assert time.time() < deadline, status
        time.sleep(0.05)
    assert status["done"] is False and status["message"] == "正在写入"
    assert "正在写入" in client.get(f"/jobs/{job.id}").text
    release.set()
    while not (status := client.get(f"/jobs/{job.id}/status").get_json())["done"]:
        assert time.time() < deadline + 5, status
        time.sleep(0.05)
    assert status == {
        **status,
        "ok": True,
        "percent": 100,
        "message": "已完成",
        "link": "/committee",
    }
    other = as_user(second.test_client(), "viewer")
    assert other.get(f"/jobs/{job.id}/status").status_code == 404


def test_a_job_whose_worker_died_shows_as_interrupted(demo):
    app = worker(demo)
    with app.app_context():
        from cxzy_saas.web import tenancy_of

        jobs = tenancy_of(app).jobs
        record = jobs.new("orphan-job", "demo", "admin", "重建读模型", "Rebuild")
        record.updated = time.time() - 600  # nobody has touched it for ten minutes
        jobs.save(record)
        assert jobs.states()["interrupted"] >= 1
    client = as_user(app.test_client(), "admin")
    status = client.get("/jobs/orphan-job/status").get_json()
    assert status["done"] is True and status["ok"] is False
    assert "任务已中断" in status["message"]


def test_a_refusal_is_shown_in_the_readers_language(demo):
    from cxzy_saas.domain.errors import StateConflict

    first, second = worker(demo), worker(demo)

    def work(report):  # type: ignore[no-untyped-def]
        raise StateConflict("read_models.rebuilding")

    with first.app_context():
        job = runner_of(first).start(("demo", "admin"), ("重建读模型", "Rebuild"), work)
    client = as_user(second.test_client(), "admin")
    deadline = time.time() + 5
    while not (status := client.get(f"/jobs/{job.id}/status").get_json())["done"]:
        assert time.time() < deadline
        time.sleep(0.05)
    assert status["ok"] is False and "重建" in status["message"]


def test_the_job_table_on_each_store(tenancy):  # type: ignore[no-untyped-def]
    from tests.conftest import random_code

    jobs = tenancy.jobs
    job_id = random_code("job")
    record = jobs.new(job_id, "demo", "admin", "导入党员", "Import members")
    record.fraction, record.message_zh, record.message_en = 0.5, "一半", "half"
    jobs.save(record)
    found = jobs.get(job_id)
    assert found is not None and (found.fraction, found.message_zh) == (0.5, "一半")
    record.state = "failed"
    record.refusal = {"code": "job.too_many", "field": None, "params": {}}
    jobs.save(record)
    again = jobs.get(job_id)
    assert again is not None and again.refusal == record.refusal and again.state == "failed"
    jobs.touch([job_id])
    assert jobs.states()["failed"] >= 1
    assert jobs.get("no-such-job") is None
