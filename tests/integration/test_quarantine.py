"""Nothing an event holds stops the projector: an event that does not decode, one whose rows the
database refuses (a NUL in a PostgreSQL text column) and one whose handler raises are put in
quarantine; every other event of every tenant is projected, a rebuild completes, the status shows
them, and a retry after a fix projects them.

The bad events are written straight into a tenant's store, as a bug or an old version of the
edge could have let them in: the log is immutable, so they stay there for good.
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson
import pytest
from eventsourcing.persistence import StoredEvent

from cxzy_saas import wiring
from cxzy_saas.application.commands.organisation import FormGroup
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.domain.events import GroupFormed
from cxzy_saas.projections import engine, handlers
from cxzy_saas.projections.queries import dump
from tests.builders import a_clerk, a_committee_with_branches, a_member


def group_formed_state(tenancy: Tenancy, branch: str) -> tuple[str, dict[str, Any]]:
    """The topic and decoded JSON of a real GroupFormed event of ``branch``'s log."""
    app = tenancy.branch(branch)
    for n in app.recorder.select_notifications(1, 1000):
        if n.topic.endswith("Group.Formed"):
            return n.topic, orjson.loads(n.state)
    raise AssertionError("no group formed")


def append_raw(tenancy: Tenancy, branch: str, topic: str, state: bytes) -> None:
    tenancy.branch(branch).recorder.insert_events(
        [StoredEvent(originator_id=uuid.uuid4(), originator_version=1, topic=topic, state=state)]
    )


def a_group(topic_state: tuple[str, dict[str, Any]], code: str, **changes: Any) -> bytes:
    _, data = topic_state
    return orjson.dumps({**data, "code": code, **changes})


@pytest.fixture
def busy(tenancy: Tenancy) -> tuple[str, list[str]]:
    committee, branches = a_committee_with_branches(tenancy, "第一支部", "第二支部")
    for code in branches:
        app = tenancy.branch(code)
        clerk = a_clerk(code)
        app.form_group(clerk, FormGroup(code="g1", name="第一党小组"))
        app.enrol_member(clerk, a_member("M001", group="g1"))
    return committee, branches


def test_bad_events_are_quarantined_and_everything_else_projected(
    tenancy: Tenancy, busy: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    committee, (first, second) = busy
    postgres = tenancy.settings.backend == "postgres"
    sample = group_formed_state(tenancy, first)
    topic = sample[0]
    # 1. does not decode (the JSON of a NaN the edge once let through)
    append_raw(tenancy, first, topic, a_group(sample, "g7")[:-1] + b',"weight":Infinity}')
    # 2. a NUL in a text column (PostgreSQL refuses it; SQLite stores it)
    append_raw(tenancy, first, topic, a_group(sample, "g8", name="第\u0000八组"))
    # 3. its handler raises (a field the handler needs is missing)
    broken = {k: v for k, v in sample[1].items() if k != "name"}
    append_raw(tenancy, second, topic, orjson.dumps({**broken, "code": "g9"}))
    # good events after the bad ones, in both logs
    for code in (first, second):
        tenancy.branch(code).form_group(a_clerk(code), FormGroup(code="g2", name="第二党小组"))

    projector = wiring.projector(tenancy, batch_size=50)
    projector.catch_up()

    expected = 3 if postgres else 2
    quarantined = projector.quarantine()
    assert len(quarantined) == expected, quarantined
    assert {q["tenant"] for q in quarantined} == ({first, second})
    assert all(q["topic"] == topic and q["error"] and q["attempts"] == 1 for q in quarantined)
    assert {r["tenant"]: r["lag"] for r in projector.status() if r["committee"] == committee} == {
        committee: 0,
        first: 0,
        second: 0,
    }
    groups = {r["committee"]: r for r in projector.health()["committees"]}[committee]
    assert groups["quarantined"] == expected and groups["lag"] == 0
    assert subjects(projector, first) == {"g1", "g2", "M001"} | (set() if postgres else {"g8"})
    assert subjects(projector, second) == {"g1", "g2", "M001"}

    # a rebuild completes, the same events stay quarantined (one more attempt each)
    stats = projector.rebuild()
    assert stats.quarantined == expected
    assert [q["attempts"] for q in projector.quarantine()] == [2] * expected
    assert subjects(projector, second) == {"g1", "g2", "M001"}

    # after a fix (here: a decoder and a handler that tolerate what these events hold), a
    # retry projects them and the quarantine is empty
    lenient = engine.decode_state

    def decode(state: bytes) -> dict[str, Any]:
        return lenient(state.replace(b"Infinity", b"0"))

    def group_formed(p: Any, tenant: str, aggregate: str, version: int, data: Any) -> None:
        name = data.get("name", "未命名").replace("\x00", "")
        handlers.group_formed(p, tenant, aggregate, version, {**data, "name": name})

    monkeypatch.setattr(engine, "decode_state", decode)
    monkeypatch.setitem(engine.HANDLERS, GroupFormed, group_formed)
    # (a retry rebuilds the committee of the events chosen: its other branch's are tried too)
    projector.retry(tenant=first)
    assert projector.quarantine() == []
    assert subjects(projector, first) == {"g1", "g2", "g7", "g8", "M001"}
    assert subjects(projector, second) == {"g1", "g2", "g9", "M001"}
    # and the read model is the clean rebuild's
    before = dump(projector.db)
    projector.rebuild()
    assert dump(projector.db) == before


def subjects(projector: Any, tenant: str) -> set[str]:
    with projector.db.read() as tx:
        return {
            s for (s,) in tx.query("SELECT subject FROM rm_subjects WHERE tenant = ?", (tenant,))
        }


def test_a_retry_of_what_is_not_quarantined_says_so_and_fails(tmp_path):
    from click.testing import CliRunner

    from cxzy_saas.cli import main
    from cxzy_saas.config import Settings

    tenancy = Tenancy(Settings(data_dir=tmp_path / "var"))
    try:
        _, (branch,) = a_committee_with_branches(tenancy, "第一党支部")
    finally:
        tenancy.close()
    asked = ["project", "retry", "--tenant", branch, "--position", "99"]
    result = CliRunner().invoke(main, [*asked, "--data-dir", str(tmp_path / "var")])
    assert result.exit_code == 1, result.output
    assert f"nothing is quarantined at {branch}@99" in result.output
