"""A branch opens a democratic rating (民主测评), prints its slips, reissues lost ones, closes it.

The codes are shown once, on the page that opens the ballot (or reissues codes), and never
stored (the log keeps keyed hashes): the page is marked ``no-store`` so that no cache keeps them
either. Each slip carries a QR code of the ballot's short address, ``/b/<short>``, built on the
public address the server is configured with (``CXZY_PUBLIC_URL``), never on the request's host,
which is wrong behind a reverse proxy; the code is printed large beside it. Eight slips fill an
A4 page.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

import segno
from flask import current_app, flash, make_response, redirect, render_template, url_for
from werkzeug.wrappers import Response

from cxzy_saas.application.commands.evaluation import CloseBallot, OpenBallot, ReissueCodes
from cxzy_saas.application.permissions import BRANCH_WRITERS
from cxzy_saas.domain.ballot import Ballot
from cxzy_saas.domain.base import as_date
from cxzy_saas.domain.errors import InvalidInput, NotFound, StateConflict
from cxzy_saas.domain.scoring import POOLS
from cxzy_saas.web import tenancy_of
from cxzy_saas.web.pages import bp, i18n, nav_link, reads
from cxzy_saas.web.pages.access import acting_for, opens, signed_in, user
from cxzy_saas.web.pages.branch import READERS, branch_app, branch_reader, campaign_year
from cxzy_saas.web.pages.forms import Form, typed

SLIPS_PER_PAGE = 8


nav_link("branch", "pages.ballots", "民主测评", "Ballots")


@bp.app_template_global("ballot_address")
def public_address(short: str) -> str | None:
    """The slips' address on the configured public URL (None: none is configured)."""
    base = tenancy_of(current_app).settings.web.public_url
    return f"{base}/b/{short}" if base else None


def qr_svg(address: str) -> str:
    """An SVG QR code of ``address`` (segno; medium error correction, for worn paper)."""
    return str(segno.make(address, error="m").svg_inline(scale=4, border=2, omitsize=True))


def page(code: str, year: int, form: Form, reissue: Form | None = None) -> str:
    app = branch_app(code)
    subjects = [("member", m.member_no, m.name) for m in app.members()]
    subjects += [("group", g.code, g.name) for g in app.groups()]
    today = tenancy_of(current_app).today()
    closed_on = reads.closed_on(user().committee, year)
    return render_template(
        "branch/ballots.html",
        closed_on=closed_on,
        code=code,
        name=app.branch().name,
        year=year,
        ballots=app.ballots(year),
        subjects=subjects,
        form=form,
        reissue=reissue or Form(),
        # a closed year's ballots are counted and final: nothing to open, close or reissue
        can_write=branch_reader(code).role in BRANCH_WRITERS and closed_on is None,
        close_on=min(today, date(year, 12, 31)).isoformat(),
        address=public_address,
        pools=POOLS,
    )


@bp.get("/branch/<code>/ballots")
@signed_in
@opens(READERS)
def ballots(code: str) -> str:
    branch_reader(code)
    year = campaign_year(user().committee)
    return page(code, year, Form())


def counts(form: Form) -> dict[str, int]:
    found = {}
    for pool in POOLS:
        text = str(form.value(pool)).strip() or "0"
        if not text.isdigit():
            raise InvalidInput("ballot.codes_out_of_range", field=pool)
        found[pool] = int(text)
    return found


def slips_page(ballot: Ballot, printable: dict[str, list[str]], code: str) -> Response:
    address = public_address(ballot.short)
    assert address is not None  # checked before the codes were made
    slips = [(pool, c) for pool in POOLS for c in printable.get(pool, [])]
    html = render_template(
        "branch/ballot_slips.html",
        title=ballot.title,
        pages=[slips[i : i + SLIPS_PER_PAGE] for i in range(0, len(slips), SLIPS_PER_PAGE)],
        count=len(slips),
        address=address,
        qr=qr_svg(address),
        code=code,
    )
    response = make_response(html)
    response.headers["Cache-Control"] = "no-store"
    return response


def no_public_address() -> str:
    return i18n.tr(
        "服务器尚未设置对外访问地址，无法打印测评票上的二维码，请联系系统管理员。",
        "The server has no public address set (CXZY_PUBLIC_URL): slips cannot be printed.",
    )


