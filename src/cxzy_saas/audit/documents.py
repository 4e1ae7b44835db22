"""The archive's human-readable documents, in Chinese, derived from the archived events alone.

Each document is first a list of blocks (headings, paragraphs, tables); HTML and PDF are two
renderings of the same blocks. Display names of members and groups come from ``names`` (taken
from the live store at export and kept in the bundle), because members' personal fields may be
unreadable from the stored events once their keys are destroyed.
"""

from __future__ import annotations

import functools
import html
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cxzy_saas.audit.offline import Offline
from cxzy_saas.domain import ranking
from cxzy_saas.domain.commendation import (
    FORMS,
    TITLES,
    AnnualSummary,
    BranchCommendation,
    Commendation,
    DeedMaterial,
)
from cxzy_saas.domain.decisions import Decision
from cxzy_saas.domain.errors import NotFound
from cxzy_saas.domain.evaluation import Nomination, Review
from cxzy_saas.domain.plan import SUBMITTED, Plan, PlanContent
from cxzy_saas.domain.ranking import Row
from cxzy_saas.domain.recording import BEIJING
from cxzy_saas.domain.refusals import WORDS
from cxzy_saas.domain.scoring import GRADE_NAMES
from cxzy_saas.domain.text import item_zh

LEVEL_NAMES = {"branch": "党支部", "group": "党小组", "member": "党员"}
OUTCOME_NAMES = {"approved": "批准", "returned": "退回", "acknowledged": "已阅知"}
# A band is advice, not the grade; no band is 未参评 (nothing to score), never 不合格.
BAND_NAMES: dict[str | None, str] = {
    "excellent": "优秀候选",
    "competent": GRADE_NAMES["competent"],
    "basic": GRADE_NAMES["basic"],
    "incompetent": GRADE_NAMES["incompetent"],
    None: "未参评",
}
DOCUMENTS = (
    ("01-plan", "活动方案"),
    ("02-midyear", "半年初评结果"),
    ("03-year-end", "年终总评与年度总结"),
    ("04-scores", "最终得分与排名"),
    ("05-nominations", "推荐名单及党委审批"),
    ("06-deeds", "事迹材料"),
)


@dataclass
class Document:
    key: str
    title: str
    blocks: list[tuple[Any, ...]] = field(default_factory=list)
    # Printed across the page (A4 landscape): a table of many columns (a board of eleven).
    landscape: bool = False

    def h2(self, text: str) -> None:
        self.blocks.append(("h2", text))

    def p(self, text: str) -> None:
        self.blocks.append(("p", text))

    def table(
        self, header: list[str], rows: list[list[str]], widths: list[float] | None = None
    ) -> None:
        """A table; ``widths``: its columns' relative widths in the PDF (equal without: the
        archive's documents, whose bytes a seal keeps, are printed as they always were)."""
        if widths is None:
            self.blocks.append(("table", header, rows))
        else:
            self.blocks.append(("table", header, rows, widths))


def fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


