"""The branch's application: organisation and the campaign year's commands."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, TypeVar
from uuid import UUID

from cxzy_saas.application.base import TenantApplication
from cxzy_saas.application.branch_commendation import BranchCommending
from cxzy_saas.application.branch_plans import BranchPlans
from cxzy_saas.application.commands.plans import SubmitPlan
from cxzy_saas.application.correspondence import BranchCorrespondence
from cxzy_saas.application.evidence import EvidenceCommands
from cxzy_saas.application.permissions import BRANCH_WRITERS
from cxzy_saas.application.renomination import RenominationCommands
from cxzy_saas.domain.archive import ArchiveSeal
from cxzy_saas.domain.errors import StateConflict
from cxzy_saas.domain.evaluation import Nomination
from cxzy_saas.domain.plan import SUBMITTED, Campaign, Plan, PlanContent
from cxzy_saas.domain.recording import Actor

if TYPE_CHECKING:
    from cxzy_saas.application.committee import CommitteeApplication

T = TypeVar("T")


class BranchApplication(
    EvidenceCommands, RenominationCommands, BranchCommending, BranchCorrespondence, BranchPlans
):
    name = TenantApplication.name
    plan_writers = BRANCH_WRITERS
    # Set by the tenancy: this branch's committee (for the campaign and its decisions).
    parent: Callable[[], CommitteeApplication]

    def campaign_of(self, year: int) -> Campaign:
        return self.committee_read(("campaign", year), lambda: self.parent().campaign(year))

    def final_log(self) -> TenantApplication:
        return self.parent()

    def heads_asked_with(self) -> list[str]:
        return [self.tenant, self.parent().tenant]  # its commands check the committee's too

    def committee_read(self, key: Hashable, read: Callable[[], T]) -> T:
        """What this branch reads of its committee's log (the campaign, the seals, the
        decisions on its plan), kept by the committee while its head stays where it was
        (``TenantApplication.kept``)."""
        return self.parent().kept(key, read)

    def seal_of(self, branch: str, year: int) -> ArchiveSeal | None:
        return self.committee_read(
            ("seal", branch, year), lambda: self.parent().archive_seal(branch, year)
        )

    def submit_plan(self, actor: Actor, command: SubmitPlan) -> int:
        with self.acting(actor, BRANCH_WRITERS):
            self.check_writable(command.year)
            plan = self.plan(command.year)
            number = plan.submit(command.on)
            self.save(plan)
            return number

    def plan_decision(self, year: int) -> str | None:
        """ "approved", "returned" or None (waiting, or not submitted) for the latest submission."""
        plan = self.plan(year)
        if plan.submissions == 0:
            return None
        decision = self.parent().decision(self.tenant, "plan", str(year), plan.submissions)
        return decision.outcome if decision else None

    def commendable(self, year: int) -> dict[tuple[str, str], str]:
        """The groups and members of ``year`` the committee may name (level, subject): the
        nominees it approved (""), and those this branch commended and recommended upward,
        提请上级党委表彰 (the branch's reason)."""
        found: dict[tuple[str, str], str] = {}
        if self.exists(Nomination.id_for(self.tenant, year)):
            decided = self.nominee_decisions(self.nomination(year))
            found |= {
                k: "" for k, d in decided.items() if d is not None and d.outcome == "approved"
            }
        own = self.branch_commendation(year)
        for entry in own.recommended if own else []:
            found[(entry["level"], entry["subject"])] = entry["reason"]
        return found

    def committee_plan(self, year: int) -> tuple[PlanContent, int]:
        return self.parent().plan_content(year)

    def approved_submissions(self, plan: Plan) -> list[int]:
        committee = self.parent()
        return self.committee_read(
            ("approved", plan.year, plan.submissions),
            lambda: [
                n
                for n in range(1, plan.submissions + 1)
                if (decision := committee.decision(self.tenant, "plan", str(plan.year), n))
                is not None
                and decision.outcome == "approved"
            ],
        )

    def return_to_answer(self, plan: Plan) -> UUID | None:
        if plan.status != SUBMITTED:
            return None
        decision = self.parent().decision(self.tenant, "plan", str(plan.year), plan.submissions)
        if decision is None:
            raise StateConflict("plan.waiting_for_decision")
        if decision.outcome != "returned":
            raise StateConflict("plan.approved")
        return decision.id
