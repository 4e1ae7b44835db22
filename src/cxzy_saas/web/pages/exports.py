"""Export a branch's members, or a month's scores of a group or of the branch, as CSV or XLSX,
and the empty templates of the import files. The columns are the import's own, so an export
imports back as it is (``imports.py``).

Who may: the branch's own people who enter data (secretary, clerk, group leader) and the
committee's readers. Members (the role) may not. The member list's personal columns (gender,
phone) are filled only for the roles that may see them (``permissions.may_see_personal``).
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request

from cxzy_saas.application.branch import BranchApplication
from cxzy_saas.application.permissions import (
    may_see_personal,
)
from cxzy_saas.domain.errors import NotFound
from cxzy_saas.domain.plan import PlanContent
from cxzy_saas.domain.recording import Actor
from cxzy_saas.domain.work import Assessment, month_period
from cxzy_saas.web import tenancy_of
from cxzy_saas.web.pages import bp, i18n
from cxzy_saas.web.pages.access import acting_for, signed_in, user
from cxzy_saas.web.pages.branch import campaign_year
from cxzy_saas.web.pages.import_rows import MEMBER_COLUMNS, STATUS_NAMES, score_columns
from cxzy_saas.web.pages.imports import EXPORTERS, month_args
from cxzy_saas.web.pages.tables import CSV_TYPE, XLSX_TYPE, attachment, write_csv, write_xlsx

Rows = list[list[Any]]


def download(
    name: str, fmt: str, header: list[str], rows: Rows, title: str = "", sheet: str = ""
) -> Response:
    """A table as a file saved as ``title`` (the reader's words; ``name``, ASCII, for clients
    that cannot take them), its sheet named ``sheet``."""
    if fmt == "csv":
        body, mimetype = write_csv(header, rows), CSV_TYPE
    elif fmt == "xlsx":
        body, mimetype = write_xlsx(sheet or title or name, header, rows), XLSX_TYPE
    else:
        raise NotFound("export.unknown_format", format=fmt)
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = attachment(f"{title or name}.{fmt}", f"{name}.{fmt}")
    response.headers["Cache-Control"] = "no-store"  # personal data: not in shared caches
    return response


def member_header() -> list[str]:
    return [i18n.tr(c.zh, c.en) for c in MEMBER_COLUMNS]


def score_header(content: PlanContent) -> list[str]:
    first, *items = score_columns(content)
    return [i18n.tr(first.zh, first.en), i18n.tr("姓名", "name"), i18n.tr("党小组", "group")] + [
        c.key for c in items
    ]


def member_rows(app: BranchApplication, actor: Actor) -> Rows:
    groups = {g.id: g.name for g in app.groups(include_dissolved=True)}  # names, which import back
    personal = may_see_personal(actor)
    return [
        [
            m.member_no,
            m.name,
            groups.get(m.group_id, "") if m.group_id else "",
            i18n.tr(*STATUS_NAMES.get(m.status, (m.status, m.status))),
            m.joined_on,
            m.gender if personal else "",
            m.phone if personal else "",
        ]
        for m in app.members()
    ]


def score_rows(
    app: BranchApplication, content: PlanContent, year: int, month: int, group: str
) -> Rows:
    codes = [i.code for i in content.items_for("member")]
    groups = {g.id: g.name for g in app.groups(include_dissolved=True)}
    people = app.group_members(group) if group else app.members()
    period = month_period(year, month)
    rows: Rows = []
    for m in people:
        scores: dict[str, float] = {}
        if app.exists(Assessment.id_for(app.tenant, year, "member", m.member_no, period)):
            scores = dict(app.assessment(year, month, "member", m.member_no).scores)
        group_code = groups.get(m.group_id, "") if m.group_id else ""
        rows.append([m.member_no, m.name, group_code, *(scores.get(c, "") for c in codes)])
    return rows


@bp.get("/branch/<code>/export/members.<fmt>")
@signed_in
def export_members(code: str, fmt: str) -> Response:
    actor = acting_for(code, EXPORTERS)
    app = tenancy_of(current_app).branch(code)
    title = i18n.tr(f"{app.branch().name}党员名单", f"{code}-members")
    return download(
        f"{code}-members", fmt, member_header(), member_rows(app, actor), title, "党员名单"
    )


@bp.get("/branch/<code>/export/scores.<fmt>")
@signed_in
def export_scores(code: str, fmt: str) -> Response:
    acting_for(code, EXPORTERS)
    app = tenancy_of(current_app).branch(code)
    year = campaign_year(user().committee)
    month = month_args(year)
    group = request.args.get("group", "")
    content, _ = app.plan_content(year)
    rows = score_rows(app, content, year, month, group)
    name = f"{code}-{group or 'branch'}-{year}-{month:02d}-scores"
    who = app.group(group).name if group else app.branch().name
    title = i18n.tr(f"{who}{year}年{month}月考核得分", name)
    return download(name, fmt, score_header(content), rows, title, f"{month}月考核得分")


@bp.get("/branch/<code>/import/<kind>/template.<fmt>")
@signed_in
def import_template(code: str, kind: str, fmt: str) -> Response:
    acting_for(code, EXPORTERS)
    app = tenancy_of(current_app).branch(code)
    if kind == "members":
        title = i18n.tr("党员名单导入模板", "members-template")
        return download("members-template", fmt, member_header(), [], title)
    if kind == "scores":
        content, _ = app.plan_content(campaign_year(user().committee))
        header = score_header(content)
        header = [header[0], *header[3:]]
        title = i18n.tr("考核得分导入模板", "scores-template")
        return download("scores-template", fmt, header, [], title)
    raise NotFound("export.unknown_template", kind=kind)
