"""The archive list (归档): every branch × campaign year of the committee with its seal status;
sealing for a committee admin, the exported bundle and its verification for every committee
reader (admin, viewer, auditor).

Sealing and exporting are the committee application's (``seal_archive``, ``export_archive``);
these pages only ask and show. A seal of a demo branch-year takes about 15 ms and an export with
its PDFs about half a second, so both run within the request: the seal's form says that it is
working while the request runs, and the list then shows the result.
"""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from cxzy_saas.application.committee import CommitteeApplication
from cxzy_saas.application.permissions import COMMITTEE_READERS
from cxzy_saas.audit import bundle
from cxzy_saas.audit.logs import read_log
from cxzy_saas.audit.pdf import FontMissing
from cxzy_saas.audit.verify import verify_files
from cxzy_saas.domain import events
from cxzy_saas.domain.errors import (
    ConcurrentModification,
    DomainError,
    NotFound,
)
from cxzy_saas.domain.plan import Campaign
from cxzy_saas.domain.recording import Actor
from cxzy_saas.web import read_port_of, tenancy_of
from cxzy_saas.web.pages import bp, i18n, nav_link
from cxzy_saas.web.pages.access import committee_reader, committee_writer, opens, signed_in, user
from cxzy_saas.web.pages.audit import branch_name
from cxzy_saas.web.pages.tables import attachment
from cxzy_saas.web.problems import status_for

nav_link("committee", "pages.archives", "归档", "Archives")

SHORT_HEAD = 12


@dataclass
class CampaignRow:
    year: int
    title: str
    closed_on: str | None


def committee_campaigns(app: CommitteeApplication) -> list[CampaignRow]:
    """The committee's campaigns, newest first."""
    found = [app.load(Campaign, i, "record.not_found") for i in app.campaign_ids()]
    return sorted(
        (
            CampaignRow(c.year, c.title, None if c.closed_on is None else c.closed_on.isoformat())
            for c in found
        ),
        key=lambda c: -c.year,
    )


def seals(app: CommitteeApplication) -> dict[tuple[str, int], dict[str, Any]]:
    """Every seal of the committee, by (branch, year), with who sealed it and when: read from
    the stored seal events (the aggregate keeps neither actor nor time of its own). A branch-year
    amended since shows its current revision's head and counts, and its amendments, oldest
    first (decision 0011)."""
    found: dict[tuple[str, int], dict[str, Any]] = {}
    for e in read_log(read_port_of(current_app), app.tenant, "committee").events:
        data = e.data
        if e.type is events.ArchiveSealSealed:
            found[(str(data["branch"]), int(data["year"]))] = {
                "ref": e.ref,
                "aggregate": e.aggregate,
                "when": e.recorded_at,
                "actor": e.actor,
                "head": data["head"],
                "short": data["head"][:SHORT_HEAD],
                "events": data["events"],
                "committee_events": data["committee_events"],
                "on_demand": bool(data["on_demand"]),
                "revision": 1,
                "amendments": [],
                "open_amendment": None,
            }
        elif e.type is events.ArchiveSealAmendmentOpened:
            seal = next(s for s in found.values() if s["aggregate"] == e.aggregate)
            seal["open_amendment"] = data["amendment"]
            seal["amendments"].append(
                {
                    "id": data["amendment"],
                    "revision": data["revision"],
                    "reason": data["reason"],
                    "opened": e.recorded_at,
                    "opened_by": e.actor,
                    "closed": None,
                    "closed_by": None,
                    "note": "",
                }
            )
        elif e.type is events.ArchiveSealResealed:
            key = (str(data["branch"]), int(data["year"]))
            seal = found[key]
            seal.update(
                head=data["head"],
                short=data["head"][:SHORT_HEAD],
                events=data["events"],
                committee_events=data["committee_events"],
                revision=data["revision"],
                open_amendment=None,
            )
            seal["amendments"][-1].update(
                closed=e.recorded_at, closed_by=e.actor, note=data["note"]
            )
    return found


def committee_app() -> CommitteeApplication:
    return tenancy_of(current_app).committee(user().committee)


def branch_year(app: CommitteeApplication, branch: str, year: int) -> tuple[str, CampaignRow]:
    """The branch's name and the campaign.

    Raises:
        NotFound: a branch outside the committee, or a year without a campaign.
    """
    branches = app.committee().branches
    if branch not in branches:
        raise NotFound("branch.not_found", branch=branch)
    campaign = next((c for c in committee_campaigns(app) if c.year == year), None)
    if campaign is None:
        raise NotFound("campaign.not_found", year=year)
    return branches[branch], campaign


@bp.get("/committee/archives")
@signed_in
@opens(COMMITTEE_READERS)
def archives() -> str:
    actor = committee_reader()
    app = committee_app()
    found = seals(app)
    rows = [
        {"branch": code, "name": name, "campaign": c, "seal": found.get((code, c.year))}
        for c in committee_campaigns(app)
        for code, name in sorted(app.committee().branches.items())
    ]
    return render_template(
        "audit/archives.html", rows=rows, can_seal=actor.role == "committee-admin"
    )


# Sealing: the committee admin's, on a page of its own that says what a seal does.


