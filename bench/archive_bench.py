"""Seal and verify of one demo branch-year; target: each under 1 s.

    .venv/bin/python bench/archive_bench.py [--branches N] [--database-url URL]

Builds the demo (SQLite in a temporary folder unless --database-url), closes the campaign,
then times seal, export and verify of branch b01 and prints each figure with its ratio to the
target (ratio < 1 meets it).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from cxzy_saas.application.commands.committee import CloseCampaign
from cxzy_saas.application.manifests import TENANTS_DIR, load_manifest
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.audit import bundle
from cxzy_saas.audit.verify import verify_files
from cxzy_saas.config import Settings
from cxzy_saas.demo.build import build_demo
from cxzy_saas.domain.recording import Actor

TARGET_SECONDS = 1.0
ADMIN = Actor("admin", "committee-admin", "demo")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--branches", type=int, default=6)
    parser.add_argument("--database-url")
    parser.add_argument("--year", type=int, default=2026)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "var", database_url=args.database_url)
        tenancy = Tenancy(settings)
        try:
            started = time.perf_counter()
            build_demo(tenancy, load_manifest(TENANTS_DIR / "demo.toml"), branches=args.branches)
            print(f"demo: {args.branches} branches in {time.perf_counter() - started:.1f} s")
            committee = tenancy.committee("demo")
            # closed at the year's end, or today if it has not come (a close is never later)
            on = min(date(args.year, 12, 31), tenancy.today())
            committee.close_campaign(ADMIN, CloseCampaign(year=args.year, on=on))

            started = time.perf_counter()
            seal = committee.seal_archive(ADMIN, "b01", args.year)
            seal_s = time.perf_counter() - started

            started = time.perf_counter()
            files = committee.export_archive(ADMIN, "b01", args.year)
            export_s = time.perf_counter() - started
            out = Path(tmp) / "b01.zip"
            bundle.write(files, out)
            size = out.stat().st_size

            runs = []
            for _ in range(5):
                started = time.perf_counter()
                result = verify_files(bundle.read(out))
                runs.append(time.perf_counter() - started)
                assert result.ok, result.message()
            verify_s = statistics.median(runs)
        finally:
            tenancy.close()
    print(
        f"branch-year b01 {args.year}: {seal.events} branch events, "
        f"{seal.committee_events} committee events, bundle {len(files)} files"
        + f" ({size / 1024:.0f} KiB zipped)"
    )
    ok = True
    for label, seconds in (("seal", seal_s), ("verify (median of 5)", verify_s)):
        ratio = seconds / TARGET_SECONDS
        ok &= ratio < 1
        print(f"{label:>22}: {seconds * 1000:7.1f} ms   ratio to 1 s target {ratio:.3f}")
    print(f"{'export (with 6 PDFs)':>22}: {export_s * 1000:7.1f} ms   (no target)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
