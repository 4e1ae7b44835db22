"""What a score on the board lacks (decision 0021) is kept in rm_board_gaps: read with each page
of a board, and made again by any projector that starts (read models from before the table
were not rebuilt). On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from cxzy_saas import wiring
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.config import Settings
from cxzy_saas.domain.recording import SimulatedClock
from cxzy_saas.projections import boards, queries
from tests.integration.test_campaign_year import YEAR
from tests.integration.test_cells import a_committee_with_a_campaign


def test_a_starting_projector_makes_the_gaps_of_a_model_that_had_none(settings: Settings) -> None:
    tenancy = Tenancy(settings, SimulatedClock(datetime(YEAR, 2, 3, tzinfo=UTC)))
    try:
        code, _ = a_committee_with_a_campaign(tenancy)
        db = wiring.open_read_model(tenancy)
        wiring.projector(tenancy, db).catch_up()
        page = boards.BoardQuery(per_page=100)

        def gaps() -> list[list[str]]:
            with db.read() as tx:
                rows, _ = boards.read_board(tx, code, YEAR, "member", page)
            return [row["missing"] for row in rows]

        whole = [row["missing"] for row in queries.board_rows(db, code, YEAR, "member")]
        assert gaps() == whole and any(whole)  # no ballot yet: each lacks its rating
        with db.transaction() as tx:  # as a model from before the table
            tx.execute("DELETE FROM rm_board_gaps")
        assert not any(gaps())
        wiring.projector(tenancy, db).step()  # no event since: it takes its committees
        assert gaps() == whole
        db.close()
    finally:
        tenancy.close()
