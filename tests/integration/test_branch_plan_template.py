"""A branch plan starts from its committee's plan in force and keeps what the committee's plan
says it keeps (``rules.branch_keeps``)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from cxzy_saas.application.commands.committee import OpenCampaign
from cxzy_saas.application.commands.plans import DraftPlan, RevisePlan
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.domain.errors import InvalidInput
from cxzy_saas.domain.recording import SimulatedClock
from tests.builders import a_clerk, a_committee_admin
from tests.conftest import random_code
from tests.integration.test_campaign_year import PLAN, YEAR


def test_a_branch_plan_starts_from_the_committees_and_keeps_what_it_keeps(settings):
    tenancy = Tenancy(settings, SimulatedClock(datetime(YEAR, 1, 3, tzinfo=UTC)))
    try:
        committee, branch = random_code("c"), random_code("b")
        tenancy.add_committee(committee, "党委")
        tenancy.add_branch(committee, branch, "支部")
        admin = a_committee_admin(committee)
        cte = tenancy.committee(committee)
        cte.open_campaign(admin, OpenCampaign(year=YEAR, title="活动"))
        kept = copy.deepcopy(PLAN)
        kept["rules"] = {**kept.get("rules", {}), "branch_keeps": ["criteria", "quota_fraction"]}
        cte.draft_plan(admin, DraftPlan(year=YEAR, drafter="组织部", content=kept))
        app, clerk = tenancy.branch(branch), a_clerk(branch)
        app.draft_plan(clerk, DraftPlan(year=YEAR, drafter="组织委员"))
        drafted = app.plan(YEAR).versions[-1]
        assert drafted["criteria"] == kept["criteria"]
        assert drafted["rules"]["branch_keeps"] == ["criteria", "quota_fraction"]
        changed = copy.deepcopy(drafted)
        changed["criteria"][0]["text"] = "改写的条件"
        with pytest.raises(InvalidInput, match="keeps criteria"):
            app.revise_plan(clerk, RevisePlan(year=YEAR, content=changed, note="改写"))
        weights = copy.deepcopy(drafted)
        weights["composite_weights"] = {"work": 50, "rating": 40, "target": 10}
        app.revise_plan(clerk, RevisePlan(year=YEAR, content=weights, note="调整权重"))
        assert app.plan(YEAR).versions[-1]["composite_weights"]["work"] == 50
    finally:
        tenancy.close()
