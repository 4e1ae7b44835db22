"""Audit views for auditors and the committee: the trail of one subject, and what changed
between two dates (the pages of ``cxzy audit trail`` and ``cxzy audit diff``).

Both read the stored events themselves (``cxzy_saas.audit``), never a read model: an audit
trusts the logs only. A trail reads two logs (a branch's and its committee's); a diff reads
every log of the committee and replays it once, which takes seconds at 40 branches, so a diff
made once is kept (``audit/kept.py``, decision 0029) while no log it read grows: in memory and
in the data folder, for every worker process.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app, g, render_template, request, url_for
from markupsafe import Markup, escape

from cxzy_saas.application.catalogue import default_plan_content
from cxzy_saas.application.permissions import COMMITTEE_READERS
from cxzy_saas.audit.causes import CORRECTIONS
from cxzy_saas.audit.kept import FOLDER, Kept, Warmer
from cxzy_saas.audit.logs import read_log
from cxzy_saas.audit.replay import LEVELS
from cxzy_saas.audit.trail import NAME_OF, PRIVATE, resolve, titles, trail
from cxzy_saas.domain import events as ev
from cxzy_saas.domain.errors import DomainError, InvalidInput, NotFound
from cxzy_saas.domain.events import named
from cxzy_saas.domain.text import item_zh
from cxzy_saas.domain.work import MEETING_KINDS
from cxzy_saas.logs.port import Logs
from cxzy_saas.projections.engine import LOCAL
from cxzy_saas.projections.queries import parse_day
from cxzy_saas.web import read_port_of, tenancy_of
from cxzy_saas.web.pages import bp, i18n, nav_link
from cxzy_saas.web.pages.access import (
    committee_reader,
    current_user,
    opens,
    person,
    signed_in,
    user,
)
from cxzy_saas.web.pages.deeds import FORM_LABELS
from cxzy_saas.web.pages.filters import from_request

nav_link("committee", "pages.audit_trail", "审计追溯", "Audit trail")
nav_link("committee", "pages.audit_diff", "变化比对", "Changes")

EVENTS = {
    ev.BranchOpened: ("党支部建立", "branch opened"),
    ev.CommitteeBranchRegistered: ("党支部登记", "branch registered"),
    ev.GroupFormed: ("党小组成立", "group formed"),
    ev.GroupRenamed: ("党小组更名", "group renamed"),
    ev.GroupDissolved: ("党小组撤销", "group dissolved"),
    ev.MemberEnrolled: ("党员登记", "member enrolled"),
    ev.MemberMovedToGroup: ("调整党小组", "moved to a group"),
    ev.MemberRoleGiven: ("担任职务", "role given"),
    ev.MemberRoleRelieved: ("免去职务", "role relieved"),
    ev.MemberFullMembershipConfirmed: ("转为正式党员", "full membership"),
    ev.MemberLeft: ("党员离开", "member left"),
    ev.MemberPersonalDataErased: ("个人信息已删除", "personal data erased"),
    ev.PlanDrafted: ("方案起草", "plan drafted"),
    ev.PlanDiscussed: ("支委会讨论方案", "plan discussed"),
    ev.PlanRevised: ("方案修改", "plan revised"),
    ev.PlanCirculated: ("方案征求意见", "plan circulated"),
    ev.PlanCommentRecorded: ("方案意见", "plan comment"),
    ev.PlanFinalised: ("方案定稿", "plan finalised"),
    ev.PlanSubmitted: ("方案报批", "plan submitted"),
    ev.MeasureFiled: ("制定措施", "measure filed"),
    ev.MeasureReported: ("措施上报", "measure reported"),
    ev.MeasureAcknowledged: ("措施已收悉", "measure acknowledged"),
    ev.MeasureCompleted: ("措施完成", "measure completed"),
    ev.DailyRecordRecorded: ("日常记载", "daily record"),
    ev.DailyRecordRetracted: ("撤回记载", "record retracted"),
    ev.AssessmentRecorded: ("考核打分", "assessment"),
    ev.AssessmentScoreCorrected: ("分数更正", "score corrected"),
    ev.InspectionRecorded: ("季度检查", "quarterly inspection"),
    ev.InspectionCorrected: ("更正季度检查", "inspection corrected"),
    ev.MeetingRecorded: ("会议记录", "meeting"),
    ev.MeetingCorrected: ("更正会议记录", "meeting corrected"),
    ev.ReviewStarted: ("评议开始", "review started"),
    ev.ReviewSummaryFiled: ("个人总结", "self-summary"),
    ev.ReviewCritiqueRecorded: ("讲评", "critique"),
    ev.ReviewGroupSummaryFiled: ("党小组总结", "group summary"),
    ev.ReviewBranchSummaryFiled: ("党支部总结", "branch summary"),
    ev.ReviewRecommended: ("推荐表扬", "recommended"),
    ev.ReviewReportedToCommittee: ("评议结果上报", "review reported"),
    ev.BallotOpened: ("民主测评开始", "ballot opened"),
    ev.BallotCodeSpent: ("测评码已使用", "ballot code spent"),
    ev.BallotCodesReissued: ("补发测评码", "ballot codes reissued"),
    ev.BallotClosed: ("民主测评结束（计票）", "ballot closed (tally)"),
    ev.NominationStarted: ("推荐开始", "nomination started"),
    ev.NominationShortlisted: ("推荐名单", "shortlist"),
    ev.NominationSubmitted: ("推荐上报", "nomination submitted"),
    ev.DecisionApproved: ("党委批准", "approved"),
    ev.DecisionReturned: ("党委退回", "returned"),
    ev.DecisionAcknowledged: ("党委收悉", "acknowledged"),
    ev.CommendationStarted: ("表彰开始", "commendation started"),
    ev.CommendationNamed: ("命名表彰", "commended"),
    ev.DeedMaterialDrafted: ("事迹材料", "deed material"),
    ev.DeedMaterialRevised: ("事迹材料修改", "deed material revised"),
    ev.AnnualSummaryFiled: ("年度总结", "annual summary"),
    ev.AnnualSummaryReported: ("年度总结上报", "annual summary reported"),
    ev.ArchiveSealSealed: ("归档封存", "archive sealed"),
    ev.ArchiveSealAmendmentOpened: ("发起更正", "amendment opened"),
    ev.ArchiveSealResealed: ("更正后重新归档", "resealed after an amendment"),
    ev.NominationReopened: ("答复退回理由，重新推荐", "re-nominated after a return"),
    ev.AnnualSummaryRevised: ("年度总结更正", "annual summary corrected"),
    ev.BranchCommendationStarted: ("党支部表彰开始", "branch commendation started"),
    ev.BranchCommendationCommended: ("党支部表彰", "commended by the branch"),
    ev.BranchCommendationRecommendedUpward: ("向上级党委推荐", "recommended upward"),
    ev.TaskAssigned: ("党委交办任务", "task assigned"),
    ev.TaskReportReported: ("报告交办任务完成", "task reported done"),
    ev.LetterSent: ("请示或汇报", "request or report sent"),
    ev.ReplyGiven: ("党委答复", "committee replied"),
    ev.RegistryStarted: ("系统初始化", "deployment initialised"),
    ev.RegistryCommitteeRegistered: ("党委开通", "committee registered"),
    ev.RegistryCommitteePlaced: ("党委分配数据单元", "committee placed in a cell"),
    ev.CommitteeRegistered: ("党委建立", "committee opened"),
    ev.BranchRenamed: ("党支部更名", "branch renamed"),
    ev.AccountRegistered: ("开设账号", "account registered"),
    ev.AccountPasswordChanged: ("本人修改密码", "password changed"),
    ev.AccountPasswordReset: ("重置密码", "password reset"),
    ev.AccountSignedOut: ("退出全部登录", "signed out everywhere"),
    ev.AccountDisabled: ("停用账号", "account disabled"),
    ev.AccountEnabled: ("启用账号", "account enabled"),
    ev.AccountAccessGranted: ("授予权限", "access granted"),
    ev.AccountAccessRevoked: ("收回权限", "access revoked"),
    ev.AccountMemberLinked: ("账号关联党员", "account linked to a member"),
    ev.CampaignOpened: ("年度活动开始", "campaign opened"),
    ev.CampaignClosed: ("年度活动结束", "campaign closed"),
    ev.CampaignLeaderboardVisibilityChanged: ("排行榜公开范围调整", "board visibility changed"),
    ev.EvidenceAttached: ("上传佐证材料", "evidence attached"),
    ev.EvidenceWithdrawn: ("撤回佐证材料", "evidence withdrawn"),
}

# The fields' names in a trail; any other shows as the event stores it.
FIELDS = {
    "on": ("日期", "on"),
    "year": ("年度", "year"),
    "subject": ("对象", "subject"),
    "level": ("层级", "level"),
    "text": ("内容", "text"),
    "criterion": ("评选条件", "criterion"),
    "evidence": ("佐证", "evidence"),
    "period": ("期间", "period"),
    "scores": ("各项得分", "scores"),
    "plan_version": ("方案版本", "plan version"),
    "item": ("评分项", "item"),
    "points": ("更正为", "points"),
    "previous": ("原分数", "previous"),
    "reason": ("理由", "reason"),
    "title": ("标题", "title"),
    "kind": ("类别", "kind"),
    "minutes": ("纪要", "minutes"),
    "attendees": ("参加人数", "attendees"),
    "outcome": ("结论", "outcome"),
    "member_no": ("党员编号", "member no."),
    "name": ("姓名", "name"),
    "gender": ("性别", "gender"),
    "phone": ("电话", "phone"),
    "status": ("状态", "status"),
    "group_id": ("党小组", "group"),
    "joined_on": ("入党日期", "joined on"),
    "role": ("职务", "role"),
    "subjects": ("测评对象数", "subjects"),
    "code_hashes": ("发放测评码数", "codes issued"),
    "tallies": ("计票", "tally"),
    "sheets": ("测评票张数", "grade sheets"),
    "voided": ("作废测评码数", "codes voided"),
    "pool": ("测评范围", "pool"),
    "short": ("测评地址短码", "ballot address code"),
    "turnout": ("参与率", "turnout"),
    "entries": ("名单", "entries"),
    "head": ("校验码", "head"),
    "events": ("记录数", "events"),
    "branch": ("党支部", "branch"),
    "forms": ("表彰形式", "forms"),
    "answer": ("答复", "answer"),
    "returned": ("退回的对象", "returned"),
    "submission": ("报送次数", "submission"),
    "task": ("交办任务", "task"),
    "letter": ("请示或汇报", "letter"),
    "basic_facts": ("基本情况", "basic facts"),
    "experience": ("经验", "experience"),
    "problems": ("问题", "problems"),
    "plans": ("今后打算", "plans"),
    "note": ("说明", "note"),
    "due": ("期限", "due"),
    "from": ("原", "from"),
    "to": ("现", "to"),
    "cell": ("数据单元", "cell"),
    "username": ("用户名", "username"),
    "display_name": ("显示名称", "display name"),
    "one_time": ("一次性密码", "one-time password"),
    "scope": ("单位", "scope"),
    "open_to_branches": ("向各党支部公开", "open to branches"),
    "answering": ("答复的报批次数", "answers submission"),
    "item_id": ("所属事项", "item"),
    "sha256": ("文件校验值", "SHA-256"),
    "media_type": ("文件类型", "media type"),
    "size": ("文件大小（字节）", "size (bytes)"),
    "ranking": ("排名", "ranking"),
    "all_unspent": ("补发全部未用测评码", "all unspent codes"),
    "listed": ("按名单补发", "listed codes"),
    "algorithm": ("校验算法", "algorithm"),
    "on_demand": ("按需封存", "sealed on demand"),
    "first": ("首条记录位置", "first position"),
    "last": ("末条记录位置", "last position"),
    "log_head": ("封存时日志位置", "log head"),
    "committee_head": ("党委记录校验码", "committee head"),
    "committee_events": ("党委记录数", "committee events"),
    "committee_first": ("党委首条记录位置", "committee first position"),
    "committee_last": ("党委末条记录位置", "committee last position"),
    "committee_log_head": ("封存时党委日志位置", "committee log head"),
    "amendment": ("更正编号", "amendment"),
    "revision": ("修订版次", "revision"),
}


# Fields whose name means something else in some events: "to" is where a report went, not
# the group a member moved to (原 → 现).
EVENT_FIELDS = {
    **{  # a group's, a branch's or a committee's name is its 名称, not a person's 姓名
        (event, "name"): ("名称", "name")
        for event in (
            "Branch.Opened",
            "Branch.Renamed",
            "Group.Formed",
            "Group.Renamed",
            "Committee.Registered",
            "Committee.BranchRegistered",
        )
    },
    **{  # a record's correction: the new words and the old, not a score's
        (event, key): pair
        for event in ("Inspection.Corrected", "Meeting.Corrected")
        for key, pair in (("changes", ("更正为", "corrected to")), ("previous", ("原内容", "was")))
    },
    ("Plan.Circulated", "to"): ("发送范围", "circulated to"),
    ("Measure.Reported", "to"): ("报送", "reported to"),
    ("AnnualSummary.Reported", "to"): ("报送", "reported to"),
}


@bp.app_template_global("audit_field")
def field_label(key: str, event: str = "") -> str:
    pair = EVENT_FIELDS.get((event, key))
    return i18n.tr(*pair) if pair else _key(key)


# An assessment is the branch's monthly one of a group or member, or the committee's
# quarterly one of the branch.
ASSESSMENTS = {"branch": ("季度考核", "quarterly assessment")}
MONTHLY = ("月度考核", "monthly assessment")


@bp.app_template_global("audit_event")
def event_label(name: str, fields: dict[str, Any] | None = None) -> str:
    """An event's kind in words; with its fields, an assessment says which (月度 or 季度)."""
    kind = named(name)
    if kind is ev.AssessmentRecorded and fields and "level" in fields:
        return i18n.tr(*ASSESSMENTS.get(fields["level"], MONTHLY))
    pair = EVENTS.get(kind) if kind else None
    return i18n.tr(*pair) if pair else name


