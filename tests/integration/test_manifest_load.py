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


def test_a_load_refused_half_way_is_finished_by_the_same_command_once_fixed(
    tmp_path: Path,
) -> None:
    """A name with a NUL in the second branch: the first branch and the committee were written
    before the refusal; the fixed manifest adds the rest rather than stopping at "code taken"."""
    code, branch, other = random_code("c"), random_code("b"), random_code("b")
    manifest = tmp_path / "m.toml"
    fixed = MANIFEST.format(code=code, branch=branch, other=other)
    broken = fixed.replace(
        'groups = ["一组"]',
        'groups = ["一组"]\nmembers = [{ member_no = "N1", name = "张\\u0000三" }]',
    )
    manifest.write_text(broken, encoding="utf-8")
    data = str(tmp_path / "var")
    refused = CliRunner().invoke(main, ["tenants", "load", str(manifest), "--data-dir", data])
    assert refused.exit_code == 1 and "run the same command again" in refused.output
    manifest.write_text(
        fixed.replace(
            'groups = ["一组"]',
            'groups = ["一组"]\nmembers = [{ member_no = "N1", name = "张三" }]',
        ),
        encoding="utf-8",
    )
    done = CliRunner().invoke(main, ["tenants", "load", str(manifest), "--data-dir", data])
    assert done.exit_code == 0, done.output
    assert "committee (there already)" in done.output
    assert "0 branches added (2 there already), 0 groups and 1 members added" in done.output
    again = CliRunner().invoke(main, ["tenants", "load", str(manifest), "--data-dir", data])
    assert again.exit_code == 0 and "0 groups and 0 members added" in again.output
    tenancy = Tenancy(Settings(data_dir=Path(data)))
    try:
        assert [m.name for m in tenancy.branch(other).members()] == ["张三"]
        assert [m.member_no for m in tenancy.branch(branch).members()] == ["M1", "M2"]
    finally:
        tenancy.close()


def test_init_with_a_manifest_loads_its_groups_and_members_as_tenants_load_does(
    tmp_path: Path,
) -> None:
    code, branch, other = random_code("c"), random_code("b"), random_code("b")
    manifest = tmp_path / "m.toml"
    manifest.write_text(MANIFEST.format(code=code, branch=branch, other=other), encoding="utf-8")
    data = str(tmp_path / "var")
    done = CliRunner().invoke(main, ["init", "--manifest", str(manifest), "--data-dir", data])
    assert done.exit_code == 0, done.output
    assert "2 added, 0 existed; 3 groups and 2 members added" in done.output
    tenancy = Tenancy(Settings(data_dir=Path(data)))
    try:
        assert [m.member_no for m in tenancy.branch(branch).members()] == ["M1", "M2"]
    finally:
        tenancy.close()
