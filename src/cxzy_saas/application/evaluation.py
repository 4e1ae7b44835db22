"""Evaluation commands of a branch: half-year and year-end reviews, democratic rating,
nomination, deed materials and the annual summary."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from cxzy_saas.application.ballots import BallotCommands
from cxzy_saas.application.commands.evaluation import (
    FileAnnualSummary,
    FileBranchSummary,
    FileGroupSummary,
    FileSummary,
    Recommend,
    RecordCritique,
    ReportAnnualSummary,
    ReportReview,
    Shortlist,
    StartReview,
    SubmitNomination,
    WriteDeeds,
)
from cxzy_saas.application.leaders import check_leads
from cxzy_saas.application.midyear import midyear_basis
from cxzy_saas.application.permissions import BRANCH_ASSESSORS, BRANCH_PEOPLE, BRANCH_WRITERS
from cxzy_saas.domain import ranking as scores
from cxzy_saas.domain.commendation import AnnualSummary, DeedMaterial
from cxzy_saas.domain.errors import AlreadyExists, Forbidden, InvalidInput, NotFound, StateConflict
from cxzy_saas.domain.evaluation import Nomination, Review
from cxzy_saas.domain.plan import PlanContent
from cxzy_saas.domain.recording import Actor


def without_name(row: scores.Row) -> dict[str, Any]:
    return {k: v for k, v in row.as_dict().items() if k != "name"}


class EvaluationCommands(BallotCommands):
    # reviews (半年初评, 年终总评)

    def review(self, year: int, stage: str) -> Review:
        return self.load(
            Review,
            Review.id_for(self.tenant, year, stage),
            "review.not_found",
            stage=stage,
            year=year,
        )

    def start_review(self, actor: Actor, command: StartReview) -> UUID:
        year, stage = command.year, command.stage
        with self.acting(actor, BRANCH_WRITERS):
            self.check_writable(year)
            review = Review.start(year, stage, command.on)
            if self.exists(review.id):
                raise AlreadyExists("review.started_already", stage=stage, year=year)
            self.save(review)
            return review.id

    def file_summary(self, actor: Actor, command: FileSummary) -> None:
        """A member's self-summary: by the member, or entered for them by the branch."""
        member = command.member
        with self.acting(actor, BRANCH_PEOPLE):
            if actor.role == "member" and actor.member != member:
                raise Forbidden("review.members_own_summary")
            self.check_subject("member", member)
            review = self.review(command.year, command.stage)
            review.file_summary(member, command.text)
            self.save(review)

    def record_critique(self, actor: Actor, command: RecordCritique) -> None:
        with self.acting(actor, BRANCH_WRITERS):
            self.check_subject("member", command.member)
            review = self.review(command.year, command.stage)
            review.record_critique(command.member, command.remarks)
            self.save(review)

    def file_group_summary(self, actor: Actor, command: FileGroupSummary) -> None:
        with self.acting(actor, BRANCH_WRITERS | {"group-leader"}):
            self.check_subject("group", command.group)
            check_leads(self, actor, "group", command.group, writing=True)
            review = self.review(command.year, command.stage)
            review.file_group_summary(command.group, command.text)
            self.save(review)

    def file_branch_summary(self, actor: Actor, command: FileBranchSummary) -> None:
        with self.acting(actor, BRANCH_WRITERS):
            review = self.review(command.year, command.stage)
            review.file_branch_summary(command.text)
            self.save(review)

    def recommend(self, actor: Actor, command: Recommend) -> None:
        with self.acting(actor, BRANCH_WRITERS):
            for g in command.groups:
                self.check_subject("group", g)
            for m in command.members:
                self.check_subject("member", m)
            review = self.review(command.year, "midyear")
            review.recommend(command.groups, command.members, command.reason)
            self.save(review)

    def report_review(self, actor: Actor, command: ReportReview) -> None:
        with self.acting(actor, BRANCH_WRITERS):
            review = self.review(command.year, command.stage)
            review.report(command.on)
            self.save(review)

    # democratic rating (民主测评): application/ballots.py

    # scores and nomination

    def committee_plan(self, year: int) -> tuple[PlanContent, int]:
        """The committee's plan in force for ``year`` and its version (see BranchApplication).

        Raises:
            NotFound: the committee has no plan for ``year``.
        """
        raise NotFound("plan.not_found", year=year)

    def score_inputs(self, year: int) -> scores.Inputs:
        """The inputs of the branch's scores (decision 0012): each assessment under the plan
        version it names, weights and rules of the version in force; a branch with no plan of
        its own follows the committee's plan in force, as the committee's boards do.

        Raises:
            NotFound: neither the branch nor the committee has a plan for ``year``.
        """
        if self.has_plan(year):
            versions, in_force = self.plan_versions(year)
        else:
            content, in_force = self.committee_plan(year)
            versions = {in_force: content}
        return scores.gather(
            versions,
            in_force,
            self.assessments(year),
            self.measures(year),
            self.ballots(year),
            [m for m in self.members(include_left=True) if m.counts_in(year)],
            [g for g in self.groups(include_dissolved=True) if g.counts_in(year)],
        )

    def ranking(self, year: int) -> dict[str, list[scores.Row]]:
        inputs = self.score_inputs(year)
        return {level: scores.rows(inputs, level) for level in ("group", "member")}

    def nomination(self, year: int) -> Nomination:
        return self.load(
            Nomination, Nomination.id_for(self.tenant, year), "nomination.not_found", year=year
        )

    def shortlist(self, actor: Actor, command: Shortlist) -> None:
        """Shortlist groups and members against the computed ranking (a reason for each
        departure from it); may be redone until submitted."""
        year, entries = command.year, command.entries
        with self.acting(actor, BRANCH_WRITERS):
            self.check_writable(year)
            inputs = self.score_inputs(year)
            # The ranking is recorded as it was advised, but without names: a copy of a member's
            # name in the log would outlive the erasure of the member's personal data.
            ranking = {
                level: [without_name(r) for r in scores.rows(inputs, level)]
                for level in ("group", "member")
            }
            quota = scores.quota(inputs)
            half_year = midyear_basis(self, year, inputs.plan)
            if self.exists(Nomination.id_for(self.tenant, year)):
                nomination = self.nomination(year)
                nomination.revise(entries, ranking, quota, **half_year)
            else:
                nomination = Nomination.shortlist(year, entries, ranking, quota, **half_year)
            self.save(nomination)

    def submit_nomination(self, actor: Actor, command: SubmitNomination) -> int:
        with self.acting(actor, BRANCH_WRITERS):
            nomination = self.nomination(command.year)
            for entry in nomination.entries:
                self.check_subject(entry["level"], entry["subject"])
            number = nomination.submit(command.on)
            self.save(nomination)
            return number

    # deeds and the annual summary

    def write_deeds(self, actor: Actor, command: WriteDeeds) -> None:
        c = command
        # A group leader writes their own group's deeds (and its members'); the branch any.
        with self.acting(actor, BRANCH_ASSESSORS):
            self.subject_name(c.level, c.subject)
            check_leads(self, actor, c.level, c.subject, writing=True)
            deeds_id = DeedMaterial.id_for(self.tenant, c.year, c.level, c.subject)
            if self.exists(deeds_id):
                deeds = self.load(DeedMaterial, deeds_id, "deeds.not_found")
                deeds.revise(c.text, c.attachments)
            else:
                deeds = DeedMaterial.draft(c.year, c.level, c.subject, c.text, c.attachments)
            self.save(deeds)

    def deeds(self, year: int, level: str, subject: str) -> DeedMaterial:
        return self.load(
            DeedMaterial, DeedMaterial.id_for(self.tenant, year, level, subject), "deeds.not_found"
        )

    def file_annual_summary(self, actor: Actor, command: FileAnnualSummary) -> None:
        c, year = command, command.year
        with self.acting(actor, BRANCH_WRITERS):
            self.check_campaign(year)
            if self.exists(AnnualSummary.id_for(self.tenant, year)):
                raise AlreadyExists("summary.filed_already", year=year)
            self.save(AnnualSummary.file(year, c.basic_facts, c.experience, c.problems, c.plans))

    def annual_summary(self, year: int) -> AnnualSummary:
        return self.load(
            AnnualSummary, AnnualSummary.id_for(self.tenant, year), "summary.not_found"
        )

    def report_annual_summary(self, actor: Actor, command: ReportAnnualSummary) -> None:
        with self.acting(actor, BRANCH_WRITERS):
            summary = self.annual_summary(command.year)
            summary.report(command.to, command.on)
            self.save(summary)

    def check_reported_to_committee(self, kind: str, subject: str) -> None:
        """What the committee acknowledges must have been reported to it.

        ``subject``: a measure's id, or the year of a report or summary.

        Raises:
            NotFound / StateConflict: nothing such, or not reported to the committee.
        """
        if kind not in ("measure", "midyear-report", "annual-summary"):
            raise InvalidInput("acknowledge.unknown_kind", field="kind", kind=kind)
        try:
            if kind == "measure":
                ok = self.measure(UUID(subject)).reported_to == "committee"
            elif kind == "midyear-report":
                ok = self.review(int(subject), "midyear").reported_on is not None
            else:
                ok = "committee" in self.annual_summary(int(subject)).reported
        except (ValueError, NotFound):
            # A subject of the wrong form for its kind (a year for a measure...) names nothing.
            raise NotFound("acknowledge.no_subject", field="subject", kind=kind) from None
        if not ok:
            raise StateConflict("acknowledge.not_reported", kind=kind)
