"""The demo's campaign year: plans, measures, records, assessments, reviews, ballots,
nominations and commendations, for every branch, at the moments a real branch would record them.

Branch ``strength`` (0..1, from the manifest) drives quality and punctuality: strong branches
assess a few days after each month ends; weak ones late, sometimes not at all (overdue work the
committee can see). The weakest branch has its plan returned once; one nominee is returned.
"""

from __future__ import annotations

import calendar
import functools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from cxzy_saas.application.catalogue import default_plan_content
from cxzy_saas.application.manifests import BranchSpec
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.demo import texts
from cxzy_saas.domain.recording import Actor
from cxzy_saas.domain.scoring import GRADES


def member_numbers(spec: BranchSpec) -> list[str]:
    return [f"{spec.code.upper()}{i + 1:03d}" for i in range(spec.members)]


def clip(x: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, x))


@dataclass
class BranchYear:
    """One branch's campaign year, scheduled onto the shared timeline."""

    tenancy: Tenancy
    committee: str
    spec: BranchSpec
    year: int
    rng: random.Random
    add: Callable[[date, int, str, Callable[[], object]], None]
    plan_returned: bool = False
    quality: dict[str, float] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return self.spec.code

    @property
    def clerk(self) -> Actor:
        return Actor(user=f"{self.code}-clerk", role="branch-clerk", tenant=self.code)

    @property
    def admin(self) -> Actor:
        return Actor(user="admin", role="committee-admin", tenant=self.committee)

    def app(self) -> Any:
        return self.tenancy.branch(self.code)

    def cte(self) -> Any:
        return self.tenancy.committee(self.committee)

    def day(self, month: int, lo: int, hi: int) -> date:
        last = calendar.monthrange(self.year, month)[1]
        return date(self.year, month, self.rng.randint(min(lo, last), min(hi, last)))

    def schedule(self) -> None:
        s = self.spec.strength
        for number in member_numbers(self.spec):
            self.quality[number] = clip(0.55 * s + 0.45 * self.rng.random(), 0.05, 1.0)
        self.plan()
        self.measures()
        self.records()
        self.assessments()
        self.inspections()
        self.midyear()
        self.year_end()

    # plan

    def plan(self) -> None:
        y, a = self.year, self.clerk
        content = default_plan_content()
        drafted = self.day(1, 6, 8)
        self.add(
            drafted, 9, "起草活动方案", lambda: self.app().draft_plan(a, y, "组织委员", content)
        )
        self.add(
            drafted + timedelta(days=1),
            15,
            "支委会讨论方案",
            lambda: self.app().discuss_plan(
                a, y, drafted + timedelta(days=1), "支委会逐条讨论草稿,修改后形成初稿"
            ),
        )
        circulated = drafted + timedelta(days=2)
        self.add(
            circulated,
            10,
            "方案征求意见",
            lambda: self.app().circulate_plan(a, y, "各党小组和全体党员", circulated),
        )
        for i in range(self.rng.randint(1, 3)):
            comment = self.rng.choice(texts.COMMENTS)
            group = self.spec.groups[i % len(self.spec.groups)]
            self.add(
                circulated + timedelta(days=1 + i),
                11,
                "记录意见",
                functools.partial(
                    self._comment, group, comment, circulated + timedelta(days=1 + i)
                ),
            )
        final = circulated + timedelta(days=5)
        self.add(final, 10, "方案定稿", lambda: self.app().finalise_plan(a, y, final))
        self.add(final, 11, "方案报党委", lambda: self.app().submit_plan(a, y, final))
        decided = final + timedelta(days=3)
        if self.plan_returned:
            self.add(
                decided,
                15,
                "党委退回方案",
                lambda: self.cte().decide_plan(
                    self.admin,
                    self.code,
                    y,
                    "returned",
                    "评分细则过粗,请按评选条件细化并明确季度检查安排",
                ),
            )
            revised = decided + timedelta(days=4)
            content2 = default_plan_content()
            content2["assessment_method"] += "每季度末最后一周开展季度检查。"
            self.add(
                revised,
                10,
                "修改方案",
                lambda: self.app().revise_plan(a, y, content2, "按党委意见细化季度检查安排"),
            )
            self.add(revised, 11, "方案重新定稿", lambda: self.app().finalise_plan(a, y, revised))
            self.add(revised, 12, "方案重新报批", lambda: self.app().submit_plan(a, y, revised))
            decided = revised + timedelta(days=2)
        self.add(
            decided,
            16,
            "党委批准方案",
            lambda: self.cte().decide_plan(self.admin, self.code, y, "approved"),
        )

    def _comment(self, group: str, comment: str, on: date) -> None:
        self.app().comment_on_plan(self.clerk, self.year, group, comment, on)

    # measures

    def measures(self) -> None:
        s = self.spec.strength
        filed = self.day(2, 1, 10)
        for text in self.rng.sample(texts.BRANCH_MEASURES, 2):
            self.measure("branch", self.code, text, filed, "committee", s)
        for gi, _ in enumerate(self.spec.groups):
            self.measure(
                "group", f"g{gi + 1}", self.rng.choice(texts.GROUP_MEASURES), filed, "branch", s
            )
        for number in member_numbers(self.spec):
            q = self.quality[number]
            for text in self.rng.sample(texts.MEMBER_MEASURES, self.rng.randint(1, 3)):
                self.measure(
                    "member",
                    number,
                    text,
                    filed + timedelta(days=self.rng.randint(0, 5)),
                    "group",
                    q,
                )

    def measure(self, level: str, subject: str, text: str, on: date, to: str, q: float) -> None:
        y, a = self.year, self.clerk
        criteria = [self.rng.randint(1, {"branch": 5, "group": 7, "member": 6}[level])]
        due = date(y, self.rng.randint(6, 12), 28)
        holder: dict[str, Any] = {}

        def file() -> None:
            holder["id"] = self.app().file_measure(a, y, level, subject, criteria, text, due)
            self.app().report_measure(a, holder["id"], to, on)

        self.add(on, 10, "提交措施", file)
        if to == "committee":
            if self.rng.random() < 0.8:
                self.add(
                    on + timedelta(days=5),
                    15,
                    "党委回复措施",
                    lambda: self.cte().acknowledge(
                        self.admin, self.code, "measure", str(holder["id"]), "已收悉,请抓好落实"
                    ),
                )
        elif self.rng.random() < 0.7:
            self.add(
                on + timedelta(days=3),
                16,
                "确认措施",
                lambda: self.app().acknowledge_measure(
                    a, holder["id"], "同意", on + timedelta(days=3)
                ),
            )
        if self.rng.random() < 0.25 + 0.7 * q:
            done = min(due, date(y, 12, 20)) - timedelta(days=self.rng.randint(0, 40))
            self.add(
                done,
                17,
                "措施完成",
                lambda: self.app().complete_measure(a, holder["id"], done, "已完成"),
            )

    # daily records

    def records(self) -> None:
        numbers = member_numbers(self.spec)
        per_member = int(20 + 20 * self.spec.strength)
        for number in numbers:
            for _ in range(per_member):
                month = self.rng.randint(1, 12)
                on = self.day(month, 8 if month == 1 else 1, 28)
                text = self.rng.choice(texts.DAILY_RECORDS)
                evidence = (
                    f"photo-{self.rng.randint(1000, 9999)}.jpg" if self.rng.random() < 0.2 else ""
                )
                criterion = self.rng.randint(1, 6)
                retract = self.rng.random() < 0.01
                self.add(
                    on,
                    18,
                    "日常记载",
                    functools.partial(self._record, number, on, text, evidence, criterion, retract),
                )

    def _record(
        self, number: str, on: date, text: str, evidence: str, criterion: int, retract: bool
    ) -> None:
        app = self.app()
        if not app.member(number).active:
            return
        record = app.record_daily(
            self.clerk, self.year, on, "member", number, text, criterion, evidence
        )
        if retract:
            app.retract_record(self.clerk, record, "记载有误,撤回")

    # monthly assessment (and the committee's quarterly assessment of the branch)

    def assessments(self) -> None:
        s = self.spec.strength
        for month in range(1, 13):
            if s < 0.5 and month in (5, 9):
                continue  # never done: overdue work the committee sees
            delay = self.rng.randint(2, 6) if self.rng.random() < s else self.rng.randint(10, 25)
            end = date(self.year, month, calendar.monthrange(self.year, month)[1])
            on = min(end + timedelta(days=delay), date(self.year, 12, 31))
            if month == 12:
                on = date(self.year, 12, 29)
            self.add(on, 14, f"{month}月集中考核", functools.partial(self._assess, month))
        for quarter in range(1, 5):
            on = date(self.year, 3 * quarter, 1) + timedelta(days=self.rng.randint(24, 29))
            self.add(
                on,
                15,
                f"党委考核第{quarter}季度",
                functools.partial(self._assess_branch, quarter, on),
            )

    def points(self, q: float, item_max: float) -> float:
        value = clip(self.rng.gauss(0.35 + 0.6 * q, 0.08), 0.0, 1.0) * item_max
        return round(value * 2) / 2

    def _assess(self, month: int) -> None:
        app = self.app()
        content, _ = app.plan_content(self.year)
        end = date(self.year, month, calendar.monthrange(self.year, month)[1])
        for group in app.groups():
            members = {
                m.member_no: {
                    i.code: self.points(self.quality[m.member_no], i.max_points)
                    for i in content.items_for("member")
                }
                for m in app.group_members(group.code)
            }
            if members:
                leader = Actor(
                    user=f"{self.code}-{group.code}-leader", role="group-leader", tenant=self.code
                )
                app.assess_month(leader, self.year, month, "member", members, end)
        q = self.spec.strength
        groups = {
            g.code: {i.code: self.points(q, i.max_points) for i in content.items_for("group")}
            for g in app.groups()
        }
        app.assess_month(self.clerk, self.year, month, "group", groups, end)
        if members and self.rng.random() < 0.08:
            member = self.rng.choice(list(members))
            item = self.rng.choice([i.code for i in content.items_for("member")])
            old = app.assessment(self.year, month, "member", member).scores[item]
            new = old - 1 if old >= 1 else old + 1
            app.correct_score(
                self.clerk, self.year, month, "member", member, item, new, "复核发现录入错误"
            )

    def _assess_branch(self, quarter: int, on: date) -> None:
        cte = self.cte()
        content, _ = cte.plan_content(self.year)
        scores = {
            i.code: self.points(self.spec.strength, i.max_points)
            for i in content.items_for("branch")
        }
        cte.assess_branch(self.admin, self.code, self.year, quarter, scores, on)

    # quarterly inspections and discussions

    def inspections(self) -> None:
        for quarter in range(1, 5):
            if self.spec.strength < 0.5 and quarter == 2:
                continue  # a missed inspection: overdue
            month = 3 * quarter
            on = self.day(month, 20, 30)
            self.add(
                on,
                9,
                f"第{quarter}季度检查",
                functools.partial(self._inspect, quarter, on),
            )
            meeting = self.day(month, 10, 28)
            self.add(
                meeting,
                15,
                "支委会讨论",
                functools.partial(self._discuss, quarter, meeting),
            )

    def _inspect(self, quarter: int, on: date) -> None:
        self.app().record_inspection(
            self.clerk,
            self.year,
            quarter,
            on,
            "逐项检查措施落实情况,大部分已按计划推进",
            self.rng.choice(texts.GAPS),
            self.rng.choice(texts.WEAK_LINKS),
            self.rng.choice(texts.IMPROVEMENTS),
        )

    def _discuss(self, quarter: int, on: date) -> None:
        self.app().record_meeting(
            self.clerk,
            self.year,
            "committee-discussion",
            on,
            f"第{quarter}季度支委会",
            self.rng.randint(3, 5),
            "分析创先争优形势,查找问题,提出改进意见",
        )

    # half-year preliminary evaluation

    def midyear(self) -> None:
        y, a = self.year, self.clerk
        start = self.day(6, 10, 15)
        self.add(start, 9, "启动半年初评", lambda: self.app().start_review(a, y, "midyear", start))
        for number in member_numbers(self.spec):
            self.add(
                start + timedelta(days=self.rng.randint(1, 6)),
                10,
                "个人自我总结",
                functools.partial(self._summary, "midyear", number),
            )
        critique = start + timedelta(days=8)
        self.add(critique, 14, "讲评会", lambda: self._critique("midyear", critique))
        self.add(
            critique + timedelta(days=2),
            10,
            "半年总结与推荐",
            lambda: self._midyear_close(critique + timedelta(days=2)),
        )
        self.add(
            critique + timedelta(days=6),
            15,
            "党委阅知半年初评",
            lambda: self.cte().acknowledge(self.admin, self.code, "midyear-report", str(y), "已阅"),
        )

    def _summary(self, stage: str, number: str) -> None:
        app = self.app()
        if app.member(number).active:
            app.file_summary(
                Actor(number, "member", self.code, member=number),
                self.year,
                stage,
                number,
                "对照优秀党员条件,肯定成绩,查找差距,明确努力方向。",
            )

    def _critique(self, stage: str, on: date) -> None:
        app = self.app()
        members = app.members()
        for member in self.rng.sample(members, k=min(len(members), 4)):
            app.record_critique(
                self.clerk, self.year, stage, member.member_no, [self.rng.choice(texts.CRITIQUES)]
            )
        app.record_meeting(
            self.clerk, self.year, "critique", on, "讲评会", len(members), "开展批评和自我批评"
        )

    def _midyear_close(self, on: date) -> None:
        app = self.app()
        for group in app.groups():
            app.file_group_summary(
                self.clerk, self.year, "midyear", group.code, "对照先进党小组条件,总结上半年工作。"
            )
        app.file_branch_summary(
            self.clerk,
            self.year,
            "midyear",
            "上半年创先争优活动总体平稳,措施基本落实,存在学习深度不够等问题。",
        )
        best = sorted(app.members(), key=lambda m: -self.quality[m.member_no])[:2]
        app.recommend(
            self.clerk,
            self.year,
            [app.groups()[0].code],
            [m.member_no for m in best],
            "上半年表现突出",
        )
        app.report_review(self.clerk, self.year, "midyear", on)

    # year-end evaluation, nomination and commendation

    def year_end(self) -> None:
        y, a = self.year, self.clerk
        start = self.day(11, 20, 25)
        self.add(start, 9, "启动年终总评", lambda: self.app().start_review(a, y, "year-end", start))
        self.add(
            start,
            10,
            "评选准备会",
            lambda: self.app().record_meeting(
                a, y, "preparation", start, "年终评选准备会", 5, "布置年终总评"
            ),
        )
        for number in member_numbers(self.spec):
            self.add(
                start + timedelta(days=self.rng.randint(1, 5)),
                11,
                "个人年终总结",
                functools.partial(self._summary, "year-end", number),
            )
        self.add(
            date(y, 12, 1), 14, "年终讲评会", lambda: self._critique("year-end", date(y, 12, 1))
        )
        self.add(date(y, 12, 2), 9, "民主测评", self._ballot)
        self.add(date(y, 12, 10), 10, "推荐名单报党委", self._nominate)

    def _ballot(self) -> None:
        app, on = self.app(), date(self.year, 12, 2)
        members = app.members()
        subjects = [("member", m.member_no) for m in members] + [
            ("group", g.code) for g in app.groups()
        ]
        constituents = self.rng.randint(5, 10)
        ballot, codes = app.open_ballot(
            self.clerk,
            self.year,
            "年终民主测评",
            subjects,
            {"members": len(members), "constituents": constituents},
            on,
            self.rng,
        )
        for pool, pool_codes in codes.items():
            turnout = (
                self.rng.uniform(0.8, 1.0) if pool == "members" else self.rng.uniform(0.5, 0.95)
            )
            for code in pool_codes[: round(len(pool_codes) * turnout)]:
                grades = {
                    f"{lvl}:{subj}": self.grade(self.quality.get(subj, self.spec.strength))
                    for lvl, subj in subjects
                }
                app.cast_ballot(ballot, code, grades)
        app.close_ballot(self.clerk, ballot, date(self.year, 12, 8))

    def grade(self, q: float) -> str:
        x = self.rng.gauss(q, 0.2)
        return GRADES[0 if x > 0.7 else 1 if x > 0.4 else 2 if x > 0.2 else 3]

    def _nominate(self) -> None:
        app = self.app()
        ranking = app.ranking(self.year)
        quota = max(1, len(ranking["member"]) // 3)
        members = [r for r in ranking["member"] if r.veto is None][: min(quota, 2)]
        groups = [r for r in ranking["group"] if r.veto is None][:1]
        if members and len(ranking["member"]) > 3 and self.rng.random() < 0.3:
            outsider = ranking["member"][3]
            if outsider.veto is None and outsider not in members:
                members[-1] = outsider  # the branch departs from the ranking, and says why
        entries = [self.entry(r, len(members)) for r in members]
        entries += [self.entry(r, len(groups)) for r in groups]
        app.shortlist(self.clerk, self.year, entries)
        app.submit_nomination(self.clerk, self.year, date(self.year, 12, 10))

    @staticmethod
    def entry(row: Any, chosen: int) -> dict[str, Any]:
        entry = {"level": row.level, "subject": row.subject}
        if row.rank > chosen:
            entry["reason"] = "排名靠前者未通过民主测评或长期坚守基层一线,经支委会研究推荐"
        return entry


def schedule_committee_year(
    tenancy: Tenancy,
    committee: str,
    specs: list[BranchSpec],
    year: int,
    rng: random.Random,
    add: Callable[[date, int, str, Callable[[], object]], None],
) -> None:
    """The committee's own part: open the campaign and its plan; decide nominees; commend."""
    admin = Actor(user="admin", role="committee-admin", tenant=committee)

    def open_campaign() -> None:
        cte = tenancy.committee(committee)
        cte.open_campaign(admin, year, f"{year}年度创先争优活动")
        cte.draft_plan(admin, year, "党委组织部", default_plan_content())
        cte.discuss_plan(admin, year, date(year, 1, 2), "党委会审议活动方案")
        cte.finalise_plan(admin, year, date(year, 1, 2))

    add(date(year, 1, 2), 11, "党委启动创先争优活动", open_campaign)
    returned_one = {"done": False}

    def decide_nominees() -> None:
        cte = tenancy.committee(committee)
        for spec in specs:
            nomination = tenancy.branch(spec.code).nomination(year)
            for entry in nomination.entries:
                if not returned_one["done"] and entry["level"] == "member" and rng.random() < 0.5:
                    returned_one["done"] = True
                    cte.decide_nominee(
                        admin,
                        spec.code,
                        year,
                        "member",
                        entry["subject"],
                        "returned",
                        "事迹材料不够具体,请补充后再报",
                    )
                    continue
                reason = "支部说明理由充分" if entry["departs"] else ""
                cte.decide_nominee(
                    admin, spec.code, year, entry["level"], entry["subject"], "approved", reason
                )

    def commend() -> None:
        cte = tenancy.committee(committee)
        entries: list[dict[str, str]] = []
        strongest = sorted(specs, key=lambda s: -s.strength)[:2]
        entries += [{"branch": s.code, "level": "branch", "subject": s.code} for s in strongest]
        for spec in specs:
            nomination = tenancy.branch(spec.code).nomination(year)
            for entry in nomination.entries:
                decision = cte.decision(
                    spec.code,
                    "nominee",
                    f"{year}:{entry['level']}:{entry['subject']}",
                    nomination.submissions,
                )
                if decision and decision.outcome == "approved":
                    entries.append(
                        {"branch": spec.code, "level": entry["level"], "subject": entry["subject"]}
                    )
        cte.commend(
            admin,
            year,
            entries,
            date(year, 12, 20),
            f"关于命名表彰{year}年度先进党支部、先进党小组和优秀党员的决定",
        )

    add(date(year, 12, 15), 15, "党委审批推荐名单", decide_nominees)
    add(date(year, 12, 20), 10, "党委命名表彰", commend)
    for spec in specs:
        add(
            date(year, 12, 23),
            10,
            "事迹材料、谈话、传达和年度总结",
            functools.partial(after_commendation, tenancy, committee, spec, year),
        )


def after_commendation(tenancy: Tenancy, committee: str, spec: BranchSpec, year: int) -> None:
    app = tenancy.branch(spec.code)
    clerk = Actor(user=f"{spec.code}-clerk", role="branch-clerk", tenant=spec.code)
    commendation = tenancy.committee(committee).commendation(year)
    mine = [e for e in (commendation.named if commendation else []) if e["branch"] == spec.code]
    for entry in mine:
        app.write_deeds(
            clerk,
            year,
            entry["level"],
            entry["subject"],
            f"{entry['name']}{entry['title']}事迹材料(初稿)",
        )
        app.write_deeds(
            clerk,
            year,
            entry["level"],
            entry["subject"],
            f"{entry['name']}{entry['title']}事迹材料:立足岗位,带头实干,群众公认。",
            ["photo-deeds.jpg"],
        )
        if entry["level"] != "branch":
            app.record_meeting(
                clerk,
                year,
                "talk",
                date(year, 12, 23),
                f"与{entry['name']}谈话",
                2,
                "肯定成绩,提出更高要求",
            )
    app.record_meeting(
        clerk,
        year,
        "conveyance",
        date(year, 12, 26),
        "传达党委命名表彰决定",
        max(1, len(app.members())),
        "组织党员学习先进事迹",
    )
    app.file_annual_summary(
        clerk,
        year,
        "全年开展创先争优活动的基本情况",
        "坚持平时考核与集中考核相结合",
        "学习深度和创新不足",
        "明年继续完善考核办法",
    )
    app.report_annual_summary(clerk, year, "members-meeting", date(year, 12, 27))
    app.report_annual_summary(clerk, year, "committee", date(year, 12, 28))
    tenancy.committee(committee).acknowledge(
        Actor("admin", "committee-admin", committee), spec.code, "annual-summary", str(year)
    )
