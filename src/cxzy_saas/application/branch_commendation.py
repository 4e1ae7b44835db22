"""The branch's own commendation of its advanced groups and excellent members, its
recommendation upward, and the revision of its filed annual summary."""

from __future__ import annotations

from cxzy_saas.application.commands.correspondence import (
    CommendOwn,
    RecommendUpward,
    ReviseAnnualSummary,
)
from cxzy_saas.application.evaluation import EvaluationCommands
from cxzy_saas.application.permissions import BRANCH_WRITERS
from cxzy_saas.domain.commendation import BranchCommendation
from cxzy_saas.domain.recording import Actor


class BranchCommending(EvaluationCommands):
    def branch_commendation(self, year: int) -> BranchCommendation | None:
        cid = BranchCommendation.id_for(self.tenant, year)
        return (
            self.load(BranchCommendation, cid, "commendation.not_found")
            if self.exists(cid)
            else None
        )

    def commend_own(self, actor: Actor, command: CommendOwn) -> None:
        """Commend a group or member of the branch (通报表扬, 奖状证书, 奖品).

        Raises:
            NotFound: no campaign, group or member.
            StateConflict: the year is closed; commended already.
            InvalidInput: unknown forms, no text.
        """
        c = command
        with self.acting(actor, BRANCH_WRITERS):
            self.campaign_of(c.year).check_open()
            name = self.check_subject(c.level, c.subject)
            commendation = self.branch_commendation(c.year) or BranchCommendation(year=c.year)
            commendation.commend(c.level, c.subject, name, c.forms, c.text, c.on)
            self.save(commendation)

    def recommend_upward(self, actor: Actor, command: RecommendUpward) -> None:
        """Recommend one the branch commended to the committee (提请上级党委表彰).

        Raises:
            StateConflict: not commended by the branch, recommended already, the year closed.
        """
        c = command
        with self.acting(actor, BRANCH_WRITERS):
            self.campaign_of(c.year).check_open()
            name = self.subject_name(c.level, c.subject)
            commendation = self.branch_commendation(c.year) or BranchCommendation(year=c.year)
            commendation.recommend_upward(c.level, c.subject, name, c.reason, c.on)
            self.save(commendation)

    def revise_annual_summary(self, actor: Actor, command: ReviseAnnualSummary) -> None:
        """Correct the filed summary as a new revision (the history keeps every one).

        Raises:
            NotFound: no summary filed; InvalidInput: nothing changed, no reason.
        """
        c = command
        with self.acting(actor, BRANCH_WRITERS):
            summary = self.annual_summary(c.year)
            summary.revise(c.basic_facts, c.experience, c.problems, c.plans, c.reason)
            self.save(summary)
