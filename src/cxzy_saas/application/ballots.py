"""Democratic rating (民主测评) in a branch: open a ballot and print its codes, cast with a code,
reissue lost slips, close and count (decision 0017).

The codes are made here and shown once: the log keeps their hashes, keyed with a key derived
from the server's secret and the ballot's salt (``storage/ballot_box.BallotKeys``), so that a
copy of the database does not let anyone test guesses. A cast records in the log only that one
code of its pool was spent; its grade sheet goes into the ballot box in the same transaction
(``storage/ballot_box.py``). Closing moves every sheet from the box into the log, shuffled, and
empties the box, in one transaction.
"""

from __future__ import annotations

import contextlib
import random
import secrets
from collections.abc import Callable, Mapping
from typing import Any
from uuid import UUID, uuid4

from cxzy_saas.application.commands.evaluation import (
    CastBallot,
    CloseBallot,
    OpenBallot,
    ReissueCodes,
)
from cxzy_saas.application.permissions import BRANCH_WRITERS
from cxzy_saas.application.work import WorkCommands
from cxzy_saas.domain.ballot import Ballot, code_hash
from cxzy_saas.domain.errors import ConcurrentModification, InvalidInput, StateConflict
from cxzy_saas.domain.recording import Actor
from cxzy_saas.domain.scoring import POOLS
from cxzy_saas.storage.ballot_box import BallotKeys, BoxError, BoxOp, MissingBox, boxing, unseal

BALLOT_OPENED = Ballot.Opened  # type: ignore[attr-defined]
# No 0/O, 1/I: codes are typed from paper. 32 symbols, 5 bits each.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12  # 60 bits: see decision 0017 for why not fewer
SHORT_LENGTH = 10  # the slips' address, /b/<short>: 50 bits, unique across tenants in practice
MAX_CODES = 2000  # per pool
RETRIES = 20


def new_code(rng: random.Random | None = None) -> str:
    raw = random_text(CODE_LENGTH, rng)
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def random_text(length: int, rng: random.Random | None = None) -> str:
    choose = rng.choice if rng else secrets.choice
    return "".join(choose(CODE_ALPHABET) for _ in range(length))


def shuffled(sheets: Mapping[str, list[str]], rng: random.Random | None) -> dict[str, list[str]]:
    """Each pool's sheets in a random order that owes nothing to the order they came in:
    sorted first, then shuffled (with the system's CSPRNG; the demo's seeded generator only
    in a trusted back-fill, so that its logs repeat for a seed)."""
    shuffler = rng or secrets.SystemRandom()
    out = {}
    for pool, found in sheets.items():
        pooled = sorted(found)
        shuffler.shuffle(pooled)
        out[pool] = pooled
    return out


