"""Democratic rating (民主测评): anonymous ballots cast with one-time codes.

The log holds the SHA-256 of each issued code, never the code itself, and records that a code
was spent together with the grades it gave. No event links a code to a person: codes are
printed and handed out on paper, so the log cannot tell who voted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from cxzy_saas.domain.base import TenantAggregate, require, require_text
from cxzy_saas.domain.errors import NotFound, StateConflict
from cxzy_saas.domain.scoring import GRADES, POOLS


def code_hash(ballot_id: UUID, code: str) -> str:
    """Codes are hashed with the ballot's id, so equal codes of two ballots differ in the log."""
    normalised = code.strip().upper().replace("-", "").replace(" ", "")
    return hashlib.sha256(f"{ballot_id}:{normalised}".encode()).hexdigest()


class Ballot(TenantAggregate):
    @classmethod
    def open(
        cls,
        ballot_id: UUID,
        year: int,
        title: str,
        subjects: Sequence[Mapping[str, str]],
        code_hashes: Mapping[str, Sequence[str]],
        on: date,
    ) -> Ballot:
        """``subjects``: dicts of level ("member" or "group") and subject. Names are not
        copied here (logs written before personal data could be erased hold them): views take
        them from the member or group, so an erased member's name is gone everywhere.
        ``code_hashes``: per pool ("members", "constituents"), the hashes of the issued codes."""
        require(bool(subjects), "ballot.no_subjects", field="subjects")
        keys = [f"{s['level']}:{s['subject']}" for s in subjects]
        require(len(set(keys)) == len(keys), "ballot.subject_twice", field="subjects")
        require(set(code_hashes) <= set(POOLS), "ballot.unknown_pool", field="codes", pools=POOLS)
        require(sum(len(v) for v in code_hashes.values()) > 0, "ballot.no_codes", field="codes")
        # The id is chosen before the codes are hashed with it (see code_hash).
        ballot: Ballot = cls._create(
            cls.Opened,  # type: ignore[attr-defined]
            id=ballot_id,
            year=year,
            title=require_text(title, "title", max_length=200),
            subjects=[dict(s) for s in subjects],
            code_hashes={pool: list(h) for pool, h in code_hashes.items()},
            on=on,
        )
        return ballot

    @event("Opened")
    def __init__(
        self,
        year: int,
        title: str,
        subjects: list[dict[str, str]],
        code_hashes: dict[str, list[str]],
        on: date,
    ) -> None:
        self.year = year
        self.title = title
        self.subjects = subjects
        self.pool_of = {h: pool for pool, hashes in code_hashes.items() for h in hashes}
        self.issued = {pool: len(h) for pool, h in code_hashes.items()}
        self.spent: set[str] = set()
        self.tallies: dict[str, dict[str, dict[str, int]]] = {
            self.key(s): {pool: dict.fromkeys(GRADES, 0) for pool in code_hashes} for s in subjects
        }
        self.closed_on: date | None = None

    @staticmethod
    def key(subject: Mapping[str, str]) -> str:
        return f"{subject['level']}:{subject['subject']}"

    def cast(self, code: str, grades: Mapping[str, str]) -> None:
        """Cast one ballot: a grade for every subject.

        Raises:
            StateConflict: the ballot is closed, or the code was used already.
            NotFound: the code was not issued for this ballot.
            InvalidInput: a subject without a grade, an unknown subject or grade.
        """
        if self.closed_on is not None:
            raise StateConflict("ballot.closed")
        digest = code_hash(self.id, code)
        if digest not in self.pool_of:
            raise NotFound("ballot.unknown_code")
        if digest in self.spent:
            raise StateConflict("ballot.code_used")
        require(set(grades) <= set(self.tallies), "ballot.unknown_subject", field="grades")
        missing = set(self.tallies) - set(grades)
        require(not missing, "ballot.grade_missing", field="grades")
        require(
            all(g in GRADES for g in grades.values()),
            "ballot.unknown_grade",
            field="grades",
            grades=GRADES,
        )
        self._cast(code_hash=digest, pool=self.pool_of[digest], grades=dict(sorted(grades.items())))

    @event("Cast")
    def _cast(self, code_hash: str, pool: str, grades: dict[str, str]) -> None:
        self.spent.add(code_hash)
        for subject, grade in grades.items():
            self.tallies[subject][pool][grade] += 1

    def cast_count(self, pool: str) -> int:
        return sum(1 for h in self.spent if self.pool_of[h] == pool)

    def close(self, on: date) -> None:
        if self.closed_on is not None:
            raise StateConflict("ballot.closed_on", on=self.closed_on)
        turnout = {
            pool: {"issued": n, "cast": self.cast_count(pool)} for pool, n in self.issued.items()
        }
        self._closed(on=on, turnout=turnout, tallies=self.tallies)

    @event("Closed")
    def _closed(self, on: date, turnout: dict[str, Any], tallies: dict[str, Any]) -> None:
        self.closed_on = on
        self.turnout = turnout
