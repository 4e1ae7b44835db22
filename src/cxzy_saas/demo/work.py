"""The demo branch's everyday work: measures, daily records, monthly assessments (and the
committee's quarterly assessment of the branch), quarterly inspections and discussions."""

from __future__ import annotations

import calendar
import functools
from datetime import date, timedelta
from typing import Any

from cxzy_saas.application.commands.committee import (
    Acknowledge,
    AssessBranch,
    Grant,
)
from cxzy_saas.application.commands.work import (
    AcknowledgeMeasure,
    AssessMonth,
    CompleteMeasure,
    CorrectScore,
    FileMeasure,
    RecordDaily,
    RecordInspection,
    RecordMeeting,
    ReportMeasure,
    RetractRecord,
)
from cxzy_saas.demo import texts
from cxzy_saas.demo.branch import BranchBase, clip
from cxzy_saas.domain.recording import Actor


class WorkYear(BranchBase):
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
        for number in self.numbers:
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
        # drawn as before, so that every seed's demo stays as it was; the criterion is the
        # one the measure's words answer
        self.rng.randint(1, {"branch": 5, "group": 7, "member": 6}[level])
        criteria = [texts.MEASURE_CRITERIA[text]]
        due = date(y, self.rng.randint(6, 12), 28)
        holder: dict[str, Any] = {}

        def file() -> None:
            holder["id"] = self.app().file_measure(
                a,
                FileMeasure(
                    year=y, level=level, subject=subject, criteria=criteria, text=text, due=due
                ),
            )
            self.app().report_measure(a, ReportMeasure(measure_id=holder["id"], to=to, on=on))

        self.add(on, 10, "提交措施", file)
        if to == "committee":
            if self.rng.random() < 0.8:
                self.add(
                    on + timedelta(days=5),
                    15,
                    "党委回复措施",
                    lambda: self.cte().acknowledge(
                        self.admin,
                        Acknowledge(
                            branch=self.code,
                            year=y,
                            kind="measure",
                            subject=str(holder["id"]),
                            note="已收悉，请抓好落实",
                        ),
                    ),
                )
        elif self.rng.random() < 0.7:
            self.add(
                on + timedelta(days=3),
                16,
                "确认措施",
                lambda: self.app().acknowledge_measure(
                    a,
                    AcknowledgeMeasure(
                        measure_id=holder["id"], note="同意", on=on + timedelta(days=3)
                    ),
                ),
            )
        if self.rng.random() < 0.25 + 0.7 * q:
            done = min(due, date(y, 12, 20)) - timedelta(days=self.rng.randint(0, 40))
            self.add(
                done,
                17,
                "措施完成",
                lambda: self.app().complete_measure(
                    a, CompleteMeasure(measure_id=holder["id"], on=done, note="已完成")
                ),
            )

    # daily records

    def records(self) -> None:
        numbers = self.numbers
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
            self.clerk,
            RecordDaily(
                year=self.year,
                on=on,
                level="member",
                subject=number,
                text=text,
                criterion=criterion,
                evidence=evidence,
            ),
        )
        if retract:
            app.retract_record(self.clerk, RetractRecord(record_id=record, reason="记载有误，撤回"))

    # monthly assessment (and the committee's quarterly assessment of the branch)

    def assessments(self) -> None:
        s = self.spec.strength
        self.add(date(self.year, 1, 6), 9, "党小组长授权（第一党小组）", self._grant_leader)
        for month in range(1, 13):
            if s < 0.5 and month in (5, 9):
                continue  # never done: overdue work the committee sees
            delay = self.rng.randint(2, 6) if self.rng.random() < s else self.rng.randint(10, 25)
            end = date(self.year, month, calendar.monthrange(self.year, month)[1])
            on = min(end + timedelta(days=delay), date(self.year, 12, 31))
            if month == 12:
                on = date(self.year, 12, 29)
            self.add(on, 14, f"{month}月集中考核", functools.partial(self._assess, month, on))
        for quarter in range(1, 5):
            on = date(self.year, 3 * quarter, 1) + timedelta(days=self.rng.randint(24, 29))
            self.add(
                on,
                15,
                f"党委考核第{quarter}季度",
                functools.partial(self._assess_branch, quarter, on),
            )

    def _grant_leader(self) -> None:
        """The demo's ``<code>-leader`` leads the branch's first group (its grant names it)."""
        system = Actor(user="system", role="system", tenant=self.committee)
        first = self.app().groups()[0].code
        username = f"{self.code}-leader"
        held = self.cte().account(username).grants
        if any(g["role"] == "group-leader" and g["tenant"] == self.code for g in held):
            return  # granted in an earlier year of the demo
        grant = Grant(username=username, role="group-leader", tenant=self.code, group=first)
        self.cte().grant(system, grant)

    def points(self, q: float, item_max: float) -> float:
        value = clip(self.rng.gauss(0.35 + 0.6 * q, 0.08), 0.0, 1.0) * item_max
        return round(value * 2) / 2

    def _assess(self, month: int, day: date) -> None:
        """The month's sheets, dated its last day, or the day they are entered when that
        comes first (December's, before the year's last days)."""
        app = self.app()
        content, _ = app.plan_content(self.year)
        end = min(date(self.year, month, calendar.monthrange(self.year, month)[1]), day)
        groups_now = app.groups()
        for group in groups_now:
            members = {
                m.member_no: {
                    i.code: self.points(self.quality[m.member_no], i.max_points)
                    for i in content.items_for("member")
                }
                for m in app.group_members(group.code)
            }
            if members:
                # the demo's <code>-leader account leads the first group (``_grant_leader``);
                # the clerk enters the other groups' sheets: every recorder is a real account
                leader = (
                    Actor(f"{self.code}-leader", "group-leader", self.code, group=group.code)
                    if group.code == groups_now[0].code
                    else self.clerk
                )
                app.assess_month(
                    leader,
                    AssessMonth(
                        year=self.year, month=month, level="member", scores=members, on=end
                    ),
                )
        q = self.spec.strength
        groups = {
            g.code: {i.code: self.points(q, i.max_points) for i in content.items_for("group")}
            for g in app.groups()
        }
        app.assess_month(
            self.clerk,
            AssessMonth(year=self.year, month=month, level="group", scores=groups, on=end),
        )
        if members and self.rng.random() < 0.08:
            member = self.rng.choice(list(members))
            item = self.rng.choice([i.code for i in content.items_for("member")])
            old = app.assessment(self.year, month, "member", member).scores[item]
            new = old - 1 if old >= 1 else old + 1
            app.correct_score(
                self.clerk,
                CorrectScore(
                    year=self.year,
                    month=month,
                    level="member",
                    subject=member,
                    item=item,
                    points=new,
                    reason="复核发现录入错误",
                ),
            )

    def _assess_branch(self, quarter: int, on: date) -> None:
        cte = self.cte()
        content, _ = cte.plan_content(self.year)
        scores = {
            i.code: self.points(self.spec.strength, i.max_points)
            for i in content.items_for("branch")
        }
        cte.assess_branch(
            self.admin,
            AssessBranch(branch=self.code, year=self.year, quarter=quarter, scores=scores, on=on),
        )

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
            if self.spec.strength < 0.5 and quarter == 3:
                continue  # the branch committee's own 组织生活 missed: overdue
            # Not drawn from the branch's random stream: the rest of the demo year stays as it was.
            life = date(self.year, month, 26)
            self.add(
                life, 16, "支部委员组织生活", functools.partial(self._committee_life, quarter, life)
            )

    def _inspect(self, quarter: int, on: date) -> None:
        self.app().record_inspection(
            self.clerk,
            RecordInspection(
                year=self.year,
                quarter=quarter,
                on=on,
                measures_checked="逐项检查措施落实情况，大部分已按计划推进",
                gaps=self.rng.choice(texts.GAPS),
                weak_links=self.rng.choice(texts.WEAK_LINKS),
                improvements=self.rng.choice(texts.IMPROVEMENTS),
            ),
        )

    def _discuss(self, quarter: int, on: date) -> None:
        self.app().record_meeting(
            self.clerk,
            RecordMeeting(
                year=self.year,
                kind="committee-discussion",
                on=on,
                title=f"第{quarter}季度支委会",
                attendees=self.rng.randint(3, 5),
                minutes="分析创先争优形势，查找问题，提出改进意见",
            ),
        )

    def _committee_life(self, quarter: int, on: date) -> None:
        """The branch committee's members hold their own 组织生活 every three months."""
        self.app().record_meeting(
            self.clerk,
            RecordMeeting(
                year=self.year,
                kind="committee-life",
                on=on,
                title=f"第{quarter}季度支部委员组织生活会",
                attendees=4,
                minutes="开展批评和自我批评，交心通气，查找不足",
            ),
        )