class Context:
    """What every document reads: the archived aggregates of the branch (``b``) and of the
    committee (``c``), and the display names."""

    def __init__(
        self, committee: str, branch: str, year: int, names: dict[str, str], b: Offline, c: Offline
    ) -> None:
        self.committee, self.branch, self.year, self.names = committee, branch, year, names
        self.b, self.c = b, c

    def name(self, level: str, subject: str) -> str:
        return self.names.get(f"{level}:{subject}", subject)

    # the branch-year's aggregates (None: there is none)

    def plan(self) -> Plan | None:
        return self.b.get(Plan, Plan.id_for(self.branch, self.year))

    def review(self, stage: str) -> Review | None:
        return self.b.get(Review, Review.id_for(self.branch, self.year, stage))

    def annual_summary(self) -> AnnualSummary | None:
        return self.b.get(AnnualSummary, AnnualSummary.id_for(self.branch, self.year))

    def nomination(self) -> Nomination | None:
        return self.b.get(Nomination, Nomination.id_for(self.branch, self.year))

    def commendation(self) -> Commendation | None:
        return self.c.get(Commendation, Commendation.id_for(self.committee, self.year))

    def decision(self, kind: str, subject: str, submission: int) -> Decision | None:
        decision_id = Decision.id_for(self.committee, self.branch, kind, subject, submission)
        return self.c.get(Decision, decision_id)

    def committee_plan(self) -> Plan | None:
        return self.c.get(Plan, Plan.id_for(self.committee, self.year))

    def plan_versions(self) -> tuple[dict[int, PlanContent], int]:
        """Every version of the branch's plan and the number of the one in force at the seal
        (the latest the committee approved, else the latest: ``domain.plan.version_in_force``);
        a branch without a plan follows the committee's, as the application does.

        Raises:
            NotFound: neither the branch nor the committee has a plan for the year.
        """
        plan = self.plan()
        if plan is None:
            plan = self.committee_plan()
            if plan is None:
                raise NotFound("plan.not_found", year=self.year)
            in_force = plan.in_force([])
            return {in_force: plan.content_of(in_force)}, in_force
        approved = [
            n
            for n in range(1, plan.submissions + 1)
            if (d := self.decision("plan", str(self.year), n)) is not None
            and d.outcome == "approved"
        ]
        versions = {n: plan.content_of(n) for n in range(1, plan.version_no + 1)}
        return versions, plan.in_force(approved)

    def ranking(self) -> dict[str, list[ranking.Row]]:
        """The groups' and members' rows, as the branch application ranks them.

        Raises:
            NotFound: no plan for the year (see :meth:`plan_versions`).
        """
        versions, in_force = self.plan_versions()
        b = self.b
        inputs = ranking.gather(
            versions,
            in_force,
            b.assessments(self.year),
            b.measures(self.year),
            b.ballots(self.year),
            b.members(),
            b.groups(),
        )
        return {level: ranking.rows(inputs, level) for level in ("group", "member")}

    def branch_row(self, levels: dict[str, list[Row]]) -> dict[str, Any] | None:
        """The branch's own row of the branch board, as the committee's boards compute it; None
        when the archive holds no committee plan to score it with (an archive sealed before the
        committee's plan was part of it)."""
        plan = self.committee_plan()
        if plan is None:
            return None
        quarters = [
            ranking.scored({a.plan_version: plan.content_of(a.plan_version)}, a)
            for a in sorted(self.c.assessments(self.year), key=lambda a: a.period)
            if a.level == "branch" and a.subject == self.branch
        ]
        formula = plan.content_of(plan.in_force([])).branch_formula
        name = self.names.get(f"branch:{self.branch}", self.branch)
        return ranking.branch_row(
            self.branch, name, quarters, levels["group"], levels["member"], formula
        )

    def decision_line(self, kind: str, subject: str, submission: int) -> str:
        decision = self.decision(kind, subject, submission)
        if decision is None:
            return "党委尚未作出决定"
        day = decision.created_on.astimezone(BEIJING).date()
        text = f"党委决定（{day}）：{OUTCOME_NAMES.get(decision.outcome, decision.outcome)}"
        if decision.reason:
            text += f"（理由：{decision.reason}）"
        if decision.against_advice:
            text += "〔与计算结果不一致〕"
        return text


def _plan(ctx: Context, doc: Document) -> None:
    plan = ctx.plan()
    if plan is None:
        doc.p("本年度未制定活动方案。")
        return
    _, in_force = ctx.plan_versions()
    content = plan.versions[in_force - 1]
    doc.p(
        f"起草人：{plan.drafter}；现行版本：第 {in_force} 版（共 {plan.version_no} 版）；"
        f"状态：{plan_state(ctx, plan)}"
    )
    for key, title in (("guiding_ideology", "指导思想"),):
        doc.h2(title)
        doc.p(str(content.get(key, "")))
    doc.h2("评选条件")
    doc.table(
        ["层级", "序号", "条件"],
        [
            [LEVEL_NAMES.get(c["level"], c["level"]), fmt(c["number"]), c["text"]]
            for c in content.get("criteria", [])
        ],
    )
    doc.h2("评选规则")
    content_in_force = plan.content_of(in_force)
    doc.p(weights_line(content_in_force))
    for text in rule_lines(content_in_force):
        doc.p(text)
    doc.h2("目标分解与量化标准")
    doc.table(
        ["编号", "层级", "条件", "项目", "满分", "权重"],
        [
            [
                item_zh(i["code"]),
                LEVEL_NAMES.get(i["level"], i["level"]),
                fmt(i["criterion"]),
                i["title"],
                fmt(float(i["max_points"])),
                fmt(float(i["weight"])),
            ]
            for i in content.get("items", [])
        ],
    )
    for key, title in (
        ("assessment_method", "考核办法"),
        ("selection_method", "评选办法"),
        ("commendation_method", "表彰办法"),
        ("organisation", "组织领导"),
    ):
        doc.h2(title)
        doc.p(str(content.get(key, "")))
    doc.h2("讨论与征求意见")
    for d in plan.discussions:
        doc.p(f"{fmt(d['on'])} 支委会讨论：{d['minutes']}")
    for c in plan.comments:
        doc.p(f"{fmt(c['on'])} {c['by']}：{c['text']}")
    doc.h2("报批与审批")
    if plan.submissions == 0:
        doc.p("尚未报党委审批。")
    for n in range(1, plan.submissions + 1):
        day = plan.submitted_days.get(n)
        sent = f"第 {n} 次报批" + (f"（{day}）" if day else "")
        doc.p(f"{sent}：{ctx.decision_line('plan', str(ctx.year), n)}")