@bp.post("/branch/<code>/ballots")
@signed_in
def ballot_open(code: str) -> Response | tuple[str, int]:
    actor = acting_for(code, BRANCH_WRITERS)
    year = campaign_year(user().committee)
    form = typed(lists=["subject"])  # a box per subject, "level:subject"
    chosen = [s.split(":", 1) for s in form.value("subject") if ":" in s]
    app = branch_app(code)
    if public_address("") is None:
        form.error = no_public_address()
        return page(code, year, form), 422
    # Each field's refusal at once (the command stops at its first).
    form.require(bool(str(form.value("title")).strip()), "text.empty", field="title")
    form.require(bool(chosen), "ballot.no_subjects", field="subjects")
    if form.failed:
        return page(code, year, form), 422
    opened: list[tuple[UUID, dict[str, list[str]]]] = []
    command = OpenBallot(
        year=year,
        title=form.value("title"),
        subjects=[{"level": level, "subject": subject} for level, subject in chosen],
        codes=counts(form),
        on=tenancy_of(current_app).today(),
    )
    for field in ("subjects", "codes"):  # the command's names of fields, refused by them
        form.values.setdefault(field, "")
    if not form.run(lambda: opened.append(app.open_ballot(actor, command))):
        for field in set(form.errors) - {"title", "subjects", *POOLS}:
            text = form.errors.pop(field)
            if field == "codes":
                form.errors["members"] = text  # the first pool's box
            else:
                form.error = text
        return page(code, year, form), 422
    if not opened:
        return sent_again(code)
    ballot_id, printable = opened[0]
    return slips_page(app.ballot(ballot_id), printable, code)


def sent_again(code: str) -> Response:
    """The answer to a form that opened or reissued codes, sent again (a double click, a
    reload): nothing more is made, and the codes, shown once, are not shown again."""
    flash(
        i18n.tr(
            "这张表单已经提交过，没有重复生成测评码。测评码只显示一次：如未打印，"
            "请用“补发”作废未用的测评码后重新生成。",
            "This form was sent already: no codes were made again. Codes are shown once; if "
            "they were not printed, reissue them (void the unspent ones).",
        )
    )
    return redirect(url_for("pages.ballots", code=code))


def ballot_id_of(ballot_id: str) -> UUID:
    try:
        return UUID(ballot_id)
    except ValueError:
        raise NotFound("ballot.not_found") from None


@bp.post("/branch/<code>/ballots/<ballot_id>/reissue")
@signed_in
def ballot_reissue(code: str, ballot_id: str) -> Response | tuple[str, int]:
    """Lost slips: void the listed codes the secretary still holds, or every unspent code of
    the pool, and print new ones."""
    actor = acting_for(code, BRANCH_WRITERS)
    year = campaign_year(user().committee)
    uuid = ballot_id_of(ballot_id)
    form = typed()
    form.values["ballot"] = ballot_id
    listed = [c for c in str(form.value("void")).replace(",", "\n").split() if c.strip()]
    app = branch_app(code)
    number = str(form.value("codes")).strip() or "0"
    form.require(number.isdigit(), "ballot.codes_out_of_range", field="codes")
    made: list[tuple[int, dict[str, list[str]]]] = []
    command = ReissueCodes(
        ballot_id=uuid,
        pool=str(form.value("pool")),
        codes=int(number) if number.isdigit() else 0,
        void=None if form.value("mode") == "unspent" else listed,
    )
    if not form.run(lambda: made.append(app.reissue_codes(actor, command))):
        return page(code, year, Form(), form), 422
    if not made:
        return sent_again(code)
    voided, printable = made[0]
    flash(i18n.tr(f"已作废 {voided} 个测评码。", f"{voided} codes voided."))
    if not printable:
        return redirect(url_for("pages.ballots", code=code))
    return slips_page(app.ballot(uuid), printable, code)


@bp.post("/branch/<code>/ballots/<ballot_id>/close")
@signed_in
def ballot_close(code: str, ballot_id: str) -> Response | tuple[str, int]:
    actor = acting_for(code, BRANCH_WRITERS)
    year = campaign_year(user().committee)
    uuid, form = ballot_id_of(ballot_id), typed()
    try:
        on = as_date(str(form.value("on")).strip(), "on")
        branch_app(code).close_ballot(actor, CloseBallot(ballot_id=uuid, on=on))
    except (InvalidInput, StateConflict) as error:
        refused = Form()
        refused.error = i18n.message(error)
        return page(code, year, refused), 422
    flash(i18n.tr("测评已结束", "The ballot is closed"))
    return redirect(url_for("pages.ballots", code=code))