@bp.app_template_global("audit_when")
def local_time(moment: str | datetime) -> str:
    """A recorded time in Beijing time, to the minute."""
    return i18n.beijing(moment)


@bp.app_template_global("audit_actor")
def actor_text(actor: dict[str, str]) -> Markup:
    role = actor.get("role", "")
    if role == "system":
        return escape(i18n.tr("系统", "system"))
    shown = i18n.label(i18n.ROLES, role)
    user, member = actor.get("user", ""), actor.get("member")
    names = g.get("subject_names", {})
    # a member acting under their member number (no account: the demo's raters of themselves)
    who = escape(names[user]) if role == "member" and user == member and user in names else None
    text = (who or person(user)) + escape(i18n.tr(f"（{shown}）", f" ({shown})"))
    if actor.get("amendment"):  # recorded under an amendment of a sealed year (decision 0011)
        text += i18n.tr("，更正中记录", ", under an amendment")
    return text


@bp.app_template_global("audit_anchor")
def anchor(ref: str) -> str:
    """The HTML id of an event in a trail: ``b01@812`` becomes ``ev-b01-812``."""
    return "ev-" + ref.replace("@", "-")


# The words events store (statuses, roles, levels, grades, outcomes...), as readers say them.
VALUES: dict[str, tuple[str, str]] = {
    "full": ("正式党员", "full member"),
    "probationary": ("预备党员", "probationary"),
    "secretary": ("书记", "secretary"),
    "organiser": ("组织委员", "organiser"),
    "group-leader": ("党小组长", "group leader"),
    "branch": ("党支部", "branch"),
    "group": ("党小组", "group"),
    "member": ("党员", "member"),
    "members": ("党员", "members"),
    "constituents": ("党外群众", "constituents"),
    "committee": ("党委", "committee"),
    "issued": ("发放", "issued"),
    "cast": ("已投", "cast"),
    "midyear": ("半年初评", "half-year"),
    "year-end": ("年终总评", "year-end"),
    "against_advice": ("与参考意见不一致", "against advice"),
    "by": ("由", "by"),
    "composite": ("综合得分", "composite"),
    "rank": ("名次", "rank"),
    "departs": ("偏离排名", "departs"),
    "remarks": ("意见", "remarks"),
    "attachments": ("附件", "attachments"),
    "criteria": ("评选条件", "criteria"),
    "decision_text": ("决定内容", "decision"),
    "quarter": ("季度", "quarter"),
    "measures_checked": ("检查的措施", "measures checked"),
    "gaps": ("差距", "gaps"),
    "weak_links": ("薄弱环节", "weak links"),
    "improvements": ("改进措施", "improvements"),
    "version": ("版本", "version"),
    "measure": ("措施", "measure"),
    "stage": ("阶段", "stage"),
    "drafter": ("起草人", "drafter"),
    "content": ("方案内容", "content"),
    "items": ("评分项", "items"),
    "plan": ("活动方案", "plan"),
    "groups": ("党小组", "groups"),
    "recommended": ("推荐", "recommended"),
    "demo": ("演示", "demo"),
    "in": ("在", "in"),
    "code": ("编号", "code"),
    "corrects": ("更正了", "corrects"),
    **FORM_LABELS,  # a branch's forms of commendation: 通报表扬, 颁发奖状证书, 颁发奖品
    **{k: v for k, v in i18n.GRADES.items()},
    **{k: v for k, v in i18n.OUTCOMES.items() if k},
    **{k: v for k, v in i18n.KINDS.items()},
    **{k: (zh, k) for k, zh in MEETING_KINDS.items()},
}


