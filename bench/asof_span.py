"""How many events an as-of replay projects after its checkpoint, on every day of the year, under
the calendar's checkpoints alone and under the calendar's and the event budget's
(``asof.checkpoint_days``): a count, not a timing, so it says the same on a loaded machine.

    .venv/bin/python bench/asof_span.py [--database-url postgresql://postgres@127.0.0.1:5432/postgres]

Builds the scale-out bench's first size (10 committees of 20 branches over two cells, in fresh
databases beside the URL's, dropped afterwards), rebuilds the read models and prints, for
committee c000, the median, p95 and max of the events replayed per as-of day and the images
each rule keeps per cell.
"""

import argparse
import statistics
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scaleout_bench as sb

from cxzy_saas.projections import asof


def replayed(db: Any, scope: set[str], days: list[date], last: date) -> list[int]:
    """For every day of the bench's year: the events of ``scope`` after the latest of
    ``days`` at or before it, sorted."""
    cache: dict[date, dict[str, int]] = {}

    def at(day: date) -> dict[str, int]:
        if day not in cache:
            cache[day] = {t: q for t, q in asof.positions_at(db, day).items() if t in scope}
        return cache[day]

    counts = []
    day = date(sb.YEAR, 1, 1)
    while day < min(last, date(sb.YEAR, 12, 31)):
        start = max((c for c in days if c <= day), default=None)
        now, then = at(day), (at(start) if start else {})
        counts.append(sum(q - then.get(t, 0) for t, q in now.items()))
        day += timedelta(days=1)
    return sorted(counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    url = parser.parse_args().database_url
    args = argparse.Namespace(branches=20, members=15, records=140, templates=10, lease=2.0)
    deployment = sb.Deployment(url, 2, Path(tempfile.mkdtemp(prefix="cxzy-span-")))
    try:
        deployment.grow(10, args)
        projectors = deployment.projectors()
        for projector in projectors:
            projector.rebuild()
        code, cell = deployment.committees[0]
        db = next(p.db for p in projectors if (p.models.cell or sb.DEFAULT_CELL) == cell)
        scope = set(asof.scope_of(db, code))
        with db.read() as tx:
            span = tx.query("SELECT MIN(day), MAX(day) FROM rm_time_index")[0]
        first, last = (date.fromisoformat(str(d)) for d in span)
        rules = {
            "calendar (before)": asof.calendar_days(first, last),
            "calendar and event budget": asof.checkpoint_days(db),
        }
        for name, days in rules.items():
            counts = replayed(db, scope, days, last)
            print(
                f"{name}: {len(days)} images per cell; committee {code}'s events replayed per "
                f"as-of day: median {statistics.median(counts):.0f}, "
                f"p95 {counts[int(0.95 * len(counts)) - 1]}, max {counts[-1]}",
                flush=True,
            )
    finally:
        deployment.close()


if __name__ == "__main__":
    main()
