"""The committee's overdue monthly assessments, counted from per-month counts the projector
keeps (issue 16), are what reading every assessment row by row gives: the members and groups
on the books by each month's end and there now, not those gone (whose assessments still count
in the month's total)."""

from __future__ import annotations

from datetime import date

from cxzy_saas.domain.recording import BEIJING
from cxzy_saas.projections import queries
from cxzy_saas.web import read_model_of, tenancy_of
from tests.web.api_demo import app_for, bearer, build


def test_overdue_months_count_the_members_and_groups_there_by_each_months_end(tmp_path):  # type: ignore[no-untyped-def]
    client = app_for(build(tmp_path)).test_client()
    secretary = bearer(client, "b01-secretary")
    tenancy = tenancy_of(client.application)
    branch = tenancy.branch("b01")
    assessed = [a.subject for a in branch.assessments(2026) if a.level == "member"]
    gone = assessed[0]
    left = client.post(
        f"/api/v1/branches/b01/members/{gone}/departure",
        json={"reason": "调动", "on": "2026-06-01"},
        headers=secretary,
    )
    assert left.status_code == 200, left.json
    # one enrolled now and never assessed: only this month misses them, not the months before
    body = {"member_no": "NEW01", "name": "新党员", "joined_on": "2020-07-01"}
    assert (
        client.post("/api/v1/branches/b01/members", json=body, headers=secretary).status_code == 201
    )
    # a list brings the read model up to what was written
    assert client.get("/api/v1/branches/b01/members", headers=secretary).status_code == 200
    committee = tenancy.parent_of("b01")
    db = read_model_of(client.application, committee)
    found = queries.overdue(db, committee, 2026, date(2027, 2, 1))
    with db.read() as tx:
        branches = {
            t for (t,) in tx.query("SELECT tenant FROM rm_tenants WHERE parent = ?", (committee,))
        }
        subjects = [
            s
            for s in tx.query(
                "SELECT tenant, level, subject, since FROM rm_subjects WHERE active = 1"
            )
            if s[0] in branches
        ]
        done = set(
            tx.query("SELECT tenant, level, subject, period FROM rm_assessments WHERE year = 2026")
        )
    expected: dict[tuple[str, str], int] = {}
    for month in range(1, 13):
        period = f"2026-{month:02d}"
        for tenant, level, subject, since in subjects:
            if since[:7] <= period and (tenant, level, subject, period) not in done:
                expected[(tenant, period)] = expected.get((tenant, period), 0) + 1
    monthly = {
        (i["branch"], i["period"]): i["missing"] for i in found if i["kind"] == "monthly-assessment"
    }
    assert monthly == expected
    enrolled = branch.member("NEW01").created_on.astimezone(BEIJING).strftime("%Y-%m")
    owed = {p for (t, p) in monthly if t == "b01"}
    assert enrolled in owed and all(p >= enrolled for p in owed)
    assert any(key[:3] == ("b01", "member", gone) for key in done)  # gone, once assessed
