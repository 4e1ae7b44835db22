"""Chinese first, English on request: the language of a page, and the refusals in it.

A domain refusal carries a code whose Chinese and English messages are in the catalogue
(``cxzy_saas.domain.refusals``); pages show the one in the page's language next to the field.
marshmallow's messages, which come in English only, are translated here.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import session
from markupsafe import Markup, escape

from cxzy_saas.domain.errors import DomainError

LANGUAGES = ("zh", "en")


def lang() -> str:
    value = session.get("lang", "zh")
    return value if value in LANGUAGES else "zh"


def tr(zh: str, en: str) -> str:
    """The text in the page's language: ``{{ tr("排行榜", "Leaderboard") }}``."""
    return en if lang() == "en" else zh


# Every time a page shows is Beijing time, to the minute: the one filter ``{{ t|beijing }}``.
BEIJING = ZoneInfo("Asia/Shanghai")


def beijing(moment: str | datetime | None) -> str:
    """A recorded moment (aware, naive UTC, or ISO text) as readers in China read it."""
    if moment is None or moment == "":
        return ""
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]*")


def ident(value: object) -> Markup:
    """A user name, a member number or a file name, shown as it is typed: marked
    ``translate="no"`` when it is one Latin identifier, so that nothing translates it (and the
    pages' Latin-word check knows it is not a word of the text)."""
    text = "" if value is None else str(value)
    if IDENTIFIER.fullmatch(text) and re.search("[A-Za-z]", text):
        return Markup('<span translate="no">%s</span>') % text
    return escape(text)


QUARTERS = "一二三四"


def period(text: object) -> str:
    """A period as readers write it: 2026-Q2 is 2026年第二季度, 2026-03 is 2026年3月."""
    value = "" if text is None else str(text)
    found = re.fullmatch(r"(\d{4})-Q([1-4])", value)
    if found:
        year, quarter = found.group(1), int(found.group(2))
        return tr(f"{year}年第{QUARTERS[quarter - 1]}季度", value)
    found = re.fullmatch(r"(\d{4})-(\d{2})", value)
    if found:
        return tr(f"{found.group(1)}年{int(found.group(2))}月", value)
    return value


def first_clause(text: object) -> str:
    """A criterion's first clause, to name it beside its number (第5条：组织生活严密)."""
    return re.split(r"[，。；,;]", str(text or ""), maxsplit=1)[0]


FIELDS = {
    "username": ("用户名", "user name"),
    "password": ("密码", "password"),
    "scores": ("分数", "scores"),
    "month": ("月份", "month"),
    "level": ("层级", "level"),
    "reason": ("理由", "reason"),
    "code": ("测评码", "ballot code"),
    "grades": ("等次", "grades"),
    "as_of": ("日期", "date"),
    "campaign": ("活动年度", "campaign"),
}

ROLES = {
    "committee-admin": ("党委管理员", "committee admin"),
    "committee-viewer": ("党委查看", "committee viewer"),
    "auditor": ("审计", "auditor"),
    "branch-secretary": ("支部书记", "branch secretary"),
    "branch-clerk": ("组织委员", "branch clerk"),
    "group-leader": ("党小组长", "group leader"),
    "member": ("党员", "member"),
}

LEVELS = {
    "branch": ("党支部", "branches"),
    "group": ("党小组", "groups"),
    "member": ("党员", "members"),
}

KINDS = {
    "plan": ("活动方案", "plan"),
    "nominee": ("推荐对象", "nominee"),
    "measure": ("党支部措施", "branch measure"),
    "midyear-report": ("半年初评情况", "half-year report"),
    "annual-summary": ("年度总结", "annual summary"),
    "monthly-assessment": ("每月集中考核", "monthly assessment"),
    "quarterly-inspection": ("季度检查", "quarterly inspection"),
    "plan-not-submitted": ("方案未报批", "plan not submitted"),
    "assigned-task": ("党委交办任务未报告完成", "assigned task not reported done"),
    "quarterly-discussion-missing": ("支委会本季度未讨论创先争优工作", "no quarterly discussion"),
    "committee-life-missing": (
        "支部委员本季度未单独过组织生活",
        "no committee organisational life",
    ),
    "branch-assessment-missing": (
        "党委本季度未考核该党支部",
        "no quarterly assessment by the committee",
    ),
}

OUTCOMES = {
    "approved": ("批准", "approved"),
    "returned": ("退回", "returned"),
    "acknowledged": ("已收悉", "acknowledged"),
    None: ("待审批", "waiting"),
}

# A score band is advice ("优秀候选" is not the grade 优秀); no band is 未参评, never 不合格.
# The components a score may be missing (decision 0021): a subject's and a branch's.
COMPONENTS = {
    "work": ("工作考核", "work assessment"),
    "rating": ("民主测评", "democratic rating"),
    "own": ("党委考核", "committee's assessment"),
    "groups": ("党小组得分", "groups' scores"),
    "members": ("党员得分", "members' scores"),
}

BANDS = {
    "excellent": ("优秀候选", "candidate for excellent"),
    "competent": ("合格", "competent"),
    "basic": ("基本合格", "basically competent"),
    "incompetent": ("不合格", "incompetent"),
    None: ("未参评", "unrated"),
}

