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
        (r"^group (\S+) exists already$", "党小组代码 {0} 已存在"),
        (r"^group (\S+) has been dissolved$", "党小组 {0} 已撤销"),
        (r"^group (\S+) still has (\d+) members", "该党小组还有 {1} 名党员,请先调出"),
        (r"^member number (\S+) is taken$", "党员编号 {0} 已被使用"),
        (r"^member (\S+) is already in that group$", "该党员已在这个党小组"),
        (r"^member (\S+) is already a full member$", "该党员已是正式党员"),
        (r"^member (\S+) already holds role", "该党员已担任这一职务"),
        (r"^member (\S+) does not hold role", "该党员未担任这一职务"),
        (r"^member (\S+) left the branch on (\S+)$", "该党员已于 {1} 转出"),
        (r"^name at least one criterion$", "请至少选择一条评选条件"),
        (r"^the plan has no (\w+) criterion (\S+)$", "活动方案中没有这一层级的第 {1} 条评选条件"),
        (r"^the due date must fall in (\d+)$", "完成时限应在 {0} 年内"),
        (r"^the record's date must fall in (\d+)$", "记载日期应在 {0} 年内"),
        (r"^the inspection date must fall in (\d+)$", "检查日期应在 {0} 年内"),
        (r"^the meeting date must fall in (\d+)$", "会议日期应在 {0} 年内"),
        (r"^completion must fall in (\d+)$", "完成日期应在 {0} 年内"),
        (r"^Q(\d) cannot be inspected before it starts$", "第 {0} 季度尚未开始,不能检查"),
        (r"^Q(\d) of (\d+) was inspected already$", "{1} 年第 {0} 季度已检查过"),
        (r"^at least one attendee$", "出席人数至少为 1"),
        (r"^a (\w+) measure is reported to", "报告对象不符合该措施的层级"),
        (r"^this measure was reported to the (\w+) already$", "该措施已报告过"),
        (r"^only measures reported to the group or branch", "只有报告党小组或党支部的措施在此确认"),
        (r"^this measure was acknowledged already$", "该措施已确认过"),
        (r"^this measure was marked done on (\S+)$", "该措施已于 {0} 完成"),
        (r"^members act on their own measures only$", "党员只能办理本人的措施"),
        (r"^this record was retracted already$", "该记载已撤回"),
        (r"^the points are unchanged$", "分数与原值相同"),
        (r"^item (\S+) was not scored here$", "该项目未评分"),
        (r"^unknown subject (\w+) (\S+)$", "对象不存在"),
        (r"^(\w+) is longer than (\d+) characters$", "不能超过 {1} 个字"),
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


# marshmallow's English messages (the API's schemas check the forms too), in Chinese.
SCHEMA_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), zh)
    for pattern, zh in (
        (r"^Missing data for required field", "此项不能为空"),
        (r"^Field may not be null", "此项不能为空"),
        (r"^Shorter than minimum length 1\.", "此项不能为空"),
        (r"^Longer than maximum length (\d+)\.", "不能超过 {0} 个字"),
        (r"^Not a valid date", "日期格式应为 YYYY-MM-DD"),
        (r"^Not a valid integer", "应为整数"),
        (r"^Not a valid number", "应为数字"),
        (r"^Must be one of", "请从列表中选择"),
        (r"^String does not match expected pattern", "只能用字母、数字、- 和 _,最多 20 位"),
        (
            r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.",
            "应在 {0} 到 {1} 之间",
        ),
        (r"^Length must be between 1 and (\d+)", "请选择 1 到 {0} 项"),
        (r"^Special numeric values", "应为数字"),
        (r"^Length must be between|^Shorter than minimum length", "数量不符合要求"),
    )
)


def schema_message(text: str) -> str:
    """One of marshmallow's messages in the page's language."""
    if lang() == "en":
        return text
    for pattern, zh in SCHEMA_MESSAGES:
        found = pattern.search(text)
        if found:
            return zh.format(*found.groups())
    return f"输入有误({text})"
