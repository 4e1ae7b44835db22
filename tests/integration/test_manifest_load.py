"""`cxzy tenants load` provisions a manifest's groups and listed members, or refuses a manifest
that only counts members (the demo's) with a message that says what to list."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.cli import main
from cxzy_saas.config import Settings
from tests.conftest import random_code

MANIFEST = """
[committee]
code = "{code}"
name = "测试党委"

[[branches]]
code = "{branch}"
name = "测试党支部"
groups = [{{ code = "a", name = "甲党小组" }}, {{ code = "b", name = "乙党小组" }}]
members = [
  {{ member_no = "M1", name = "赵一", group = "a", joined_on = "2010-07-01" }},
  {{ member_no = "M2", name = "钱二", group = "b", joined_on = "2012-07-01" }},
]

[[branches]]
code = "{other}"
name = "名称党支部"
groups = ["一组"]
"""


def test_a_manifest_loads_its_groups_and_members(tmp_path: Path) -> None:
    code, branch, other = random_code("c"), random_code("b"), random_code("b")
    manifest = tmp_path / "m.toml"
    manifest.write_text(MANIFEST.format(code=code, branch=branch, other=other), encoding="utf-8")
    data = str(tmp_path / "var")
    done = CliRunner().invoke(main, ["tenants", "load", str(manifest), "--data-dir", data])
    assert done.exit_code == 0, done.output
    assert "3 groups and 2 members" in done.output
    tenancy = Tenancy(Settings(data_dir=Path(data)))
    try:
        app = tenancy.branch(branch)
        assert [(g.code, g.name) for g in app.groups()] == [("a", "甲党小组"), ("b", "乙党小组")]
        assert [m.member_no for m in app.group_members("b")] == ["M2"]
        assert [g.code for g in tenancy.branch(other).groups()] == ["g1"]
    finally:
        tenancy.close()


def test_a_manifest_that_only_counts_members_is_refused_before_anything_is_written(
    tmp_path: Path,
) -> None:
    code, branch = random_code("c"), random_code("b")
    manifest = tmp_path / "m.toml"
    manifest.write_text(
        f'[committee]\ncode = "{code}"\nname = "党委"\n\n[[branches]]\ncode = "{branch}"\n'
        'name = "支部"\ngroups = ["一组"]\nmembers = 9\n',
        encoding="utf-8",
    )
    data = str(tmp_path / "var")
    done = CliRunner().invoke(main, ["tenants", "load", str(manifest), "--data-dir", data])
    assert done.exit_code != 0
    assert "gives a count of 9 members" in done.output and "list each member" in done.output
    tenancy = Tenancy(Settings(data_dir=Path(data)))
    try:
        assert code not in tenancy.registry().committees()
    finally:
        tenancy.close()
