"""The organisation tree and search read models on SQLite and PostgreSQL: the same answers,
wildcards taken as text."""

from __future__ import annotations

from cxzy_saas import wiring
from cxzy_saas.application.manifests import TENANTS_DIR, load_manifest
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.demo.build import build_demo
from cxzy_saas.projections import organisation


def test_tree_and_search(demo_tenancy: Tenancy) -> None:
    tenancy = demo_tenancy
    build_demo(tenancy, load_manifest(TENANTS_DIR / "demo.toml"), branches=2, seed=5, year=2026)
    db = wiring.open_read_model(tenancy)
    wiring.projector(tenancy, db).rebuild()
    tree = organisation.tree(db, "demo")
    b01 = tenancy.branch("b01")
    assert [b["code"] for b in tree] == ["b01", "b02"]
    first = tree[0]
    assert first["name"] == b01.branch().name
    assert first["members"] == len(b01.members())
    in_groups = {m["no"] for g in first["groups"] for m in g["members"]}
    assert in_groups == {m.member_no for m in b01.members()}
    member = b01.members()[1]
    found = organisation.search(db, "demo", member.member_no.lower())
    assert ("member", "b01", member.member_no) in {
        (r["level"], r["branch"], r["code"]) for r in found
    }
    assert organisation.search(db, "demo", str(member.name))[0]["name"] == member.name
    assert organisation.search(db, "demo", b01.branch().name)[0]["level"] == "branch"
    assert organisation.search(db, "demo", "%") == []
    assert organisation.search(db, "demo", "_") == []
    assert organisation.search(db, "other", member.member_no) == []
