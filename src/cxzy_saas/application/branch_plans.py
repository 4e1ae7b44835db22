"""A branch's plan beside its committee's: the committee's plan in force is the template a
branch plan starts from, within the limits the committee sets (``branch_keeps``: the parts a
branch plan keeps as the committee's); members and group leaders comment on a circulated plan
themselves (将初稿发至党小组或党员征求意见)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cxzy_saas.application.catalogue import default_plan_content
from cxzy_saas.application.commands.plans import CommentOnPlan
from cxzy_saas.application.plans import PlanCommands
from cxzy_saas.domain.base import require
from cxzy_saas.domain.errors import Forbidden
from cxzy_saas.domain.recording import Actor

if TYPE_CHECKING:
    from cxzy_saas.application.committee import CommitteeApplication
    from cxzy_saas.domain.organisation import Group, Member

COMMENTERS = frozenset({"member", "group-leader"})
# Parts of ``branch_keeps`` that are rules of the plan rather than its top-level sections.
RULE_PARTS = ("quota_fraction", "veto_incompetent_share", "veto_min_trust", "min_turnout")


class BranchPlans(PlanCommands):
    parent: Callable[[], CommitteeApplication]
    member: Callable[[str], Member]
    group: Callable[[str], Group]

    def plan_template(self, year: int) -> dict[str, Any]:
        """The committee's plan in force for ``year``, else the default catalogue."""
        committee = self.parent()
        if committee.has_plan(year):
            content, _ = committee.plan_content(year)
            return dict(content.data)
        return default_plan_content()

    def check_template_limits(self, year: int, content: dict[str, Any]) -> None:
        """The parts the committee's plan keeps (``rules.branch_keeps``) must be its own.

        Raises:
            InvalidInput: ``plan.kept_by_committee`` naming the first part that differs.
        """
        committee = self.parent()
        if not committee.has_plan(year):
            return
        template, _ = committee.plan_content(year)
        for part in template.rules.get("branch_keeps", []):
            mine = content.get("rules", {}).get(part) if part in RULE_PARTS else content.get(part)
            theirs = (
                template.data.get("rules", {}).get(part)
                if part in RULE_PARTS
                else template.data.get(part)
            )
            require(mine == theirs, "plan.kept_by_committee", field="content", part=part)

    def comment_as_member(self, actor: Actor, command: CommentOnPlan) -> None:
        """A member's own comment (named by their number), or a group leader's for their group
        (named by the group), on the circulated plan.

        Raises:
            Forbidden: another role, or a member account linked to no member.
            StateConflict: the plan is not circulated.
        """
        with self.acting(actor, COMMENTERS):
            if actor.role == "member":
                if not actor.member:
                    raise Forbidden("measure.members_own_only")
                by = f"党员 {self.member(actor.member).member_no}"
            else:
                if not actor.group:
                    raise Forbidden("leader.no_group")
                by = self.group(actor.group).name
            plan = self.plan(command.year)
            plan.record_comment(by, command.text, command.on)
            self.save(plan)