def _word(value: Any) -> str:
    """One stored value in the page's language: a known word translated, a subject's code as
    its name, a number as it is."""
    if value == PRIVATE:
        return i18n.tr("（个人信息，不显示）", PRIVATE)
    if isinstance(value, str) and ":" in value and " " not in value:  # 2026:group:g2
        return "·".join(_word(part) for part in value.split(":"))
    if isinstance(value, str) and value in g.get("subject_names", {}):
        return str(g.subject_names[value])
    if isinstance(value, bool):
        return i18n.tr("是", "yes") if value else i18n.tr("否", "no")
    if isinstance(value, str) and value in VALUES:
        return i18n.tr(*VALUES[value])
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dict):
        return i18n.tr("；", "; ").join(
            f"{_key(k)}{i18n.tr('：', ': ')}{_word(v)}" for k, v in value.items()
        )
    if isinstance(value, list):
        return i18n.tr("、", ", ").join(_word(v) for v in value)
    return "—" if value is None or value == "" else str(value)


def _key(key: str) -> str:
    """A key of stored data: a field's or a word's name, a plan item's code as its label."""
    if key in FIELDS:
        return i18n.label(FIELDS, key)
    if key in VALUES:
        return i18n.tr(*VALUES[key])
    if ":" in key:
        return _word(key)
    return str(g.get("subject_names", {}).get(key) or item_label(key))


