"""Archive commands of the committee: seal a branch's campaign year, export it as a bundle."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.utils import get_topic

from cxzy_saas.application.base import TenantApplication
from cxzy_saas.application.commands.committee import CloseAmendment, OpenAmendment
from cxzy_saas.application.permissions import COMMITTEE_READERS, COMMITTEE_WRITERS, authorize
from cxzy_saas.audit import bundle
from cxzy_saas.audit.chain import ALGORITHM, ChainSummary, Record, genesis, summarise
from cxzy_saas.audit.selection import (
    as_record,
    measure_ids,
    select_branch_year,
    select_committee_year,
)
from cxzy_saas.domain.archive import ArchiveSeal
from cxzy_saas.domain.committee import Committee
from cxzy_saas.domain.errors import AlreadyExists, Forbidden, NotFound, StateConflict
from cxzy_saas.domain.plan import Campaign
from cxzy_saas.domain.recording import Actor

if TYPE_CHECKING:
    from cxzy_saas.application.branch import BranchApplication

ON_DEMAND_ROLES = frozenset({"committee-admin", "system"})
SEALED = get_topic(ArchiveSeal.Sealed)
RESEALED = get_topic(ArchiveSeal.Resealed)  # type: ignore[attr-defined]
BATCH = 5000


def open_ballots(branch_app: BranchApplication, year: int) -> list[Any]:
    """The branch's ballots of ``year`` still open (sheets in the box, not counted)."""
    return [b for b in branch_app.ballots(year) if b.closed_on is None]


def refuse_open_ballots(branch_app: BranchApplication, year: int) -> None:
    """Sealing a branch-year with a ballot still open would strand it: the sealed year takes
    no close and no count, so its sheets would stay in the box.

    Raises:
        StateConflict: a ballot of the branch's year is open.
    """
    if open_ := open_ballots(branch_app, year):
        raise StateConflict(
            "archive.ballots_open",
            field="branch",
            branch=branch_app.branch().name,
            year=year,
            count=len(open_),
        )


def _notifications(app: TenantApplication, upto: int) -> Iterator[Any]:
    """Notifications 1..upto of a tenant's log, in order, read in batches."""
    start = 1
    while start <= upto:
        batch = app.recorder.select_notifications(start, BATCH, stop=upto)
        yield from batch
        if len(batch) < BATCH:
            return
        start = batch[-1].id + 1