def plan_state(ctx: Context, plan: Plan) -> str:
    """The plan's status in words; a submitted plan's with the committee's answer to it (the
    branch's plan stays "submitted" in its own log: the answer is the committee's)."""
    state = WORDS["plan_status"].get(plan.status, plan.status)
    if plan.status != SUBMITTED:
        return state
    decision = ctx.decision("plan", str(ctx.year), plan.submissions)
    if decision is None:
        return f"{state}，待党委审批"
    return f"{state}，党委决定：{OUTCOME_NAMES.get(decision.outcome, decision.outcome)}"


def rule_lines(content: PlanContent) -> list[str]:
    """The plan version's rules in words (``PlanContent.rule_texts``): each limit in the words
    that decide its boundary, how ratings are summed up and weighed, the bands, the half-year's
    part and the branch's formula."""
    return [zh for zh, _ in content.rule_texts()]


WEIGHT_NAMES = {"work": "日常考核", "rating": "民主测评", "target": "目标完成"}


def weights_line(content: PlanContent) -> str:
    weights = content.composite_weights
    return (
        "综合得分由"
        + "、".join(f"{name} {weights.get(key, 0):g}" for key, name in WEIGHT_NAMES.items())
        + " 加权合成。"
    )


def _review(ctx: Context, doc: Document, stage: str) -> None:
    review = ctx.review(stage)
    if review is None:
        doc.p("本年度未开展该阶段评议。")
        return
    doc.h2("党支部总结")
    doc.p(review.branch_summary or "—")
    doc.h2("党小组总结")
    doc.table(
        ["党小组", "总结"],
        [[ctx.name("group", g), t] for g, t in sorted(review.group_summaries.items())],
    )
    doc.h2("个人总结")
    doc.table(
        ["党员", "总结"],
        [[ctx.name("member", m), t] for m, t in sorted(review.summaries.items())],
    )
    doc.h2("讲评意见")
    doc.table(
        ["党员", "意见"],
        [[ctx.name("member", m), "；".join(r)] for m, r in sorted(review.remarks.items())],
    )
    if stage == "midyear":
        doc.h2("表扬推荐")
        doc.p(
            "党小组："
            + ("、".join(ctx.name("group", g) for g in review.recommended["group"]) or "无")
        )
        doc.p(
            "党员："
            + ("、".join(ctx.name("member", m) for m in review.recommended["member"]) or "无")
        )
        doc.h2("向党委汇报")
        if review.reported_on is None:
            doc.p("尚未向党委汇报。")
        else:
            doc.p(f"{fmt(review.reported_on)} 向党委汇报；")
            doc.p(ctx.decision_line("midyear-report", str(ctx.year), 1))


def _midyear(ctx: Context, doc: Document) -> None:
    _review(ctx, doc, "midyear")