@bp.app_template_global("audit_item")
def item_label(code: str) -> str:
    """A plan item's code as the heat map names it: M3 is 员3, G2 组2, B1 支1."""
    return item_zh(code) if i18n.lang() == "zh" else code


def criterion_text(key: str) -> str:
    """The criterion's words (its first clause), from the default catalogue the plans start
    from: the legend of the heat map's columns, and a criterion in a trail."""
    level, number = key.split(":")
    for criterion in default_plan_content()["criteria"]:
        if criterion["level"] == level and str(criterion["number"]) == number:
            return re.split("[，。；]", criterion["text"], maxsplit=1)[0]
    return ""


CODE_FIELDS = ("member_no", "code")  # the subject's own code, shown as it is
CRITERION_FIELDS = ("criterion", "criteria")  # a record's criterion, a measure's criteria


def criterion_named(level: str, number: int) -> str:
    """A criterion as the records page's filter names it: 党员第3条：牢记党的宗旨."""
    words = criterion_text(f"{level}:{number}")
    named = i18n.label(i18n.LEVELS, level) + i18n.tr(f"第{number}条", f" no. {number}")
    return named + (i18n.tr("：", ": ") + words if words else "")


@bp.app_template_global("audit_value")
def value_text(
    value: Any, width: int = 160, key: str = "", fields: Mapping[str, Any] | None = None
) -> Markup:
    """A stored value as the trail shows it beside the label of its ``key`` among the event's
    ``fields``: a subject's code as its name, except in the fields that are the code itself
    (党员编号, 编号); a criterion's number with its level and words (:func:`criterion_named`)."""
    if value == PRIVATE:
        return escape(i18n.tr("（个人信息，不显示）", PRIVATE))
    level = (fields or {}).get("level")
    numbers = value if isinstance(value, list) else [value]
    if key in CRITERION_FIELDS and level in i18n.LEVELS and all(str(n).isdigit() for n in numbers):
        return escape(i18n.tr("；", "; ").join(criterion_named(level, int(n)) for n in numbers))
    if key in CODE_FIELDS and isinstance(value, str):
        return i18n.ident(value)
    if isinstance(value, str) and value.startswith(NAME_OF):  # erased: as erased
        number = value.removeprefix(NAME_OF)
        return escape(g.get("subject_names", {}).get(number) or number)
    names = g.get("subject_names", {})
    if isinstance(value, str) and i18n.IDENTIFIER.fullmatch(value) and value not in VALUES:
        if value in names:
            return escape(names[value])
        return i18n.ident(item_label(value) if len(value) < 4 else value)
    if (
        isinstance(value, list)
        and value
        and all(
            isinstance(v, str) and i18n.IDENTIFIER.fullmatch(v) and v not in VALUES for v in value
        )
    ):  # file names (a list of words, 通报表扬、颁发奖品, is said as words below)
        return Markup(i18n.tr("、", ", ")).join(i18n.ident(v) for v in value)
    text = _word(value)
    return escape(text if len(text) <= width else text[: width - 1] + "…")


