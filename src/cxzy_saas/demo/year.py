"""The demo's campaign year: plans, measures, records, assessments, reviews, ballots,
nominations and commendations, for every branch, at the moments a real branch would record them.

Branch ``strength`` (0..1, from the manifest) drives quality and punctuality: strong branches
assess a few days after each month ends; weak ones late, sometimes not at all (overdue work the
committee can see). The weakest branch has its plan returned once; one nominee is returned.

The plan is here; the everyday work is in ``work``, the reviews, ballot and nomination in
``evaluation``, the committee's own part in ``committee``.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta

from cxzy_saas.application.catalogue import default_plan_content
from cxzy_saas.application.commands.plans import (
    CirculatePlan,
    CommentOnPlan,
    DecidePlan,
    DiscussPlan,
    DraftPlan,
    FinalisePlan,
    RevisePlan,
    SubmitPlan,
)
from cxzy_saas.demo import texts
from cxzy_saas.demo.branch import clip
from cxzy_saas.demo.evaluation import EvaluationYear
from cxzy_saas.demo.work import WorkYear


class BranchYear(WorkYear, EvaluationYear):
    """One branch's campaign year, scheduled onto the shared timeline."""

    def schedule(self) -> None:
        s = self.spec.strength
        for number in self.numbers:
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
        draft = DraftPlan(year=y, drafter="组织委员", content=content)
        self.add(drafted, 9, "起草活动方案", lambda: self.app().draft_plan(a, draft))
        discussion = DiscussPlan(
            year=y, on=drafted + timedelta(days=1), minutes="支委会逐条讨论草稿，修改后形成初稿"
        )
        self.add(
            drafted + timedelta(days=1),
            15,
            "支委会讨论方案",
            lambda: self.app().discuss_plan(a, discussion),
        )
        circulated = drafted + timedelta(days=2)
        circulation = CirculatePlan(year=y, to="各党小组和全体党员", on=circulated)
        self.add(circulated, 10, "方案征求意见", lambda: self.app().circulate_plan(a, circulation))
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
        self.add(
            final,
            10,
            "方案定稿",
            lambda: self.app().finalise_plan(a, FinalisePlan(year=y, on=final)),
        )
        self.add(
            final, 11, "方案报党委", lambda: self.app().submit_plan(a, SubmitPlan(year=y, on=final))
        )
        decided = final + timedelta(days=3)
        if self.plan_returned:
            self.add(
                decided,
                15,
                "党委退回方案",
                lambda: self.cte().decide_plan(
                    self.admin,
                    DecidePlan(
                        branch=self.code,
                        year=y,
                        outcome="returned",
                        reason="评分细则过粗，请按评选条件细化并明确季度检查安排",
                    ),
                ),
            )
            revised = decided + timedelta(days=4)
            content2 = default_plan_content()
            content2["assessment_method"] += "每季度末最后一周开展季度检查。"
            self.add(
                revised,
                10,
                "修改方案",
                lambda: self.app().revise_plan(
                    a, RevisePlan(year=y, content=content2, note="按党委意见细化季度检查安排")
                ),
            )
            self.add(
                revised,
                11,
                "方案重新定稿",
                lambda: self.app().finalise_plan(a, FinalisePlan(year=y, on=revised)),
            )
            self.add(
                revised,
                12,
                "方案重新报批",
                lambda: self.app().submit_plan(a, SubmitPlan(year=y, on=revised)),
            )
            decided = revised + timedelta(days=2)
        self.add(
            decided,
            16,
            "党委批准方案",
            lambda: self.cte().decide_plan(
                self.admin, DecidePlan(branch=self.code, year=y, outcome="approved")
            ),
        )

    def _comment(self, group: str, comment: str, on: date) -> None:
        self.app().comment_on_plan(
            self.clerk, CommentOnPlan(year=self.year, by=group, text=comment, on=on)
        )
