"""The secret ballot, read from the stores themselves (SQLite files and PostgreSQL schemas).

After real casts, every row of every table of every store is read directly, as someone with a
copy of the database would: no code in clear anywhere; during voting no grade sheet in clear;
after the close, no record that holds grades also holds a code's hash or a time finer than a day;
and the order of the casts is not in the sheets' order, in the box or in the log.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from cxzy_saas import wiring
from cxzy_saas.application.commands.committee import CloseCampaign, OpenCampaign
from cxzy_saas.application.commands.evaluation import (
    CastBallot,
    CloseBallot,
    OpenBallot,
    ReissueCodes,
)
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.config import Settings
from cxzy_saas.domain.ballot import normalise
from cxzy_saas.domain.errors import StateConflict
from cxzy_saas.storage.ballot_box import TABLE, BallotKeys, unseal
from tests.builders import (
    a_clerk,
    a_committee_admin,
    a_committee_with_branches,
    a_member,
    close_year,
)

YEAR = 2026
MEMBERS = [f"M{i}" for i in range(1, 7)]  # six subjects: a sheet is six letters
LETTERS = "ECBI"
# A time of day other than midnight, as the stores write times (ISO or PostgreSQL's text).
FINE_TIME = re.compile(r"\d{2}:\d{2}:\d{2}(?:\.\d+)?")


def distinct_sheets(n: int) -> list[str]:
    """n different sheets, none of them a run of one letter (so none is a substring of
    anything but a sheet)."""
    found = []
    for i in range(n):
        digits = [(i // 4**k) % 4 for k in range(len(MEMBERS))]
        found.append("".join(LETTERS[(d + k) % 4] for k, d in enumerate(digits)))
    return found


def grades_of(sheet: str) -> dict[str, str]:
    names = {"E": "excellent", "C": "competent", "B": "basic", "I": "incompetent"}
    return {f"member:{m}": names[letter] for m, letter in zip(MEMBERS, sheet, strict=True)}


# Reading every store as it lies


def _text(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        raw = bytes(value)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode("latin-1")
    return str(value)


def sqlite_rows(data_dir: Path) -> Iterator[tuple[str, str]]:
    """(file:table, row as text) for every row of every table of every SQLite file."""
    for path in sorted(data_dir.rglob("*.sqlite3")):
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = [
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            ]
            for table in tables:
                for row in conn.execute(f'SELECT * FROM "{table}"'):
                    yield f"{path.name}:{table}", " | ".join(_text(v) for v in row)
        finally:
            conn.close()


def postgres_rows(url: str) -> Iterator[tuple[str, str]]:
    """(schema.table, row as text) for every row of every table of the database, in the order
    the heap keeps them (no ORDER BY: as a dump would read them)."""
    with psycopg.connect(url) as conn:
        tables = conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' "
            "AND table_schema NOT IN ('pg_catalog', 'information_schema')"
        ).fetchall()
        for schema, table in tables:
            query = sql.SQL("SELECT * FROM {}.{}").format(
                sql.Identifier(schema), sql.Identifier(table)
            )
            for row in conn.execute(query):
                yield f"{schema}.{table}", " | ".join(_text(v) for v in row)


def every_row(settings: Settings, tenancy: Tenancy) -> list[tuple[str, str]]:
    """Every row of every store, the read models brought up to date first."""
    projector = wiring.projector(tenancy)
    try:
        projector.catch_up()
    finally:
        projector.db.close()
    rows = list(sqlite_rows(settings.data_dir))
    if settings.database_url:
        rows += list(postgres_rows(settings.database_url))
    return rows


def raw_files(settings: Settings) -> Iterator[tuple[str, bytes]]:
    """Every file of the data folder, write-ahead logs included, byte for byte."""
    for path in sorted(p for p in settings.data_dir.rglob("*") if p.is_file()):
        yield str(path), path.read_bytes()


def spellings(code: str) -> list[str]:
    plain = normalise(code)
    return [code, plain, code.lower(), plain.lower()]


# The scenario


@pytest.fixture
def voting(settings: Settings) -> Iterator[dict[str, Any]]:
    tenancy = Tenancy(settings)
    committee, (branch,) = a_committee_with_branches(tenancy, "第一党支部")
    tenancy.committee(committee).open_campaign(
        a_committee_admin(committee), OpenCampaign(year=YEAR, title="2026年创先争优")
    )
    app = tenancy.branch(branch)
    clerk = a_clerk(branch)
    app.enrol_members(clerk, [a_member(m, f"党员{m}", group=None) for m in MEMBERS])
    ballot, codes = app.open_ballot(
        clerk,
        OpenBallot(
            year=YEAR,
            title="年终民主测评",
            subjects=[{"level": "member", "subject": m} for m in MEMBERS],
            codes={"members": 12, "constituents": 3},
            on=date(YEAR, 12, 1),
        ),
    )
    cast = distinct_sheets(10)
    for code, sheet in zip(codes["members"], cast, strict=False):
        app.cast_ballot(CastBallot(ballot_id=ballot, code=code, grades=grades_of(sheet)))
    # a lost constituent slip: voided, and a new one printed and cast
    _, new = app.reissue_codes(
        clerk,
        ReissueCodes(
            ballot_id=ballot, pool="constituents", codes=1, void=[codes["constituents"][2]]
        ),
    )
    codes["constituents"] += new["constituents"]
    constituent_sheet = "IBCEEC"
    app.cast_ballot(
        CastBallot(
            ballot_id=ballot, code=new["constituents"][0], grades=grades_of(constituent_sheet)
        )
    )
    try:
        yield {
            "tenancy": tenancy,
            "app": app,
            "clerk": clerk,
            "ballot": ballot,
            "codes": [c for pool in codes.values() for c in pool],
            "cast": cast,
            "all_sheets": [*cast, constituent_sheet],
        }
    finally:
        tenancy.close()


def test_during_voting_no_store_holds_a_code_or_a_sheet_in_clear(settings, voting):
    rows = every_row(settings, voting["tenancy"])
    assert any(TABLE in where for where, _ in rows), "the ballot box was not read"
    for where, text in rows:
        for code in voting["codes"]:
            assert not any(s in text for s in spellings(code)), f"code {code} in {where}"
        for sheet in voting["all_sheets"]:
            assert sheet not in text, f"sheet {sheet} in clear in {where}"
    for where, data in raw_files(settings):
        for code in voting["codes"]:
            assert not any(s.encode() in data for s in spellings(code)), f"code in {where}"


def test_the_box_is_one_sealed_envelope_whose_order_is_not_the_order_of_the_casts(settings, voting):
    app, ballot_id = voting["app"], voting["ballot"]
    boxes = [
        text
        for where, text in every_row(settings, voting["tenancy"])
        if where.endswith(TABLE) and app.tenant in where  # its schema, or its file
    ]
    assert len(boxes) == 1  # one row per open ballot, whatever the number of casts
    ballot = app.ballot(ballot_id)
    keys = BallotKeys.derive(settings.server_secret(), app.tenant, ballot_id, ballot.salt)
    sheets = unseal(keys.box, ballot_id, app.recorder.ballot_box(ballot_id))
    assert sorted(sheets["members"]) == sorted(voting["cast"])
    assert sheets["members"] != voting["cast"]  # 1 in 10! by chance
    # another server secret cannot open it, nor check a code
    wrong = BallotKeys.derive(b"another server", app.tenant, ballot_id, ballot.salt)
    assert wrong.check != ballot.key_check


def test_after_the_close_no_record_with_grades_holds_a_hash_or_a_time_finer_than_a_day(
    settings, voting
):
    app, ballot_id = voting["app"], voting["ballot"]
    hashes = set(app.ballot(ballot_id).pool_of)
    app.close_ballot(voting["clerk"], CloseBallot(ballot_id=ballot_id, on=date(YEAR, 12, 1)))
    closed = app.ballot(ballot_id)
    assert sorted(closed.sheets["members"]) == sorted(voting["cast"])
    assert closed.sheets["members"] != voting["cast"]  # shuffled, not in the order cast
    rows = every_row(settings, voting["tenancy"])
    boxes = [where for where, _ in rows if where.endswith(TABLE) and app.tenant in where]
    assert not boxes, "the box outlived the close"
    # Rows of this branch (its store, its read-model rows) that hold sheets or a tally; the
    # PostgreSQL database is shared with other tests' tenants.
    holding_grades = [
        (where, text)
        for where, text in rows
        if app.tenant in where + text
        and (
            any(sheet in text for sheet in voting["all_sheets"])
            or any(key in text for key in ('"sheets"', '"tallies"'))
        )
    ]
    assert {"events", "ballots"} <= {w.split("_")[-1] for w, _ in holding_grades}
    # The close's own moment is the one time they may hold: the same for every sheet.
    counted_at = list(app.events.get(ballot_id))[-1].timestamp
    close_moment = counted_at.isoformat()[11:].split("+")[0]
    for where, text in holding_grades:
        assert not any(h in text for h in hashes), f"a code's hash beside grades in {where}"
        times = set(FINE_TIME.findall(text)) - {close_moment}
        assert all(t.startswith("00:00:00") for t in times), (
            f"a time finer than a day beside grades in {where}: {text[:300]}"
        )
    for where, text in rows:
        for code in voting["codes"]:
            assert not any(s in text for s in spellings(code)), f"code {code} in {where}"
    # every spent code's record says its day and pool, never more
    spent = [e for e in app.history(ballot_id) if e["event"] == "BallotCodeSpent"]
    assert len(spent) == 11
    for e in spent:
        assert set(e["fields"]) == {"code_hash", "pool"}
        moment = e["recorded_at"]
        assert (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0)
        assert moment.utcoffset().total_seconds() == 8 * 3600


def test_a_changed_server_secret_is_refused_loudly_not_taken_for_unknown_codes(settings, voting):
    app = voting["app"]
    app.server_secret = lambda: b"a server that lost its secret"
    with pytest.raises(StateConflict, match="secret"):
        app.cast_ballot(
            CastBallot(
                ballot_id=voting["ballot"], code=voting["codes"][11], grades=grades_of("EEEEEE")
            )
        )


def test_the_year_does_not_close_over_an_open_ballot_whose_sheets_would_never_be_counted(voting):
    tenancy = voting["tenancy"]
    committee = tenancy.parent_of(voting["app"].tenant)
    close = CloseCampaign(year=YEAR, on=tenancy.today())
    with pytest.raises(StateConflict) as refused:
        tenancy.committee(committee).close_campaign(a_committee_admin(committee), close)
    assert refused.value.code == "campaign.ballots_open"
    assert refused.value.params["branches"] == "第一党支部"
    assert tenancy.committee(committee).campaign(YEAR).closed_on is None
    close_year(tenancy, YEAR, committee)  # the branch counts its ballot, then the year closes
    assert voting["app"].ballot(voting["ballot"]).closed_on == date(YEAR, 12, 31)
    assert tenancy.committee(committee).campaign(YEAR).closed_on == date(YEAR, 12, 31)