class BallotCommands(WorkCommands):
    # Set by the tenancy: the server's secret (config.Settings.server_secret).
    server_secret: Callable[[], bytes]

    def ballot(self, ballot_id: UUID) -> Ballot:
        return self.load(Ballot, ballot_id, "ballot.not_found")

    def ballots(self, year: int) -> list[Ballot]:
        found = [self.ballot(i) for i in self.ids_created_by(BALLOT_OPENED)]
        return [b for b in found if b.year == year]

    def ballot_keys(self, ballot: Ballot) -> BallotKeys:
        """Raises StateConflict when the server's secret is not the one the ballot was opened
        with (its codes could not be checked, nor its box opened)."""
        keys = BallotKeys.derive(self.server_secret(), self.tenant, ballot.id, ballot.salt)
        if keys.check != ballot.key_check:
            raise StateConflict("ballot.box_key_changed")
        return keys

    def code_hash(self, ballot: Ballot, code: str) -> str:
        return code_hash(self.ballot_keys(ballot).codes, code)

    def open_ballot(
        self, actor: Actor, command: OpenBallot, rng: random.Random | None = None
    ) -> tuple[UUID, dict[str, list[str]]]:
        """Open a ballot on the command's subjects and issue ``codes[pool]`` one-time codes.

        Returns the ballot id and the printable codes, which are shown this once and never
        stored. Codes, salt and short id come from ``secrets``; only a trusted back-fill (the
        demo) passes a seeded ``rng`` so that its logs repeat for a seed (and a secret).
        """
        codes = command.codes
        with self.acting(actor, BRANCH_WRITERS):
            self.check_writable(command.year)
            if set(codes) - set(POOLS) or any(n < 0 or n > MAX_CODES for n in codes.values()):
                raise InvalidInput("ballot.codes_out_of_range", field="codes")
            for s in command.subjects:
                self.check_subject(s["level"], s["subject"])
            # No names in the event: a copy of a member's name in the log would outlive the
            # erasure of the member's personal data. Views take names from the member.
            listed = [{"level": s["level"], "subject": s["subject"]} for s in command.subjects]
            ballot_id = UUID(int=rng.getrandbits(128), version=4) if rng else uuid4()
            salt = f"{rng.getrandbits(128):032x}" if rng else secrets.token_hex(16)
            keys = BallotKeys.derive(self.server_secret(), self.tenant, ballot_id, salt)
            printable = {pool: [new_code(rng) for _ in range(n)] for pool, n in codes.items() if n}
            hashes = {
                pool: [code_hash(keys.codes, c) for c in found] for pool, found in printable.items()
            }
            ballot = Ballot.open(
                ballot_id,
                command.year,
                command.title,
                listed,
                hashes,
                command.on,
                salt=salt,
                short=random_text(SHORT_LENGTH, rng),
                key_check=keys.check,
            )
            with boxing(BoxOp("make", ballot_id, keys.box)):
                self.save(ballot)
            return ballot_id, printable

    def cast_ballot(self, command: CastBallot) -> None:
        """Cast one anonymous ballot: the code is spent in the log, the sheet goes into the
        box, in one transaction. Raters who cast at the same moment are serialised by retrying
        on a version conflict; a spent code stays spent whatever the order.

        Raises:
            NotFound / StateConflict / InvalidInput: as ``Ballot.spend``; StateConflict also
                for a server whose secret changed since the opening, or a ballot with no box.
        """
        rater = Actor(user="anonymous", role="rater", tenant=self.tenant)
        self.check_command("cast_ballot", command)
        for _ in range(RETRIES):
            with self.acting(rater, {"rater"}):
                ballot = self.ballot(command.ballot_id)
                keys = self.ballot_keys(ballot)
                pool, sheet = ballot.spend(code_hash(keys.codes, command.code), command.grades)
                try:
                    with boxing(BoxOp("drop", ballot.id, keys.box, pool, sheet)):
                        self.save(ballot)
                    return
                except ConcurrentModification:
                    continue
                except MissingBox:
                    raise StateConflict("ballot.box_missing") from None
                except BoxError:
                    raise StateConflict("ballot.box_key_changed") from None
        raise ConcurrentModification("ballot.busy")

    def reissue_codes(
        self, actor: Actor, command: ReissueCodes, rng: random.Random | None = None
    ) -> tuple[int, dict[str, list[str]]]:
        """Void lost slips' codes and issue new ones; returns how many were voided and the
        new printable codes (shown once, like those of the opening)."""
        with self.acting(actor, BRANCH_WRITERS):
            if not 0 <= command.codes <= MAX_CODES:
                raise InvalidInput("ballot.codes_out_of_range", field="codes")
            ballot = self.ballot(command.ballot_id)
            self.check_writable(ballot.year)
            keys = self.ballot_keys(ballot)
            void = None
            if command.void is not None:
                void = [code_hash(keys.codes, c) for c in command.void if c.strip()]
            printable = [new_code(rng) for _ in range(command.codes)]
            hashes = [code_hash(keys.codes, c) for c in printable]
            voided = ballot.reissue(command.pool, void, hashes)
            self.save(ballot)
            return voided, ({command.pool: printable} if printable else {})

    def ballot_sheets(self, ballot: Ballot) -> dict[str, list[str]]:
        """The sheets in an open ballot's box, by pool (none: an empty box, or none at all)."""
        sealed = self.recorder.ballot_box(ballot.id)  # type: ignore[attr-defined]
        if sealed is None:
            return {}
        try:
            return unseal(self.ballot_keys(ballot).box, ballot.id, sealed)
        except BoxError:
            raise StateConflict("ballot.box_key_changed") from None

    def close_ballot(
        self, actor: Actor, command: CloseBallot, rng: random.Random | None = None
    ) -> dict[str, Any]:
        """Count the ballot: its box's sheets go into the log, shuffled, with the tally, and
        the box is emptied, in one transaction. Returns the turnout per pool.

        The box is read after the ballot is loaded: a cast that commits in between adds a
        sheet without the loaded ballot knowing its code spent, so the counts disagree and the
        close is tried again; a cast after the read makes the save conflict, likewise.

        Raises:
            StateConflict: closed already; a box that does not match the codes spent after
                every retry.
            InvalidInput: a date outside the campaign year, or before the opening.
        """
        with self.acting(actor, BRANCH_WRITERS):
            for attempt in range(RETRIES):
                ballot = self.ballot(command.ballot_id)
                keys = self.ballot_keys(ballot)
                sheets = shuffled(self.ballot_sheets(ballot), rng)
                try:
                    turnout = ballot.close(command.on, sheets)
                except StateConflict as refused:
                    if refused.code == "ballot.box_mismatch" and attempt < RETRIES - 1:
                        continue
                    raise
                try:
                    with boxing(BoxOp("remove", ballot.id, keys.box)):
                        self.save(ballot)
                except ConcurrentModification:
                    continue
                # Committed: tidying the box's table afterwards must not turn it into a failure.
                with contextlib.suppress(Exception):
                    self.recorder.after_close()  # type: ignore[attr-defined]
                return turnout
        raise ConcurrentModification("ballot.busy")
