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

from cxzy_saas.domain.base import TenantAggregate, require, stable_id

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

    def chain(self, section: str) -> dict[str, Any]:
        """The recorded head, count and positions of ``section`` ("branch" or "committee")."""
        prefix = "" if section == "branch" else "committee_"
        return {
            key: getattr(self, prefix + key)
            for key in ("head", "events", "first", "last", "log_head")
        }
