"""Fixtures of the page tests: a small demo committee, and a few things it lacks on purpose
(a group nobody has assessed yet, a branch whose plan waits for the committee, an open ballot)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from cxzy_saas import wiring
from cxzy_saas.application.commands.committee import Grant, RegisterUser
from cxzy_saas.application.commands.evaluation import OpenBallot
from cxzy_saas.application.commands.organisation import EnrolMember, FormGroup
from cxzy_saas.application.commands.plans import DiscussPlan, DraftPlan, FinalisePlan, SubmitPlan
from cxzy_saas.application.manifests import TENANTS_DIR, load_manifest
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.config import Settings, WebSettings
from cxzy_saas.demo.build import DEMO_PASSWORD, build_demo
from cxzy_saas.domain.recording import BEIJING, Actor, system_clock
from cxzy_saas.web.app import create_app

COMMITTEE = "demo"
YEAR = 2026
NEW_GROUP = "g9"  # in b01, with two members, never assessed
NEW_LEADER = "b01-g9-leader"  # leads g9
WAITING_BRANCH = "b03"  # its plan for the year is submitted and waits for the committee
PUBLIC_URL = "https://cxzy.example.org"  # where raters reach the server (printed on slips)


@dataclass
class Demo:
    settings: Settings
    ballot_branch: str = "b01"
    ballot_id: str = ""
    codes: list[str] = field(default_factory=list)
    new_members: list[str] = field(default_factory=list)
    # the application a browser test serves (tests/web/test_browser.serve), when it serves one
    app: Any = None


def system(tenant: str) -> Actor:
    return Actor(user="system", role="system", tenant=tenant)


def build_small_demo(folder: Path) -> Demo:
    """The API tests' demo (2 branches, seed 5), plus the fixtures' own additions."""
    settings = Settings(data_dir=folder / "var", web=WebSettings(public_url=PUBLIC_URL))
    tenancy = Tenancy(settings)
    try:
        build_demo(tenancy, load_manifest(TENANTS_DIR / "demo.toml"), branches=2, seed=5)
        tenancy.clock = system_clock  # the back-fill is over: what follows happens today
        demo = Demo(settings)
        b01 = tenancy.branch("b01")
        b01.form_group(system("b01"), FormGroup(code=NEW_GROUP, name="新建党小组"))
        demo.new_members = ["B01901", "B01902"]
        b01.enrol_members(
            system("b01"),
            [
                EnrolMember(member_no=no, name=name, group=NEW_GROUP, joined_on=date(2020, 7, 1))
                for no, name in zip(demo.new_members, ("甲新员", "乙新员"), strict=True)
            ],
        )
        # The leader of the new group (the demo's b01-leader leads g1).
        committee = tenancy.committee(COMMITTEE)
        committee.register_user(
            system(COMMITTEE),
            RegisterUser(username=NEW_LEADER, display_name=NEW_LEADER, password=DEMO_PASSWORD),
        )
        committee.grant(
            system(COMMITTEE),
            Grant(username=NEW_LEADER, role="group-leader", tenant="b01", group=NEW_GROUP),
        )
        ballot_id, codes = b01.open_ballot(
            system("b01"),
            OpenBallot(
                year=YEAR,
                title="补充民主测评",
                subjects=[
                    {"level": "member", "subject": "B01001"},
                    {"level": "member", "subject": "B01002"},
                    {"level": "group", "subject": "g1"},
                ],
                codes={"members": 4, "constituents": 2},
                on=tenancy.now().date(),
            ),
        )
        demo.ballot_id, demo.codes = str(ballot_id), codes["members"] + codes["constituents"]
        add_branch_waiting_for_approval(tenancy)
        wiring.projector(tenancy, wiring.open_read_model(tenancy)).rebuild()
    finally:
        tenancy.close()
    return demo


def add_branch_waiting_for_approval(tenancy: Tenancy) -> None:
    code = WAITING_BRANCH
    tenancy.add_branch(COMMITTEE, code, "新成立党支部")
    committee = tenancy.committee(COMMITTEE)
    for role in ("secretary", "clerk"):
        username = f"{code}-{role}"
        committee.register_user(
            system(COMMITTEE),
            RegisterUser(username=username, display_name=username, password=DEMO_PASSWORD),
        )
        committee.grant(
            system(COMMITTEE), Grant(username=username, role=f"branch-{role}", tenant=code)
        )
    branch = tenancy.branch(code)
    today = tenancy.now().astimezone(BEIJING).date()  # the committee's day, as the domain's
    branch.draft_plan(system(code), DraftPlan(year=YEAR, drafter="组织委员"))
    branch.discuss_plan(system(code), DiscussPlan(year=YEAR, on=today, minutes="支委会讨论方案"))
    branch.finalise_plan(system(code), FinalisePlan(year=YEAR, on=today))
    branch.submit_plan(system(code), SubmitPlan(year=YEAR, on=today))


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def sign_in(client, username: str, password: str = DEMO_PASSWORD):  # type: ignore[no-untyped-def]
    page = client.get("/login")
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_token(page.text)},
    )


@pytest.fixture(scope="module")
def app(demo):  # type: ignore[no-untyped-def]
    """The pages' application over the module's own ``demo`` fixture (no embedded projector)."""
    return create_app(demo.settings, {"TESTING": True, "EMBEDDED_PROJECTOR": False})


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


def as_user(client, username: str):  # type: ignore[no-untyped-def]
    assert sign_in(client, username).status_code == 302
    return client
