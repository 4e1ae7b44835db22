"""A closed year is final (decision 0011): a sealed branch-year changes only under an amendment
that a committee admin opens with a reason; closing it seals the next revision, whose chains
continue the previous one's, and every revision still verifies. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest
from click.testing import CliRunner

from cxzy_saas.application.commands.committee import (
    CloseAmendment,
    OpenAmendment,
)
from cxzy_saas.application.commands.evaluation import CloseBallot, OpenBallot
from cxzy_saas.application.commands.work import CorrectScore, RecordDaily
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.audit import bundle
from cxzy_saas.audit.verify import verify_files
from cxzy_saas.cli import main
from cxzy_saas.config import Settings
from cxzy_saas.domain.errors import Forbidden, NotFound, StateConflict
from cxzy_saas.domain.recording import Actor
from tests.builders import close_year
from tests.integration.test_archives import ADMIN, AUDITOR, CLERK, YEAR, small_demo

VIEWER = Actor("viewer", "committee-viewer", "demo")


def a_correction(tenancy: Tenancy, points_delta: float = 1.0) -> CorrectScore:
    """A correction of b01's first member assessment that changes its first item's points."""
    branch = tenancy.branch("b01")
    assessment = next(a for a in branch.assessments(YEAR) if a.level == "member")
    item, points = next(iter(sorted(assessment.scores.items())))
    new = points - points_delta if points >= points_delta else points + points_delta
    return CorrectScore(
        year=YEAR,
        month=int(assessment.period[5:7]),
        level="member",
        subject=assessment.subject,
        item=item,
        points=new,
        reason="一月份评分录入错误",
    )


def a_record(subject: str) -> RecordDaily:
    return RecordDaily(
        year=YEAR, on=date(YEAR, 11, 20), level="member", subject=subject, text="年终补记"
    )


def test_an_amendment_round_trip(demo_tenancy: Tenancy) -> None:
    tenancy = demo_tenancy
    small_demo(tenancy)
    committee, branch = tenancy.committee("demo"), tenancy.branch("b01")
    close_year(tenancy, YEAR)
    first = committee.seal_archive(ADMIN, "b01", YEAR)
    revision_1 = committee.export_archive(AUDITOR, "b01", YEAR, with_pdf=False)
    correction = a_correction(tenancy)

    # Closed and sealed: refused, nothing written.
    heads = (branch.head(), committee.head())
    with pytest.raises(StateConflict) as refused:
        branch.correct_score(CLERK, correction)
    assert refused.value.code == "campaign.closed"
    assert (branch.head(), committee.head()) == heads

    # Only a committee admin opens an amendment, for a sealed branch-year, one at a time.
    with pytest.raises(Forbidden):
        committee.open_amendment(VIEWER, OpenAmendment(year=YEAR, branch="b01", reason="更正"))
    with pytest.raises(NotFound):
        committee.open_amendment(ADMIN, OpenAmendment(year=YEAR, branch="b99", reason="更正"))
    amendment = committee.open_amendment(
        ADMIN, OpenAmendment(year=YEAR, branch="b01", reason="一月份评分录入错误，按原始记录更正")
    )
    with pytest.raises(StateConflict, match="open already"):
        committee.open_amendment(ADMIN, OpenAmendment(year=YEAR, branch="b01", reason="再开"))

    # While it is open the branch-year takes corrections, and their events name it.
    branch.correct_score(CLERK, correction)
    assessment = branch.assessment(YEAR, correction.month, "member", correction.subject)
    last = branch.history(assessment.id)[-1]
    assert last["actor"]["amendment"] == str(amendment)
    assert last["fields"]["reason"] == "一月份评分录入错误"
    during = committee.archive_status(AUDITOR, "b01", YEAR)
    assert during["revision"] == 1 and during["matches"] and during["later_events"] == 1
    assert during["open_amendment"] == str(amendment)

    with pytest.raises(Forbidden):
        committee.close_amendment(VIEWER, CloseAmendment(year=YEAR, amendment=amendment))
    assert committee.close_amendment(ADMIN, CloseAmendment(year=YEAR, amendment=amendment)) == 2
    with pytest.raises(StateConflict):
        committee.close_amendment(ADMIN, CloseAmendment(year=YEAR, amendment=amendment))

    # Final again.
    with pytest.raises(StateConflict, match="closed"):
        branch.record_daily(CLERK, a_record(correction.subject))

    status = committee.archive_status(AUDITOR, "b01", YEAR)
    assert status["revision"] == 2 and status["matches"] and status["later_events"] == 0
    assert status["open_amendment"] is None
    [listed] = committee.amendments(YEAR)
    assert listed["id"] == str(amendment) and not listed["open"] and listed["revision"] == 2
    assert listed["opened_by"] == listed["closed_by"] == "admin"

    # Both revisions verify; the second continues the first's chain and names the amendment.
    revision_2 = committee.export_archive(AUDITOR, "b01", YEAR, with_pdf=False)
    earlier, later = verify_files(revision_1), verify_files(revision_2)
    assert earlier.ok, earlier.message()
    assert later.ok, later.message()
    assert earlier.summary["revision"] == 1 and earlier.summary["head"] == first.head
    assert later.summary["revision"] == 2
    one, two = later.summary["revisions"]
    assert one["head"] == first.head and one["amendment"] is None
    assert two["amendment"] == str(amendment) and two["reason"].startswith("一月份评分")
    assert two["events"] == first.events + 1
    assert revision_2["events/branch.jsonl"].startswith(revision_1["events/branch.jsonl"])
    assert revision_2["scores.json"] != revision_1["scores.json"]
    assert "revision 2" in later.message() and str(amendment) in later.message()


def test_a_forged_earlier_revision_does_not_verify(demo_tenancy: Tenancy) -> None:
    tenancy = demo_tenancy
    small_demo(tenancy)
    committee, branch = tenancy.committee("demo"), tenancy.branch("b01")
    close_year(tenancy, YEAR)
    committee.seal_archive(ADMIN, "b01", YEAR)
    amendment = committee.open_amendment(
        ADMIN, OpenAmendment(year=YEAR, branch="b01", reason="补记")
    )
    branch.record_daily(CLERK, a_record(branch.members()[0].member_no))
    committee.close_amendment(ADMIN, CloseAmendment(year=YEAR, amendment=amendment))
    files = committee.export_archive(AUDITOR, "b01", YEAR, with_pdf=False)
    manifest = json.loads(files["manifest.json"])
    # Claim the amendment's event was in the first revision: its head no longer fits.
    first = json.loads(manifest["revisions"][0]["state"])
    first["events"] += 1
    manifest["revisions"][0]["state"] = json.dumps(first, separators=(",", ":"))
    manifest["digest"] = bundle.manifest_digest(manifest)
    forged = {**files, "manifest.json": bundle.pretty(manifest)}
    result = verify_files(forged)
    assert not result.ok
    assert result.where is not None and result.where.startswith("revision 1")


def test_a_sealed_branch_year_refuses_writes_even_while_the_campaign_is_open(
    demo_tenancy: Tenancy,
) -> None:
    tenancy = demo_tenancy
    small_demo(tenancy)
    committee, branch = tenancy.committee("demo"), tenancy.branch("b01")
    assert committee.campaign(YEAR).closed_on is None
    committee.seal_archive(ADMIN, "b01", YEAR, on_demand=True)
    head = branch.head()
    subject = branch.members()[0].member_no
    with pytest.raises(StateConflict) as refused:
        branch.record_daily(CLERK, a_record(subject))
    assert refused.value.code == "archive.sealed"
    assert branch.head() == head
    amendment = committee.open_amendment(
        ADMIN, OpenAmendment(year=YEAR, branch="b01", reason="补记年终工作")
    )
    record = branch.record_daily(CLERK, a_record(subject))
    assert branch.history(record)[-1]["actor"]["amendment"] == str(amendment)
    committee.close_amendment(ADMIN, CloseAmendment(year=YEAR, amendment=amendment))
    close_year(tenancy, YEAR)
    # Sealed on demand, amended, then closed: every revision still verifies.
    result = verify_files(committee.export_archive(AUDITOR, "b01", YEAR, with_pdf=False))
    assert result.ok, result.message()
    assert result.summary["revision"] == 2


def test_no_seal_strands_an_open_ballot(demo_tenancy: Tenancy) -> None:
    """A sealed year takes no close and no count: a ballot open when its branch-year was
    sealed on demand, or when an amendment was closed, kept its sheets in the box for good."""
    tenancy = demo_tenancy
    small_demo(tenancy)
    committee, branch = tenancy.committee("demo"), tenancy.branch("b01")
    subjects = [{"level": "member", "subject": m.member_no} for m in branch.members()][:2]
    on = date(YEAR, 11, 20)
    ballot, _ = branch.open_ballot(
        CLERK, OpenBallot(year=YEAR, title="补测", subjects=subjects, codes={"members": 3}, on=on)
    )
    head = committee.head()
    with pytest.raises(StateConflict) as refused:
        committee.seal_archive(ADMIN, "b01", YEAR, on_demand=True)
    assert refused.value.code == "archive.ballots_open" and committee.head() == head
    branch.close_ballot(CLERK, CloseBallot(ballot_id=ballot, on=on))
    committee.seal_archive(ADMIN, "b01", YEAR, on_demand=True)

    amendment = committee.open_amendment(
        ADMIN, OpenAmendment(year=YEAR, branch="b01", reason="补开一次测评")
    )
    late, _ = branch.open_ballot(
        CLERK, OpenBallot(year=YEAR, title="补测二", subjects=subjects, codes={"members": 3}, on=on)
    )
    with pytest.raises(StateConflict) as refused:
        committee.close_amendment(ADMIN, CloseAmendment(year=YEAR, amendment=amendment))
    assert refused.value.code == "archive.ballots_open"
    branch.close_ballot(CLERK, CloseBallot(ballot_id=late, on=on))
    assert committee.close_amendment(ADMIN, CloseAmendment(year=YEAR, amendment=amendment)) == 2


def test_archive_status_on_the_command_line(tmp_path: Path) -> None:
    data = tmp_path / "var"
    store = ["--data-dir", str(data)]
    tenancy = Tenancy(Settings(data_dir=data))
    try:
        small_demo(tenancy)
        close_year(tenancy, YEAR)
    finally:
        tenancy.close()
    runner = CliRunner()
    where = ["--branch", "b01", "--campaign", str(YEAR)]
    unsealed = runner.invoke(main, ["archive", "status", *where, *store])
    assert unsealed.exit_code != 0 and "not sealed" in unsealed.output
    assert runner.invoke(main, ["archive", "seal", *where, *store]).exit_code == 0
    text = runner.invoke(main, ["archive", "status", *where, *store])
    assert text.exit_code == 0, text.output
    assert "revision 1 is current" in text.output and "match it" in text.output

    opened = runner.invoke(main, ["archive", "amend", *where, "--reason", "补记年终工作", *store])
    assert opened.exit_code == 0, opened.output
    amendment = UUID(opened.output.split()[1])
    tenancy = Tenancy(Settings(data_dir=data))
    try:
        branch = tenancy.branch("b01")
        branch.record_daily(CLERK, a_record(branch.members()[0].member_no))
    finally:
        tenancy.close()
    during = runner.invoke(main, ["archive", "status", *where, "--format", "json", *store])
    assert during.exit_code == 0, during.output
    found = json.loads(during.output)
    assert (found["revision"], found["matches"], found["later_events"]) == (1, True, 1)
    assert found["open_amendment"] == str(amendment)

    closed = runner.invoke(
        main,
        [
            "archive",
            "close-amendment",
            "--campaign",
            str(YEAR),
            "--committee",
            "demo",
            "--amendment",
            str(amendment),
            *store,
        ],
    )
    assert closed.exit_code == 0, closed.output
    after = json.loads(
        runner.invoke(main, ["archive", "status", *where, "--format", "json", *store]).output
    )
    assert (after["revision"], after["matches"], after["later_events"]) == (2, True, 0)
    assert [a["reason"] for a in after["amendments"]] == ["补记年终工作"]

    out = tmp_path / "b01.zip"
    assert (
        runner.invoke(main, ["archive", "export", *where, "--out", str(out), *store]).exit_code == 0
    )
    verified = runner.invoke(main, ["archive", "verify", str(out)])
    assert verified.exit_code == 0, verified.output
    assert "revision 2" in verified.output and "补记年终工作" in verified.output
