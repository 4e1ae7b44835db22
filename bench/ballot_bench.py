"""The secret ballot's costs: hashing codes, casting into a sealed box as it fills, closing.

    .venv/bin/python bench/ballot_bench.py [--codes N] [--subjects N] [--database-url URL]

Opens one ballot of N member codes on a fresh branch (SQLite in a temporary folder unless
--database-url), casts every code, and prints: keyed code hashes per second (HMAC-SHA256, one
core), the time of a cast with the box empty and with the box nearly full (each cast opens,
extends and seals the whole envelope again), the close (every sheet into the log, the box
emptied), and the envelope's size at its fullest.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from cxzy_saas.application.commands.committee import OpenCampaign
from cxzy_saas.application.commands.evaluation import CastBallot, CloseBallot, OpenBallot
from cxzy_saas.application.commands.organisation import EnrolMember
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.config import Settings
from cxzy_saas.domain.ballot import code_hash
from cxzy_saas.domain.recording import Actor
from cxzy_saas.domain.scoring import GRADES

SYSTEM = Actor("system", "system", "*")


def hashes_per_second() -> float:
    key, n = b"k" * 32, 200_000
    started = time.perf_counter()
    for i in range(n):
        code_hash(key, f"ABCD-EFGH-{i:04d}")
    return n / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codes", type=int, default=2000)
    parser.add_argument("--subjects", type=int, default=21)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    print(f"code hashes: {hashes_per_second():,.0f}/s on one core")
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "var", database_url=args.database_url)
        tenancy = Tenancy(settings)
        try:
            suffix = str(time.time_ns())[-8:]
            committee, branch = f"cb{suffix}", f"bb{suffix}"
            tenancy.add_committee(committee, "测试党委")
            tenancy.add_branch(committee, branch, "测试支部")
            tenancy.committee(committee).open_campaign(SYSTEM, OpenCampaign(year=2026, title="测"))
            app = tenancy.branch(branch)
            members = [f"M{i:03d}" for i in range(args.subjects)]
            app.enrol_members(
                SYSTEM,
                [EnrolMember(member_no=m, name=m, joined_on=date(2010, 7, 1)) for m in members],
            )
            started = time.perf_counter()
            ballot, codes = app.open_ballot(
                SYSTEM,
                OpenBallot(
                    year=2026,
                    title="测评",
                    subjects=[{"level": "member", "subject": m} for m in members],
                    codes={"members": args.codes},
                    on=date(2026, 12, 1),
                ),
            )
            print(f"open, {args.codes} codes: {time.perf_counter() - started:.2f} s")
            times = []
            for i, code in enumerate(codes["members"]):
                grades = {f"member:{m}": GRADES[(i + j) % 4] for j, m in enumerate(members)}
                started = time.perf_counter()
                app.cast_ballot(CastBallot(ballot_id=ballot, code=code, grades=grades))
                times.append(time.perf_counter() - started)
            tenth = max(1, len(times) // 10)
            first, last = times[:tenth], times[-tenth:]
            print(
                f"cast: {statistics.median(first) * 1000:.1f} ms (box nearly empty), "
                f"{statistics.median(last) * 1000:.1f} ms (box nearly full), "
                f"{len(times) / sum(times):.0f} casts/s over all {len(times)}"
            )
            sealed = app.recorder.ballot_box(ballot)
            print(f"box at its fullest: {len(sealed) / 1024:.0f} KiB")
            started = time.perf_counter()
            app.close_ballot(SYSTEM, CloseBallot(ballot_id=ballot, on=date(2026, 12, 5)))
            print(f"close, {len(times)} sheets: {time.perf_counter() - started:.2f} s")
        finally:
            tenancy.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
