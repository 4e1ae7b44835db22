"""Latency of the audit pages and the boards at scale (issue 15): ``/committee/audit/diff`` (a
summary, then one section's details a page at a time) and a member's
``/committee/audit/trail`` filtered by kind and day, and the member board searched, sorted and
paged, on a ``cxzy demo --branches 40`` data folder.

    .venv/bin/cxzy demo --no-serve --branches 40 --data-dir /tmp/demo40
    .venv/bin/python bench/audit_scale.py /tmp/demo40 [--repeat 5]

Signs in as the auditor through the Flask test client (the whole route: session, replay from
the logs, template) and prints, per request, the first time and the median of ``--repeat``
more. Nothing is written to the data folder but the sign-in's session bookkeeping and the
diffs and images kept in ``DIR/audit-cache/`` (decisions 0029 and 0034): a second run reads
the diffs, unless ``--fresh`` removes the folder first (a diff replayed from the first
event), or ``--images`` removes the diffs only (a diff never asked before, replayed from the
images earlier diffs left). ``--from``/``--to`` choose the diff's days.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from cxzy_saas.config import Settings
from cxzy_saas.web.app import create_app


def timed(client, url: str) -> tuple[float, int, int]:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, (url, response.status_code)
    return elapsed * 1000, len(response.data), response.status_code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument(
        "--fresh", action="store_true", help="remove the kept diffs first (DIR/audit-cache)"
    )
    parser.add_argument(
        "--images", action="store_true", help="remove the kept diffs first, not the images"
    )
    parser.add_argument("--from", dest="start", help="the diff's first day (default: June 30)")
    parser.add_argument("--to", dest="end", help="the diff's later day (default: September 30)")
    args = parser.parse_args()
    if args.fresh:
        shutil.rmtree(args.data_dir / "audit-cache", ignore_errors=True)
    if args.images:
        for kept in (args.data_dir / "audit-cache").glob("diff-*.json"):
            kept.unlink()
    app = create_app(
        Settings(data_dir=args.data_dir),
        {"TESTING": True, "EMBEDDED_PROJECTOR": False, "WTF_CSRF_ENABLED": False},
    )
    client = app.test_client()
    signed = client.post("/login", data={"username": "auditor", "password": "demo"})
    assert signed.status_code == 302, signed.status_code
    year = args.year
    listing = client.get("/committee/audit/trail?branch=b01").get_data(as_text=True)
    member = re.findall(r"subject=(B01\d+)", listing)[0]
    trail = f"/committee/audit/trail?branch=b01&subject={member}"
    board = f"/committee/boards/member?campaign={year}"
    start, end = args.start or f"{year}-06-30", args.end or f"{year}-09-30"
    diff = f"/committee/audit/diff?campaign={year}&from={start}&to={end}"
    urls = {
        "diff: summary + first member page": diff + "&show=member",
        "diff: member page 3": diff + "&show=member&page=3",
        "diff: scores of b07": diff + "&show=scores&branch=b07",
        "trail: first page": trail,
        "trail: kind=Assessment.Recorded": trail + "&kind=Assessment.Recorded",
        "trail: recorded 2026-03-01..2026-05-31": trail + "&from=2026-03-01&to=2026-05-31",
        "board: members, page 1": board,
        "board: q=张, sort=-composite": f"{board}&q=张&sort=-composite",
        "board: bottom 20": f"{board}&sort=-rank&per_page=20",
        "board: branch b12, page 2 of 10": f"{board}&branch=b12&per_page=10&page=2",
    }
    print(f"data: {args.data_dir}; member {member}; diff {start} to {end}; {args.repeat} repeats")
    print(f"{'request':45} {'first ms':>9} {'median ms':>10} {'max ms':>8} {'KB':>6}")
    for name, url in urls.items():
        first, size, _ = timed(client, url)
        runs = [timed(client, url)[0] for _ in range(args.repeat)]
        print(
            f"{name:45} {first:9.0f} {statistics.median(runs):10.0f} {max(runs):8.0f} "
            f"{size / 1024:6.0f}"
        )


if __name__ == "__main__":
    main()