GRADES = {
    "excellent": ("优秀", "excellent"),
    "competent": ("合格", "competent"),
    "basic": ("基本合格", "basically competent"),
    "incompetent": ("不合格", "incompetent"),
}


def label(
    table: dict[str | None, tuple[str, str]] | dict[str, tuple[str, str]], key: object
) -> str:
    pair = table.get(key)  # type: ignore[call-overload]
    return tr(*pair) if pair else str(key)


def message(error: DomainError) -> str:
    """The refusal in the page's language, from the catalogue of refusals, with the branches,
    groups and members it concerns by name."""
    return error.text(lang(), names=lambda kind, code: subject_name(error, kind, code))


def subject_name(error: DomainError, kind: str, code: str) -> str | None:
    """The name of a branch of the signed-in user's committee, or of a group or member of the
    branch the refusal or the page is about; None when there is no such one (or no user)."""
    from flask import current_app, g, request

    from cxzy_saas.domain.errors import NotFound
    from cxzy_saas.web import tenancy_of

    # the user signed_in found for this request (access.current_user; not imported: access
    # reaches the API's auth, whose problems reach this module)
    me = g.get("cxzy_user")
    if me is None:
        return None
    tenancy = tenancy_of(current_app)
    branches = dict(tenancy.committee(me.committee).committee().branches)
    if kind == "branch":
        return branches.get(code)
    branch = str(error.params.get("branch") or (request.view_args or {}).get("code") or "")
    if branch not in branches:
        return None
    try:
        app = tenancy.branch(branch)
        return app.group(code).name if kind == "group" else app.member(code).name
    except NotFound:
        return None


# marshmallow's English messages (the API's schemas check the forms too), in Chinese.
SCHEMA_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), zh)
    for pattern, zh in (
        (r"^Missing data for required field", "此项不能为空"),
        (r"^give both item and item_id", "item 与 item_id 须同时给出，或都不给出"),
        (r"^Field may not be null", "此项不能为空"),
        (r"^Shorter than minimum length 1\.", "此项不能为空"),
        (r"^Shorter than minimum length (\d+)\.", "不能少于 {0} 个字符"),
        (r"^Longer than maximum length (\d+)\.", "不能超过 {0} 个字"),
        (r"^Not a valid date", "日期格式应为年-月-日，如 2026-03-01"),
        (r"^Not a valid integer", "应为整数"),
        (r"^Not a valid number", "应为数字"),
        (r"^Must be one of", "请从列表中选择"),
        (r"^String does not match expected pattern", "只能用字母、数字、- 和 _，最多 20 位"),
        (
            r"^Not a valid user name",
            "用户名应为 2 到 40 位，以小写字母开头，只能用小写字母、数字和 . _ -",
        ),
        (
            r"^Not a valid phone number",
            "电话号码应为 5 到 20 位数字，可以“+”开头，数字之间可用空格或“-”分隔",
        ),
        (
            r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.",
            "应在 {0} 到 {1} 之间",
        ),
        (r"^Length must be between 1 and (\d+)", "请选择 1 到 {0} 项"),
        (r"^Special numeric values", "应为数字"),
        (r"^Holds a control or invalid character \((\S+)\)", "不能含有控制字符或无效字符（{0}）"),
        (r"^Number too large", "数字过大"),
        (r"^Not a fraction between 0 and 1", "应为 0 到 1 之间的比例（如 1/3）"),
        (r"^Length must be between|^Shorter than minimum length", "数量不符合要求"),
        (r"^Must be greater than or equal to (\S+)\.", "不能小于 {0}"),
        (r"^Must be less than or equal to (\S+)\.", "不能大于 {0}"),
        (r"^Unknown field", "接口没有这个字段，请对照接口文档"),
        (r"^Invalid input type", "类型不对：应为 JSON 对象"),
        (r"^Invalid type", "类型不对：应为 JSON 对象"),
        (r"^Not a valid string", "应为文字"),
        (r"^Not a valid boolean", "应为 true 或 false"),
        (r"^Not a valid list", "应为列表"),
        (r"^Not a valid mapping type", "应为 JSON 对象"),
        (r"^Not a valid UUID", "编号格式不对"),
        (r"^Not a valid datetime", "时间格式不对，如 2026-03-01T09:00:00+08:00"),
        (r"^Invalid value", "取值不符合要求"),
    )
)


def schema_message(text: str, value: object = None) -> str:
    """One of marshmallow's messages in the page's language; ``value``: what was typed, to tell
    a date written right that does not exist (2026-02-30) from one written wrong."""
    return text if lang() == "en" else schema_message_zh(text, value)


def schema_message_zh(text: str, value: object = None) -> str:
    """One of marshmallow's messages in Chinese (see :func:`schema_message`)."""
    if (
        text.startswith("Not a valid date")
        and isinstance(value, str)
        and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value)
    ):
        return f"没有这一天（{value}），请检查月份和日期"
    for pattern, zh in SCHEMA_MESSAGES:
        found = pattern.search(text)
        if found:
            return zh.format(*found.groups())
    return f"输入有误（{text}）"
