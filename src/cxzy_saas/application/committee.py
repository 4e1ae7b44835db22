"""The committee's application and the deployment registry's."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from uuid import UUID

from cxzy_saas.application.accounts import AccountCommands
from cxzy_saas.application.archives import ArchiveCommands, open_ballots
from cxzy_saas.application.base import TenantApplication
from cxzy_saas.application.commands.committee import (
    Acknowledge,
    AssessBranch,
    CloseCampaign,
    Commend,
    OpenCampaign,
    SetLeaderboardVisibility,
)
from cxzy_saas.application.commands.correspondence import ReplyToLetter
from cxzy_saas.application.commands.evaluation import DecideNominee
from cxzy_saas.application.commands.plans import DecidePlan
from cxzy_saas.application.correspondence import CommitteeCorrespondence
from cxzy_saas.application.permissions import COMMITTEE_WRITERS, SYSTEM
from cxzy_saas.application.plans import PlanCommands
from cxzy_saas.domain.archive import ArchiveSeal
from cxzy_saas.domain.commendation import Commendation
from cxzy_saas.domain.committee import Committee, Registry, check_tenant_code
from cxzy_saas.domain.correspondence import Reply
from cxzy_saas.domain.decisions import Decision
from cxzy_saas.domain.errors import AlreadyExists, NotFound, StateConflict
from cxzy_saas.domain.evaluation import Nomination
from cxzy_saas.domain.plan import SUBMITTED, Campaign
from cxzy_saas.domain.recording import Actor
from cxzy_saas.domain.work import Assessment, quarter_period

if TYPE_CHECKING:
    from cxzy_saas.application.branch import BranchApplication


class RegistryApplication(TenantApplication):
    name = TenantApplication.name

    def committees(self) -> dict[str, str]:
        if not self.exists(Registry.ID):
            return {}
        return dict(self.load(Registry, Registry.ID, "registry.not_found").committees)

    def cells(self) -> dict[str, str]:
        """committee -> cell, for the committees placed outside the default cell."""
        return self.listing()[1]

    def listing(self) -> tuple[dict[str, str], dict[str, str]]:
        """(committee -> name, committee -> cell where placed), read at once."""
        if not self.exists(Registry.ID):
            return {}, {}
        registry = self.load(Registry, Registry.ID, "registry.not_found")
        return dict(registry.committees), dict(registry.cells)

    def register_committee(
        self, actor: Actor, code: str, name: str, cell: str | None = None
    ) -> None:
        """Register a committee, placed in ``cell`` (None: the default cell) in the same
        transaction."""
        with self.acting(actor, {SYSTEM}):
            registry = (
                self.load(Registry, Registry.ID, "registry.not_found")
                if self.exists(Registry.ID)
                else Registry()
            )
            registry.register_committee(code, name)
            if cell is not None:
                registry.place_committee(code, cell)
            self.save(registry)


class CommitteeApplication(AccountCommands, PlanCommands, ArchiveCommands, CommitteeCorrespondence):
    name = TenantApplication.name
    plan_writers = COMMITTEE_WRITERS
    # Set by the tenancy: the application of one of this committee's branches (for reads).
    branch_app: Callable[[str], BranchApplication]

    def open_committee(self, actor: Actor, name: str) -> UUID:
        with self.acting(actor, {SYSTEM}):
            if self.exists(Committee.id_for(self.tenant)):
                raise AlreadyExists("committee.open_already", committee=self.tenant)
            committee = Committee(code=check_tenant_code(self.tenant), name=name)
            self.save(committee)
            return committee.id

    def committee(self) -> Committee:
        return self.load(
            Committee, Committee.id_for(self.tenant), "committee.not_found", committee=self.tenant
        )

    def register_branch(self, actor: Actor, code: str, name: str, taken: set[str]) -> None:
        with self.acting(actor, COMMITTEE_WRITERS):
            committee = self.committee()
            committee.register_branch(code, name, taken)
            self.save(committee)

    # what a closed year freezes (application/final.py)

    def seal_of(self, branch: str, year: int) -> ArchiveSeal | None:
        return self.archive_seal(branch, year)

    def command_branch(self, command: Any) -> str | None:
        branch = getattr(command, "branch", None)
        return branch if isinstance(branch, str) else None

    def command_year(self, command: Any) -> int | None:
        if isinstance(command, ReplyToLetter):
            try:
                return self._branch(command.branch).letter(command.letter).year
            except NotFound:
                return None  # the command will say so itself
        return super().command_year(command)

    def aggregate_scope(self, aggregate: Any) -> tuple[int, str | None] | None:
        if isinstance(aggregate, Campaign | ArchiveSeal):
            return None  # closed, shown, sealed and amended by their own rules
        if isinstance(aggregate, Decision):
            return self._decision_year(aggregate), aggregate.branch
        if isinstance(aggregate, Assessment) and aggregate.level == "branch":
            return aggregate.year, aggregate.subject
        if isinstance(aggregate, Reply):
            # A reply belongs to the year of the letter it answers.
            return self._branch(aggregate.branch).letter(
                UUID(aggregate.letter)
            ).year, aggregate.branch
        year = getattr(aggregate, "year", None)
        return (year, None) if isinstance(year, int) else None

    def _decision_year(self, decision: Decision) -> int:
        if decision.kind == "measure":
            return self._branch(decision.branch).measure(UUID(decision.subject)).year
        return int(decision.subject.split(":", 1)[0])

    def _branch(self, code: str) -> BranchApplication:
        """The branch a command's ``branch`` names (a field: not the request's own resource)."""
        if code not in self.committee().branches:
            raise NotFound("branch.not_found", field="branch", branch=code)
        return self.branch_app(code)

    # the campaign

    def open_campaign(self, actor: Actor, command: OpenCampaign) -> UUID:
        year = command.year
        with self.acting(actor, COMMITTEE_WRITERS):
            if self.exists(Campaign.id_for(self.tenant, year)):
                raise AlreadyExists("campaign.open_already", field="year", year=year)
            years = [self.load(Campaign, i, "record.not_found").year for i in self.campaign_ids()]
            campaign = Campaign.open(year, command.title, max(years, default=None))
            self.save(campaign)
            return campaign.id

    def campaign_ids(self) -> list[UUID]:
        return self.ids_created_by(Campaign.Opened)  # type: ignore[attr-defined]

    def campaign(self, year: int) -> Campaign:
        return self.load(
            Campaign, Campaign.id_for(self.tenant, year), "campaign.not_found", year=year
        )

    def campaign_of(self, year: int) -> Campaign:
        return self.campaign(year)

    def close_campaign(self, actor: Actor, command: CloseCampaign) -> None:
        """Close the year.

        Raises:
            StateConflict: a branch's ballot of the year is still open: its sheets would stay
                in the sealed box, never counted, once the year may no longer change; or a
                branch's plan or nominees wait for the committee's decision, which a closed
                year could no longer take.
        """
        year = command.year
        with self.acting(actor, COMMITTEE_WRITERS), self.finalising(year):
            campaign = self.campaign(year)
            campaign.close(command.on)
            branches = self.committee().branches

            def named(found: list[str]) -> dict[str, Any]:
                names = "、".join(self.branch_app(c).branch().name for c in found)
                return {"year": year, "branches": names, "count": len(found)}

            if found := [c for c in branches if open_ballots(self.branch_app(c), year)]:
                raise StateConflict("campaign.ballots_open", **named(found))
            if found := [c for c in branches if self.waiting(c, year)]:
                raise StateConflict("campaign.decisions_waiting", **named(found))
            self.save(campaign)

    def waiting(self, branch: str, year: int) -> list[tuple[str, str]]:
        """What of the branch's ``year`` waits for the committee's decision: ("plan", "") for
        its submitted plan, ("nominee", "level:subject") for each undecided nominee of its
        latest submission."""
        app = self.branch_app(branch)
        found = []
        plan_sent = app.has_plan(year) and app.plan(year).status == SUBMITTED
        if plan_sent and app.plan_decision(year) is None:
            found.append(("plan", ""))
        if app.exists(Nomination.id_for(app.tenant, year)):
            nomination = app.nomination(year)
            if nomination.submitted_on is not None:
                found += [
                    ("nominee", f"{entry['level']}:{entry['subject']}")
                    for entry, decision in app.latest_decisions(nomination)
                    if decision is None
                ]
        return found

    def set_leaderboard_visibility(self, actor: Actor, command: SetLeaderboardVisibility) -> None:
        with self.acting(actor, COMMITTEE_WRITERS):
            campaign = self.campaign(command.year)
            campaign.open_leaderboard(command.open_to_branches)
            self.save(campaign)

    # decisions on what branches submit

    def decide_plan(self, actor: Actor, command: DecidePlan) -> UUID:
        """Approve or return a branch's submitted plan.

        Raises:
            StateConflict: the plan is not waiting for a decision, or was decided already.
        """
        c, branch = command, command.branch
        plan = self._branch(branch).plan(c.year)
        if plan.status != SUBMITTED:
            raise StateConflict("plan.not_submitted", branch=branch, status=plan.status)
        return self._decide(
            actor, branch, "plan", str(c.year), plan.submissions, c.outcome, c.reason
        )

    def decide_nominee(self, actor: Actor, command: DecideNominee) -> UUID:
        """Approve or return one nominee. Approving a nominee the branch put above the ranking,
        or returning one at the top of it, goes against the advice and needs a reason."""
        branch, year, level, subject = command.branch, command.year, command.level, command.subject
        outcome, reason = command.outcome, command.reason
        nomination = self._branch(branch).nomination(year)
        if nomination.submitted_on is None:
            raise StateConflict("nomination.not_submitted", branch=branch, year=year)
        entry = nomination.entry(level, subject)
        if entry is None:
            raise NotFound("nomination.not_listed", level=level, subject=subject, branch=branch)
        against = entry["departs"] if outcome == "approved" else not entry["departs"]
        return self._decide(
            actor,
            branch,
            "nominee",
            f"{year}:{level}:{subject}",
            nomination.submissions,
            outcome,
            reason,
            against_advice=against,
        )

    def acknowledge(self, actor: Actor, command: Acknowledge) -> UUID:
        """Acknowledge a branch measure reported to the committee, a half-year report or an
        annual summary reported to it."""
        c = command
        self._branch(c.branch).check_reported_to_committee(c.kind, c.subject)
        return self._decide(actor, c.branch, c.kind, c.subject, 1, "acknowledged", c.note)

    def _decide(
        self,
        actor: Actor,
        branch: str,
        kind: str,
        subject: str,
        submission: int,
        outcome: str,
        reason: str,
        against_advice: bool = False,
    ) -> UUID:
        with self.acting(actor, COMMITTEE_WRITERS):
            decision_id = Decision.id_for(self.tenant, branch, kind, subject, submission)
            if self.exists(decision_id):
                raise StateConflict("decision.made_already")
            decision = Decision.make(
                self.tenant, branch, kind, subject, submission, outcome, reason, against_advice
            )
            self.save(decision)
            return decision.id

    def decision(self, branch: str, kind: str, subject: str, submission: int) -> Decision | None:
        decision_id = Decision.id_for(self.tenant, branch, kind, subject, submission)
        return (
            self.load(Decision, decision_id, "decision.not_found")
            if self.exists(decision_id)
            else None
        )

    # the committee's own assessment of a branch, each quarter

    def assess_branch(self, actor: Actor, command: AssessBranch) -> UUID:
        branch, year = command.branch, command.year
        with self.acting(actor, COMMITTEE_WRITERS):
            self._branch(branch)
            self.check_writable(year, branch)
            period = quarter_period(year, command.quarter)
            if self.exists(Assessment.id_for(self.tenant, year, "branch", branch, period)):
                raise AlreadyExists(
                    "assessment.branch_assessed_already", branch=branch, period=period
                )
            content, version = self.plan_content(year)
            assessment = Assessment.assess(
                year, period, "branch", branch, command.scores, content, version, command.on
            )
            self.save(assessment)
            return assessment.id

    def branch_assessments(self, branch: str, year: int) -> list[Assessment]:
        ids = [
            Assessment.id_for(self.tenant, year, "branch", branch, quarter_period(year, q))
            for q in range(1, 5)
        ]
        return [self.load(Assessment, i, "record.not_found") for i in ids if self.exists(i)]

    # commendation

    def commendation(self, year: int) -> Commendation | None:
        cid = Commendation.id_for(self.tenant, year)
        return self.load(Commendation, cid, "commendation.not_found") if self.exists(cid) else None

    def commend(self, actor: Actor, command: Commend) -> None:
        """Name advanced branches, groups and excellent members. A group or member must be an
        approved nominee of its branch, or one its branch recommended upward; a branch named
        while a branch ranked above it is not (``passed_over``) needs a reason.

        Raises:
            StateConflict: a group or member without an approved nomination, or named already.
        """
        year = command.year
        with self.acting(actor, COMMITTEE_WRITERS):
            self.campaign(year)
            commendation = self.commendation(year) or Commendation(year=year)
            above = passed_over(command, commendation.named)
            named = []
            for entry in command.entries:
                branch = entry["branch"]
                names = self._branch(branch)
                if entry["level"] == "branch":
                    name = self.committee().branches[branch]
                    subject = branch
                else:
                    subject = entry["subject"]
                    # An approved nominee, in whichever submission it was approved (a
                    # re-nomination leaves earlier approvals standing), or one its branch
                    # recommended upward for the committee's commendation.
                    if (entry["level"], subject) not in names.commendable(year):
                        raise StateConflict(
                            "commendation.not_approved",
                            level=entry["level"],
                            subject=subject,
                            branch=branch,
                        )
                    name = names.subject_name(entry["level"], subject)
                chosen: dict[str, Any] = {
                    "branch": branch,
                    "level": entry["level"],
                    "subject": subject,
                    "name": name,
                    "reason": entry.get("reason", ""),  # the domain keeps it when not empty
                }
                if entry["level"] == "branch" and branch in above:
                    chosen["against_advice"] = True
                named.append(chosen)
            commendation.name(named, command.on, command.decision_text)
            self.save(commendation)


def passed_over(command: Commend, earlier: Sequence[Mapping[str, Any]]) -> set[str]:
    """The branches ``command`` names against the branch ranking of ``command.branch_ranks``:
    each ranked below a branch that neither this decision nor an earlier one names (one not on
    the board, or 未参评, is below every ranked branch). No board, no advice."""
    ranks = command.branch_ranks
    branches = [e["branch"] for e in command.entries if e["level"] == "branch"]
    chosen = set(branches) | {e["branch"] for e in earlier if e["level"] == "branch"}

    def below(rank: int | None, other: int | None) -> bool:
        return other is not None and (rank is None or other < rank)

    left = [ranks[code] for code in ranks if code not in chosen]
    return {b for b in branches if any(below(ranks.get(b), o) for o in left)}
