"""The projection's handlers: what each event changes in the read-model rows.

Each handler takes the batch's projection and ``(tenant, aggregate, version, data)``: the log
the event is in, its aggregate's id, its version and its decoded state. ``HANDLERS`` keys them
by event class (``domain/events.py``); an event with no handler changes no row.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from cxzy_saas.domain import events as ev
from cxzy_saas.domain.events import EventClass
from cxzy_saas.domain.organisation import beijing_day, erased_value
from cxzy_saas.projections.projection import Projection, State, iso


def registry_committee(
    p: Projection, tenant: str, aggregate: str, version: int, data: State
) -> None:
    p.put("rm_tenants", tenant=data["code"], kind="committee", name=data["name"], parent=None)


def branch_registered(
    p: Projection, tenant: str, aggregate: str, version: int, data: State
) -> None:
    p.put("rm_tenants", tenant=data["code"], kind="branch", name=data["name"], parent=tenant)


def recorded_day(data: State) -> str:
    """The day (UTC+8) an event was recorded."""
    return beijing_day(data["timestamp"]).isoformat()


def _list_row(
    p: Projection, table: str, key: str, tenant: str, aggregate: str, **values: Any
) -> None:
    """A branch list's new row (decision 0019): keyed by the tenant and the aggregate (its key
    column ``key``), at the position of the event that made it (the log's order)."""
    p.put(table, tenant=tenant, **{key: aggregate}, position=p.position, **values)


def group_formed(p: Projection, tenant: str, aggregate: str, version: int, data: State) -> None:
    p.keys[(tenant, aggregate)] = (tenant, "group", data["code"])
    p.put(
        "rm_subjects",
        tenant=tenant,
        level="group",
        subject=data["code"],
        aggregate=aggregate,
        name=data["name"],
        grp=None,
        active=1,
        since=recorded_day(data),
        until=None,
    )
    _list_row(
        p,
        "rm_group_list",
        "grp",
        tenant,
        aggregate,
        code=data["code"],
        name=data["name"],
        dissolved=0,
    )
    p.touched.add(tenant)


def member_enrolled(p: Projection, tenant: str, aggregate: str, version: int, data: State) -> None:
    p.keys[(tenant, aggregate)] = (tenant, "member", data["member_no"])
    both = {"name": data["name"], "grp": _group_of(data), "active": 1}
    p.put(
        "rm_subjects",
        tenant=tenant,
        level="member",
        subject=data["member_no"],
        aggregate=aggregate,
        since=recorded_day(data),
        until=None,
        **both,
    )
    _list_row(
        p,
        "rm_member_list",
        "member",
        tenant,
        aggregate,
        member_no=data["member_no"],
        status=data["status"],
        roles="[]",
        joined_on=iso(data["joined_on"]),
        left_on=None,
        **both,
    )
    p.touched.add(tenant)


def _member_roles(change: Callable[[list[str], str], None]) -> Handler:
    """A role given or relieved: the member's listed roles, changed."""

    def handler(p: Projection, tenant: str, aggregate: str, version: int, data: State) -> None:
        row = p.get("rm_member_list", (tenant, aggregate))
        if row is not None:
            roles = json.loads(row["roles"])
            change(roles, data["role"])
            p.set("rm_member_list", (tenant, aggregate), roles=json.dumps(roles))

    return handler


def _listed(table: str, **changes: Any) -> Handler:
    """An event that changes columns of its aggregate's row of ``table`` (values, or functions
    of the event's state)."""

    def handler(p: Projection, tenant: str, aggregate: str, version: int, data: State) -> None:
        values = {k: (fn(data) if callable(fn) else fn) for k, fn in changes.items()}
        p.set(table, (tenant, aggregate), **values)

    return handler


def member_erased(p: Projection, tenant: str, aggregate: str, version: int, data: State) -> None:
    # The Enrolled event already reads as erased once the key is gone (a rebuild shows the
    # placeholder from the start); this sets it on rows projected while the key existed.
    key = p.row_key(tenant, aggregate, "rm_subjects_by_aggregate")
    if key is not None:
        _, _, member_no = key
        p.set("rm_subjects", key, name=erased_value("name"))
        p.set("rm_member_list", (tenant, aggregate), name=erased_value("name"))
        p.erased.append((tenant, member_no))
        p.touched.add(tenant)


def campaign_opened(p: Projection, tenant: str, aggregate: str, version: int, data: State) -> None:
    p.remember(tenant, aggregate, ev.CampaignOpened, data)
    p.put(
        "rm_campaigns",
        committee=tenant,
        year=data["year"],
        title=data["title"],
        board_open=0,
        closed_on=None,
    )
    p.touched.add(tenant)


def campaign_visibility(
    p: Projection, tenant: str, aggregate: str, version: int, data: State
) -> None:
    year = p.campaign_year(tenant, aggregate)
    if year is not None:
        p.set("rm_campaigns", (tenant, year), board_open=int(data["open_to_branches"]))


def campaign_closed(p: Projection, tenant: str, aggregate: str, version: int, data: State) -> None:
    year = p.campaign_year(tenant, aggregate)
    if year is not None:
        p.set("rm_campaigns", (tenant, year), closed_on=iso(data["on"]))


def plan_drafted(p: Projection, tenant: str, aggregate: str, version: int, data: State) -> None:
    p.keys[(tenant, aggregate)] = (tenant, data["year"])
    p.put(
        "rm_plan_versions",
        tenant=tenant,
        year=data["year"],
        version=1,
        content=json.dumps(data["content"], ensure_ascii=False),
    )
    p.put(
        "rm_plans",
        tenant=tenant,
        year=data["year"],
        aggregate=aggregate,
        status="draft",
        submissions=0,
    )
    p.touched.add(tenant)


def plan_revised(p: Projection, tenant: str, aggregate: str, version: int, data: State) -> None:
    key = p.plan_row(tenant, aggregate)
    if key is None:
        return
    _, year = key
    stored = p.db_lookup("rm_plan_version_count", key) if p.db_lookup else None
    known = max(
        [v for (t, y, v) in p.rows["rm_plan_versions"] if (t, y) == key]
        + [int(stored["versions"]) if stored and stored["versions"] is not None else 0]
    )
    p.put(
        "rm_plan_versions",
        tenant=tenant,
        year=year,
        version=known + 1,
        content=json.dumps(data["content"], ensure_ascii=False),
    )
    p.set("rm_plans", key, status="revised")
    p.touched.add(tenant)


def plan_submitted(p: Projection, tenant: str, aggregate: str, version: int, data: State) -> None:
    key = p.plan_row(tenant, aggregate)
    if key is None:
        return
    _, year = key
    p.set("rm_plans", key, status="submitted", submissions=data["submission"])
    p.put(
        "rm_plan_submissions",
        tenant=tenant,
        year=year,
        submission=data["submission"],
        version=data["version"],
    )
    p.touched.add(tenant)  # its approval, if already projected, now names a version
    p.put(
        "rm_submissions",
        tenant=tenant,
        kind="plan",
        subject=str(year),
        submission=data["submission"],
        year=year,
        title="活动方案",
        submitted_at=iso(data["timestamp"]),
    )


def decision(p: Projection, tenant: str, aggregate: str, version: int, data: State) -> None:
    p.put(
        "rm_decisions",
        committee=tenant,
        branch=data["branch"],
        kind=data["kind"],
        subject=data["subject"],
        submission=data["submission"],
        outcome=data["outcome"],
        reason=data["reason"],
        decided_at=iso(data["timestamp"]),
    )
    if data["kind"] == "plan":
        p.touched.add(tenant)  # an approved plan version comes into force


def assessed(p: Projection, tenant: str, aggregate: str, version: int, data: State) -> None:
    items = {k: float(p) for k, p in data["scores"].items()}
    score = p.month_score(tenant, data["year"], data["plan_version"], data["level"], items)
    p.keys[(tenant, aggregate)] = (
        tenant,
        data["year"],
        data["level"],
        data["subject"],
        data["period"],
    )
    p.put(
        "rm_assessments",
        tenant=tenant,
        year=data["year"],
        level=data["level"],
        subject=data["subject"],
        period=data["period"],
        aggregate=aggregate,
        plan_version=data["plan_version"],
        items=json.dumps(items, sort_keys=True),
        score=score,
        recorded_at=iso(data["timestamp"]),
    )
    period = data["period"]
    if data["level"] != "branch":
        counted = p.get("rm_assessment_counts", (tenant, data["year"], period))
        p.put(
            "rm_assessment_counts",
            tenant=tenant,
            year=data["year"],
            period=period,
            assessed=(counted["assessed"] if counted else 0) + 1,
        )
    _list_row(
        p,
        "rm_assessment_list",
        "assessment",
        tenant,
        aggregate,
        year=data["year"],
        period=period,
        month=int(period[5:]) if period[5:].isdigit() else None,
        level=data["level"],
        subject=data["subject"],
        scores=json.dumps({k: float(v) for k, v in data["scores"].items()}, ensure_ascii=False),
        plan_version=data["plan_version"],
        on_date=iso(data["on"]),
        corrections="[]",
    )
    p.touched.add(tenant)


def score_corrected(p: Projection, tenant: str, aggregate: str, version: int, data: State) -> None:
    listed = p.get("rm_assessment_list", (tenant, aggregate))
    if listed is not None:
        scores = json.loads(listed["scores"])
        previous = float(data["previous"])
        scores[data["item"]] = float(data["points"])
        corrections = json.loads(listed["corrections"])
        corrections.append(
            {
                "item": data["item"],
                "points": float(data["points"]),
                "previous": previous,
                "reason": data["reason"],
            }
        )
        p.set(
            "rm_assessment_list",
            (tenant, aggregate),
            scores=json.dumps(scores, ensure_ascii=False),
            corrections=json.dumps(corrections, ensure_ascii=False),
        )
    key = p.row_key(tenant, aggregate, "rm_assessments_by_aggregate")
    if key is None:
        return
    row = p.get("rm_assessments", key)
    if row is None:
        return
    items = json.loads(row["items"])
    items[data["item"]] = float(data["points"])
    score = p.month_score(tenant, row["year"], row["plan_version"], row["level"], items)
    p.set("rm_assessments", key, items=json.dumps(items, sort_keys=True), score=score)
    p.touched.add(tenant)


def measure_filed(p: Projection, tenant: str, aggregate: str, version: int, data: State) -> None:
    both = {"year": data["year"], "level": data["level"], "subject": data["subject"]}
    p.put("rm_measures", tenant=tenant, measure=aggregate, done=0, **both)
    _list_row(
        p,
        "rm_measure_list",
        "measure",
        tenant,
        aggregate,
        **both,
        criteria="," + ",".join(str(c) for c in data["criteria"]) + ",",
        text=data["text"],
        due=iso(data["due"]),
        reported_to=None,
        acknowledged=0,
        done_on=None,
    )
    p.touched.add(tenant)


def measure_completed(
    p: Projection, tenant: str, aggregate: str, version: int, data: State
) -> None:
    p.set("rm_measures", (tenant, aggregate), done=1)
    p.set("rm_measure_list", (tenant, aggregate), done_on=iso(data["on"]))
    p.touched.add(tenant)


def measure_acknowledged(
    p: Projection, tenant: str, aggregate: str, version: int, data: State
) -> None:
    p.set("rm_measure_list", (tenant, aggregate), acknowledged=1)


def measure_reported(p: Projection, tenant: str, aggregate: str, version: int, data: State) -> None:
    p.set("rm_measure_list", (tenant, aggregate), reported_to=data["to"])
    if data["to"] == "committee":
        row = p.get("rm_measures", (tenant, aggregate))
        p.put(
            "rm_submissions",
            tenant=tenant,
            kind="measure",
            subject=aggregate,
            submission=1,
            year=row["year"] if row else data["on"].year,
            title="党支部措施",
            submitted_at=iso(data["timestamp"]),
        )


def ballot_opened(p: Projection, tenant: str, aggregate: str, version: int, data: State) -> None:
    p.put(
        "rm_ballots",
        tenant=tenant,
        ballot=aggregate,
        year=data["year"],
        title=data["title"],
        short=data["short"],
        issued=sum(len(h) for h in data["code_hashes"].values()),
        cast_count=0,
        closed=0,
        tallies="{}",
    )


def ballot_code_spent(
    p: Projection, tenant: str, aggregate: str, version: int, data: State
) -> None:
    row = p.get("rm_ballots", (tenant, aggregate))
    if row is not None:
        p.set("rm_ballots", (tenant, aggregate), cast_count=row["cast_count"] + 1)


def ballot_codes_reissued(
    p: Projection, tenant: str, aggregate: str, version: int, data: State
) -> None:
    row = p.get("rm_ballots", (tenant, aggregate))
    if row is not None:
        issued = row["issued"] - data["voided"] + len(data["code_hashes"])
        p.set("rm_ballots", (tenant, aggregate), issued=issued)


def ballot_closed(p: Projection, tenant: str, aggregate: str, version: int, data: State) -> None:
    result = {"turnout": data["turnout"], "tallies": data["tallies"]}
    p.set(
        "rm_ballots",
        (tenant, aggregate),
        closed=1,
        tallies=json.dumps(result, sort_keys=True, ensure_ascii=False),
    )
    p.touched.add(tenant)


def inspected(p: Projection, tenant: str, aggregate: str, version: int, data: State) -> None:
    both = {"year": data["year"], "quarter": data["quarter"], "on_date": iso(data["on"])}
    p.put("rm_inspections", tenant=tenant, **both)
    _list_row(
        p,
        "rm_inspection_list",
        "inspection",
        tenant,
        aggregate,
        **both,
        measures_checked=data["measures_checked"],
        gaps=data["gaps"],
        weak_links=data["weak_links"],
        improvements=data["improvements"],
        recorded_by=_user(data),
        recorded_at=iso(data["timestamp"]),
    )


def _user(data: State) -> str:
    """Who recorded an event (the user of its actor stamp)."""
    actor = data.get("actor") or {}
    return str(actor.get("user", "")) if isinstance(actor, dict) else ""


def recorded(p: Projection, tenant: str, aggregate: str, version: int, data: State) -> None:
    # Not remembered: a retraction is rare, and recalls the record's month from its log.
    key = (tenant, data["year"], data["on"].month)
    p.increments[key] = p.increments.get(key, 0) + 1
    _list_row(
        p,
        "rm_records",
        "record",
        tenant,
        aggregate,
        year=data["year"],
        on_date=iso(data["on"]),
        month=data["on"].month,
        level=data["level"],
        subject=data["subject"],
        criterion=data["criterion"],
        text=data["text"],
        evidence=data["evidence"],
        recorded_by=_user(data),
        recorded_at=iso(data["timestamp"]),
        retracted=None,
        retracted_by=None,
        retracted_at=None,
    )


def retracted(p: Projection, tenant: str, aggregate: str, version: int, data: State) -> None:
    fact = p.fact(tenant, aggregate)
    if fact:
        key = (tenant, fact["year"], fact["month"])
        p.increments[key] = p.increments.get(key, 0) - 1
    p.set(
        "rm_records",
        (tenant, aggregate),
        retracted=data["reason"],
        retracted_by=_user(data),
        retracted_at=iso(data["timestamp"]),
    )


def meeting_listed(p: Projection, tenant: str, aggregate: str, version: int, data: State) -> None:
    _list_row(
        p,
        "rm_meetings",
        "meeting",
        tenant,
        aggregate,
        year=data["year"],
        kind=data["kind"],
        on_date=iso(data["on"]),
        month=data["on"].month,
        title=data["title"],
        attendees=data["attendees"],
        minutes=data["minutes"],
    )


def corrected(table: str) -> Handler:
    """A list row's fields as a ``Corrected`` event changes them (an inspection's findings,
    a meeting's title, attendance or minutes); the row keeps its place."""

    def handle(p: Projection, tenant: str, aggregate: str, version: int, data: State) -> None:
        p.set(table, (tenant, aggregate), **data["changes"])

    return handle


def _submitted(p: Projection, tenant: str, kind: str, year: int, title: str, data: State) -> None:
    p.put(
        "rm_submissions",
        tenant=tenant,
        kind=kind,
        subject=str(year),
        submission=1,
        year=year,
        title=title,
        submitted_at=iso(data["timestamp"]),
    )


def review_started(p: Projection, tenant: str, aggregate: str, version: int, data: State) -> None:
    """Remembered (later events of the round need its year and stage); and the round is open:
    its members' self-summaries are due until the branch reports it (待办)."""
    p.remember(tenant, aggregate, ev.ReviewStarted, data)
    p.put(
        "rm_duties",
        tenant=tenant,
        kind="review",
        ref=f"{data['year']}-{data['stage']}",
        year=data["year"],
        title=data["stage"],
        due="",
        done_on=None,
    )


def review_summary_filed(
    p: Projection, tenant: str, aggregate: str, version: int, data: State
) -> None:
    """A member's self-summary of a round, filed (the day it was filed, Beijing time)."""
    fact = p.fact(tenant, aggregate)
    if fact:
        p.put(
            "rm_duties",
            tenant=tenant,
            kind="summary",
            ref=f"{fact['year']}-{fact['stage']}-{data['member']}",
            year=fact["year"],
            title=data["member"],
            due="",
            done_on=recorded_day(data),
        )


def review_reported(p: Projection, tenant: str, aggregate: str, version: int, data: State) -> None:
    fact = p.fact(tenant, aggregate)
    if fact.get("stage") == "midyear":
        _submitted(p, tenant, "midyear-report", fact["year"], "半年初评情况", data)
    if fact:
        ref = f"{fact['year']}-{fact['stage']}"
        p.put(
            "rm_duties",
            tenant=tenant,
            kind="review",
            ref=ref,
            year=fact["year"],
            title=fact["stage"],
            due="",
            done_on=iso(data["on"]),
        )


def summary_reported(p: Projection, tenant: str, aggregate: str, version: int, data: State) -> None:
    column = SUMMARY_REPORTED[data["to"]]
    p.set("rm_summary_list", (tenant, aggregate), **{column: iso(data["on"])})
    fact = p.fact(tenant, aggregate)
    if data["to"] == "committee" and fact:
        _submitted(p, tenant, "annual-summary", fact["year"], "年度总结", data)


def nomination_started(
    p: Projection, tenant: str, aggregate: str, version: int, data: State
) -> None:
    p.remember(tenant, aggregate, ev.NominationStarted, data)
    _list_row(
        p,
        "rm_nomination_list",
        "nomination",
        tenant,
        aggregate,
        year=data["year"],
        entries="[]",
        subjects=",",
        submissions=0,
        submitted_on=None,
        reopenings="[]",
    )


# What a listed nomination answers of each entry (``NominationOut``'s entries).
ENTRY_KEYS = ("level", "subject", "rank", "composite", "departs", "reason")


def nomination_shortlisted(
    p: Projection, tenant: str, aggregate: str, version: int, data: State
) -> None:
    p.remember(tenant, aggregate, ev.NominationShortlisted, data)
    entries = [{k: e.get(k) for k in ENTRY_KEYS} for e in data["entries"]]
    subjects = "," + "".join(f"{e['level']}:{e['subject']}," for e in entries)
    p.set(
        "rm_nomination_list",
        (tenant, aggregate),
        entries=json.dumps(entries, ensure_ascii=False),
        subjects=subjects,
    )


def nomination_reopened(
    p: Projection, tenant: str, aggregate: str, version: int, data: State
) -> None:
    row = p.get("rm_nomination_list", (tenant, aggregate))
    if row is not None:
        reopening = {k: data[k] for k in ("submission", "returned", "answer")}
        reopenings = [*json.loads(row["reopenings"]), reopening]
        changes = {"reopenings": json.dumps(reopenings, ensure_ascii=False)}
        p.set("rm_nomination_list", (tenant, aggregate), submitted_on=None, **changes)


def nomination_submitted(
    p: Projection, tenant: str, aggregate: str, version: int, data: State
) -> None:
    p.set(
        "rm_nomination_list",
        (tenant, aggregate),
        submissions=data["submission"],
        submitted_on=iso(data["on"]),
    )
    fact = p.fact(tenant, aggregate)
    for entry in fact.get("entries", []):
        what = "先进党小组" if entry["level"] == "group" else "优秀党员"
        p.put(
            "rm_submissions",
            tenant=tenant,
            kind="nominee",
            subject=f"{fact['year']}:{entry['level']}:{entry['subject']}",
            submission=data["submission"],
            year=fact["year"],
            title=f"推荐{what} {entry['subject']}",
            submitted_at=iso(data["timestamp"]),
        )


def deeds_drafted(p: Projection, tenant: str, aggregate: str, version: int, data: State) -> None:
    _list_row(
        p,
        "rm_deed_list",
        "deeds",
        tenant,
        aggregate,
        year=data["year"],
        level=data["level"],
        subject=data["subject"],
        versions=1,
        **_deed_text(data),
    )


def _deed_text(data: State) -> dict[str, Any]:
    attachments = json.dumps(list(data["attachments"]), ensure_ascii=False)
    return {"text": data["text"], "attachments": attachments}


def deeds_revised(p: Projection, tenant: str, aggregate: str, version: int, data: State) -> None:
    row = p.get("rm_deed_list", (tenant, aggregate))
    if row is not None:
        versions = row["versions"] + 1
        p.set("rm_deed_list", (tenant, aggregate), versions=versions, **_deed_text(data))


SUMMARY_PARTS = ("basic_facts", "experience", "problems", "plans")
SUMMARY_REPORTED = {"members-meeting": "meeting_on", "committee": "committee_on"}
UNREPORTED = dict.fromkeys(SUMMARY_REPORTED.values())


def summary_filed(p: Projection, tenant: str, aggregate: str, version: int, data: State) -> None:
    p.remember(tenant, aggregate, ev.AnnualSummaryFiled, data)
    parts = {k: data[k] for k in SUMMARY_PARTS}
    _list_row(
        p,
        "rm_summary_list",
        "summary",
        tenant,
        aggregate,
        year=data["year"],
        revisions=1,
        **UNREPORTED,
        **parts,
    )


def summary_revised(p: Projection, tenant: str, aggregate: str, version: int, data: State) -> None:
    row = p.get("rm_summary_list", (tenant, aggregate))
    if row is not None:
        parts = {k: data[k] for k in SUMMARY_PARTS}
        revisions = row["revisions"] + 1
        changes = {**parts, **UNREPORTED}
        p.set("rm_summary_list", (tenant, aggregate), revisions=revisions, **changes)


Handler = Callable[[Projection, str, str, int, State], None]


def _name(data: State) -> Any:
    return data["name"]


def _group_of(data: State) -> str | None:
    return str(data["group_id"]) if data["group_id"] else None


def _subject_change(**changes: Any) -> Handler:
    def handler(p: Projection, tenant: str, aggregate: str, version: int, data: State) -> None:
        key = p.row_key(tenant, aggregate, "rm_subjects_by_aggregate")
        if key is not None:
            values = {k: (fn(data) if callable(fn) else fn) for k, fn in changes.items()}
            p.set("rm_subjects", key, **values)
            p.touched.add(tenant)

    return handler


def _each(*handlers: Handler) -> Handler:
    """An event that more than one read model follows."""

    def handler(p: Projection, tenant: str, aggregate: str, version: int, data: State) -> None:
        for one in handlers:
            one(p, tenant, aggregate, version, data)

    return handler


def _plan_status(status: str) -> Handler:
    def handler(p: Projection, tenant: str, aggregate: str, version: int, data: State) -> None:
        key = p.plan_row(tenant, aggregate)
        if key is not None:
            p.set("rm_plans", key, status=status)

    return handler


def task_assigned(p: Projection, tenant: str, aggregate: str, version: int, data: State) -> None:
    # The branch's report is in another log and may be projected first: keep its date.
    key = (data["branch"], "task", aggregate)
    found = p.get("rm_duties", key)
    p.put(
        "rm_duties",
        tenant=data["branch"],
        kind="task",
        ref=aggregate,
        year=data["year"],
        title=data["title"],
        due=iso(data["due"]),
        done_on=found["done_on"] if found else None,
    )


def task_reported(p: Projection, tenant: str, aggregate: str, version: int, data: State) -> None:
    key = (tenant, "task", str(data["task"]))
    found = p.get("rm_duties", key)
    p.put(
        "rm_duties",
        tenant=tenant,
        kind="task",
        ref=str(data["task"]),
        year=data["year"],
        title=found["title"] if found else "",
        due=found["due"] if found else "",
        done_on=iso(data["on"]),
    )


QUARTERLY_MEETINGS = ("committee-discussion", "committee-life")


def meeting_recorded(p: Projection, tenant: str, aggregate: str, version: int, data: State) -> None:
    """Listed (the branch's meetings), and a quarterly duty done when it is one."""
    meeting_listed(p, tenant, aggregate, version, data)
    if data["kind"] not in QUARTERLY_MEETINGS:
        return
    on = iso(data["on"])
    quarter = (int(on[5:7]) - 1) // 3 + 1
    ref = f"{data['year']}-Q{quarter}"
    found = p.get("rm_duties", (tenant, data["kind"], ref))
    p.put(
        "rm_duties",
        tenant=tenant,
        kind=data["kind"],
        ref=ref,
        year=data["year"],
        title=data["title"],
        due="",
        done_on=min(on, found["done_on"]) if found and found["done_on"] else on,
    )


HANDLERS: dict[EventClass, Handler] = {
    ev.RegistryCommitteeRegistered: registry_committee,
    ev.CommitteeBranchRegistered: branch_registered,
    ev.GroupFormed: group_formed,
    ev.GroupRenamed: _each(
        _subject_change(name=lambda d: d["name"]), _listed("rm_group_list", name=_name)
    ),
    ev.GroupDissolved: _each(
        _subject_change(active=0, until=recorded_day), _listed("rm_group_list", dissolved=1)
    ),
    ev.MemberEnrolled: member_enrolled,
    ev.MemberMovedToGroup: _each(
        _subject_change(grp=_group_of), _listed("rm_member_list", grp=_group_of)
    ),
    ev.MemberFullMembershipConfirmed: _listed("rm_member_list", status="full"),
    ev.MemberRoleGiven: _member_roles(list.append),
    ev.MemberRoleRelieved: _member_roles(
        lambda roles, role: roles.remove(role) if role in roles else None
    ),
    ev.MemberLeft: _each(
        _subject_change(active=0, until=lambda d: iso(d["on"])),
        _listed("rm_member_list", active=0, left_on=lambda d: iso(d["on"]), grp=None, roles="[]"),
    ),
    ev.MemberPersonalDataErased: member_erased,
    ev.CampaignOpened: campaign_opened,
    ev.CampaignLeaderboardVisibilityChanged: campaign_visibility,
    ev.CampaignClosed: campaign_closed,
    ev.PlanDrafted: plan_drafted,
    ev.PlanDiscussed: _plan_status("discussed"),
    ev.PlanCirculated: _plan_status("circulated"),
    ev.PlanFinalised: _plan_status("final"),
    ev.PlanRevised: plan_revised,
    ev.PlanSubmitted: plan_submitted,
    ev.DecisionApproved: decision,
    ev.DecisionReturned: decision,
    ev.DecisionAcknowledged: decision,
    ev.AssessmentRecorded: assessed,
    ev.AssessmentScoreCorrected: score_corrected,
    ev.MeasureFiled: measure_filed,
    ev.MeasureReported: measure_reported,
    ev.MeasureAcknowledged: measure_acknowledged,
    ev.MeasureCompleted: measure_completed,
    ev.BallotOpened: ballot_opened,
    ev.BallotCodeSpent: ballot_code_spent,
    ev.BallotCodesReissued: ballot_codes_reissued,
    ev.BallotClosed: ballot_closed,
    ev.InspectionRecorded: inspected,
    ev.InspectionCorrected: corrected("rm_inspection_list"),
    ev.DailyRecordRecorded: recorded,
    ev.DailyRecordRetracted: retracted,
    ev.ReviewStarted: review_started,
    ev.ReviewSummaryFiled: review_summary_filed,
    ev.ReviewReportedToCommittee: review_reported,
    ev.AnnualSummaryFiled: summary_filed,
    ev.AnnualSummaryReported: summary_reported,
    ev.AnnualSummaryRevised: summary_revised,
    ev.DeedMaterialDrafted: deeds_drafted,
    ev.DeedMaterialRevised: deeds_revised,
    ev.NominationStarted: nomination_started,
    ev.NominationShortlisted: nomination_shortlisted,
    ev.NominationSubmitted: nomination_submitted,
    ev.NominationReopened: nomination_reopened,
    ev.TaskAssigned: task_assigned,
    ev.TaskReportReported: task_reported,
    ev.MeetingRecorded: meeting_recorded,
    ev.MeetingCorrected: corrected("rm_meetings"),
}