def _year_end(ctx: Context, doc: Document) -> None:
    doc.h2("年终总评")
    _review(ctx, doc, "year-end")
    doc.h2("年度总结")
    summary = ctx.annual_summary()
    if summary is None:
        doc.p("本年度总结尚未报送。")
        return
    for title, text in (
        ("基本情况", summary.basic_facts),
        ("主要经验", summary.experience),
        ("存在问题", summary.problems),
        ("今后打算", summary.plans),
    ):
        doc.h2(title)
        doc.p(text)
    if summary.revisions > 1:
        doc.p(f"（以上为更正后的内容，已更正 {summary.revisions - 1} 次）")
    where = {"members-meeting": "党员大会", "committee": "党委"}
    for to, on in sorted(summary.reported.items(), key=lambda item: (item[1], item[0])):
        doc.p(f"{fmt(on)} 向{where.get(to, to)}报告")
    if "committee" in summary.reported:
        doc.p(ctx.decision_line("annual-summary", str(ctx.year), 1))


def score_rows(ctx: Context) -> dict[str, list[dict[str, Any]]]:
    """The final ranking of the branch's groups and members, without display names (those are
    not derivable from the events once personal data is erased)."""
    return {
        level: [{k: v for k, v in row.as_dict().items() if k != "name"} for row in rows]
        for level, rows in ctx.ranking().items()
    }


def board_rows(ctx: Context) -> dict[str, list[dict[str, Any]]]:
    """The branch's rows of the committee's boards as of the seal, as the boards show them
    (``ranking.public_row``), recomputed from the archived events: the branch's own row (absent
    when the archive holds no committee plan) and its groups' and members'. A board's rank is
    among every branch of the committee, which one branch's archive cannot recompute; each row
    carries its rank within the branch instead (``rank_in_branch``)."""
    levels = ctx.ranking()
    found: dict[str, list[dict[str, Any]]] = {}
    branch = ctx.branch_row(levels)
    if branch is not None:
        found["branch"] = [
            {**ranking.public_row("branch", {**branch, "rank": None}), "rank_in_branch": None}
        ]
        del found["branch"][0]["rank"]
    for level, rows in levels.items():
        found[level] = []
        for row in rows:
            shown = ranking.public_row(
                level,
                {**row.as_dict(), "name": ctx.name(level, row.subject), "tenant": ctx.branch},
            )
            del shown["rank"]
            found[level].append({**shown, "rank_in_branch": row.rank})
    return found


def _score_table(ctx: Context, doc: Document, level: str, rows: list[dict[str, Any]]) -> None:
    header = ["名次", "编号", "名称", "工作实绩", "民主测评", "目标完成", "综合得分", "档次"]
    header.append("否决")

    def line(r: dict[str, Any]) -> list[str]:
        return (
            [fmt(r["rank"]), r["subject"], ctx.name(level, r["subject"])]
            + [fmt(r[k]) for k in ("work", "rating", "target", "composite")]
            + [BAND_NAMES.get(r["band"], str(r["band"])), r["veto"] or "—"]
        )

    doc.table(header, [line(r) for r in rows if r["status"] != ranking.UNRATED])
    unrated = [r for r in rows if r["status"] == ranking.UNRATED]
    if unrated:
        doc.p(f"未参评的{LEVEL_NAMES[level]}（没有可计分的考核或测评，不排名次、不定档次）：")
        doc.table(header, [line(r) for r in unrated])


def _scores(ctx: Context, doc: Document) -> None:
    levels = ctx.ranking()
    branch = ctx.branch_row(levels)
    if branch is not None:
        doc.h2("党支部得分")
        rated_groups = [r.composite for r in levels["group"] if r.composite is not None]
        doc.table(
            ["党支部", "党委考核", "党小组平均", "党员人数", "党员平均", "综合得分", "档次"],
            [
                [
                    ctx.name("branch", ctx.branch),
                    fmt(branch["work"]),
                    fmt(statistics.fmean(rated_groups) if rated_groups else None),
                    fmt(branch["members"]),
                    fmt(branch["member_average"]),
                    fmt(branch["composite"]),
                    BAND_NAMES.get(branch["band"], str(branch["band"])),
                ]
            ],
        )
        committee_plan = ctx.committee_plan()
        if committee_plan is not None:
            formula, _ = committee_plan.content_of(committee_plan.in_force([])).formula_text()
            doc.p(f"{formula}（党委方案）")
        doc.p("党支部在全体党支部中的名次见党委排行榜（按封存日回溯）。")
    for level, rows in score_rows(ctx).items():
        doc.h2(f"{LEVEL_NAMES[level]}排名")
        _score_table(ctx, doc, level, rows)
    doc.p("计算得分为参考意见，不以票取人；推荐与审批中与之不一致处均载明理由。")


