"""Which campaign a branch page shows, and into which one its forms save: this year's while it
is open, even after the committee opens the next year's early; and a form saves into the year
its page showed (every form carries it), never into whichever campaign is newest."""

from __future__ import annotations

import re
from datetime import date

import pytest

from cxzy_saas import wiring
from cxzy_saas.application.commands.committee import OpenCampaign
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.domain.recording import Actor
from tests.web.api_demo import app_for, build
from tests.web.conftest import csrf_token, sign_in

ADMIN = Actor("admin", "committee-admin", "demo")


@pytest.fixture(scope="module")
def app(tmp_path_factory):  # type: ignore[no-untyped-def]
    settings = build(tmp_path_factory.mktemp("next-year"))
    tenancy = Tenancy(settings)
    try:
        this_year = tenancy.now().year
        tenancy.committee("demo").open_campaign(
            ADMIN, OpenCampaign(year=this_year + 1, title=f"{this_year + 1}年度创先争优活动")
        )
        wiring.projector(tenancy, wiring.open_read_model(tenancy)).rebuild()
    finally:
        tenancy.close()
    return app_for(settings)


def hidden_campaigns(html: str) -> set[str]:
    return set(re.findall(r'<input type="hidden" name="campaign" value="(\d+)">', html))


def test_pages_open_on_this_years_campaign_and_forms_carry_the_year_shown(app) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    sign_in(client, "b01-clerk")
    this_year = date.today().year
    page = client.get("/branch/b01/records")
    assert page.status_code == 200
    assert hidden_campaigns(page.text) == {str(this_year)}  # not next year's, opened early
    later = client.get(f"/branch/b01/records?campaign={this_year + 1}")
    assert hidden_campaigns(later.text) == {str(this_year + 1)}
    # A record posted from next year's page is refused for next year (no plan yet), in
    # Chinese, instead of landing in this year's records.
    sent = client.post(
        "/branch/b01/records",
        data={
            "csrf_token": csrf_token(later.text),
            "campaign": str(this_year + 1),
            "on": f"{this_year + 1}-01-05",
            "level": "branch",
            "subject": "b01",
            "criterion": "",
            "text": "年初学习",
            "evidence": "",
        },
    )
    assert sent.status_code == 422 and f"{this_year + 1} 年度活动方案不存在" in sent.text
    tenancy = app.extensions["cxzy.tenancy"]
    assert not [r for r in tenancy.branch("b01").daily_records(this_year) if r.text == "年初学习"]
