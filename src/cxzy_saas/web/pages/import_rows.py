"""The rows of an import, checked one by one against the branch as it is now.

Each row gets every one of its errors (in the page's language), not only the first, so that a
clerk fixes the file once. The checks are the domain's own where it has them (``check_points``,
``check_subject``); the command then checks everything again in its one transaction, so a row
that became wrong after the preview (a number enrolled meanwhile) still writes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from cxzy_saas.application.branch import BranchApplication
from cxzy_saas.application.commands.organisation import EnrolMember
from cxzy_saas.domain.errors import DomainError, InvalidInput
from cxzy_saas.domain.organisation import Member
from cxzy_saas.domain.plan import PlanContent
from cxzy_saas.domain.text import bad_character, item_zh
from cxzy_saas.domain.work import Assessment, check_points, month_period
from cxzy_saas.web.pages import i18n
from cxzy_saas.web.pages.tables import Column, Table

tr = i18n.tr

MEMBER_COLUMNS = (
    Column("member_no", "党员编号", "member no", ("编号", "member number", "number"), True),
    Column("name", "姓名", "name", (), True),
    Column("group", "党小组", "group", ("小组", "group code")),
    Column("status", "状态", "status", ("党员状态",)),
    Column("joined_on", "入党日期", "joined on", ("入党时间", "joined"), True),
    Column("gender", "性别", "gender", ("sex",)),
    Column("phone", "电话", "phone", ("手机", "联系电话", "mobile")),
)
NAME_COLUMNS = (Column("name", "姓名", "name"), Column("group", "党小组", "group"))

STATUSES = {
    "": "full",
    "正式党员": "full",
    "正式": "full",
    "full": "full",
    "预备党员": "probationary",
    "预备": "probationary",
    "probationary": "probationary",
}
STATUS_NAMES = {"full": ("正式党员", "full"), "probationary": ("预备党员", "probationary")}
GENDERS = {"": "", "男": "男", "女": "女", "male": "男", "female": "女", "m": "男", "f": "女"}
FOUNDED = date(1921, 7, 1)
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_PHONE = re.compile(r"^[\d\s+()-]{0,20}$")


@dataclass
class Row:
    line: int
    cells: dict[str, str]
    errors: list[str] = field(default_factory=list)


def score_columns(content: PlanContent) -> tuple[Column, ...]:
    """The member number, then a column per member item: headed by its code (M1), or as the
    assessment page heads it (员1), either with the item's title after it."""
    items = content.items_for("member")
    columns = []
    for i in items:
        shown = item_zh(i.code)
        names = (f"{i.code}{i.title}", shown, f"{shown}{i.title}")
        columns.append(Column(i.code, i.code, i.code, names, True))
    return (MEMBER_COLUMNS[0], *columns)


def parse_date(text: str) -> date | None:
    found = _DATE.match(text.strip())
    if not found:
        return None
    try:
        return date(*(int(part) for part in found.groups()))
    except ValueError:
        return None


def _rows(table: Table) -> list[Row]:
    """The table's rows, each with an error for a cell holding a control character (the
    command would refuse it: say so at the row, before anything is confirmed)."""
    rows = [Row(line, cells) for line, cells in zip(table.lines, table.rows, strict=True)]
    for row in rows:
        for key, text in row.cells.items():
            found = bad_character(text, multiline=False)
            if found is not None:
                row.errors.append(
                    tr(
                        f"“{key}”一栏含有控制字符或无效字符（{found}）",
                        f"{key}: a control or invalid character ({found})",
                    )
                )
    return rows


def _numbers(rows: list[Row]) -> None:
    """Empty and repeated member numbers, the same check for both kinds of file."""
    seen: dict[str, int] = {}
    for row in rows:
        number = row.cells["member_no"]
        if not number:
            row.errors.append(tr("请填写党员编号", "member number is empty"))
        elif number in seen:
            row.errors.append(
                tr(
                    f"党员编号 {number} 在文件中重复（第 {seen[number]} 行）",
                    f"member number {number} repeats line {seen[number]}",
                )
            )
        else:
            seen[number] = row.line