def branches_of(committee: str) -> dict[str, str]:
    return dict(tenancy_of(current_app).committee(committee).committee().branches)


@bp.app_template_global("branch_name")
def branch_name(code: str) -> str:
    """A branch's name for its code, within the signed-in user's committee (once a request)."""
    principal = current_user()
    if principal is None:
        return code
    if "branch_names" not in g:
        g.branch_names = branches_of(principal.committee)
    return str(g.branch_names.get(code, code))


@bp.app_template_global("audit_ref")
def ref_label(ref: str) -> str:
    """A place in a log (``b13@1177``) as a reader says it: 第十三党支部日志第 1177 条."""
    tenant, _, position = ref.partition("@")
    principal = current_user()
    if principal is not None and tenant == principal.committee:
        return i18n.tr(f"党委日志第 {position} 条", f"committee log #{position}")
    return i18n.tr(f"{branch_name(tenant)}日志第 {position} 条", f"{tenant} log #{position}")


def subjects_of(branch: str) -> list[dict[str, Any]]:
    """The branch itself, its groups and its members (names as every view shows them: an
    erased member's as erased)."""
    app = tenancy_of(current_app).branch(branch)
    found: list[dict[str, Any]] = [
        {"kind": "branch", "id": branch, "name": app.branch().name, "erased": False}
    ]
    found += [
        {"kind": "group", "id": g.code, "name": g.name, "erased": False}
        for g in app.groups(include_dissolved=True)
    ]
    found += [
        {"kind": "member", "id": m.member_no, "name": str(m.name), "erased": m.erased}
        for m in app.members(include_left=True)
    ]
    return found


