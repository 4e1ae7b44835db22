"""The demo branch's evaluation: the half-year review, the year-end review, the democratic
rating and the nomination."""

from __future__ import annotations

import functools
from datetime import date, timedelta
from typing import Any

from cxzy_saas.application.commands.committee import (
    Acknowledge,
)
from cxzy_saas.application.commands.evaluation import (
    CastBallot,
    CloseBallot,
    FileBranchSummary,
    FileGroupSummary,
    FileSummary,
    OpenBallot,
    Recommend,
    RecordCritique,
    ReportReview,
    Shortlist,
    StartReview,
    SubmitNomination,
)
from cxzy_saas.application.commands.work import (
    RecordMeeting,
)
from cxzy_saas.demo import texts
from cxzy_saas.demo.branch import BranchBase
from cxzy_saas.domain.recording import Actor
from cxzy_saas.domain.scoring import GRADES


class EvaluationYear(BranchBase):
    # half-year preliminary evaluation

    def midyear(self) -> None:
        y, a = self.year, self.clerk
        start = self.day(6, 10, 15)
        self.add(
            start,
            9,
            "启动半年初评",
            lambda: self.app().start_review(a, StartReview(year=y, stage="midyear", on=start)),
        )
        for number in self.numbers:
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
            lambda: self.cte().acknowledge(
                self.admin,
                Acknowledge(
                    branch=self.code, year=y, kind="midyear-report", subject=str(y), note="已阅"
                ),
            ),
        )

    def _summary(self, stage: str, number: str) -> None:
        app = self.app()
        if app.member(number).active:
            app.file_summary(
                Actor(number, "member", self.code, member=number),
                FileSummary(
                    year=self.year,
                    stage=stage,
                    member=number,
                    text="对照优秀党员条件，肯定成绩，查找差距，明确努力方向。",
                ),
            )

    def _critique(self, stage: str, on: date) -> None:
        app = self.app()
        members = app.members()
        for member in self.rng.sample(members, k=min(len(members), 4)):
            app.record_critique(
                self.clerk,
                RecordCritique(
                    year=self.year,
                    stage=stage,
                    member=member.member_no,
                    remarks=[self.rng.choice(texts.CRITIQUES)],
                ),
            )
        app.record_meeting(
            self.clerk,
            RecordMeeting(
                year=self.year,
                kind="critique",
                on=on,
                title="讲评会",
                attendees=len(members),
                minutes="开展批评和自我批评",
            ),
        )

    def _midyear_close(self, on: date) -> None:
        app = self.app()
        for group in app.groups():
            app.file_group_summary(
                self.clerk,
                FileGroupSummary(
                    year=self.year,
                    stage="midyear",
                    group=group.code,
                    text="对照先进党小组条件，总结上半年工作。",
                ),
            )
        app.file_branch_summary(
            self.clerk,
            FileBranchSummary(
                year=self.year,
                stage="midyear",
                text="上半年创先争优活动总体平稳，措施基本落实，存在学习深度不够等问题。",
            ),
        )
        best = sorted(app.members(), key=lambda m: -self.quality[m.member_no])[:2]
        app.recommend(
            self.clerk,
            Recommend(
                year=self.year,
                groups=[app.groups()[0].code],
                members=[m.member_no for m in best],
                reason="上半年表现突出",
            ),
        )
        app.report_review(self.clerk, ReportReview(year=self.year, stage="midyear", on=on))

    # year-end evaluation, nomination and commendation

    def year_end(self) -> None:
        y, a = self.year, self.clerk
        start = self.day(11, 20, 25)
        self.add(
            start,
            9,
            "启动年终总评",
            lambda: self.app().start_review(a, StartReview(year=y, stage="year-end", on=start)),
        )
        preparation = RecordMeeting(
            year=y,
            kind="preparation",
            on=start,
            title="年终评选准备会",
            attendees=5,
            minutes="布置年终总评",
        )
        self.add(start, 10, "评选准备会", lambda: self.app().record_meeting(a, preparation))
        for number in self.numbers:
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
            OpenBallot(
                year=self.year,
                title="年终民主测评",
                subjects=[{"level": level, "subject": subject} for level, subject in subjects],
                codes={"members": len(members), "constituents": constituents},
                on=on,
            ),
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
                app.cast_ballot(CastBallot(ballot_id=ballot, code=code, grades=grades))
        # cast and counted at the meeting, the day it opened: a date to come is refused
        app.close_ballot(self.clerk, CloseBallot(ballot_id=ballot, on=on), self.rng)

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
        # The half-year recommendation is the basis (decision 0018): one it did not name needs
        # the branch's reason.
        recommended = app.review(self.year, "midyear").recommended
        for entry in entries:
            if entry["subject"] not in recommended[entry["level"]] and "reason" not in entry:
                entry["reason"] = "半年初评后进步明显，全年表现突出，经支委会研究推荐"
        app.shortlist(self.clerk, Shortlist(year=self.year, entries=entries))
        app.submit_nomination(
            self.clerk, SubmitNomination(year=self.year, on=date(self.year, 12, 10))
        )

    @staticmethod
    def entry(row: Any, chosen: int) -> dict[str, Any]:
        entry = {"level": row.level, "subject": row.subject}
        if row.rank > chosen:
            entry["reason"] = "排名靠前者未通过民主测评或长期坚守基层一线，经支委会研究推荐"
        return entry
