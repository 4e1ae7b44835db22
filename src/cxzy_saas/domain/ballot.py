"""Democratic rating (民主测评): a secret ballot cast with one-time codes (decision 0017).

What the log keeps of a ballot, and what it never keeps:

- ``Opened``: the subjects, a random salt, the short id of the slips' address, and per pool the
  keyed hashes of the codes issued, sorted (so they follow no print order). Never a code.
- ``CodeSpent``: one code of a pool was spent, with its hash so that it cannot be spent twice,
  stamped with the day only (``recorded_to_the_day``). Never the grades.
- ``CodesReissued``: lost slips. Unspent codes are voided (those listed, or all unspent codes of
  the pool) and new ones issued; spent codes stay spent.
- ``Closed``: every grade sheet, in random order, with the tally counted from them. Never a code,
  a hash or a time: during voting the sheets wait in the ballot box, kept apart from the log
  (``storage/ballot_box.py``), and enter the log only here, shuffled, all at once.

So the log can say which code was spent on which day, and separately how the sheets were filled
in, but nothing in it ties one to the other. Codes are hashed outside the domain with a key
derived from the server's secret and the ballot's salt (``application/evaluation.py``): a
database alone does not let anyone test guesses of codes.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from cxzy_saas.domain.base import TenantAggregate, require, require_past, require_text
from cxzy_saas.domain.errors import InvalidInput, NotFound, StateConflict
from cxzy_saas.domain.scoring import GRADES, POOLS

# A sheet is one letter per subject, in the ballot's order of subjects: "ECCB" graded the first
# subject 优秀, the next two 合格 and the last 基本合格. Every sheet of a ballot has the same
# length, so that a sealed sheet's size says nothing of its grades.
LETTER_OF = {"excellent": "E", "competent": "C", "basic": "B", "incompetent": "I"}
GRADE_OF = {letter: grade for grade, letter in LETTER_OF.items()}
assert set(LETTER_OF) == set(GRADES)


# What separates a code's groups as people type it: spaces and every kind of dash (a Chinese
# input method gives full-width －, and — for a dash key; NFKC turns － into -).
SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212_]+")


def normalise(code: str) -> str:
    """A code as typed from paper: case, spaces, dashes and full-width forms (typed with a
    Chinese input method) do not matter."""
    return SEPARATORS.sub("", unicodedata.normalize("NFKC", code)).upper()


def code_hash(key: bytes, code: str) -> str:
    """HMAC-SHA256 of the normalised code under the ballot's code key (derived by the
    application from the server's secret and the ballot's salt)."""
    return hmac.new(key, normalise(code).encode(), hashlib.sha256).hexdigest()


def subject_key(subject: Mapping[str, str]) -> str:
    return f"{subject['level']}:{subject['subject']}"


def encode_sheet(keys: Sequence[str], grades: Mapping[str, str]) -> str:
    return "".join(LETTER_OF[grades[k]] for k in keys)


def count_sheets(
    keys: Sequence[str], pools: Sequence[str], sheets: Mapping[str, Sequence[str]]
) -> dict[str, dict[str, dict[str, int]]]:
    """The tally: subject key -> pool -> grade -> number of sheets.

    Raises:
        InvalidInput: a sheet of the wrong length, a letter that is no grade, or an unknown
            pool (a sheet that cannot be counted is never counted as something else).
    """
    require(set(sheets) <= set(pools), "ballot.sheet_malformed", field="sheets")
    tallies = {k: {pool: dict.fromkeys(GRADES, 0) for pool in pools} for k in keys}
    for pool, found in sheets.items():
        for sheet in found:
            ok = isinstance(sheet, str) and len(sheet) == len(keys) and set(sheet) <= set(GRADE_OF)
            require(ok, "ballot.sheet_malformed", field="sheets")
            for k, letter in zip(keys, sheet, strict=True):
                tallies[k][pool][GRADE_OF[letter]] += 1
    return tallies


class Ballot(TenantAggregate):
    """A democratic rating: codes issued on paper, grade sheets counted at the close."""

    @classmethod
    def open(
        cls,
        ballot_id: UUID,
        year: int,
        title: str,
        subjects: Sequence[Mapping[str, str]],
        code_hashes: Mapping[str, Sequence[str]],
        on: date,
        *,
        salt: str,
        short: str,
        key_check: str,
    ) -> Ballot:
        """``subjects``: dicts of level ("member" or "group") and subject. Names are not
        copied here (logs written before personal data could be erased hold them): views take
        them from the member or group, so an erased member's name is gone everywhere.
        ``code_hashes``: per pool ("members", "constituents"), the hashes of the issued codes,
        made with the key that ``salt`` and the server's secret give; ``key_check`` lets a
        server tell that its secret is not the one the ballot was opened with."""
        require(on.year == year, "ballot.date_outside_year", field="on", year=year)
        require_past(on, "on")
        require(bool(subjects), "ballot.no_subjects", field="subjects")
        keys = [subject_key(s) for s in subjects]
        require(len(set(keys)) == len(keys), "ballot.subject_twice", field="subjects")
        require(set(code_hashes) <= set(POOLS), "ballot.unknown_pool", field="codes", pools=POOLS)
        require(sum(len(v) for v in code_hashes.values()) > 0, "ballot.no_codes", field="codes")
        # The id is chosen before the codes are hashed (the key is derived with it).
        ballot: Ballot = cls._create(
            cls.Opened,  # type: ignore[attr-defined]
            id=ballot_id,
            year=year,
            title=require_text(title, "title", max_length=200),
            subjects=[dict(s) for s in subjects],
            # Sorted: the hashes must not keep the order in which the slips were printed.
            code_hashes={pool: sorted(h) for pool, h in code_hashes.items()},
            on=on,
            salt=salt,
            short=short,
            key_check=key_check,
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
        salt: str,
        short: str,
        key_check: str,
    ) -> None:
        self.year = year
        self.title = title
        self.subjects = subjects
        self.opened_on = on
        self.salt = salt
        self.short = short
        self.key_check = key_check
        self.pools = [p for p in POOLS if p in code_hashes]
        self.pool_of = {h: pool for pool, hashes in code_hashes.items() for h in hashes}
        self.spent: set[str] = set()
        self.voided: set[str] = set()
        self.tallies: dict[str, dict[str, dict[str, int]]] = {}
        self.turnout: dict[str, dict[str, int]] = {}
        self.closed_on: date | None = None

    key = staticmethod(subject_key)

    @property
    def keys(self) -> list[str]:
        return [subject_key(s) for s in self.subjects]

    @property
    def issued(self) -> dict[str, int]:
        """Codes per pool that count: every code issued, less those voided."""
        found = Counter(self.pool_of[h] for h in self.pool_of if h not in self.voided)
        return {pool: found[pool] for pool in self.pools}

    def cast_count(self, pool: str) -> int:
        return sum(1 for h in self.spent if self.pool_of[h] == pool)

    def check_code(self, digest: str) -> str:
        """The pool of an unspent code of this open ballot.

        Raises:
            NotFound: the code was not issued for this ballot.
            StateConflict: the ballot is closed, or the code was spent or voided.
        """
        if digest not in self.pool_of:
            raise NotFound("ballot.unknown_code", field="code")
        if self.closed_on is not None:
            raise StateConflict("ballot.closed", field="code")
        if digest in self.spent:
            raise StateConflict("ballot.code_used", field="code")
        if digest in self.voided:
            raise StateConflict("ballot.code_voided", field="code")
        return self.pool_of[digest]

    def spend(self, digest: str, grades: Mapping[str, str]) -> tuple[str, str]:
        """Spend the code of hash ``digest`` on a sheet giving a grade to every subject.

        Returns the sheet, (pool, letters), for the ballot box: the log records only that a
        code of the pool was spent, never the sheet.

        Raises:
            NotFound / StateConflict: as :meth:`check_code`.
            InvalidInput: a subject without a grade, an unknown subject or grade.
        """
        pool = self.check_code(digest)
        keys = self.keys
        require(set(grades) <= set(keys), "ballot.unknown_subject", field="grades")
        require(not set(keys) - set(grades), "ballot.grade_missing", field="grades")
        require(
            all(g in GRADES for g in grades.values()),
            "ballot.unknown_grade",
            field="grades",
            grades=GRADES,
        )
        self._spent(code_hash=digest, pool=pool)
        return pool, encode_sheet(keys, grades)

    @event("CodeSpent")
    def _spent(self, code_hash: str, pool: str) -> None:
        self.spent.add(code_hash)

    def reissue(self, pool: str, void: Sequence[str] | None, code_hashes: Sequence[str]) -> int:
        """Lost slips: void the unspent codes of hashes ``void`` (None: every unspent code of
        ``pool``) and issue the codes of ``code_hashes``. Returns the number voided.

        Raises:
            StateConflict: the ballot is closed; a code listed was spent (it stays counted).
            NotFound: a code listed is not one of the pool's.
            InvalidInput: an unknown pool, or nothing to do.
        """
        if self.closed_on is not None:
            raise StateConflict("ballot.closed")
        require(pool in POOLS, "ballot.unknown_pool", field="pool", pools=POOLS)
        for digest in void or ():
            other = self.pool_of.get(digest)
            if other is not None and other != pool:  # a slip of the other pool: say which
                raise InvalidInput("ballot.void_other_pool", field="void", pool=other)
            if other is None:
                raise NotFound("ballot.unknown_code", field="void")
            if digest in self.spent:
                raise StateConflict("ballot.void_spent", field="void")
            if digest in self.voided:
                raise StateConflict("ballot.code_voided", field="void")
        voided = len(self._voidable(pool)) if void is None else len(set(void))
        require(bool(code_hashes) or voided > 0, "ballot.nothing_to_reissue", field="codes")
        self._reissued(
            pool=pool,
            all_unspent=void is None,
            listed=sorted(set(void or ())),
            voided=voided,
            code_hashes=sorted(code_hashes),
        )
        return voided

    def _voidable(self, pool: str) -> set[str]:
        return {
            h
            for h, p in self.pool_of.items()
            if p == pool and h not in self.spent and h not in self.voided
        }

    @event("CodesReissued")
    def _reissued(
        self,
        pool: str,
        all_unspent: bool,
        listed: list[str],
        voided: int,
        code_hashes: list[str],
    ) -> None:
        # "All unspent" lists no hash: which codes were unspent that day follows from the
        # CodeSpent events before it, and needs no second copy; ``voided`` counts them.
        self.voided |= self._voidable(pool) if all_unspent else set(listed)
        if pool not in self.pools:
            self.pools = [p for p in POOLS if p in (*self.pools, pool)]
        self.pool_of.update(dict.fromkeys(code_hashes, pool))

    def close(self, on: date, sheets: Mapping[str, Sequence[str]]) -> dict[str, Any]:
        """Close the ballot with the sheets of its ballot box, already in random order; the
        tally is counted from them. Returns the turnout.

        Raises:
            StateConflict: closed already; the sheets of a pool are not as many as its spent
                codes (the box and the log disagree: retry, or the box was tampered with).
            InvalidInput: a date outside the campaign year or before the opening; a sheet
                that cannot be counted.
        """
        if self.closed_on is not None:
            raise StateConflict("ballot.closed_on", on=self.closed_on)
        require(on.year == self.year, "ballot.date_outside_year", field="on", year=self.year)
        require(on >= self.opened_on, "ballot.closed_before_opened", field="on")
        require_past(on, "on")
        for pool in POOLS:
            if len(sheets.get(pool, ())) != self.cast_count(pool):
                raise StateConflict("ballot.box_mismatch", pool=pool)
        tallies = count_sheets(self.keys, self.pools, sheets)
        turnout = {
            pool: {"issued": n, "cast": self.cast_count(pool)} for pool, n in self.issued.items()
        }
        self._closed(
            on=on,
            turnout=turnout,
            tallies=tallies,
            sheets={pool: list(sheets.get(pool, ())) for pool in self.pools},
        )
        return turnout

    @event("Closed")
    def _closed(
        self,
        on: date,
        turnout: dict[str, Any],
        tallies: dict[str, Any],
        sheets: dict[str, list[str]],
    ) -> None:
        self.closed_on = on
        self.turnout = turnout
        self.tallies = tallies
        self.sheets = sheets


# When a code was spent is kept to the day (base.py stamps the event with the start of its day):
# its minute, beside the log's other events, would help tie the cast to a rater. The close keeps
# its moment: it is the same for every sheet, so it ties none of them to anything, and a close
# stamped with the start of its day would sort before that day's earlier events, which the audit
# trail and the as-of views read in time order (decision 0017).
Ballot.CodeSpent.recorded_to_the_day = True  # type: ignore[attr-defined]


def recount(ballot: Ballot) -> str | None:
    """What does not hold in a closed ballot's record, or None: the tally recomputed from the
    sheets, one sheet per spent code per pool, no more spent codes than codes issued. Used by
    the archive verifier on the archived events (``audit/verify.py``)."""
    if ballot.closed_on is None:
        return None
    for pool in ballot.pools:
        cast, issued = len(ballot.sheets.get(pool, [])), ballot.issued[pool]
        if cast != ballot.cast_count(pool):
            return f"{pool}: {cast} sheets for {ballot.cast_count(pool)} codes spent"
        if ballot.cast_count(pool) > issued:
            return f"{pool}: {ballot.cast_count(pool)} codes spent of {issued} issued"
        if ballot.turnout.get(pool) != {"issued": issued, "cast": cast}:
            return f"{pool}: the turnout recorded is not that of the codes and sheets"
    try:
        counted = count_sheets(ballot.keys, ballot.pools, ballot.sheets)
    except InvalidInput:
        return "a sheet cannot be counted (wrong length or letter)"
    for key in ballot.keys:
        for pool in ballot.pools:
            recorded = ballot.tallies.get(key, {}).get(pool)
            if recorded != counted[key][pool]:
                return (
                    f"{key} ({pool}): the tally is {recorded}, the sheets give {counted[key][pool]}"
                )
    if set(ballot.tallies) != set(ballot.keys):
        return "the tally names other subjects than the ballot"
    return None
