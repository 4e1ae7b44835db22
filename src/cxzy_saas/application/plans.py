"""Plan commands, shared by the committee's own plan and each branch's plan."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from cxzy_saas.application.catalogue import default_plan_content
from cxzy_saas.application.commands.plans import (
    CirculatePlan,
    CommentOnPlan,
    DiscussPlan,
    DraftPlan,
    FinalisePlan,
    RevisePlan,
)
from cxzy_saas.application.final import FinalYears
from cxzy_saas.domain.errors import AlreadyExists
from cxzy_saas.domain.plan import Campaign, Plan, PlanContent
from cxzy_saas.domain.recording import Actor


class PlanCommands(FinalYears):
    plan_writers: frozenset[str] = frozenset()

    def plan(self, year: int) -> Plan:
        return self.load(Plan, Plan.id_for(self.tenant, year), "plan.not_found", year=year)

    def has_plan(self, year: int) -> bool:
        return self.exists(Plan.id_for(self.tenant, year))

    def draft_plan(self, actor: Actor, command: DraftPlan) -> UUID:
        """Draft the plan for the year, from :meth:`plan_template` unless the command has a
        ``content``."""
        year = command.year
        with self.acting(actor, self.plan_writers):
            self.check_campaign(year)
            if self.has_plan(year):
                raise AlreadyExists("plan.exists", year=year)
            content = command.content or self.plan_template(year)
            self.check_template_limits(year, content)
            plan = Plan.draft(year, content, command.drafter)
            self.save(plan)
            return plan.id

    def plan_template(self, year: int) -> dict[str, Any]:
        """What a plan drafted without content starts from: the default catalogue (a branch's
        starts from its committee's plan: ``BranchPlans``)."""
        return default_plan_content()

    def check_template_limits(self, year: int, content: dict[str, Any]) -> None:
        """Nothing limits the committee's own plan (a branch's: ``BranchPlans``)."""

    def discuss_plan(self, actor: Actor, command: DiscussPlan) -> None:
        with self.acting(actor, self.plan_writers):
            plan = self.plan(command.year)
            plan.record_discussion(command.on, command.minutes)
            self.save(plan)

    def revise_plan(self, actor: Actor, command: RevisePlan) -> None:
        with self.acting(actor, self.plan_writers):
            plan = self.plan(command.year)
            self.check_template_limits(command.year, command.content)
            plan.revise(command.content, command.note, answering=self.return_to_answer(plan))
            self.save(plan)

    def return_to_answer(self, plan: Plan) -> UUID | None:
        """The committee's return that a revision of a submitted plan answers (branches only)."""
        return None

    def circulate_plan(self, actor: Actor, command: CirculatePlan) -> None:
        with self.acting(actor, self.plan_writers):
            plan = self.plan(command.year)
            plan.circulate(command.to, command.on)
            self.save(plan)

    def comment_on_plan(self, actor: Actor, command: CommentOnPlan) -> None:
        with self.acting(actor, self.plan_writers):
            plan = self.plan(command.year)
            plan.record_comment(command.by, command.text, command.on)
            self.save(plan)

    def finalise_plan(self, actor: Actor, command: FinalisePlan) -> None:
        with self.acting(actor, self.plan_writers):
            plan = self.plan(command.year)
            plan.finalise(command.on)
            self.save(plan)

    def campaign_of(self, year: int) -> Campaign:
        """The committee's campaign for ``year``.

        Raises:
            NotFound: the committee has not opened one.
        """
        raise NotImplementedError

    def check_campaign(self, year: int) -> None:
        self.campaign_of(year)

    def approved_submissions(self, plan: Plan) -> list[int]:
        """Which submissions of ``plan`` the committee approved: none of the committee's own
        plan, which nobody approves (its latest version is in force)."""
        return []

    def plan_content(self, year: int) -> tuple[PlanContent, int]:
        """The version of the plan in force now (``domain.plan.version_in_force``), for scoring
        and validation, and its number: what an assessment recorded now is scored under.

        Raises:
            NotFound: no plan for ``year``.
        """
        # read only: the cached plan itself, not a deep copy of all its versions
        plan = self.peek(Plan, Plan.id_for(self.tenant, year), "plan.not_found", year=year)
        version = plan.in_force(self.approved_submissions(plan))
        return self.parsed_content(plan, version), version

    def parsed_content(self, plan: Plan, version: int) -> PlanContent:
        """``plan.content_of(version)``, parsed once per application: a version's content
        never changes once made (decision 0019; parsing it was a tenth of a command's time)."""
        parsed: dict[tuple[UUID, int], PlanContent] = self.__dict__.setdefault("_parsed", {})
        key = (plan.id, version)
        content = parsed.get(key)
        if content is None:
            content = parsed[key] = plan.content_of(version)
        return content

    def plan_versions(self, year: int) -> tuple[dict[int, PlanContent], int]:
        """Every version of the year's plan by number, and the number of the one in force.

        Raises:
            NotFound: no plan for ``year``.
        """
        plan = self.plan(year)
        versions = {n: plan.content_of(n) for n in range(1, plan.version_no + 1)}
        return versions, plan.in_force(self.approved_submissions(plan))
