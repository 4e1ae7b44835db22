"""The committee's dashboard: leaderboards, the branch × criterion heat map, trends, overdue
work, each for a campaign and, on request, as of a past day."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from flask import Response, abort, render_template, request
from marshmallow import ValidationError

from cxzy_saas.application.permissions import COMMITTEE_READERS
from cxzy_saas.audit.documents import Document
from cxzy_saas.audit.documents import fmt as printed
from cxzy_saas.audit.pdf import FontMissing, render_pdf
from cxzy_saas.projections import boards, queries
from cxzy_saas.web.api.boards import BoardArgs
from cxzy_saas.web.pages import bp, charts, i18n, mine, nav_link
from cxzy_saas.web.pages.access import committee_reader, opens, signed_in, user
from cxzy_saas.web.pages.audit import branch_name, criterion_text
from cxzy_saas.web.pages.exports import download
from cxzy_saas.web.pages.filters import Filters, from_request
from cxzy_saas.web.pages.reads import read_model
from cxzy_saas.web.pages.tables import attachment

BOARD_LEVELS = ("branch", "group", "member")
BOARD_ARGS = BoardArgs()


def board_chart(rows: list[dict[str, Any]], limit: int = 15, width: float = 640) -> Any:
    rated = [row for row in rows if row["composite"] is not None]  # 未参评 has no bar
    bars = [(bar_label(row), row["composite"]) for row in rated[:limit]]
    return charts.bar_chart(bars, i18n.tr("综合得分", "composite score"), width=width)


def bar_label(row: dict[str, Any]) -> str:
    """A group's or a member's bar names its branch too: forty branches each have a 第一党小组.
    The branch is named short (办公室党支部 as 办公室)."""
    if "branch" not in row or row.get("level") == "branch" or row["branch"] == row.get("subject"):
        return str(row["name"])
    branch = branch_name(row["branch"])
    short = branch.removesuffix("党支部") or branch
    return f"{row['name']}{i18n.tr(f'（{short}）', f' ({short})')}"


def view(template: str, filters: Filters, **context: Any) -> str:
    return render_template(template, filters=filters, **context)


nav_link("committee", "pages.dashboard", "总览", "Overview")
nav_link("committee", "pages.board", "排行榜", "Leaderboards", level="branch")
nav_link("committee", "pages.matrix", "条件热力图", "Heat map")
nav_link("committee", "pages.trends", "趋势", "Trends")
nav_link("committee", "pages.overdue", "逾期事项", "Overdue")


@bp.get("/committee")
@signed_in
@opens(COMMITTEE_READERS)
def dashboard() -> str:
    committee_reader()
    committee = user().committee
    filters = from_request(committee)
    top = boards.BoardQuery(per_page=10)
    with read_model(committee, filters.as_of) as db:
        with db.read() as tx:  # each board's first rows and size, not the whole board
            tops = {
                lvl: boards.read_board(tx, committee, filters.year, lvl, top)
                for lvl in BOARD_LEVELS
            }
        waiting = [
            a
            for a in queries.approvals(db, committee, open_years=True)
            if a["year"] == filters.year  # as the approvals page it links to
        ]
        late = queries.overdue(db, committee, filters.year, filters.today())
        turnout = queries.ballots(db, committee, filters.year, grades=False)
    return view(
        "committee/overview.html",
        filters,
        todo=[] if filters.as_of else mine.todo_for(None),  # today's, not the day's shown
        sizes={lvl: total for lvl, (_, total) in tops.items()},
        charts={lvl: board_chart(rows, 10, 340) for lvl, (rows, _) in tops.items()},
        waiting=len(waiting),
        late=len(late),
        ballots=turnout,
    )


PER_PAGE = (10, 20, 50, 100, 200)
EXPORT_LIMIT = 5000  # rows of one export: more than any committee's members


def board_query(errors: dict[str, str], level: str) -> tuple[boards.BoardQuery, dict[str, Any]]:
    """``level``'s board's search, filters, sort and page from the query string, as the API
    reads them (``api.boards.BoardArgs``, and a sort by a column the level has); a value the
    API would refuse is dropped here, with a note beside its field, rather than refusing the
    page. Also the chosen values, to carry on."""
    found: dict[str, Any] = {}
    chosen: dict[str, Any] = {}
    args = {name: request.args.get(name, "").strip() for name in request.args}
    # The group select sends "branch:group" (codes repeat across branches): both filters.
    picked_branch, colon, picked_group = args.get("group", "").partition(":")
    if colon and args.get("branch") and args["branch"] != picked_branch:
        del args["group"]  # a group of another branch than the one chosen: say so, not guess
        errors["group"] = i18n.tr(
            "该党小组不属于所选党支部，已忽略", "not of the branch chosen; ignored"
        )
    elif colon:
        args["group"] = picked_group
        args["branch"] = picked_branch
    for name in ("q", "branch", "group", "band", "status", "sort", "page", "per_page"):
        text = args.get(name, "")
        if not text:
            continue
        try:
            found[name] = BOARD_ARGS.fields[name].deserialize(text)  # and validated
            if name == "sort" and found[name].lstrip("-") not in boards.sorts_of(level):
                raise ValidationError("not a column of this level")
        except ValidationError:
            found.pop(name, None)
            errors[name] = i18n.tr("无效的值，已忽略", "not a valid value; ignored")
            continue
        chosen[name] = found[name]
    found.setdefault("per_page", 50)
    return boards.BoardQuery(**{"page": 1, **found}), chosen


def known_subjects(
    query: boards.BoardQuery,
    level: str,
    branches: list[tuple[str, str]],
    groups: list[tuple[str, str, str]],
    errors: dict[str, str],
    chosen: dict[str, Any],
) -> boards.BoardQuery:
    """``query`` without a branch or a group the committee does not have (b99), or a group
    asked of the branch board, each noted beside its field: an empty board said nothing of why.
    """
    ignored = i18n.tr("没有这个党支部或党小组，已忽略", "no such branch or group; ignored")
    if query.branch is not None and query.branch not in {code for code, _ in branches}:
        query = replace(query, branch=None)
        errors["branch"] = ignored
        chosen.pop("branch", None)
    pairs = {(b, g) for b, g, _ in groups}
    if query.group is not None and (
        level == "branch"  # a branch's row belongs to no group
        or (query.branch is not None and (query.branch, query.group) not in pairs)
        or all(g != query.group for _, g in pairs)
    ):
        query = replace(query, group=None)
        errors["group"] = ignored
        chosen.pop("group", None)
    return query


@bp.get("/committee/boards/<level>")
@signed_in
@opens(COMMITTEE_READERS)
def board(level: str) -> str:
    committee_reader()
    if level not in BOARD_LEVELS:
        abort(404)
    committee = user().committee
    filters = from_request(committee)
    errors: dict[str, str] = {}
    query, chosen = board_query(errors, level)
    with read_model(committee, filters.as_of) as db, db.read() as tx:
        branches = boards.board_branches(tx, committee)
        groups = boards.board_groups(tx, committee)
        query = known_subjects(query, level, branches, groups, errors, chosen)
        rows, total = boards.read_board(tx, committee, filters.year, level, query)
        pages = max(1, -(-total // query.per_page))
        if query.page > pages:  # past the end (an old link, a typed number): the last page
            query = replace(query, page=pages)
            rows, total = boards.read_board(tx, committee, filters.year, level, query)
    return view(
        "committee/board.html",
        filters,
        level=level,
        rows=rows,
        total=total,
        page=query.page,
        pages=pages,
        per_page=query.per_page,
        per_pages=sorted({*PER_PAGE, query.per_page}),
        query=query,
        chosen=chosen,
        errors=errors,
        branches=branches,
        groups=groups,
        sorts=boards.sorts_of(level),
        chart=board_chart(rows, 30),
    )


CODED = ("branch", "member")  # levels whose codes readers know: b01, a member's B01003


def export_header(level: str) -> list[str]:
    # a group's code (g1) is its branch's own and tells no groups of two branches apart: none
    header = [i18n.tr("名次", "Rank"), i18n.tr("名称", "Name")]
    if level in CODED:
        header.append(i18n.tr("代码", "Code") if level == "branch" else i18n.tr("编号", "Number"))
    if level != "branch":
        header.append(i18n.tr("党支部", "Branch"))
    if level == "member":
        header.append(i18n.tr("党小组", "Group"))
    return [
        *header,
        i18n.tr("综合", "Composite"),
        i18n.tr("工作", "Work"),
        i18n.tr("测评", "Rating"),
        i18n.tr("目标", "Target"),
        i18n.tr("档次", "Band"),
        i18n.tr("说明", "Note"),
    ]


def column_weights(lines: list[list[str]]) -> list[float]:
    """Each column's relative width in the PDF: its longest cell (a Chinese character counts
    as much as 1.7 digits: the font's Latin letters and digits are wider than half of it), plus
    room for the padding, so that names such as 办公室党支部 and numbers such as B02011 stay
    whole rather than break into 办公室党/支部 in equal columns."""

    def span(text: str) -> float:
        return sum(2.0 if ord(c) > 0x2E80 else 1.2 for c in text)

    return [max(span(line[i]) for line in lines) + 3.0 for i in range(len(lines[0]))]


def export_row(level: str, r: dict[str, Any]) -> list[Any]:
    row: list[Any] = [r["rank"] if r["rank"] is not None else "", r["name"]]
    if level in CODED:
        row.append(r.get("code") if level == "branch" else r.get("id"))
    if level != "branch":
        row.append(r["branch_name"])
    if level == "member":
        row.append(r.get("group_name") or "")
    figures = [r[k] if r[k] is not None else "" for k in ("composite", "work", "rating", "target")]
    lacks = i18n.tr("、", ", ").join(i18n.label(i18n.COMPONENTS, m) for m in r.get("missing", ()))
    note = i18n.tr("缺", "lacks ") + lacks if lacks else ""
    return row + figures + [i18n.tr(*i18n.BANDS[r["band"]]), note]


COLUMNS = {
    "rank": ("名次", "rank"),
    "name": ("名称", "name"),
    "code": ("编号", "number"),
    "branch": ("党支部", "branch"),
    "group": ("党小组", "group"),
    "composite": ("综合", "composite"),
    "work": ("工作", "work"),
    "rating": ("测评", "rating"),
    "target": ("目标", "target"),
    "band": ("档次", "band"),
}


def described(chosen: dict[str, Any], branch_names: dict[str, str], filters: Filters) -> str:
    """The search, filters and sort of an export, in words (names, not codes)."""
    parts = []
    if "q" in chosen:
        parts.append(i18n.tr(f"查找“{chosen['q']}”", f'search "{chosen["q"]}"'))
    if "branch" in chosen:
        parts.append(
            i18n.tr("党支部：", "branch: ") + branch_names.get(chosen["branch"], chosen["branch"])
        )
    if "group" in chosen:
        parts.append(i18n.tr("党小组：", "group: ") + chosen["group"])
    if "band" in chosen:
        parts.append(i18n.tr("档次：", "band: ") + i18n.label(i18n.BANDS, chosen["band"]))
    if chosen.get("status") == "unrated":
        parts.append(i18n.tr("未参评", "unrated"))
    elif chosen.get("status") == "rated":
        parts.append(i18n.tr("已参评", "rated"))
    if chosen.get("sort") == "-rank":
        parts.append(i18n.tr("后进在前", "last first"))
    elif "sort" in chosen:
        key = chosen["sort"].removeprefix("-")
        parts.append(
            i18n.tr("排序：", "sorted by ")
            + i18n.label(COLUMNS, key)
            + (i18n.tr("（反向）", " (reversed)") if chosen["sort"].startswith("-") else "")
        )
    if filters.as_of:
        parts.append(i18n.tr("截至 ", "as of ") + filters.as_of.isoformat())
    none = i18n.tr("全部", "all rows")
    return i18n.tr("范围：", "Showing: ") + (i18n.tr("；", "; ").join(parts) or none)


@bp.get("/committee/boards/<level>.<fmt>")
@signed_in
@opens(COMMITTEE_READERS)
def board_export(level: str, fmt: str) -> Response:
    """The board as shown (search, filters and sort; every page) as XLSX or PDF."""
    committee_reader()
    if level not in BOARD_LEVELS or fmt not in ("xlsx", "pdf"):
        abort(404)
    committee = user().committee
    filters = from_request(committee)
    if filters.errors:  # the page notes a bad date beside its field; a file has no such place
        text = i18n.tr("；", "; ").join(filters.errors.values())
        return Response(render_template("error.html", status=422, error=text), status=422)
    query, chosen = board_query({}, level)
    query = replace(query, page=1, per_page=EXPORT_LIMIT)
    with read_model(committee, filters.as_of) as db, db.read() as tx:
        rows, _ = boards.read_board(tx, committee, filters.year, level, query)
    header = export_header(level)
    table = [export_row(level, r) for r in rows]
    name = f"{committee}-{filters.year}-{level}-board"
    title = i18n.tr(*i18n.LEVELS[level]) + i18n.tr("排行榜", " leaderboard")
    saved = i18n.tr(f"{filters.year}年度{title}", name)  # 2026年度党员排行榜.xlsx
    if filters.as_of:  # a past day's board is named so: 2026年度党员排行榜（截至2026-03-31）
        day = filters.as_of.isoformat()
        name += f"-as-of-{day}"
        saved = i18n.tr(f"{saved}（截至{day}）", name)
    if fmt == "xlsx":
        return download(name, "xlsx", header, table, saved, title)
    doc = Document(name, f"{filters.year} {title}", landscape=True)
    with read_model(committee, None) as db, db.read() as tx:
        branch_names = dict(boards.board_branches(tx, committee))
    doc.p(described(chosen, branch_names, filters))
    # figures to two places as the page shows them, "—" for none (the note may be empty)
    cells = [[printed(None if c == "" else c) for c in r[:-1]] + [r[-1]] for r in table]
    doc.table(header, cells, column_weights([header, *cells]))
    try:
        body = render_pdf(doc)
    except FontMissing:
        abort(503)
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = attachment(f"{saved}.pdf", f"{name}.pdf")
    response.headers["Cache-Control"] = "no-store"
    return response


def criterion_label(key: str) -> str:
    level, number = key.split(":")
    prefix = {"branch": "支", "group": "组", "member": "员"} if i18n.lang() == "zh" else {}
    return f"{prefix.get(level, level[0].upper())}{number}"


@bp.get("/committee/matrix")
@signed_in
@opens(COMMITTEE_READERS)
def matrix() -> str:
    committee_reader()
    committee = user().committee
    filters = from_request(committee)
    with read_model(committee, filters.as_of) as db:
        found = queries.matrix(db, committee, filters.year)
    columns = [criterion_label(c) for c in found["criteria"]]
    rows = [(r["name"], [r["cells"][c] for c in found["criteria"]]) for r in found["rows"]]
    chart = charts.heat_map(rows, columns, i18n.tr("支部 × 评选条件", "branch × criterion"))
    # each column's words: the plan's title, else the default catalogue's first clause
    legend = [
        (criterion_label(c), found["titles"].get(c) or criterion_text(c)) for c in found["criteria"]
    ]
    data = {
        "columns": columns,
        "titles": [found["titles"].get(c, "") for c in found["criteria"]],
        "rows": [r["name"] for r in found["rows"]],
        "cells": [
            [j, i, value]
            for i, (_, values) in enumerate(rows)
            for j, value in enumerate(values)
            if value is not None
        ],
        "label": i18n.tr("得分率", "share of points"),
        "locale": "ZH" if i18n.lang() == "zh" else "EN",
    }
    return view(
        "committee/matrix.html",
        filters,
        found=found,
        columns=columns,
        chart=chart,
        chart_data=data,
        legend=legend,
    )


@bp.get("/committee/trends")
@signed_in
@opens(COMMITTEE_READERS)
def trends() -> str:
    committee_reader()
    committee = user().committee
    filters = from_request(committee)
    with read_model(committee, filters.as_of) as db:
        found = queries.trends(db, committee, filters.year, filters.today())
    months = month_labels(filters.year, filters.today())
    branches = found["branches"]
    score_chart = charts.line_chart(
        [(b["name"], b["monthly_score"]) for b in branches],
        months,
        i18n.tr("党员月度平均得分", "members' mean monthly score"),
    )
    most = max([n or 0 for b in branches for n in b["records"]] + [1])
    top = float(max(10, -(-most // 10) * 10))
    record_chart = charts.line_chart(
        [(b["name"], [None if n is None else float(n) for n in b["records"]]) for b in branches],
        months,
        i18n.tr("日常记载条数", "daily records"),
        top=top,
    )
    # What the interactive chart draws (static/trends.js): every branch's line, the ones
    # shown first (the picker changes them), the committee's average and quartile band.
    data = {
        "months": months,
        "branches": [
            {
                "code": b["code"],
                "name": b["name"],
                "score": b["monthly_score"],
                "records": b["records"],
            }
            for b in branches
        ],
        "shown": first_shown(branches),
        "committee": found["committee"],
        "labels": {
            "score": i18n.tr("党员月度平均得分", "Members' mean monthly score"),
            "records": i18n.tr("日常记载条数", "Daily records"),
            "average": i18n.tr("党委平均", "Committee average"),
            "band": i18n.tr("四分位带（25%–75%）", "Quartile band (25–75%)"),
            "q1": i18n.tr("下四分位", "Lower quartile"),
            "q3": i18n.tr("上四分位", "Upper quartile"),
        },
        "locale": "ZH" if i18n.lang() == "zh" else "EN",
    }
    # Months whose average counts fewer branches than have figures in the year: said under
    # the chart (a branch with a gap moves the average by leaving it).
    scored = sum(1 for b in branches if any(v is not None for v in b["monthly_score"]))
    counted = found["committee"]["counted"]
    short = [(months[i], n) for i, n in enumerate(counted) if 0 < n < scored]
    return view(
        "committee/trends.html",
        filters,
        short=short,
        scored=scored,
        branches=branches,
        months=months,
        score_chart=score_chart,
        record_chart=record_chart,
        legend=charts.legend([b["name"] for b in branches]),
        chart_data=data,
    )


def month_labels(year: int, day: date) -> list[str]:
    """The twelve months' labels of ``year`` seen on ``day``, the month in progress marked
    with the day it is counted to (12月（至2日）: its count is not the month's yet)."""
    zh = i18n.lang() == "zh"
    months = [f"{m}月" if zh else str(m) for m in range(1, 13)]
    if day.year == year and (day + timedelta(1)).month == day.month:
        months[day.month - 1] += f"（至{day.day}日）" if zh else f" (to {day.day})"
    return months


SHOWN_FIRST = 5  # lines a trend chart starts with; the picker adds or removes


def first_shown(branches: list[dict[str, Any]]) -> list[str]:
    """The branches a trend chart starts with: the best and the worst by their latest month
    with a figure (the committee looks at both ends first)."""

    def latest(b: dict[str, Any]) -> float:
        figures = [v for v in b["monthly_score"] if v is not None]
        return figures[-1] if figures else -1.0

    scored = sorted((b for b in branches if latest(b) >= 0), key=latest, reverse=True)
    if len(scored) <= SHOWN_FIRST:
        return [b["code"] for b in scored]
    ends = scored[: SHOWN_FIRST - 2] + scored[-2:]
    return [b["code"] for b in ends]


@bp.get("/committee/overdue")
@signed_in
@opens(COMMITTEE_READERS)
def overdue() -> str:
    committee_reader()
    committee = user().committee
    filters = from_request(committee)
    with read_model(committee, filters.as_of) as db:
        items = queries.overdue(db, committee, filters.year, filters.today())
    return view("committee/overdue.html", filters, items=items)
