"""The seal of a branch's campaign year (归档), in the committee's log.

Sealing hashes every event of a branch-year into a chain (see ``cxzy_saas.audit.chain``) and
records the chain's head here. The id is derived from committee, branch and year, so a second
seal of the same branch-year is refused by the event store's optimistic concurrency even when two
admins seal at the same moment; the application checks first to give a clearer message.
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from cxzy_saas.domain.base import TenantAggregate, clean_text, require, require_text, stable_id
from cxzy_saas.domain.errors import StateConflict

HEX_DIGEST = re.compile(r"^[0-9a-f]{64}$")


class ArchiveSeal(TenantAggregate):
    """The committee's seal of one branch's campaign year: the head hash of the chain of the
    branch's events (and of the committee's events about that branch-year), with counts and
    positions."""

    class Sealed(TenantAggregate.Created):
        branch: str
        year: int
        algorithm: str
        on_demand: bool
        head: str
        events: int
        first: int
        last: int
        log_head: int
        committee_head: str
        committee_events: int
        committee_first: int
        committee_last: int
        committee_log_head: int

    def __init__(
        self,
        branch: str,
        year: int,
        algorithm: str,
        on_demand: bool,
        head: str,
        events: int,
        first: int,
        last: int,
        log_head: int,
        committee_head: str,
        committee_events: int,
        committee_first: int,
        committee_last: int,
        committee_log_head: int,
    ) -> None:
        self.branch = branch
        self.year = year
        self.algorithm = algorithm
        self.on_demand = on_demand
        self.head = head
        self.events = events
        self.first = first
        self.last = last
        self.log_head = log_head
        self.committee_head = committee_head
        self.committee_events = committee_events
        self.committee_first = committee_first
        self.committee_last = committee_last
        self.committee_log_head = committee_log_head
        # Where the first revision's seal event lies beyond (the later ones lie beyond it too).
        self.sealed_committee_log_head = committee_log_head
        # Revision 1 is the seal; each closed amendment adds one (decision 0011).
        self.revision = 1
        self.open_amendment: str | None = None
        self.amendments: list[dict[str, Any]] = []

    @staticmethod
    def id_for(committee: str, branch: str, year: int) -> UUID:
        return stable_id(committee, "archive", branch, year)

    @classmethod
    def seal(
        cls,
        committee: str,
        branch: str,
        year: int,
        *,
        algorithm: str,
        on_demand: bool,
        branch_chain: dict[str, Any],
        committee_chain: dict[str, Any],
    ) -> ArchiveSeal:
        """Seal a branch-year. Each chain dict holds head, events, first, last and log_head.

        Raises:
            InvalidInput: a head that is not a SHA-256 hex digest, negative counts, or positions
                out of order (first > last, last beyond the log's head).
        """
        for chain in (branch_chain, committee_chain):
            require(bool(HEX_DIGEST.match(str(chain["head"]))), "archive.head_malformed")
            require(chain["events"] >= 0, "archive.negative_count")
            require(
                chain["events"] == 0 or 1 <= chain["first"] <= chain["last"] <= chain["log_head"],
                "archive.positions_out_of_order",
            )
        require(branch_chain["events"] > 0, "archive.no_events")
        seal: ArchiveSeal = cls._create(
            cls.Sealed,
            id=cls.id_for(committee, branch, year),
            branch=branch,
            year=year,
            algorithm=algorithm,
            on_demand=on_demand,
            head=branch_chain["head"],
            events=branch_chain["events"],
            first=branch_chain["first"],
            last=branch_chain["last"],
            log_head=branch_chain["log_head"],
            committee_head=committee_chain["head"],
            committee_events=committee_chain["events"],
            committee_first=committee_chain["first"],
            committee_last=committee_chain["last"],
            committee_log_head=committee_chain["log_head"],
        )
        return seal

    @staticmethod
    def amendment_id_for(committee: str, branch: str, year: int, revision: int) -> UUID:
        """The id of the amendment that makes ``revision`` of a branch-year."""
        return stable_id(committee, "amendment", branch, year, revision)

    def open_amendment_for(self, committee: str, reason: str) -> str:
        """Open the branch-year for corrections under an amendment; its id is returned.

        Raises:
            StateConflict: an amendment is open already.
            InvalidInput: no reason.
        """
        if self.open_amendment is not None:
            raise StateConflict("amendment.open_already", branch=self.branch, year=self.year)
        amendment = str(self.amendment_id_for(committee, self.branch, self.year, self.revision + 1))
        self._amendment_opened(
            amendment=amendment,
            revision=self.revision + 1,
            reason=require_text(reason, "reason", max_length=2000),
        )
        return amendment

    @event("AmendmentOpened")
    def _amendment_opened(self, amendment: str, revision: int, reason: str) -> None:
        self.open_amendment = amendment
        self.amendments.append(
            {
                "id": amendment,
                "revision": revision,
                "reason": reason,
                "closed": False,
            }
        )

    def reseal(
        self,
        amendment: str,
        *,
        branch_chain: dict[str, Any],
        committee_chain: dict[str, Any],
        note: str = "",
    ) -> None:
        """Close the open amendment and seal the branch-year again as the next revision. The
        chains continue the previous revision's: as many events or more, and beyond its heads.

        Raises:
            StateConflict: ``amendment`` is not the open one.
            InvalidInput: malformed heads, or chains that do not continue the previous ones.
        """
        if self.open_amendment != amendment:
            raise StateConflict("amendment.not_open", amendment=amendment)
        for section, chain in (("branch", branch_chain), ("committee", committee_chain)):
            previous = self.chain(section)
            require(bool(HEX_DIGEST.match(str(chain["head"]))), "archive.head_malformed")
            require(
                chain["events"] >= previous["events"] and chain["log_head"] >= previous["log_head"],
                "archive.revision_does_not_continue",
                section=section,
            )
        self._resealed(
            amendment=amendment,
            revision=self.revision + 1,
            reason=self.amendments[-1]["reason"],
            note=clean_text(note, "note"),
            head=branch_chain["head"],
            events=branch_chain["events"],
            first=branch_chain["first"],
            last=branch_chain["last"],
            log_head=branch_chain["log_head"],
            committee_head=committee_chain["head"],
            committee_events=committee_chain["events"],
            committee_first=committee_chain["first"],
            committee_last=committee_chain["last"],
            committee_log_head=committee_chain["log_head"],
            branch=self.branch,
            year=self.year,
            algorithm=self.algorithm,
        )

    @event("Resealed")
    def _resealed(
        self,
        amendment: str,
        revision: int,
        reason: str,
        note: str,
        head: str,
        events: int,
        first: int,
        last: int,
        log_head: int,
        committee_head: str,
        committee_events: int,
        committee_first: int,
        committee_last: int,
        committee_log_head: int,
        branch: str,
        year: int,
        algorithm: str,
    ) -> None:
        self.revision = revision
        self.open_amendment = None
        self.amendments[-1] = {**self.amendments[-1], "closed": True, "note": note}
        self.head, self.events, self.first, self.last = head, events, first, last
        self.log_head = log_head
        self.committee_head, self.committee_events = committee_head, committee_events
        self.committee_first, self.committee_last = committee_first, committee_last
        self.committee_log_head = committee_log_head

    def chain(self, section: str) -> dict[str, Any]:
        """The recorded head, count and positions of ``section`` ("branch" or "committee")."""
        prefix = "" if section == "branch" else "committee_"
        return {
            key: getattr(self, prefix + key)
            for key in ("head", "events", "first", "last", "log_head")
        }