def refusal(error: DomainError) -> str:
    """A seal's refusal in the page's language; a lost race is worded for this page (the
    catalogue's sentence for it is about any record)."""
    if isinstance(error, ConcurrentModification) and error.code == "record.changed_meanwhile":
        return i18n.tr("该支部本年度档案刚刚已由他人归档。", "sealed by someone else just now")
    return i18n.message(error)


def confirm_page(
    actor: Actor, branch: str, year: int, error: str | None = None, status: int = 200
) -> tuple[str, int]:
    app = committee_app()
    name, campaign = branch_year(app, branch, year)
    sealed = seals(app).get((branch, year))
    return render_template(
        "audit/seal.html",
        branch=branch,
        name=name,
        campaign=campaign,
        sealed=sealed,
        error=error,
        on_demand=request.form.get("on_demand") == "yes",
    ), status


@bp.get("/committee/archives/<branch>/<int:year>/seal")
@signed_in
def archive_seal_form(branch: str, year: int) -> tuple[str, int]:
    """Raises Forbidden for a viewer or auditor, NotFound for a branch user."""
    return confirm_page(committee_writer(), branch, year)


@bp.post("/committee/archives/<branch>/<int:year>/seal")
@signed_in
def archive_seal(branch: str, year: int) -> Response | tuple[str, int]:
    actor = committee_writer()
    app = committee_app()
    branch_year(app, branch, year)
    if request.form.get("confirm") != "yes":
        text = i18n.tr("请确认后再归档", "confirm the seal first")
        return confirm_page(actor, branch, year, text, 422)
    on_demand = request.form.get("on_demand") == "yes"
    started = time.perf_counter()
    try:
        seal = app.seal_archive(actor, branch, year, on_demand=on_demand)
    except DomainError as error:
        return confirm_page(actor, branch, year, refusal(error), status_for(error))
    seconds = time.perf_counter() - started
    flash(
        i18n.tr(
            f"已归档：{branch_name(branch)} {year} 年度，{seal.events} 条支部记录、"
            f"{seal.committee_events} 条党委记录，校验码 {seal.head[:SHORT_HEAD]}…"
            f"（用时 {seconds:.2f} 秒）",
            f"Sealed {branch} {year}: {seal.events} branch and {seal.committee_events} "
            f"committee events, head {seal.head[:SHORT_HEAD]}… ({seconds:.2f} s)",
        )
    )
    return redirect(url_for("pages.archives") + f"#archive-{branch}-{year}")


# The exported bundle: every committee reader may take it away and verify it offline.


def exported(actor: Actor, branch: str, year: int, *, with_pdf: bool) -> dict[str, bytes]:
    """The bundle's files.

    Raises:
        NotFound: unknown branch or campaign, or the branch-year is not sealed.
        StateConflict: the logs no longer hash to the seal.
    """
    app = committee_app()
    branch_year(app, branch, year)
    if not with_pdf:
        return app.export_archive(actor, branch, year, with_pdf=False)
    try:
        return app.export_archive(actor, branch, year)
    except FontMissing:
        # A server without a CJK font still hands over a bundle that verifies: the HTML
        # documents are in it, only their PDF renderings are missing.
        logging.getLogger("cxzy").warning("no CJK font: archive exported without PDFs")
        return app.export_archive(actor, branch, year, with_pdf=False)


@bp.get("/committee/archives/<branch>/<int:year>/bundle.zip")
@signed_in
def archive_bundle(branch: str, year: int) -> Response:
    actor = committee_reader()
    files = exported(actor, branch, year, with_pdf=True)
    # Written by the archive's own writer (fixed timestamps, sorted names), so the download is
    # byte for byte what ``cxzy archive export --out x.zip`` gives.
    with tempfile.TemporaryDirectory(prefix="cxzy-archive-") as folder:
        path = Path(folder) / "bundle.zip"
        bundle.write(files, path)
        data = path.read_bytes()
    name = f"archive-{actor.tenant}-{branch}-{year}.zip"
    saved = i18n.tr(f"{branch_name(branch)}{year}年度归档包.zip", name)
    return Response(
        data,
        mimetype="application/zip",
        headers={"Content-Disposition": attachment(saved, name)},
    )


@bp.get("/committee/archives/<branch>/<int:year>/verify")
@signed_in
def archive_verify(branch: str, year: int) -> tuple[str, int]:
    """Export afresh (without the PDFs, which the verifier checks by hash only) and verify the
    bundle as ``cxzy archive verify`` would, then compare its head with the seal's."""
    actor = committee_reader()
    app = committee_app()
    name, campaign = branch_year(app, branch, year)
    seal = seals(app).get((branch, year))
    if seal is None:
        raise NotFound("archive.not_sealed", branch=branch, year=year)
    started = time.perf_counter()
    result = verify_files(exported(actor, branch, year, with_pdf=False))
    seconds = time.perf_counter() - started
    matches = result.ok and result.summary.get("head") == seal["head"]
    return render_template(
        "audit/verify.html",
        branch=branch,
        name=name,
        campaign=campaign,
        seal=seal,
        result=result,
        matches=matches,
        seconds=seconds,
    ), 200
