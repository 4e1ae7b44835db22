"""The projector's catch-up over logs held in memory (the read port's in-memory implementation):
tenants, subjects, record counts, erasure and restarts, at unit speed (no store, no file).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from cxzy_saas.domain.committee import Committee, Registry
from cxzy_saas.domain.organisation import ERASED_NAME, Group, Member
from cxzy_saas.domain.plan import Campaign
from cxzy_saas.domain.recording import Actor, SimulatedClock, recording
from cxzy_saas.domain.work import DailyRecord
from cxzy_saas.logs.memory import MemoryLogs
from cxzy_saas.logs.port import REGISTRY
from cxzy_saas.projections.db import ReadModelDB, SQLiteReadModel
from cxzy_saas.projections.engine import CatchUp
from cxzy_saas.projections.queries import dump

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Beijing


class Logs:
    """Commands of a committee ``c1`` and its branch ``b1``, recorded into memory an hour apart."""

    def __init__(self) -> None:
        self.port = MemoryLogs()
        self.clock = SimulatedClock(START)

    def record(self, tenant: str, *aggregates: Any) -> None:
        self.port.record(tenant, [e for a in aggregates for e in a.collect_events()])

    def acting(self, tenant: str, role: str = "branch-clerk") -> Any:
        self.clock.set(self.clock() + timedelta(hours=1))
        return recording(tenant, Actor(f"{tenant}-user", role, tenant), self.clock)


@pytest.fixture
def logs() -> Logs:
    given = Logs()
    with given.acting(REGISTRY, "system"):
        registry = Registry()
        registry.register_committee("c1", "机关党委")
    given.record(REGISTRY, registry)
    with given.acting("c1", "committee-admin"):
        committee = Committee(code="c1", name="机关党委")
        committee.register_branch("b1", "第一党支部", set())
        campaign = Campaign.open(2026, "2026 年创先争优")
    given.record("c1", committee, campaign)
    with given.acting("b1"):
        group = Group.form("g1", "第一党小组")
        members = [
            Member.enrol(no, name, "full", group.id, date(2010, 7, 1))
            for no, name in (("M1", "王芳"), ("M2", "李强"))
        ]
    given.record("b1", group, *members)
    return given


def a_model() -> SQLiteReadModel:
    return SQLiteReadModel(":memory:")


def rows(db: ReadModelDB, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with db.read() as tx:
        return tx.query(sql, params)


def test_the_tenants_and_subjects_of_every_log_are_projected(logs):
    db = a_model()
    stats = CatchUp(logs.port, db).catch_up()
    assert stats.events == sum(logs.port.head(t) for t in (REGISTRY, "c1", "b1"))
    assert rows(db, "SELECT tenant, kind, name, parent FROM rm_tenants ORDER BY tenant") == [
        ("b1", "branch", "第一党支部", "c1"),
        ("c1", "committee", "机关党委", None),
    ]
    assert rows(db, "SELECT subject, name, active FROM rm_subjects ORDER BY subject") == [
        ("M1", "王芳", 1),
        ("M2", "李强", 1),
        ("g1", "第一党小组", 1),
    ]
    assert rows(db, "SELECT committee, year, board_open FROM rm_campaigns") == [("c1", 2026, 0)]
    assert dict(rows(db, "SELECT tenant, position FROM rm_tracking")) == {
        REGISTRY: 2,
        "c1": 3,
        "b1": 3,
    }
    # every event's day, in the committee's time zone, is in the as-of index
    assert rows(db, "SELECT DISTINCT day FROM rm_time_index") == [("2026-03-02",)]


def test_small_batches_give_the_same_read_model_as_one(logs):
    whole, pieces = a_model(), a_model()
    CatchUp(logs.port, whole).catch_up()
    stats = CatchUp(logs.port, pieces, batch_size=2).catch_up()
    assert stats.batches == 4
    assert dump(pieces) == dump(whole)


def test_a_retraction_after_a_restart_recalls_its_records_month_from_the_log(logs):
    db = a_model()
    with logs.acting("b1"):
        record = DailyRecord(
            year=2026,
            on=date(2026, 3, 1),
            level="member",
            subject="M1",
            criterion=None,
            text="学习党章",
            evidence="",
        )
    logs.record("b1", record)
    CatchUp(logs.port, db).catch_up()
    assert rows(db, "SELECT month, records FROM rm_record_counts") == [(3, 1)]
    with logs.acting("b1"):
        record.retract("记错了")
    logs.record("b1", record)
    # a new catch-up knows nothing of the record but what the port's events(...) tell it
    CatchUp(logs.port, db).catch_up()
    assert rows(db, "SELECT month, records FROM rm_record_counts") == [(3, 0)]


def test_a_log_projected_to_its_end_leaves_none_of_its_facts_in_memory(logs):
    """A rebuild of a cell of thousands of branches kept every log's row keys, facts and plans
    to its end: what a log's later events need is dropped once the log is projected."""
    db = a_model()
    with logs.acting("b1"):
        records = [
            DailyRecord(
                year=2026,
                on=date(2026, 3, 1),
                level="member",
                subject="M1",
                criterion=None,
                text=f"学习党章第{n}章",
                evidence="",
            )
            for n in range(1, 4)
        ]
    logs.record("b1", *records)
    catch = CatchUp(logs.port, db, batch_size=2)
    kept: list[set[str]] = []
    settle = catch._settle

    def settled(*args: Any) -> int:
        done = settle(*args)
        held = catch._projection
        kept.append({key[0] for cache in (held.facts, held.keys, held.plans) for key in cache})
        return done

    catch._settle = settled  # type: ignore[method-assign]
    catch.catch_up()
    assert {"b1"} in kept  # its members' row keys, while its log was being read
    held = catch._projection
    assert held.facts == {} and held.keys == {} and held.plans == {}
    assert rows(db, "SELECT month, records FROM rm_record_counts") == [(3, 3)]
    with logs.acting("b1"):
        records[0].retract("记错了")
    logs.record("b1", records[0])
    catch.catch_up()  # the facts forgotten are read back from the log
    assert rows(db, "SELECT month, records FROM rm_record_counts") == [(3, 2)]


