"""An as-of replay for one committee reads only that committee's logs and checkpoint rows, and
answers exactly what a replay of the whole cell answers for it (issue 19: its cost follows the
committee's size, not the cell's)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from cxzy_saas import wiring
from cxzy_saas.application.commands.work import AssessMonth
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.config import Settings
from cxzy_saas.domain.recording import SimulatedClock
from cxzy_saas.projections import asof, boards, queries
from cxzy_saas.projections.db import LISTS
from cxzy_saas.storage.stores import PostgresStore
from tests.builders import a_clerk
from tests.conftest import random_code
from tests.integration.test_campaign_year import YEAR
from tests.integration.test_cells import a_committee_with_a_campaign


def test_a_committee_replay_answers_as_the_whole_cell_does_and_holds_no_other(
    settings: Settings,
) -> None:
    clock = SimulatedClock(datetime(YEAR, 2, 3, tzinfo=UTC))
    tenancy = Tenancy(settings, clock)
    try:
        committees = dict(a_committee_with_a_campaign(tenancy) for _ in range(2))
        db = wiring.open_read_model(tenancy)
        wiring.projector(tenancy, db).rebuild()
        logs, models = wiring.read_port(tenancy), wiring.read_models(tenancy)
        # a checkpoint at the end of February, then March's scores after it
        clock.set(datetime(YEAR, 3, 5, tzinfo=UTC))
        for branches in committees.values():
            for branch in branches:
                tenancy.branch(branch).assess_month(
                    a_clerk(branch),
                    AssessMonth(
                        year=YEAR, month=2, level="member", scores={"M1": {"A": 1, "C": 2}}
                    ),
                )
        wiring.projector(tenancy, db).catch_up()
        asof.Checkpoints(logs, models, db).advance(force=True)
        image = asof.latest_checkpoint(models, date(YEAR, 3, 31))
        assert image is not None  # the replays below start from it
        first, second = committees
        for day in (date(YEAR, 2, 28), date(YEAR, 3, 31)):
            with asof.replay(logs, models, day, index=db) as whole:
                expected = {c: queries.board_rows(whole, c, YEAR, "member") for c in committees}
            with asof.replay(logs, models, day, index=db, committee=first) as one:
                assert queries.board_rows(one, first, YEAR, "member") == expected[first]
                with one.read() as tx:
                    tenants = {t for (t,) in tx.query("SELECT tenant FROM rm_subjects")}
                    lists = sum(tx.query(f"SELECT COUNT(*) FROM {t}")[0][0] for t in LISTS)
                assert tenants == set(committees[first])  # its members, nothing of the other
                assert lists == 0  # the branch lists are read live, never as of a day
                assert queries.board_rows(one, second, YEAR, "member") == []
        # March's score is in as of March's end, and not as of February's
        with asof.replay(logs, models, date(YEAR, 3, 31), index=db, committee=second) as late:
            march = queries.board_rows(late, second, YEAR, "member")
        with asof.replay(logs, models, date(YEAR, 2, 28), index=db, committee=second) as early:
            february = queries.board_rows(early, second, YEAR, "member")
        assert march != february
        db.close()
    finally:
        tenancy.close()


def test_a_checkpoint_of_an_older_shape_is_replayed_afresh_with_the_same_answer(
    settings: Settings,
) -> None:
    """An image made before a read-model table was added (here the board's gaps) is not used:
    the replay starts from the logs, and a board read as of a day shows what its rows lack."""
    clock = SimulatedClock(datetime(YEAR, 2, 3, tzinfo=UTC))
    tenancy = Tenancy(settings, clock)
    try:
        code, branches = a_committee_with_a_campaign(tenancy)
        db = wiring.open_read_model(tenancy)
        wiring.projector(tenancy, db).rebuild()
        logs, models = wiring.read_port(tenancy), wiring.read_models(tenancy)
        clock.set(datetime(YEAR, 3, 5, tzinfo=UTC))  # a later day's event closes February
        tenancy.branch(branches[0]).assess_month(
            a_clerk(branches[0]),
            AssessMonth(year=YEAR, month=2, level="member", scores={"M1": {"A": 1, "C": 2}}),
        )
        wiring.projector(tenancy, db).catch_up()
        asof.Checkpoints(logs, models, db).advance(force=True)
        day, page = date(YEAR, 2, 28), boards.BoardQuery(per_page=100)

        def answer(committee: str | None) -> tuple[Any, ...]:
            with asof.replay(logs, models, day, index=db, committee=committee) as replayed:
                with replayed.read() as tx:
                    rows, _ = boards.read_board(tx, code, YEAR, "member", page)
                return queries.board_rows(replayed, code, YEAR, "member"), rows

        expected = answer(None)
        assert [r["missing"] for r in expected[1]] == [r["missing"] for r in expected[0]]
        assert any(r["missing"] for r in expected[1])  # no ballot yet: the rating is missing
        images = sorted(models.checkpoints.glob("*.sqlite3"))
        assert images
        for image in images:
            with closing(sqlite3.connect(image)) as conn:
                conn.execute("DROP TABLE rm_board_gaps")
                conn.commit()
        assert answer(None) == expected
        assert answer(code) == expected
        # The next checkpoints are made in today's shape, not copied on from the old image.
        clock.set(datetime(YEAR, 4, 5, tzinfo=UTC))
        tenancy.branch(branches[0]).assess_month(
            a_clerk(branches[0]),
            AssessMonth(year=YEAR, month=3, level="member", scores={"M1": {"A": 2, "C": 2}}),
        )
        wiring.projector(tenancy, db).catch_up()
        for image in images[1:]:  # the oldest kept: the next are made from it (a shared
            image.unlink()  # database's other tests may have made them to a later day)
        assert asof.Checkpoints(logs, models, db).advance(force=True) > 0
        made = sorted(models.checkpoints.glob("*.sqlite3"))[1:]
        assert made
        for image in made:
            with closing(sqlite3.connect(image)) as conn:
                assert conn.execute("SELECT COUNT(*) FROM rm_board_gaps").fetchone() is not None
        db.close()
    finally:
        tenancy.close()


@pytest.mark.postgres
def test_the_port_reads_a_log_as_its_recorder_does(postgres_url: str, tmp_path: Path) -> None:
    """On PostgreSQL a known log is read by the store, not through its application: the same
    notifications, from any position, to any stop, at most the limit; a log whose table its
    application has not made yet reads as empty."""
    clock = SimulatedClock(datetime(YEAR, 2, 3, tzinfo=UTC))
    settings = Settings(database_url=postgres_url, max_connections=5, data_dir=tmp_path / "var")
    tenancy = Tenancy(settings, clock)
    try:
        _, branches = a_committee_with_a_campaign(tenancy, 1)
        port = wiring.read_port(tenancy)
        port.tenants()  # the logs known, as a projector learns them
        recorder = tenancy.branch(branches[0]).recorder
        head = port.head(branches[0])
        assert head > 4
        for after, limit, stop in ((0, 100, None), (2, 2, None), (1, 100, 4), (head, 10, None)):
            read = port.notifications(branches[0], after, limit, stop)
            assert [(n.id, n.originator_id, n.topic, n.state) for n in read] == [
                (n.id, n.originator_id, n.topic, n.state)
                for n in recorder.select_notifications(after + 1, limit, stop=stop)
            ]
        store = tenancy.store_of(branches[0])
        assert isinstance(store, PostgresStore)
        assert store.notifications(random_code("b"), 0, 10) == []  # no schema, no table
    finally:
        tenancy.close()
