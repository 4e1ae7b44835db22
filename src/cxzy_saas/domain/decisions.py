"""The committee's decisions on what branches submit (plans, nominees, measures, reports).

A decision lives in the committee's log. Its id is derived from what it decides (branch, kind,
subject, submission number), so a second decision on the same submission, by a second admin
in a race or by the same one twice, is refused by the event store's optimistic concurrency.
"""

from __future__ import annotations

from uuid import UUID

from cxzy_saas.domain.base import TenantAggregate, clean_text, require, stable_id

OUTCOMES = ("approved", "returned", "acknowledged")
KINDS = ("plan", "nominee", "measure", "midyear-report", "annual-summary")


class Decision(TenantAggregate):
    class Made(TenantAggregate.Created):
        branch: str
        kind: str
        subject: str
        submission: int
        outcome: str
        reason: str
        against_advice: bool

    class Approved(Made):
        pass

    class Returned(Made):
        pass

    class Acknowledged(Made):
        pass

    def __init__(
        self,
        branch: str,
        kind: str,
        subject: str,
        submission: int,
        outcome: str,
        reason: str,
        against_advice: bool,
    ) -> None:
        self.branch = branch
        self.kind = kind
        self.subject = subject
        self.submission = submission
        self.outcome = outcome
        self.reason = reason
        self.against_advice = against_advice

    @staticmethod
    def id_for(committee: str, branch: str, kind: str, subject: str, submission: int) -> UUID:
        return stable_id(committee, "decision", branch, kind, subject, submission)

    @classmethod
    def make(
        cls,
        committee: str,
        branch: str,
        kind: str,
        subject: str,
        submission: int,
        outcome: str,
        reason: str = "",
        against_advice: bool = False,
    ) -> Decision:
        """Decide one submission.

        Raises:
            InvalidInput: unknown kind or outcome; a return, or a decision against the computed
                advice, without a reason.
        """
        require(kind in KINDS, "decision.unknown_kind", field="kind", choices=KINDS)
        require(outcome in OUTCOMES, "decision.unknown_outcome", field="outcome", choices=OUTCOMES)
        reason = clean_text(reason, "reason")
        require(
            bool(reason) or outcome != "returned", "decision.return_needs_reason", field="reason"
        )
        require(
            bool(reason) or not against_advice,
            "decision.against_advice_needs_reason",
            field="reason",
        )
        event_class = {
            "approved": cls.Approved,
            "returned": cls.Returned,
            "acknowledged": cls.Acknowledged,
        }[outcome]
        decision: Decision = cls._create(
            event_class,
            id=cls.id_for(committee, branch, kind, subject, submission),
            branch=branch,
            kind=kind,
            subject=subject,
            submission=submission,
            outcome=outcome,
            reason=reason,
            against_advice=against_advice,
        )
        return decision
