"""Chinese first, English on request: the language of a page, and the domain's refusals in it.

The domain speaks English (its messages are for logs, the CLI and the API). Pages show a Chinese
message next to the field: a few patterns of the common refusals are translated, and any other
refusal falls back to a Chinese sentence for its error class, with the English original beside it.
"""

from __future__ import annotations

import re

from flask import session

from cxzy_saas.domain.errors import (
    AlreadyExists,
    ConcurrentModification,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    StateConflict,
)

LANGUAGES = ("zh", "en")


def lang() -> str:
    value = session.get("lang", "zh")
    return value if value in LANGUAGES else "zh"


def tr(zh: str, en: str) -> str:
    """The text in the page's language: ``{{ tr("排行榜", "Leaderboard") }}``."""
    return en if lang() == "en" else zh


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
}

OUTCOMES = {
    "approved": ("批准", "approved"),
    "returned": ("退回", "returned"),
    "acknowledged": ("已收悉", "acknowledged"),
    None: ("待审批", "waiting"),
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


# (pattern of the domain's English message, Chinese with the pattern's groups)
MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), zh)
    for pattern, zh in (
        (r"^points for (\w+) must be between 0 and ([\d.]+)$", "{0} 的分数应在 0 到 {1} 之间"),
        (r"^points for (\w+) must be a number$", "{0} 的分数应为数字"),
        (r"^no points for item (\w+) \((.*)\)$", "请填写 {0}({1})的分数"),
        (
            r"^(\w+) (\S+) was assessed for (\S+) already; correct it instead$",
            "{2} 已考核过,请改用更正",
        ),
        (r"^(\S+) has not begun$", "{0} 尚未开始"),
        (r"^no subjects to assess$", "没有可考核的对象"),
        (r"^unknown user or wrong password$", "用户名或密码错误"),
        (r"^unknown ballot code$", "测评码无效"),
        (r"^this ballot code has been used$", "该测评码已经使用过"),
        (r"^this ballot is closed$", "本次测评已结束"),
        (r"^a ballot needs subjects$", "请至少选择一个测评对象"),
        (r"^issue at least one code$", "请至少发放一个测评码"),
        (r"^codes: ", "测评码数量应为 0–2000 的整数"),
        (r"^this ballot was closed on (\S+)$", "本次测评已于 {0} 结束"),
        (r"^give a grade for every subject$", "请为每个测评对象选择等次"),
        (r"^(\w+) must not be empty$", "此项不能为空"),
        (r"^this submission has been decided already$", "该事项已审批过"),
        (r"^the plan of (\S+) is (\w+), not submitted$", "该支部方案当前不是待审批状态"),
        (r"^your role may not do this$|^role \S+ may not do this$", "您的角色无权进行此操作"),
        (r"^campaign (\d+) closed on (\S+)$", "{0} 年度活动已于 {1} 结束"),
        (r"^a return needs a reason$", "退回须写明理由"),
        (
            r"^a decision against the computed ranking needs a reason$",
            "与计算排名不一致的决定须写明理由",
        ),
        (r"^campaign (\d+) not found$", "{0} 年度活动不存在"),
        (r"^member (\S+) not found$", "党员 {0} 不存在"),
        (r"^group (\S+) not found$", "党小组 {0} 不存在"),
        (r"^.* is not a date \(YYYY-MM-DD\)$", "日期格式应为 YYYY-MM-DD"),
    )
)

BY_CLASS: tuple[tuple[type[DomainError], str], ...] = (
    (ConcurrentModification, "他人刚刚修改了这条记录,请刷新后重试"),
    (AlreadyExists, "该记录已经存在"),
    (NotFound, "未找到"),
    (Forbidden, "无权进行此操作"),
    (StateConflict, "当前状态下不能进行此操作"),
    (InvalidInput, "输入有误"),
    (DomainError, "操作未能完成"),
)


def message(error: DomainError) -> str:
    """The refusal in the page's language (Chinese: translated, or the class's sentence)."""
    if lang() == "en":
        return error.message
    for pattern, zh in MESSAGES:
        found = pattern.search(error.message)
        if found:
            return zh.format(*found.groups())
    fallback = next(text for cls, text in BY_CLASS if isinstance(error, cls))
    return f"{fallback}({error.message})"
