"""Schemathesis against the API as its document describes it: every check, every phase
(examples, coverage, fuzzing, stateful), NUL bytes allowed in generated text, signed in as a
committee admin, a branch secretary and a member, each on a demo of its own (the admin's run
disables accounts and changes passwords). No failure: no 5xx, no undocumented status, header
or body, nothing the document allows refused as invalid nor anything it refuses accepted, 405
with Allow, links that lead to what was made.

Time: the three runs go two at a time in processes of their own (the machine has two cores);
the generated cases per operation (``EXAMPLES``) bound the fuzzing phase, while the coverage
and examples phases are what the document states, whatever their number. Each run's figures
are printed (``-s``): cases, statuses and seconds per phase.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from tests.web.schemathesis_run import Outcome, run_as

EXAMPLES = 4
USERS = ("admin", "b01-secretary", "b01-member")


def test_schemathesis_finds_nothing(tmp_path: Path) -> None:
    # "spawn": a fresh interpreter per run, nothing of this process's threads or files.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        runs = {user: pool.submit(run_as, tmp_path / user, user, EXAMPLES) for user in USERS}
        outcomes: dict[str, Outcome] = {user: run.result() for user, run in runs.items()}
    for user, outcome in outcomes.items():
        seconds = {str(phase): round(s, 1) for phase, s in outcome.seconds.items()}
        print(f"\n{user}: {outcome.cases} cases, statuses {outcome.statuses}, seconds {seconds}")
    for user, outcome in outcomes.items():
        assert not outcome.errors, (user, outcome.errors)
        assert not outcome.server_errors, (user, outcome.server_errors)
        assert not outcome.failures, (user, "\n".join(outcome.failures))
        assert outcome.statuses.get(200, 0) > 0 and outcome.cases > 1000, user