class ArchiveCommands(TenantApplication):
    """Mixed into :class:`~cxzy_saas.application.committee.CommitteeApplication`."""

    branch_app: Callable[[str], BranchApplication]

    def _archived_branch(self, branch: str) -> BranchApplication:
        committee = self.load(
            Committee, Committee.id_for(self.tenant), "committee.not_found", committee=self.tenant
        )
        if branch not in committee.branches:
            raise NotFound("branch.not_found", branch=branch)
        return self.branch_app(branch)

    def _sections(
        self,
        branch_app: BranchApplication,
        branch: str,
        year: int,
        heads: tuple[int, int],
        with_committee_plan: bool = True,
    ) -> tuple[list[Record], list[Record]]:
        branch_records = select_branch_year(_notifications(branch_app, heads[0]), year)
        committee_records = select_committee_year(
            _notifications(self, heads[1]),
            self.tenant,
            branch,
            year,
            measure_ids(branch_records),
            with_committee_plan,
        )
        return branch_records, committee_records

    def _summaries(
        self,
        branch: str,
        year: int,
        records: tuple[list[Record], list[Record]],
        heads: tuple[int, int],
    ) -> dict[str, ChainSummary]:
        return {
            section: summarise(genesis(self.tenant, branch, year, section), found, head)
            for section, found, head in zip(("branch", "committee"), records, heads, strict=True)
        }

    def seal_archive(
        self, actor: Actor, branch: str, year: int, *, on_demand: bool = False
    ) -> ArchiveSeal:
        """Hash the branch-year's events into a chain and record its head in this log.

        Raises:
            Forbidden: not a committee writer; on demand, not a committee admin.
            NotFound: unknown branch or campaign.
            StateConflict: the campaign is still open and the seal is not on demand.
            AlreadyExists: the branch-year is sealed already (ConcurrentModification when a
                second seal races the first).
            InvalidInput: the branch has no events for the year.
        """
        with self.acting(actor, COMMITTEE_WRITERS), self.finalising(year, branch):
            if on_demand and actor.role not in ON_DEMAND_ROLES:
                raise Forbidden("archive.on_demand_admin_only")
            branch_app = self._archived_branch(branch)
            campaign = self.load(
                Campaign, Campaign.id_for(self.tenant, year), "campaign.not_found", year=year
            )
            if campaign.closed_on is None and not on_demand:
                raise StateConflict("archive.campaign_open", year=year)
            refuse_open_ballots(branch_app, year)
            seal_id = ArchiveSeal.id_for(self.tenant, branch, year)
            if self.exists(seal_id):
                raise AlreadyExists("archive.sealed_already", branch=branch, year=year)
            # Both heads are read before any event is: whatever is appended from now on lies
            # beyond the recorded bounds, so export can select exactly these events again.
            heads = (branch_app.head(), self.head())
            records = self._sections(branch_app, branch, year, heads)
            summaries = self._summaries(branch, year, records, heads)
            seal = ArchiveSeal.seal(
                self.tenant,
                branch,
                year,
                algorithm=ALGORITHM,
                # Recorded as on demand only when it was: the campaign still open. The verifier
                # checks this against the campaign's events in the committee section.
                on_demand=campaign.closed_on is None,
                branch_chain=summaries["branch"].as_dict(),
                committee_chain=summaries["committee"].as_dict(),
            )
            self.save(seal)
            return seal

    def archive_seal(self, branch: str, year: int) -> ArchiveSeal | None:
        seal_id = ArchiveSeal.id_for(self.tenant, branch, year)
        return (
            self.load(ArchiveSeal, seal_id, "archive.not_sealed", branch=branch, year=year)
            if self.exists(seal_id)
            else None
        )

    def _seal_records(self, seal: ArchiveSeal) -> list[Record]:
        """The seal's Sealed and Resealed events as stored, one per revision, in order."""
        start = seal.sealed_committee_log_head + 1
        found: list[Record] = []
        while True:
            batch = self.recorder.select_notifications(start, BATCH, topics=[SEALED, RESEALED])
            found.extend(as_record(n) for n in batch if str(n.originator_id) == str(seal.id))
            if len(batch) < BATCH:
                break
            start = batch[-1].id + 1
        if len(found) != seal.revision:
            raise NotFound("archive.seal_event_missing")  # pragma: no cover
        return found

    # amendments (decision 0011)

    def open_amendment(self, actor: Actor, command: OpenAmendment) -> UUID:
        """Open a sealed branch-year for corrections, for a reason; its events will name the
        amendment. Returns the amendment's id.

        Raises:
            Forbidden: not a committee admin.
            NotFound: unknown branch or campaign.
            StateConflict: the branch-year is not sealed, or an amendment of it is open.
            InvalidInput: no reason.
        """
        branch, year = command.branch, command.year
        with self.acting(actor, COMMITTEE_WRITERS):
            if actor.role not in ON_DEMAND_ROLES:
                raise Forbidden("amendment.admin_only")
            self._archived_branch(branch)
            self.load(Campaign, Campaign.id_for(self.tenant, year), "campaign.not_found", year=year)
            seal = self.archive_seal(branch, year)
            if seal is None:
                raise StateConflict("archive.not_sealed", branch=branch, year=year)
            amendment = seal.open_amendment_for(self.tenant, command.reason)
            self.save(seal)
            return UUID(amendment)

    def close_amendment(self, actor: Actor, command: CloseAmendment) -> int:
        """End an amendment: seal the branch-year again as the next revision, whose chains
        continue the previous revision's heads over the events written since. Returns the new
        revision's number.

        Raises:
            Forbidden: not a committee admin.
            NotFound: no such amendment in the year.
            StateConflict: the amendment is closed already; the logs no longer hash to the
                previous revision (a stored event was altered).
        """
        year, amendment = command.year, str(command.amendment)
        with self.acting(actor, COMMITTEE_WRITERS):
            if actor.role not in ON_DEMAND_ROLES:
                raise Forbidden("amendment.admin_only")
            branch = self._seal_amended_by(year, amendment).branch
            with self.finalising(year, branch):
                seal = self._seal_amended_by(year, amendment)  # again, under the lock
                branch_app = self._archived_branch(branch)
                refuse_open_ballots(branch_app, year)
                heads = (branch_app.head(), self.head())
                records = self._sections(branch_app, branch, year, heads)
                for section, found in zip(("branch", "committee"), records, strict=True):
                    previous = seal.chain(section)
                    earlier = [r for r in found if r.position <= previous["log_head"]]
                    start = genesis(self.tenant, branch, year, section)
                    if summarise(start, earlier, previous["log_head"]).as_dict() != previous:
                        raise StateConflict(
                            "archive.chain_broken", section=section, branch=branch, year=year
                        )
                summaries = self._summaries(branch, year, records, heads)
                seal.reseal(
                    amendment,
                    branch_chain=summaries["branch"].as_dict(),
                    committee_chain=summaries["committee"].as_dict(),
                    note=command.note,
                )
                self.save(seal)
                return seal.revision

    def _seals_of(self, year: int) -> list[ArchiveSeal]:
        seals = [
            self.load(ArchiveSeal, i, "archive.seal_event_missing")
            for i in self.ids_created_by(ArchiveSeal.Sealed)
        ]
        return [s for s in seals if s.year == year]

    def _seal_amended_by(self, year: int, amendment: str) -> ArchiveSeal:
        for seal in self._seals_of(year):
            for entry in seal.amendments:
                if entry["id"] == amendment:
                    if entry["closed"]:
                        raise StateConflict("amendment.not_open", amendment=amendment)
                    return seal
        raise NotFound("amendment.not_found", amendment=amendment, year=year)

    def amendments(self, year: int, branch: str | None = None) -> list[dict[str, Any]]:
        """Every amendment of the year's sealed branch-years (of ``branch`` only, when given),
        in the order they were opened: id, branch, revision it makes, reason, whether it is
        open, and who opened and closed it when."""
        out: list[dict[str, Any]] = []
        for seal in self._seals_of(year):
            if branch is not None and seal.branch != branch:
                continue
            history = [e for e in self.history(seal.id) if e["event"] != "ArchiveSealSealed"]
            for entry in seal.amendments:
                opened = next(e for e in history if e["fields"].get("amendment") == entry["id"])
                closed = next(
                    (
                        e
                        for e in history
                        if e["event"] == "ArchiveSealResealed"
                        and e["fields"].get("amendment") == entry["id"]
                    ),
                    None,
                )
                out.append(
                    {
                        "id": entry["id"],
                        "branch": seal.branch,
                        "year": seal.year,
                        "revision": entry["revision"],
                        "reason": entry["reason"],
                        "open": not entry["closed"],
                        "note": entry.get("note", ""),
                        "opened_at": opened["recorded_at"],
                        "opened_by": opened["actor"].get("user"),
                        "closed_at": None if closed is None else closed["recorded_at"],
                        "closed_by": None if closed is None else closed["actor"].get("user"),
                    }
                )
        return sorted(out, key=lambda a: a["opened_at"])

    def archive_status(self, actor: Actor, branch: str, year: int) -> dict[str, Any]:
        """Which revision of a sealed branch-year is current, and whether the live logs still
        hash to it (``matches``); ``later_events``: the branch-year's events written since
        (under an open amendment, or none).

        Raises:
            Forbidden: not a committee reader.
            NotFound: unknown branch, or the branch-year is not sealed.
        """
        authorize(actor, self.tenant, COMMITTEE_READERS)
        branch_app = self._archived_branch(branch)
        seal = self.archive_seal(branch, year)
        if seal is None:
            raise NotFound("archive.not_sealed", branch=branch, year=year)
        heads = (seal.log_head, seal.committee_log_head)
        records = self._sections(branch_app, branch, year, heads)
        summaries = self._summaries(branch, year, records, heads)
        matches = all(
            summaries[section].as_dict() == seal.chain(section)
            for section in ("branch", "committee")
        )
        now = self._sections(branch_app, branch, year, (branch_app.head(), self.head()))
        later = sum(len(found) for found in now) - sum(len(found) for found in records)
        return {
            "branch": branch,
            "year": year,
            "revision": seal.revision,
            "head": seal.head,
            "committee_head": seal.committee_head,
            "matches": matches,
            "later_events": later,
            "open_amendment": seal.open_amendment,
            "amendments": self.amendments(year, branch),
        }

    def export_archive(
        self, actor: Actor, branch: str, year: int, *, with_pdf: bool = True
    ) -> dict[str, bytes]:
        """The sealed branch-year as a bundle's files (see ``cxzy_saas.audit.bundle``).

        Raises:
            Forbidden: not a committee reader (admin, viewer, auditor).
            NotFound: unknown branch, or the branch-year is not sealed.
            StateConflict: the logs no longer hash to the seal (a stored event was altered).
            FontMissing: PDFs wanted and no CJK font installed.
        """
        authorize(actor, self.tenant, COMMITTEE_READERS)
        branch_app = self._archived_branch(branch)
        seal = self.archive_seal(branch, year)
        if seal is None:
            raise NotFound("archive.not_sealed", branch=branch, year=year)
        heads = (seal.log_head, seal.committee_log_head)
        records = self._sections(branch_app, branch, year, heads)
        summaries = self._summaries(branch, year, records, heads)
        if summaries["committee"].as_dict() != seal.chain("committee"):
            # A seal made before decision 0012 chained the committee's events without its plan.
            earlier = self._sections(branch_app, branch, year, heads, with_committee_plan=False)
            if self._summaries(branch, year, earlier, heads)["committee"].as_dict() == seal.chain(
                "committee"
            ):
                records, summaries = earlier, self._summaries(branch, year, earlier, heads)
        for section, summary in summaries.items():
            if summary.as_dict() != seal.chain(section):
                raise StateConflict(
                    "archive.chain_broken", section=section, branch=branch, year=year
                )
        return bundle.build(
            self.tenant,
            branch,
            year,
            records[0],
            records[1],
            self._seal_records(seal),
            {"branch": seal.log_head, "committee": seal.committee_log_head},
            self._display_names(branch_app, branch),
            with_pdf=with_pdf,
            evidence=branch_app.evidence_files_of(records[0]),
        )

    def _display_names(self, branch_app: BranchApplication, branch: str) -> dict[str, str]:
        names = {f"branch:{branch}": branch_app.branch().name}
        names.update({f"group:{g.code}": g.name for g in branch_app.groups(include_dissolved=True)})
        names.update(
            {f"member:{m.member_no}": str(m.name) for m in branch_app.members(include_left=True)}
        )
        return names
