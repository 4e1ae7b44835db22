"""Re-nomination after the committee returned nominees: a new submission that answers the
return's reasons, the earlier submissions and decisions kept in the history."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cxzy_saas.application.commands.evaluation import Renominate
from cxzy_saas.application.evaluation import EvaluationCommands, without_name
from cxzy_saas.application.midyear import midyear_basis
from cxzy_saas.application.permissions import BRANCH_WRITERS
from cxzy_saas.domain import ranking as scores
from cxzy_saas.domain.evaluation import Nomination
from cxzy_saas.domain.recording import Actor

if TYPE_CHECKING:
    from cxzy_saas.application.committee import CommitteeApplication


class RenominationCommands(EvaluationCommands):
    parent: Callable[[], CommitteeApplication]

    def nominee_decisions(self, nomination: Nomination) -> dict[tuple[str, str], Any]:
        """Each subject ever nominated -> the committee's decision on it in the latest
        submission that lists it (None: none yet): a nominee returned and nominated again waits
        for a new decision; one approved and not listed again stays approved."""
        committee = self.parent()
        found: dict[tuple[str, str], Any] = {}
        for number in range(1, nomination.submissions + 1):
            listed = nomination.submitted.get(number, [])
            for entry in listed:
                key = (entry["level"], entry["subject"])
                subject = f"{nomination.year}:{entry['level']}:{entry['subject']}"
                found[key] = committee.decision(self.tenant, "nominee", subject, number)
        return found

    def latest_decisions(self, nomination: Nomination) -> list[tuple[dict[str, Any], Any]]:
        """The latest submission's nominees, each with the committee's decision on it in that
        submission (None: none yet)."""
        committee, latest = self.parent(), nomination.submissions
        found = []
        for entry in nomination.submitted.get(latest, []):
            subject = f"{nomination.year}:{entry['level']}:{entry['subject']}"
            found.append((entry, committee.decision(self.tenant, "nominee", subject, latest)))
        return found

    def returned_nominees(self, nomination: Nomination) -> list[dict[str, str]]:
        """The latest submission's nominees the committee returned, with its reasons."""
        return [
            {"level": entry["level"], "subject": entry["subject"], "reason": decision.reason}
            for entry, decision in self.latest_decisions(nomination)
            if decision is not None and decision.outcome == "returned"
        ]

    def renominate(self, actor: Actor, command: Renominate) -> int:
        """Answer a return with a new submission; returns its number.

        The quota counts the nominees approved in earlier submissions beside the new ones.

        Raises:
            NotFound: no nomination for the year.
            StateConflict: the year is closed, nothing submitted, or nothing returned.
            InvalidInput: no answer, or a shortlist refused as :meth:`shortlist` refuses it.
        """
        year = command.year
        with self.acting(actor, BRANCH_WRITERS):
            self.campaign_of(year).check_open()
            nomination = self.nomination(year)
            inputs = self.score_inputs(year)
            ranking = {
                level: [without_name(r) for r in scores.rows(inputs, level)]
                for level in ("group", "member")
            }
            new = {(e.get("level"), e.get("subject")) for e in command.entries}
            approved = [
                key
                for key, decision in self.nominee_decisions(nomination).items()
                if decision is not None and decision.outcome == "approved" and key not in new
            ]
            quota = {
                level: None
                if limit is None
                else max(0, limit - sum(k[0] == level for k in approved))
                for level, limit in scores.quota(inputs).items()
            }
            for entry in command.entries:
                self.check_subject(str(entry.get("level")), str(entry.get("subject")))
            number = nomination.renominate(
                self.returned_nominees(nomination),
                command.answer,
                command.entries,
                ranking,
                quota,
                command.on,
                **midyear_basis(self, year, inputs.plan),
            )
            self.save(nomination)
            return number