def test_an_erasure_shows_the_member_erased_and_is_told_to_the_live_projector(logs):
    db = a_model()
    CatchUp(logs.port, db).catch_up()
    member: Any = None
    for event in logs.port.events("b1", Member.id_for("b1", "M1")):
        member = event.mutate(member)  # the member as its log has it
    with logs.acting("b1", "branch-secretary"):
        member.erase_personal_data("本人申请")
    logs.record("b1", member)
    logs.port.erase("b1", member.id)  # and its key destroyed
    erased: list[tuple[str, str]] = []
    CatchUp(logs.port, db, erased=erased.extend).catch_up()
    assert erased == [("b1", "M1")]
    assert rows(db, "SELECT name FROM rm_subjects WHERE subject = 'M1'") == [(ERASED_NAME,)]
    # from the start, the enrolment itself reads as erased: a rebuild never shows the name
    rebuilt = a_model()
    CatchUp(logs.port, rebuilt).catch_up()
    assert dump(rebuilt) == dump(db)
    assert all("王芳" not in repr(row) for table in dump(rebuilt).values() for row in table)


def test_a_replay_stops_where_it_is_told_and_tells_no_one_of_erasures(logs):
    db, told = a_model(), []
    CatchUp(logs.port, db, erased=told.extend).catch_up(stop_at={REGISTRY: 2, "c1": 2})
    assert dict(rows(db, "SELECT tenant, position FROM rm_tracking")) == {REGISTRY: 2, "c1": 2}
    assert rows(db, "SELECT COUNT(*) FROM rm_subjects") == [(0,)]
    assert rows(db, "SELECT tenant FROM rm_tenants ORDER BY tenant") == [("b1",), ("c1",)]
    assert told == []
