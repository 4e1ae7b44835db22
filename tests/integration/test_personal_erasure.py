"""Crypto-shredding of members' personal data, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from eventsourcing.persistence import Mapper
from psycopg import sql

from cxzy_saas import wiring
from cxzy_saas.application.commands.organisation import EraseMember
from cxzy_saas.application.manifests import TENANTS_DIR, load_manifest
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.cli import main
from cxzy_saas.config import Settings
from cxzy_saas.demo.build import build_demo
from cxzy_saas.domain.errors import Forbidden, NotFound, StateConflict
from cxzy_saas.domain.events import BY_TOPIC
from cxzy_saas.domain.organisation import ERASED_NAME, Member
from cxzy_saas.domain.recording import Actor, recording
from cxzy_saas.logs.decoding import decode_state
from cxzy_saas.projections import queries
from cxzy_saas.projections.asof import build_checkpoints, replay
from cxzy_saas.projections.engine import MEMBER_EVENTS
from cxzy_saas.storage.personal import KEY_TABLE, KeyRing
from tests.builders import a_branch_with_groups, a_clerk, a_member

YEAR = 2026
NAME, PHONE = "欧阳娜娜", "13912345678"
OPERATOR = Actor(user="operator:test", role="system", tenant="*")


def stored_states(settings: Settings, tenancy: Tenancy, code: str) -> list[bytes]:
    """The event states as stored: through the recorder, and straight from the file/table."""
    states = [n.state for n in tenancy.branch(code).recorder.select_notifications(1, 100000)]
    if settings.database_url:
        with psycopg.connect(settings.database_url) as conn:
            rows = conn.execute(
                sql.SQL("SELECT state FROM {}.cxzy_events").format(sql.Identifier(f"tenant_{code}"))
            ).fetchall()
        return states + [bytes(r[0]) for r in rows]
    folder = Path(settings.data_dir) / "tenants"
    return states + [p.read_bytes() for p in folder.glob(f"{code}.sqlite3*")]


def test_name_and_phone_are_not_stored_in_plaintext_yet_read_back(settings, tenancy):
    code = a_branch_with_groups(tenancy)
    app = tenancy.branch(code)
    app.enrol_member(a_clerk(code), a_member("M001", NAME, phone=PHONE, gender="女"))
    for state in stored_states(settings, tenancy, code):
        assert NAME.encode() not in state and PHONE.encode() not in state
    member = app.member("M001")
    assert (member.name, member.phone, member.gender) == (NAME, PHONE, "女")
    fresh = Tenancy(settings)  # another process: nothing cached
    try:
        assert fresh.branch(code).member("M001").name == NAME
    finally:
        fresh.close()


def test_who_may_erase(tenancy):
    code = a_branch_with_groups(tenancy)
    other = a_branch_with_groups(tenancy)  # another branch, of another committee
    app = tenancy.branch(code)
    committee = tenancy.parent_of(code)
    app.enrol_members(a_clerk(code), [a_member("M001", NAME), a_member("M002", "李强")])
    refused = [
        a_clerk(code),
        Actor("s", "branch-secretary", other),
        Actor("admin", "committee-admin", tenancy.parent_of(other)),
        Actor("v", "committee-viewer", committee),
    ]
    for actor in refused:
        with pytest.raises(Forbidden):
            app.erase_member(actor, EraseMember(member_no="M001", reason="本人申请"))
    app.erase_member(
        Actor("s", "branch-secretary", code), EraseMember(member_no="M001", reason="本人申请")
    )
    app.erase_member(
        Actor("admin", "committee-admin", committee),
        EraseMember(member_no="M002", reason="本人申请"),
    )
    assert [m.name for m in app.members()] == [ERASED_NAME, ERASED_NAME]
    with pytest.raises(StateConflict, match="erased already"):
        app.erase_member(OPERATOR, EraseMember(member_no="M001", reason="again"))
    with pytest.raises(NotFound):
        app.erase_member(OPERATOR, EraseMember(member_no="M999", reason="nobody"))


def test_a_member_enrolled_before_sealing_still_loads_and_is_erased_in_every_read(tenancy):
    code = a_branch_with_groups(tenancy)
    app = tenancy.branch(code)
    with recording(code, a_clerk(code), app.clock):
        legacy = Member.enrol("M001", NAME, "full", None, date(2010, 7, 1), "", PHONE)
    # Written by the library's plain mapper, as every event was before personal data was sealed.
    plain = Mapper(transcoder=app.mapper.transcoder)
    app.recorder.insert_events([plain.to_stored_event(e) for e in legacy.collect_events()])
    assert app.member("M001").name == NAME
    app.erase_member(OPERATOR, EraseMember(member_no="M001", reason="本人申请"))
    assert app.member("M001").name == ERASED_NAME
    assert app.repository.get(legacy.id, version=1).name == ERASED_NAME  # as of enrolment
    assert app.history(legacy.id)[0]["fields"]["phone"] == ""


def store_args(settings: Settings) -> list[str]:
    if settings.database_url:
        return ["--database-url", settings.database_url]
    return ["--data-dir", str(settings.data_dir)]


def test_members_erase_shows_the_member_as_erased_everywhere(demo_settings):
    settings = demo_settings
    tenancy = Tenancy(settings)
    try:
        build_demo(tenancy, load_manifest(TENANTS_DIR / "demo.toml"), branches=2, seed=3)
        commended = [
            e for e in tenancy.committee("demo").commendation(YEAR).named if e["level"] == "member"
        ]
        branch, number, name = commended[0]["branch"], commended[0]["subject"], commended[0]["name"]
        db = wiring.open_read_model(tenancy)
        wiring.projector(tenancy, db).rebuild()
        build_checkpoints(wiring.read_port(tenancy), wiring.read_models(tenancy), db)
        before = {(r["branch"], r["id"]): r for r in queries.board_rows(db, "demo", YEAR, "member")}
        assert before[(branch, number)]["name"] == name

        runner = CliRunner()
        args = ["members", "erase", "--branch", branch, "--member", number, *store_args(settings)]
        done = runner.invoke(main, [*args, "--reason", "本人申请"], catch_exceptions=False)
        assert done.exit_code == 0, done.output
        again = runner.invoke(main, args)
        assert again.exit_code != 0 and "erased already" in again.output
        unknown = runner.invoke(main, [*args[:4], "--member", "X999", *args[6:]])
        assert unknown.exit_code != 0 and "member X999 not found" in unknown.output

        # the application (its cached member fast-forwards over the erasure event)
        app = tenancy.branch(branch)
        assert app.member(number).name == ERASED_NAME
        assert ERASED_NAME in [m.name for m in app.members(include_left=True)]
        assert name not in [m.name for m in app.members(include_left=True)]
        named = tenancy.committee("demo").commendation(YEAR).named
        assert [e["name"] for e in named if e["subject"] == number] == [ERASED_NAME]
        erased = app.history(app.member(number).id)[-1]
        assert erased["event"] == "MemberPersonalDataErased"
        assert erased["fields"] == {"reason": "本人申请"}

        def check(rows: list[dict]) -> None:
            after = {(r["branch"], r["id"]): r for r in rows}
            assert after[(branch, number)]["name"] == ERASED_NAME
            for key, row in before.items():  # scores and ranks by member number unchanged
                assert (after[key]["composite"], after[key]["rank"]) == (
                    row["composite"],
                    row["rank"],
                )
            assert name not in {r["name"] for r in rows}

        wiring.projector(tenancy, db).catch_up()  # incrementally
        check(queries.board_rows(db, "demo", YEAR, "member"))
        with db.read() as tx:
            (subject,) = tx.query(
                "SELECT name FROM rm_subjects WHERE tenant = ? AND subject = ?", (branch, number)
            )
        assert subject[0] == ERASED_NAME
        with replay(
            wiring.read_port(tenancy), wiring.read_models(tenancy), date(YEAR, 12, 31), index=db
        ) as past:  # as of before the erasure
            check(queries.board_rows(past, "demo", YEAR, "member"))
        with replay(
            wiring.read_port(tenancy), wiring.read_models(tenancy), date(YEAR, 3, 15), index=db
        ) as past:  # from a checkpoint
            with past.read() as tx:
                names = [n for (n,) in tx.query("SELECT name FROM rm_subjects")]
            assert ERASED_NAME in names and name not in names
        wiring.projector(tenancy, db).rebuild()
        check(queries.board_rows(db, "demo", YEAR, "member"))
    finally:
        tenancy.close()


def test_a_port_opens_members_names_as_the_application_does(settings, tenancy):
    """The projector opens sealed names through the read port: on PostgreSQL with the store's
    key table, opening no application for a log it knows (a cell of thousands of logs cannot
    keep them open); on both stores, the name, then the erased placeholder."""
    code = a_branch_with_groups(tenancy)
    app = tenancy.branch(code)
    app.enrol_member(a_clerk(code), a_member("M001", NAME))
    app.enrol_member(a_clerk(code), a_member("M002", "司马光"))

    def names() -> dict[str, str]:
        fresh = Tenancy(settings)  # another process: no application open yet
        try:
            port = wiring.read_port(fresh)
            port.tenants()  # the logs known, as a projector learns them
            states = [
                (BY_TOPIC.get(n.topic), decode_state(n.state), n.originator_id)
                for n in port.notifications(code, 0, 1000)
            ]
            enrolled = [d for d in states if d[0] in MEMBER_EVENTS and "member_no" in d[1]]
            port.open_personal(code, enrolled)
            if settings.database_url:
                assert code not in fresh._apps  # the key table read by the store
            return {data["member_no"]: data["name"] for _, data, _ in enrolled}
        finally:
            fresh.close()

    assert names() == {"M001": NAME, "M002": "司马光"}
    app.erase_member(OPERATOR, EraseMember(member_no="M001", reason="本人申请"))
    assert names() == {"M001": ERASED_NAME, "M002": "司马光"}


def test_reading_keys_creates_no_key_table(settings, tenancy):
    """A log whose members were enrolled before names were sealed has no key table: a reader
    (the projector, an audit) finds no keys and creates nothing (a read must not write, and a
    rebuild of thousands of such logs spent milliseconds of DDL on each)."""
    code = a_branch_with_groups(tenancy)
    store = tenancy.store_of(code)

    def key_table_exists() -> bool:
        if settings.database_url:
            with psycopg.connect(settings.database_url) as conn:
                found = conn.execute(
                    "SELECT to_regclass(%s)", (f'"tenant_{code}".{KEY_TABLE}',)
                ).fetchone()
            return found is not None and found[0] is not None
        with sqlite3.connect(store.path(code)) as conn:
            rows = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE name = ?", (KEY_TABLE,)
            ).fetchall()
        return bool(rows)

    assert not key_table_exists()
    assert KeyRing(store, "").lookup([(code, "M001")]) == {}
    assert not key_table_exists()
