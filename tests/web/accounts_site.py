"""A small committee for the tests of accounts, sign-in and privacy: one committee, two
branches, a user in every role, two members with personal fields. Quicker than the demo."""

from __future__ import annotations

import re
import uuid
from contextlib import closing
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from cxzy_saas.application.commands.committee import AddUser, Grant, LinkMember, RegisterUser
from cxzy_saas.application.commands.organisation import EnrolMember, FormGroup
from cxzy_saas.application.passwords import hash_password
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.config import Settings, WebSettings
from cxzy_saas.domain.recording import Actor
from cxzy_saas.web.app import create_app

PASSWORD = "秋天的银杏 walks slowly 2031"
COMMITTEE = "demo"
# username -> (role, tenant); the member is member M001 of b01.
USERS = {
    "admin": ("committee-admin", COMMITTEE),
    "viewer": ("committee-viewer", COMMITTEE),
    "auditor": ("auditor", COMMITTEE),
    "b01-secretary": ("branch-secretary", "b01"),
    "b01-clerk": ("branch-clerk", "b01"),
    "b01-leader": ("group-leader", "b01"),
    "b01-member": ("member", "b01"),
    "b02-clerk": ("branch-clerk", "b02"),
    "b02-secretary": ("branch-secretary", "b02"),
}
PHONES = {"M001": "13800000001", "M002": "13900000002"}
SYSTEM = Actor(user="system", role="system", tenant="*")


def build(folder: Path) -> Settings:
    settings = Settings(data_dir=folder / "var")
    with closing(Tenancy(settings)) as tenancy:
        tenancy.add_committee(COMMITTEE, "测试机关党委")
        tenancy.add_branch(COMMITTEE, "b01", "第一党支部")
        tenancy.add_branch(COMMITTEE, "b02", "第二党支部")
        b01 = tenancy.branch("b01")
        b01.form_group(SYSTEM, FormGroup(code="g1", name="第一党小组"))
        b01.enrol_members(
            SYSTEM,
            [
                EnrolMember(
                    member_no=no,
                    name=name,
                    group="g1",
                    joined_on=date(2010, 7, 1),
                    gender="女",
                    phone=PHONES[no],
                )
                for no, name in (("M001", "王芳"), ("M002", "李娜"))
            ],
        )
        committee = tenancy.committee(COMMITTEE)
        shared = hash_password(PASSWORD)  # argon2 once for all: ~0.1 s a hash
        for username, (role, tenant) in USERS.items():
            register = RegisterUser(username=username, display_name=f"{username}姓名", password="")
            committee.register_user(SYSTEM, register, shared)
            committee.grant(SYSTEM, Grant(username=username, role=role, tenant=tenant))
        committee.link_member(
            SYSTEM, LinkMember(username="b01-member", branch="b01", member_no="M001")
        )
    return settings


def add_user(
    settings: Settings,
    username: str,
    role: str = "branch-clerk",
    tenant: str = "b01",
    password: str | None = None,
) -> str:
    """A user added as an admin would; returns the one-time password made for them, or
    ``password`` when given (which they then need not change)."""
    command = AddUser(
        username=username, display_name="新用户", role=role, tenant=tenant, password=password
    )
    with closing(Tenancy(settings)) as tenancy:
        made = tenancy.committee(COMMITTEE).add_user(SYSTEM, command)
    found = made or password
    assert found
    return found


def app_for(settings: Settings, **web: Any) -> Flask:
    """An application with its own rate-limit counts (a key prefix of its own)."""
    limits = {"sign_in_limit": "1000 per minute", "sign_in_address_limit": "1000 per minute"}
    settings = replace(settings, web=WebSettings(**{**limits, **web}))
    prefix = f"cxzy-test-{uuid.uuid4().hex}"
    return create_app(
        settings, {"TESTING": True, "EMBEDDED_PROJECTOR": False, "RATELIMIT_KEY_PREFIX": prefix}
    )


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def sign_in(client: FlaskClient, username: str, password: str = PASSWORD, **extra: str) -> Any:
    page = client.get("/login")
    data = {"username": username, "password": password, "csrf_token": csrf_token(page.text)}
    return client.post("/login", data={**data, **extra})


def bearer(client: FlaskClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.json
    return {"Authorization": f"Bearer {response.json['access_token']}"}


def post_form(client: FlaskClient, page: str, target: str, **data: str) -> Any:
    """Post a form of ``page`` (which gives the CSRF token) to ``target``."""
    token = csrf_token(client.get(page).text)
    return client.post(target, data={**data, "csrf_token": token})
