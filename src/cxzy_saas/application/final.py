"""A closed year is final (decision 0011): one guard for every command about a campaign year.

Two checks, both here and nowhere else:

* before a command runs (``command_guard``, put around every command method by the wrapper
  of ``observe.py``), with the year the command names (``year``) or the year of the aggregate
  it names (``measure_id``, ``record_id``, ``ballot_id``, a task; a reply: its letter's), so
  that the refusal is the closed year's and not whatever the command would have tripped over
  first;
* before anything is saved (``guard_save``, called by ``TenantApplication.save``), with the year
  of every aggregate that has new events: a command that reaches a closed or sealed year by a
  path the first check does not know is still refused, and nothing is written.

Both read the committee's log; the save goes to another. So a save about a year is made on
condition that the year did not become final in between, and the commands that make a year or
a branch-year final hold its lock while they do (``finalising``; ``storage/finality.py``,
decision 0033).

A year is writable for a branch when its campaign is open and the branch-year is not sealed, or
when a committee admin has opened an amendment of that branch-year (``ArchiveSeal``): its events
then name the amendment (``actor["amendment"]``, stamped here, from the recording context the
events were made in). Writes to the year that belong to no branch (the committee's own plan, the
commendation) have no amendment: they are final at the close.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import functools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from cxzy_saas.application.base import TenantApplication
from cxzy_saas.application.commands.organisation import RecordDeparture
from cxzy_saas.domain.archive import ArchiveSeal
from cxzy_saas.domain.errors import NotFound, StateConflict
from cxzy_saas.domain.plan import Campaign
from cxzy_saas.storage import finality

# Commands about a year that a close does not freeze: whether the board is shown to branches is
# the committee's choice of what to publish, not a fact of the evaluation.
# Amendments are how a final year is changed at all.
UNFROZEN = frozenset(
    {"set_leaderboard_visibility", "open_campaign", "open_amendment", "close_amendment"}
)
# Command fields naming an aggregate whose year the command is about, and its loader's name.
NAMED_BY_ID = {
    "measure_id": "measure",
    "record_id": "daily_record",
    "ballot_id": "ballot",
    "evidence_id": "evidence",
    "meeting_id": "meeting",
    "task": "assigned_task",
}

Scope = tuple[int, str | None]  # (year, branch)


@dataclass
class Verdicts:
    """What the checks of one command found: (tenant, year, branch) -> the amendment (or
    None), and the committee log's position they were read at (the lowest), which its saves
    are conditioned on (``storage/finality.py``)."""

    found: dict[tuple[str, int, str | None], str | None] = dataclasses.field(default_factory=dict)
    after: int | None = None

    def read_at(self, head: int) -> None:
        self.after = head if self.after is None else min(self.after, head)


# The verdicts of the command running, kept for the checks of its saves.
_verdicts: contextvars.ContextVar[Verdicts | None] = contextvars.ContextVar(
    "cxzy_final_year_verdicts", default=None
)


class FinalYears(TenantApplication):
    """Mixed into both tenant applications (through ``PlanCommands``)."""

    def campaign_of(self, year: int) -> Campaign:
        raise NotImplementedError

    def seal_of(self, branch: str, year: int) -> ArchiveSeal | None:
        """The committee's seal of a branch-year, if any."""
        raise NotImplementedError

    def final_log(self) -> TenantApplication:
        """The log where this log's years become final: its committee's."""
        return self

    def command_branch(self, command: Any) -> str | None:
        """The branch a command is about (a branch's own commands: that branch)."""
        return self.tenant

    def aggregate_scope(self, aggregate: Any) -> Scope | None:
        """(year, branch) an aggregate belongs to, or None when it is about no year."""
        year = getattr(aggregate, "year", None)
        return (year, self.tenant) if isinstance(year, int) else None

    def writable(self, year: int, branch: str | None) -> str | None:
        """Whether ``branch``'s ``year`` may be written now: None when it may, the amendment's
        id when only under that amendment.

        Raises:
            StateConflict: ``campaign.closed`` for a closed year, ``archive.sealed`` for a sealed
                branch-year, unless an amendment of it is open.
        """
        seal = self.seal_of(branch, year) if branch is not None else None
        if seal is not None and seal.open_amendment is not None:
            return seal.open_amendment
        try:
            campaign = self.campaign_of(year)
        except NotFound:
            campaign = None  # the command will say so itself
        if campaign is not None and campaign.closed_on is not None:
            raise StateConflict("campaign.closed", year=year, on=campaign.closed_on)
        if seal is not None:
            raise StateConflict("archive.sealed", branch=branch, year=year)
        return None

    def check_writable(self, year: int, branch: str | None = None) -> None:
        """Raises NotFound when there is no campaign for ``year``, else as ``writable``."""
        self.campaign_of(year)
        self.writable(year, branch if branch is not None else self.tenant)

    def command_year(self, command: Any) -> int | None:
        year = getattr(command, "year", None)
        if isinstance(year, int):
            return year
        if isinstance(command, RecordDeparture):
            # A departure dated inside a year takes the member off that year's boards.
            return command.on.year if isinstance(command.on, date) else None
        for field, loader in NAMED_BY_ID.items():
            named = getattr(command, field, None)
            if isinstance(named, UUID) and hasattr(self, loader):
                try:
                    found = getattr(self, loader)(named)
                except NotFound:
                    return None  # the command will say so itself
                return int(found.year)
        return None

    @contextmanager
    def command_guard(self, kind: str, command: Any) -> Iterator[None]:
        """Around a whole command: refuse it first when its year is final; what was found is
        kept for the checks of its saves while it runs (one reading of the campaign and the seal
        per command, not two)."""
        verdicts = Verdicts()
        token = _verdicts.set(verdicts)
        try:
            if kind not in UNFROZEN and command is not None:
                year = self.command_year(command)
                if year is not None:
                    branch = self.command_branch(command)
                    verdicts.read_at(self.final_log().seen_head())
                    verdicts.found[(self.tenant, year, branch)] = self.writable(year, branch)
            yield
        finally:
            _verdicts.reset(token)

    def check_command(self, kind: str, command: Any) -> None:
        with self.command_guard(kind, command):
            pass

    def guard_save(self, objs: Iterable[Any]) -> contextlib.AbstractContextManager[None]:
        verdicts = _verdicts.get() or Verdicts()
        amendments: dict[Scope, str | None] = {}
        for obj in objs:
            pending = getattr(obj, "pending_events", None)
            if not pending:
                continue
            scope = self.aggregate_scope(obj)
            if scope is None:
                continue
            if scope not in amendments:
                key = (self.tenant, *scope)
                if key not in verdicts.found:
                    verdicts.read_at(self.final_log().seen_head())
                    verdicts.found[key] = self.writable(*scope)
                amendments[scope] = verdicts.found[key]
            amendment = amendments[scope]
            if amendment is not None:
                for e in pending:
                    # The actor stamp is a fresh dict per event (domain/base._stamp): naming the
                    # amendment in it is part of recording who acted, and under what authority.
                    e.actor["amendment"] = amendment
        return self._unchanged(list(amendments), verdicts.after)

    def _unchanged(
        self, scopes: list[Scope], after: int | None
    ) -> contextlib.AbstractContextManager[None]:
        """The condition of a save about ``scopes``, whose verdicts were read at ``after`` in
        the committee's log: the locks of its years and branch-years (those this context does
        not hold already), and the aggregates that would make them final."""
        final_log = self.final_log()
        committee = final_log.tenant
        locks = {finality.lock_name(committee, year) for year, _ in scopes}
        locks |= {finality.lock_name(committee, y, b) for y, b in scopes if b is not None}
        wanted = tuple(sorted(name for name in locks if not finality.holds(name)))
        if not wanted or after is None:
            return contextlib.nullcontext()
        aggregates = tuple(sorted({a for scope in scopes for a in _final_ids(committee, *scope)}))
        since = after  # narrowed to int for the closure

        def moved() -> bool:  # asked on SQLite; PostgreSQL asks in the append's transaction
            recorder: Any = final_log.recorder
            return bool(recorder.finalised_after(since, list(aggregates)))

        return self._store.unchanged(
            finality.Unchanged(committee, after, wanted, aggregates, moved)
        )


@functools.lru_cache(maxsize=4096)
def _final_ids(committee: str, year: int, branch: str | None) -> tuple[str, ...]:
    """The aggregates whose finalising events make a save's scope final: the campaign, and a
    branch's year's seal."""
    campaign = str(Campaign.id_for(committee, year))
    if branch is None:
        return (campaign,)
    return campaign, str(ArchiveSeal.id_for(committee, branch, year))
