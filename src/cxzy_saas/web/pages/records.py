"""Daily records (日常记载): what a member, a group or the branch did, dated, newest first;
narrowed by member, group, criterion, month, status and text (read from the read models,
decision 0019).

Evidence is never required. A record is never edited or deleted: a mistaken one is retracted
with a reason, and the list keeps showing what the retraction withdrew, struck through, beside
who retracted it and when.
"""

from __future__ import annotations

import unicodedata
from types import SimpleNamespace
from typing import Any
from uuid import UUID

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from cxzy_saas.application.commands.work import RecordDaily, RetractRecord
from cxzy_saas.application.permissions import BRANCH_ASSESSORS
from cxzy_saas.domain.errors import DomainError
from cxzy_saas.domain.recording import Actor
from cxzy_saas.projections import lists
from cxzy_saas.projections.db import ReadModelDB
from cxzy_saas.web.api.records import RecordIn, RetractIn
from cxzy_saas.web.listing import fresh_model
from cxzy_saas.web.pages import bp, i18n, nav_link
from cxzy_saas.web.pages.access import acting_for, may, opens, signed_in, user
from cxzy_saas.web.pages.branch import (
    READERS,
    branch_app,
    branch_reader,
    campaign_year,
    page_number,
    plan_in_force,
    today,
    when,
)
from cxzy_saas.web.pages.forms import Form, forms_of, typed

PER_PAGE = 20

nav_link("branch", "pages.work_records", "日常记载", "Daily records")


FILTERS = ("member", "group", "criterion", "month", "status", "q")


def subject_views(
    db: ReadModelDB, code: str, branch_name: str, led: str | None = None, own: str | None = None
) -> tuple[list[tuple[str, str]], dict[tuple[str, str], str], list[Any]]:
    """From the read model (no member loaded): the groups for the filter, every subject's
    name, and the form's choices by level (as ``branch.subject_choices`` gives them); for the
    leader of group ``led``, the members of that group only, for member ``own`` themself only
    (what the commands let them act on)."""
    found = lists.subjects(db, code)
    groups = [(s["subject"], s["name"]) for s in found if s["level"] == "group"]
    names = {("branch", code): branch_name} | {(s["level"], s["subject"]): s["name"] for s in found}
    choices = [("branch", [(code, branch_name)])] + [
        (
            level,
            [
                (s["subject"], s["name"] if level == "group" else f"{s['name']}（{s['subject']}）")
                for s in found
                if s["level"] == level and s["active"]
            ],
        )
        for level in ("group", "member")
    ]
    if led is not None or own is not None:
        mine = [
            (s["subject"], f"{s['name']}（{s['subject']}）")
            for s in found
            if s["level"] == "member"
            and s["active"]
            and (s["group"] == led if led is not None else s["subject"] == own)
        ]
        choices = [("member", mine)]
    return groups, names, choices


def acting_as(code: str, role: str) -> Actor | None:
    """The signed-in user's actor in branch ``code`` if they act there in ``role``."""
    try:
        return acting_for(code, {role})
    except DomainError:
        return None


def led_group(code: str) -> str | None:
    """The group the signed-in user leads in branch ``code``, if they act there as its leader."""
    actor = acting_as(code, "group-leader")
    return actor.group if actor else None


def chosen_filters(names: tuple[str, ...]) -> dict[str, str]:
    """The list's filters the address names (empty ones left out), as the form shows them,
    without control characters: no form types them, and PostgreSQL refuses a NUL in a text."""
    found = {
        name: "".join(c for c in request.args.get(name, "") if unicodedata.category(c)[0] != "C")
        for name in names
    }
    return {name: text.strip() for name, text in found.items() if text.strip()}


# What a filter the form could not have sent is called in the note that it was ignored, and the
# most a number filter may be.
NUMBERED = {"month": (("月份", "month"), 12), "criterion": (("评选条件", "criterion"), 100)}
STATUS_LABEL = ("状态", "status")