def matching(subjects: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    wanted = text.casefold()
    return [s for s in subjects if wanted in s["id"].casefold() or wanted in s["name"].casefold()]


@bp.get("/committee/audit/trail")
@signed_in
@opens(COMMITTEE_READERS)
def audit_trail() -> tuple[str, int]:
    """Pick a branch and a subject (a search box, or a link from the list), then its trail.

    Raises:
        NotFound: a branch outside the user's committee (or a branch user: no committee role).
    """
    committee_reader()
    committee = user().committee
    branches = branches_of(committee)
    branch, text = request.args.get("branch", ""), request.args.get("subject", "").strip()
    context: dict[str, Any] = {"branches": branches, "branch": branch, "text": text}
    if not branch:
        return render_template("audit/trail.html", **context), 200
    if branch not in branches:
        raise NotFound("branch.not_found", branch=branch)
    tenancy = tenancy_of(current_app)
    subjects = subjects_of(branch)
    g.subject_names = {s["id"]: s["name"] for s in subjects}  # codes in the events, as names
    context["subjects"] = subjects
    if not text:
        return render_template("audit/trail.html", **context), 200
    branch_log = read_log(read_port_of(current_app), branch, "branch")
    committee_log = read_log(read_port_of(current_app), committee, "committee")
    found = matching(subjects, text)
    try:
        # A name that matches one subject only is that subject (a member by their name).
        wanted = found[0]["id"] if len(found) == 1 else text
        subject = resolve(branch_log, committee_log, wanted)
    except NotFound:
        context.update(subjects=found, unknown=True)
        return render_template("audit/trail.html", **context), 200
    # What events name by id (a measure acknowledged, a letter answered), by its title.
    g.subject_names.update(titles(branch_log, committee_log))
    shown = next(
        (s for s in subjects if s["kind"] == subject.kind and s["id"] == subject.id),
        {"kind": subject.kind, "id": subject.id, "name": "", "erased": False},
    )
    entries = trail(branch_log, committee_log, subject)
    groups = {str(g.id): g.code for g in tenancy.branch(branch).groups(include_dissolved=True)}
    for entry in entries:  # a group is shown by its code, not by its aggregate's id
        fields = entry["fields"]
        for key in ("group_id", "from", "to"):
            if isinstance(fields.get(key), str) and fields[key] in groups:
                fields[key] = groups[fields[key]]
    chosen, errors = trail_filters()
    shown_entries = filtered(entries, chosen)
    size = per_page_of(TRAIL_SIZES)
    page, pages, start = paged(len(shown_entries), size)
    # A correction and what it corrects may be on other pages, or filtered out: each ref
    # links to the page that shows it (under these filters if it passes them, else none).
    base: dict[str, Any] = {"branch": branch, "subject": text, "per_page": size}
    where: dict[str, str] = {}
    for found, filters in ((entries, {}), (shown_entries, chosen)):
        args: dict[str, Any] = {**base, **{k: str(v) for k, v in filters.items()}}
        for i, entry in enumerate(found):
            where[entry["ref"]] = (
                url_for("pages.audit_trail", **args, page=i // size + 1)
                + "#"
                + anchor(entry["ref"])
            )
    for entry in shown_entries[start : start + size]:
        where[entry["ref"]] = "#" + anchor(entry["ref"])
    context.update(
        subject=shown,
        entries=shown_entries[start : start + size],
        where=where,
        per_page=size,
        sizes=TRAIL_SIZES,
        total=len(entries),
        matched=len(shown_entries),
        kinds_found=sorted(Counter(e["event"] for e in entries).items()),
        chosen=chosen,
        errors=errors,
        page=page,
        pages=pages,
        subjects=matching(subjects, text),
    )
    return render_template("audit/trail.html", **context), 200


TRAIL_SIZES = (50, 200, 1000)  # events of a trail per page (the first the default)
DIFF_PAGE = 50  # changed rows of a diff's table per page


def paged(count: int, size: int, name: str = "page") -> tuple[int, int, int]:
    """The page asked for (``?page=``; one that does not exist shows the last), the number
    of pages, and the index of the page's first row."""
    pages = max(1, -(-count // size))
    text = request.args.get(name, "1")
    page = min(int(text), pages) if text.isdigit() and int(text) > 0 else 1
    return page, pages, (page - 1) * size


def per_page_of(sizes: tuple[int, ...]) -> int:
    text = request.args.get("per_page", "")
    return int(text) if text.isdigit() and int(text) in sizes else sizes[0]


def trail_filters() -> tuple[dict[str, Any], dict[str, str]]:
    """The trail's filters: an event kind (``kind``: its stored name) and the days it was
    recorded (``from``, ``to``, UTC+8); a malformed day is noted and ignored."""
    chosen: dict[str, Any] = {}
    errors: dict[str, str] = {}
    kind = request.args.get("kind", "").strip()
    if kind:
        chosen["kind"] = kind
    for key in ("from", "to"):
        text = request.args.get(key, "").strip()
        if not text:
            continue
        try:
            chosen[key] = parse_day(text)
        except InvalidInput as error:
            errors[key] = i18n.message(error)
    return chosen, errors


def filtered(entries: list[dict[str, Any]], chosen: dict[str, Any]) -> list[dict[str, Any]]:
    def day(entry: dict[str, Any]) -> Any:
        return datetime.fromisoformat(entry["recorded_at"]).astimezone(LOCAL).date()

    return [
        e
        for e in entries
        if ("kind" not in chosen or e["event"] == chosen["kind"])
        and ("from" not in chosen or day(e) >= chosen["from"])
        and ("to" not in chosen or day(e) <= chosen["to"])
    ]


@bp.get("/committee/audit/diff")
@signed_in
@opens(COMMITTEE_READERS)
def audit_diff() -> tuple[str, int]:
    """The difference between the ends of two days: changed rows with their causes, changed
    month scores, and the corrections recorded in between (as ``cxzy audit diff``)."""
    committee_reader()
    committee = user().committee
    filters = from_request(committee)
    today = tenancy_of(current_app).today()
    args = request.args
    form = {
        "from": args.get("from", "").strip(),
        "to": args.get("to", "").strip(),
        "level": args.get("level", ""),
    }
    context: dict[str, Any] = {"filters": filters, "form": form, "errors": {}, "levels": LEVELS}
    if not form["from"] and not form["to"]:
        form.update({"from": (today - timedelta(days=30)).isoformat(), "to": today.isoformat()})
        return render_template("audit/diff.html", **context), 200
    errors: dict[str, str] = context["errors"]
    # One day given: the other as the empty form offers it (today; thirty days before).
    form["to"] = form["to"] or today.isoformat()
    if not form["from"]:
        with contextlib.suppress(ValueError, OverflowError):  # a bad day is said below
            form["from"] = (date.fromisoformat(form["to"]) - timedelta(days=30)).isoformat()
    days = {}
    for key in ("from", "to"):
        try:
            days[key] = parse_day(form[key])
        except InvalidInput as error:
            errors[key] = i18n.message(error)
    if form["level"] and form["level"] not in LEVELS:
        errors["level"] = i18n.tr(
            "层级应为党支部、党小组或党员", "level is branch, group or member"
        )
    if not errors and days["from"] > days["to"]:
        errors["from"] = i18n.tr("起始日期不能晚于结束日期", "from must not be after to")
    if not errors and days["to"] > today:  # said, not refused: the logs hold what they hold
        context["note"] = i18n.tr(
            f"结束日期晚于今天（{today}）：显示的是到目前为止记录的变化。",
            f"to is after today ({today}): the changes recorded so far.",
        )
    if errors or filters.errors:
        return render_template("audit/diff.html", **context), 422
    levels = (form["level"],) if form["level"] else LEVELS
    port = read_port_of(current_app)
    try:
        found = cached_diff(port, committee, filters.year, days["from"], days["to"], levels)
    except DomainError as error:
        errors["from"] = i18n.message(error)
        return render_template("audit/diff.html", **context), 422
    names = {code: name for code, name in branches_of(committee).items()}
    sections = {level: found["boards"].get(level, []) for level in levels}
    sections["scores"] = found["scores"]
    sections["corrections"] = found["corrections"]
    for c in found["corrections"]:  # the branch whose log holds it
        c.setdefault("branch", c["ref"].split("@")[0])
    show = args.get("show", "")
    if show not in sections:
        show = next((k for k, rows in sections.items() if rows), levels[0])
    in_branch = args.get("branch", "")
    rows = [r for r in sections[show] if not in_branch or r.get("branch") == in_branch]
    page, pages, start = paged(len(rows), DIFF_PAGE)
    context.update(
        result=found,
        branch_names=names,
        corrections=CORRECTIONS,
        summary=diff_summary(found, sections, names),
        sections={k: len(v) for k, v in sections.items()},
        show=show,
        in_branch=in_branch if in_branch in names else "",
        rows=rows[start : start + DIFF_PAGE],
        matched=len(rows),
        page=page,
        pages=pages,
    )
    return render_template("audit/diff.html", **context), 200


def kept_diffs(app: Any) -> Kept:
    """The application's kept diffs (``audit/kept.py``): in memory, and in the data folder's
    ``audit-cache/`` shared by every worker process; with ``CXZY_AUDIT_WARMER=1``, a warmer
    makes the ones asked lately again after appends (never under tests, which ask it)."""
    with _kept_lock:
        kept: Kept | None = app.extensions.get(KEPT)
        if kept is None:
            folder = tenancy_of(app).settings.data_dir / FOLDER
            kept = app.extensions[KEPT] = Kept(folder)
            warm = tenancy_of(app).settings.audit_warmer and not app.testing
            if app.config.get("AUDIT_WARMER", warm):
                port = app.extensions["cxzy.read_port"]
                app.extensions[KEPT + ".warmer"] = Warmer(kept, lambda: port).start()
        return kept


KEPT = "cxzy.audit_kept"
_kept_lock = threading.Lock()


def cached_diff(
    port: Logs, committee: str, year: int, start: date, end: date, levels: tuple[str, ...]
) -> dict[str, Any]:
    """``audit.diff.diff``, kept while no log it reads has grown: a diff is a function of the
    logs up to their heads, so a page of its details, another section or a branch's rows
    come from memory or from the folder (the heads are one ``stat`` or one query)."""
    return kept_diffs(current_app).diff(port, (committee, year, start, end, levels))


def diff_summary(
    found: dict[str, Any], sections: dict[str, list[dict[str, Any]]], names: dict[str, str]
) -> dict[str, Any]:
    """What a diff comes to before its details: per branch, the rows changed in each section
    and the events recorded; per section, the rows added, changed and removed."""
    per_branch: dict[str, dict[str, int]] = {}
    for section, rows in sections.items():
        for r in rows:
            counts = per_branch.setdefault(r.get("branch", ""), {})
            counts[section] = counts.get(section, 0) + 1
    for code, events in found.get("events_by_branch", {}).items():
        if code in names:
            per_branch.setdefault(code, {})["events"] = events
    kinds = {
        section: dict(Counter(r["change"] for r in rows))
        for section, rows in sections.items()
        if section != "corrections"  # a correction's "change" is what it changed
    }
    return {
        "branches": sorted(
            ((code, counts) for code, counts in per_branch.items() if code in names),
            key=lambda item: (-sum(v for k, v in item[1].items() if k != "events"), item[0]),
        ),
        "kinds": kinds,
    }
