"""Pages on PostgreSQL under what an operator meets: the database gone under a running web
server (503, in Chinese on the pages, with Retry-After, never Flask's English 500), and an
address a user edits by hand (a NUL in a filter, which PostgreSQL refuses in a text)."""

from __future__ import annotations

from contextlib import closing
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from cxzy_saas.application.commands.committee import Grant, RegisterUser
from cxzy_saas.application.passwords import hash_password
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.config import Settings
from cxzy_saas.domain.recording import Actor
from cxzy_saas.web.app import create_app
from tests.conftest import drop_database, fresh_database

pytestmark = pytest.mark.postgres
PASSWORD = "松柏长青 stands 2031"
SYSTEM = Actor(user="system", role="system", tenant="*")


def signed_in_site(postgres_url: str, folder: Path) -> tuple[str, Any]:
    """A committee jg with branch b01 on a new database, and a client signed in as its admin."""
    url = fresh_database(postgres_url)
    settings = replace(Settings(data_dir=folder / "var", database_url=url), connect_timeout=1)
    with closing(Tenancy(settings)) as tenancy:
        tenancy.add_committee("jg", "机关党委")
        tenancy.add_branch("jg", "b01", "第一党支部")
        committee = tenancy.committee("jg")
        register = RegisterUser(username="admin", display_name="张主任", password="")
        committee.register_user(SYSTEM, register, hash_password(PASSWORD))
        committee.grant(SYSTEM, Grant(username="admin", role="committee-admin", tenant="jg"))
    app = create_app(
        settings, {"TESTING": True, "EMBEDDED_PROJECTOR": False, "WTF_CSRF_ENABLED": False}
    )
    client = app.test_client()
    signed = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert signed.status_code == 302
    return url, client


def test_a_nul_typed_into_a_list_filter_is_left_out_not_a_500(postgres_url, tmp_path):
    url, client = signed_in_site(postgres_url, tmp_path)
    try:
        for page in ("members", "records", "measures"):
            for name in ("q", "group", "member"):
                found = client.get(f"/branch/b01/{page}?{name}=%00")
                assert found.status_code == 200, (page, name, found.status_code)
    finally:
        drop_database(url)


def test_pages_and_the_api_answer_503_when_the_database_is_gone(postgres_url, tmp_path):
    url, client = signed_in_site(postgres_url, tmp_path)
    token = client.post("/api/v1/auth/token", json={"username": "admin", "password": PASSWORD})
    bearer = {"Authorization": f"Bearer {token.json['access_token']}"}
    drop_database(url)
    for page in ("/committee", "/branch/b01", "/login", "/"):
        found = client.get(page)
        assert found.status_code == 503, (page, found.status_code)
        assert "数据存储暂时无法使用" in found.text and found.headers["Retry-After"] == "30"
    answer = client.get("/api/v1/branches/b01/members", headers=bearer)
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "30"


def test_the_rebuild_page_on_postgresql_sends_the_admin_to_the_server_not_to_a_failing_job(
    postgres_url, tmp_path
):
    url, client = signed_in_site(postgres_url, tmp_path)
    try:
        page = client.get("/committee/read-models")
        assert page.status_code == 200 and "cxzy project rebuild" in page.text
        assert "/committee/read-models/rebuild" not in page.text  # no button for a job that fails
        refused = client.post("/committee/read-models/rebuild")
        assert refused.status_code == 409 and "联系系统管理员在服务器上重新统计" in refused.text
    finally:
        drop_database(url)