def _nominations(ctx: Context, doc: Document) -> None:
    nomination = ctx.nomination()
    if nomination is None:
        doc.p("本年度未推荐。")
    else:
        _submissions(ctx, doc, nomination)
    doc.h2("命名表彰")
    commendation = ctx.commendation()
    decisions = [
        (d, [e for e in d["entries"] if e["branch"] == ctx.branch])
        for d in (commendation.decisions if commendation else [])
    ]
    decisions = [(d, named) for d, named in decisions if named]
    if not decisions:
        doc.p("本支部无命名表彰。")
    for decision, named in decisions:
        doc.p(f"党委命名表彰决定（{fmt(decision['on'])}）：{decision['decision_text']}")
        doc.table(
            ["称号", "名称", "理由"],
            [[e["title"], ctx.name(e["level"], e["subject"]), _named_because(e)] for e in named],
        )


def _named_because(entry: dict[str, Any]) -> str:
    """The reason the committee gave for naming an entry; one named against the branch
    ranking says so (不以票取人: the ranking is advice, a choice against it has its reason)."""
    reason = entry.get("reason") or ""
    if entry.get("against_advice"):
        return f"与党支部排名不一致：{reason}"
    return reason or "—"


NOMINATION_HEADER = [
    "层级",
    "名称",
    "推荐时综合得分",
    "推荐时名次",
    "偏离计算结果",
    "推荐理由",
    "党委审批",
]


def _submissions(ctx: Context, doc: Document, nomination: Nomination) -> None:
    """Every submission as it was sent, each entry with the committee's decision on it, the
    returns and the branch's answers between them, then a shortlist revised and not yet sent."""
    doc.p(f"报送次数：{nomination.submissions}")
    doc.p("综合得分与名次为列入推荐名单时的计算结果；年终最终得分见《最终得分与排名》。")
    answers = {r["submission"]: r for r in nomination.reopenings}
    for n in range(1, nomination.submissions + 1):
        day = nomination.submitted_days.get(n)
        doc.h2(f"第 {n} 次报送" + (f"（{fmt(day)}）" if day else ""))
        doc.table(
            NOMINATION_HEADER,
            [
                _entry(ctx, nomination, e, nomination.submitted[n], n)
                for e in nomination.submitted[n]
            ],
        )
        reopening = answers.get(n)
        if reopening is not None:
            returned = "、".join(
                f"{ctx.name(r['level'], r['subject'])}（{r['reason']}）"
                for r in reopening["returned"]
            )
            doc.p(f"党委退回：{returned}")
            doc.p(f"党支部答复：{reopening['answer']}")
    if nomination.submitted_on is None and nomination.entries:
        doc.h2("尚未报送的推荐名单")
        entries = nomination.entries
        doc.table(NOMINATION_HEADER, [_entry(ctx, nomination, e, entries, None) for e in entries])


def _entry(
    ctx: Context,
    nomination: Nomination,
    entry: dict[str, Any],
    listed: list[dict[str, Any]],
    submission: int | None,
) -> list[str]:
    level, subject = entry["level"], entry["subject"]
    decided = (
        "尚未报送"
        if submission is None
        else ctx.decision_line("nominee", f"{ctx.year}:{level}:{subject}", submission)
    )
    return [
        LEVEL_NAMES.get(level, level),
        ctx.name(level, subject),
        fmt(entry.get("composite")),
        fmt(entry.get("rank")),
        departure(nomination, entry, listed),
        entry.get("reason") or "—",
        decided,
    ]