def check_members(app: BranchApplication, table: Table, today: date) -> list[Row]:
    rows = _rows(table)
    _numbers(rows)
    groups = {g.code: g.code for g in app.groups()} | {g.name: g.code for g in app.groups()}
    for row in rows:
        cells, errors = row.cells, row.errors
        number = cells["member_no"]
        if number and app.exists(Member.id_for(app.tenant, number)):
            errors.append(
                tr(f"党员编号 {number} 在本支部已存在", f"member number {number} exists already")
            )
        if len(number) > 20:
            errors.append(tr("党员编号最多 20 个字符", "member number: at most 20 characters"))
        if not cells["name"]:
            errors.append(tr("请填写姓名", "name is empty"))
        elif len(cells["name"]) > 50:
            errors.append(tr("姓名最多 50 个字", "name: at most 50 characters"))
        if cells["group"] and cells["group"] not in groups:
            group = cells["group"]
            errors.append(tr(f"党小组 {group} 不存在", f"no group {group} in this branch"))
        if cells["status"].lower() not in STATUSES:
            errors.append(tr("状态应为“正式党员”或“预备党员”", "status: full or probationary"))
        joined = parse_date(cells["joined_on"])
        if not cells["joined_on"]:
            errors.append(tr("请填写入党日期", "joined on is empty"))
        elif joined is None:
            errors.append(
                tr("入党日期格式应为年-月-日，如 2020-07-01", "joined on: a date YYYY-MM-DD")
            )
        elif not FOUNDED <= joined <= today:
            errors.append(
                tr("入党日期应在 1921-07-01 与今天之间", "joined on: between 1921-07-01 and today")
            )
        if cells["gender"].lower() not in GENDERS:
            errors.append(tr("性别应为“男”或“女”", "gender: 男 or 女"))
        if not _PHONE.match(cells["phone"]):
            errors.append(tr("电话只能含数字、空格、+ 和 -（最多 20 位）", "phone: digits only"))
    return rows


def new_members(app: BranchApplication, rows: list[Row]) -> list[EnrolMember]:
    """The commands' input from rows that passed :func:`check_members`."""
    groups = {g.code: g.code for g in app.groups()} | {g.name: g.code for g in app.groups()}
    people = []
    for row in rows:
        cells = row.cells
        joined = parse_date(cells["joined_on"])
        assert joined is not None
        people.append(
            EnrolMember(
                member_no=cells["member_no"],
                name=cells["name"],
                status=STATUSES[cells["status"].lower()],
                group=groups.get(cells["group"]) if cells["group"] else None,
                joined_on=joined,
                gender=GENDERS[cells["gender"].lower()],
                phone=cells["phone"],
            )
        )
    return people


def check_scores(
    app: BranchApplication, content: PlanContent, table: Table, year: int, month: int
) -> list[Row]:
    rows = _rows(table)
    _numbers(rows)
    period = month_period(year, month)
    items = content.items_for("member")
    for row in rows:
        number = row.cells["member_no"]
        if number:
            try:
                app.check_subject("member", number)
            except DomainError as error:
                row.errors.append(i18n.message(error))
            else:
                if app.exists(Assessment.id_for(app.tenant, year, "member", number, period)):
                    row.errors.append(
                        tr(
                            f"该党员 {year} 年 {month} 月已考核，请改用更正。",
                            f"assessed for {period} already; correct it instead",
                        )
                    )
        for item in items:
            points: dict[str, Any] = {i.code: 0 for i in items}
            typed = row.cells[item.code]
            if typed:
                points[item.code] = typed
            else:
                del points[item.code]
            try:
                check_points(content, "member", points)
            except InvalidInput as error:
                row.errors.append(i18n.message(error))
    return rows


def scores_of(rows: list[Row], content: PlanContent) -> dict[str, dict[str, str]]:
    codes = [i.code for i in content.items_for("member")]
    return {row.cells["member_no"]: {c: row.cells[c] for c in codes} for row in rows}
