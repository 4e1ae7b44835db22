"""The database goes away under a running web server: pages and the API say so (503, in
Chinese on the pages, with Retry-After), never a 500 with Flask's English page."""

from __future__ import annotations

from contextlib import closing
from dataclasses import replace

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


def test_pages_and_the_api_answer_503_when_the_database_is_gone(postgres_url, tmp_path):
    url = fresh_database(postgres_url)
    settings = replace(Settings(data_dir=tmp_path / "var", database_url=url), connect_timeout=1)
    with closing(Tenancy(settings)) as tenancy:
        tenancy.add_committee("jg", "机关党委")
        tenancy.add_branch("jg", "b01", "第一党支部")
        committee = tenancy.committee("jg")
        for username, role, tenant in (("admin", "committee-admin", "jg"),):
            register = RegisterUser(username=username, display_name="张主任", password="")
            committee.register_user(SYSTEM, register, hash_password(PASSWORD))
            committee.grant(SYSTEM, Grant(username=username, role=role, tenant=tenant))
    app = create_app(
        settings, {"TESTING": True, "EMBEDDED_PROJECTOR": False, "WTF_CSRF_ENABLED": False}
    )
    client = app.test_client()
    signed = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert signed.status_code == 302
    token = client.post("/api/v1/auth/token", json={"username": "admin", "password": PASSWORD})
    bearer = {"Authorization": f"Bearer {token.json['access_token']}"}
    drop_database(url)
    for page in ("/committee", "/branch/b01", "/login", "/"):
        found = client.get(page)
        assert found.status_code == 503, (page, found.status_code)
        assert "数据存储暂时无法使用" in found.text and found.headers["Retry-After"] == "30"
    answer = client.get("/api/v1/branches/b01/members", headers=bearer)
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "30"