def departure(nomination: Nomination, entry: dict[str, Any], listed: list[dict[str, Any]]) -> str:
    """Whether, and why, shortlisting the entry departs from the computed advice, as
    ``Nomination.revise`` judged it among the ``listed`` entries it was sent with."""
    if not entry.get("departs"):
        return "否"
    level, rank = entry["level"], entry.get("rank")
    row = next(
        (r for r in nomination.ranking.get(level, []) if r["subject"] == entry["subject"]), {}
    )
    chosen = sum(1 for e in listed if e["level"] == level)
    why = [
        text
        for text, applies in (
            ("未参评", rank is None),
            ("受否决规则限制", row.get("veto") is not None),
            ("越过了排名在前者", rank is not None and rank > chosen),
            ("未列入半年初评表扬推荐", entry.get("midyear") is False),
        )
        if applies
    ]
    return f"是（{'；'.join(why)}）" if why else "是"


def _deeds(ctx: Context, doc: Document, deed_ids: list[Any]) -> None:
    """The deed materials of the commended, then the branch's own commendations."""
    _deed_materials(ctx, doc, deed_ids)
    _branch_commendation(ctx, doc)


def _deed_materials(ctx: Context, doc: Document, deed_ids: list[Any]) -> None:
    if not deed_ids:
        doc.p("本年度无事迹材料。")
    for deed_id in deed_ids:
        deeds = ctx.b.get(DeedMaterial, deed_id)
        if deeds is None:
            raise NotFound("deeds.not_found")
        doc.h2(f"{TITLES.get(deeds.level, deeds.level)}：{ctx.name(deeds.level, deeds.subject)}")
        for paragraph in deeds.versions[-1].split("\n"):
            if paragraph.strip():
                doc.p(paragraph.strip())
        if deeds.attachments:
            doc.p("附件：" + "、".join(deeds.attachments))
        doc.p(f"（第 {len(deeds.versions)} 版）")


def _branch_commendation(ctx: Context, doc: Document) -> None:
    """The branch's own commendations of its groups and members, and whom it recommended to
    the committee (names from the bundle's names, as everywhere in the documents)."""
    own = ctx.b.get(BranchCommendation, BranchCommendation.id_for(ctx.branch, ctx.year))
    doc.h2("党支部表彰")
    if own is None or not own.commended:
        doc.p("本年度党支部未作表彰。")
        return
    doc.table(
        ["日期", "称号", "名称", "表彰形式", "表彰内容"],
        [
            [
                fmt(c["on"]),
                TITLES.get(c["level"], c["level"]),
                ctx.name(c["level"], c["subject"]),
                "、".join(FORMS.get(f, f) for f in c["forms"]),
                c["text"],
            ]
            for c in own.commended
        ],
    )
    if own.recommended:
        doc.h2("向党委推荐表彰")
        doc.table(
            ["日期", "名称", "推荐理由"],
            [
                [fmt(r["on"]), ctx.name(r["level"], r["subject"]), r["reason"]]
                for r in own.recommended
            ],
        )


def build_documents(ctx: Context, deed_ids: list[Any], branch_name: str) -> list[Document]:
    """Every document of the archive, in the order of :data:`DOCUMENTS`."""
    builders: dict[str, Callable[[Context, Document], None]] = {
        "01-plan": _plan,
        "02-midyear": _midyear,
        "03-year-end": _year_end,
        "04-scores": _scores,
        "05-nominations": _nominations,
        "06-deeds": functools.partial(_deeds, deed_ids=deed_ids),
    }
    docs = []
    for key, title in DOCUMENTS:
        doc = Document(key, f"{branch_name} {ctx.year} 年创先争优活动 · {title}")
        builders[key](ctx, doc)
        docs.append(doc)
    return docs


STYLE = (
    "body{font-family:'WenQuanYi Zen Hei','Noto Sans CJK SC',sans-serif;max-width:60em;"
    "margin:2em auto;line-height:1.6}table{border-collapse:collapse;width:100%}"
    "td,th{border:1px solid #999;padding:.2em .4em;vertical-align:top}"
)


def render_html(doc: Document) -> bytes:
    e = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{e(doc.title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{e(doc.title)}</h1>",
    ]
    for block in doc.blocks:
        if block[0] == "h2":
            out.append(f"<h2>{e(block[1])}</h2>")
        elif block[0] == "p":
            out.append(f"<p>{e(block[1])}</p>")
        else:
            _, header, rows, *_ = block
            out.append("<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in header) + "</tr>")
            out += ["<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in rows]
            out.append("</table>")
    out.append("</body></html>\n")
    return "\n".join(out).encode("utf-8")
