"""The benchmarks' data generators still write valid campaigns: they go through the domain, so
a new rule (dated plan steps, no future dates) can refuse what they write, and the benchmark
then dies at its first branch, as the scale-out bench once did, unseen by the suite."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from cxzy_saas import wiring
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.config import Settings

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture
def bench_module(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.syspath_prepend(str(BENCH))

    def load(name: str):  # type: ignore[no-untyped-def]
        sys.modules.pop(name, None)
        return importlib.import_module(name)

    return load


def test_the_generated_committee_is_written_and_projects(tmp_path, bench_module):
    generate = bench_module("generate")
    tenancy = Tenancy(Settings(data_dir=tmp_path))
    try:
        events = generate.generate(tenancy, 2, members=3, records=6)
        assert events > 100
        projector = wiring.projector(tenancy, wiring.open_read_model(tenancy))
        projector.rebuild()
        assert not projector.quarantine()
    finally:
        tenancy.close()


def test_the_list_benchmarks_years_are_written(tmp_path, bench_module):
    lists = bench_module("list_latency")
    tenancy = Tenancy(Settings(data_dir=tmp_path))
    try:
        assert lists.generate(tenancy, years=2, members=4, per_week=1) > 50
    finally:
        tenancy.close()


def test_the_list_benchmarks_branch_has_a_ranking_every_year(tmp_path, bench_module):
    """The list bench times the ranking route of each year: the branch follows the committee's
    plan, so every year has one."""
    lists = bench_module("list_latency")
    tenancy = Tenancy(Settings(data_dir=tmp_path))
    try:
        lists.generate(tenancy, years=2, members=4, per_week=1)
        branch = tenancy.branch(lists.BRANCH)
        for year in (lists.LAST - 1, lists.LAST):
            assert branch.ranking(year)["member"], year
    finally:
        tenancy.close()