def list_filters(
    chosen: dict[str, str], statuses: tuple[str, ...]
) -> tuple[lists.Filters, str | None]:
    """The filters to query with, and a note naming those the form could not have sent (a
    month of 13, a status not among ``statuses``): they are taken out of ``chosen`` and left
    out of the query, as the boards do, rather than narrowing the list to nothing silently."""
    values: dict[str, Any] = {}
    ignored = []
    for name, text in list(chosen.items()):
        if name in NUMBERED:
            label, most = NUMBERED[name]
            level, colon, number = text.rpartition(":")  # "member:3": a level's criterion
            if colon and name == "criterion" and level in i18n.LEVELS:
                if number.isdigit() and 1 <= int(number) <= most:
                    values.update(level=level, criterion=int(number))
                    continue
            elif text.isdigit() and 1 <= int(text) <= most:
                values[name] = int(text)
                continue
        elif name != "status" or text in statuses:
            values[name] = text[:100]
            continue
        else:
            label = STATUS_LABEL
        del chosen[name]
        ignored.append(i18n.tr(f"{label[0]}“{text[:20]}”", f"{label[1]} “{text[:20]}”"))
    note = None
    if ignored:
        listed = i18n.tr("、", ", ").join(ignored)
        note = i18n.tr(f"无效的筛选条件已忽略：{listed}。", f"Invalid filters ignored: {listed}.")
    return lists.Filters(**values), note


def records_page(code: str, failed: dict[str, Form] | None = None) -> str:
    app = branch_app(code)
    year = campaign_year(user().committee)
    chosen = chosen_filters(FILTERS)
    wanted, ignored = list_filters(chosen, lists.RECORD_STATUSES)
    # Newest first: by the day the record belongs to, then by the order it was recorded.
    db = fresh_model(code)
    asked = page_number(10**9, PER_PAGE)
    found = lists.records(db, code, year, wanted, lists.Paging(asked, PER_PAGE, "-on"))
    number = page_number(found.total, PER_PAGE)
    if number != asked:
        found = lists.records(db, code, year, wanted, lists.Paging(number, PER_PAGE, "-on"))
    items = found.items
    shown = {r["id"] for r in items}
    for key in failed or {}:  # a refused retraction's record is shown, whatever page it is on
        record_id = key.removeprefix("retract-")
        if key.startswith("retract-") and record_id not in shown:
            one = lists.records(
                db, code, year, lists.Filters(), lists.Paging(1, 1), record=record_id
            )
            items = one.items + items
    rows = [
        {
            "record": SimpleNamespace(**record),
            "recorded": {"who": record["recorded_by"], "when": when(record["recorded_at"])},
            "retracted": None
            if record["retracted"] is None
            else {"who": record["retracted_by"], "when": when(record["retracted_at"])},
        }
        for record in items
    ]
    groups, names, choices = subject_views(db, code, app.branch().name, led_group(code))
    day = today()
    defaults = {"record": Form({"on": day, "level": "member"})}
    return render_template(
        "work/records.html",
        code=code,
        name=app.branch().name,
        year=year,
        plan=plan_in_force(app, year),
        rows=rows,
        page=number,
        pages=max(1, -(-found.total // PER_PAGE)),
        total=found.total,
        chosen=chosen,
        ignored=ignored,
        groups=groups,
        names=names,
        choices=choices,
        forms=forms_of(defaults | (failed or {})),
        can_write=may(code, BRANCH_ASSESSORS),
    )


@bp.get("/branch/<code>/records")
@signed_in
@opens(READERS)
def work_records(code: str) -> str:
    branch_reader(code)
    return records_page(code)


@bp.post("/branch/<code>/records")
@signed_in
def work_record(code: str) -> Response | tuple[str, int]:
    actor = acting_for(code, BRANCH_ASSESSORS)
    app = branch_app(code)
    year = campaign_year(user().committee)
    form = typed()
    if not form.submit(
        RecordIn,
        lambda b: app.record_daily(actor, RecordDaily(**b)),
        near="subject",
        year=year,
    ):
        return records_page(code, {"record": form}), 422
    flash(i18n.tr("记载已保存", "The record was saved"))
    return redirect(url_for("pages.work_records", code=code))


@bp.post("/branch/<code>/records/<uuid:record_id>/retraction")
@signed_in
def work_record_retract(code: str, record_id: UUID) -> Response | tuple[str, int]:
    actor = acting_for(code, BRANCH_ASSESSORS)
    app = branch_app(code)
    app.daily_record(record_id)  # NotFound (404) for a record this branch does not have
    form = typed()
    if not form.submit(
        RetractIn, lambda b: app.retract_record(actor, RetractRecord(record_id=record_id, **b))
    ):
        return records_page(code, {f"retract-{record_id}": form}), 422
    flash(i18n.tr("记载已撤回", "The record was retracted"))
    return redirect(url_for("pages.work_records", code=code) + f"#r-{record_id}")
