"""Evidence (佐证材料) of one item: its files (images shown small, documents to download) and,
for those who may write the item, a form to upload more (decision 0023)."""

from __future__ import annotations

from uuid import UUID

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from cxzy_saas.application.branch import BranchApplication
from cxzy_saas.application.evidence import AttachEvidence, WithdrawEvidence
from cxzy_saas.application.permissions import BRANCH_PEOPLE
from cxzy_saas.domain.errors import (
    AlreadyExists,
    DomainError,
    InvalidInput,
    NotFound,
    StateConflict,
)
from cxzy_saas.domain.evidence import ITEMS, MAX_BYTES, TYPES
from cxzy_saas.web.api.evidence import file_response, uploaded
from cxzy_saas.web.api.routing import check_length
from cxzy_saas.web.pages import bp, i18n
from cxzy_saas.web.pages.access import acting_for, may, signed_in
from cxzy_saas.web.pages.branch import branch_app, branch_reader
from cxzy_saas.web.problems import UPLOAD_LIMIT
from cxzy_saas.web.security import serves_a_file

ITEM_NAMES = {
    "record": ("日常记载", "daily record"),
    "measure": ("措施", "measure"),
    "deed": ("事迹材料", "deed material"),
    "inspection": ("季度检查", "quarterly inspection"),
}
BACK = {
    "record": "pages.work_records",
    "measure": "pages.work_measures",
    "deed": "pages.branch_deeds",
    "inspection": "pages.work_inspections",
}


@bp.app_template_global()
def evidence_open(code: str, level: str, subject: str) -> bool:
    """Whether the signed-in user may read the files of an item about ``subject`` in branch
    ``code``: pages link to an item's files only then (a member reads their own and the
    branch's, not another member's)."""
    try:
        actor = branch_reader(code)
    except DomainError:
        return False
    return not BranchApplication.evidence_hidden_from(actor, level, subject)


def size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


def evidence_page(code: str, item: str, item_id: UUID, error: str = "") -> str:
    actor = branch_reader(code)
    if item not in ITEMS:
        raise NotFound("evidence.not_found")
    app = branch_app(code)
    found = app.evidence_of(actor, item, item_id)
    subject = app.evidence_item(item, item_id)
    can_write = may(code, BRANCH_PEOPLE) and app.may_attach(
        acting_for(code, BRANCH_PEOPLE), subject
    )
    return render_template(
        "work/evidence.html",
        code=code,
        name=app.branch().name,
        item=item,
        item_id=item_id,
        item_name=i18n.tr(*ITEM_NAMES[item]),
        about=app.subject_name(subject.level, subject.subject),
        year=subject.year,
        files=[
            {
                "e": e,
                "size": size_text(e.size),
                "kind": TYPES[e.media_type][1],
                "gone": app.file_erased(e),
            }
            for e in found
        ],
        back=url_for(BACK[item], code=code),
        can_write=can_write,
        error=error,
        max_mb=MAX_BYTES // 1024 // 1024,
        accept=",".join(sorted({s for suffixes, _ in TYPES.values() for s in suffixes})),
    )


@bp.get("/branch/<code>/evidence/<item>/<uuid:item_id>")
@signed_in
def evidence_list(code: str, item: str, item_id: UUID) -> str:
    return evidence_page(code, item, item_id)


@bp.post("/branch/<code>/evidence/<item>/<uuid:item_id>")
@signed_in
def evidence_upload(code: str, item: str, item_id: UUID) -> Response | tuple[str, int]:
    actor = acting_for(code, BRANCH_PEOPLE)
    app = branch_app(code)
    if item not in ITEMS:
        raise NotFound("evidence.not_found")
    try:
        check_length(UPLOAD_LIMIT)
        name, data = uploaded(request.files.get("file"))
        app.attach_evidence(actor, AttachEvidence(item=item, item_id=item_id, name=name, data=data))
    except InvalidInput as error:
        return evidence_page(code, item, item_id, i18n.message(error)), 422
    except (AlreadyExists, StateConflict) as error:
        return evidence_page(code, item, item_id, i18n.message(error)), 409
    flash(i18n.tr("佐证材料已上传", "The file was uploaded"))
    return redirect(url_for("pages.evidence_list", code=code, item=item, item_id=item_id))


@bp.post("/branch/<code>/evidence/<item>/<uuid:item_id>/<uuid:evidence_id>/withdrawal")
@signed_in
def evidence_withdraw(code: str, item: str, item_id: UUID, evidence_id: UUID) -> Response:
    actor = acting_for(code, BRANCH_PEOPLE)
    app = branch_app(code)
    app.withdraw_evidence(actor, WithdrawEvidence(evidence_id=evidence_id, reason="撤回"))
    flash(i18n.tr("佐证材料已撤回", "The file was withdrawn"))
    return redirect(url_for("pages.evidence_list", code=code, item=item, item_id=item_id))


@bp.get("/branch/<code>/evidence/file/<uuid:evidence_id>")
@serves_a_file
@signed_in
def evidence_download(code: str, evidence_id: UUID) -> Response:
    """The file (``?view=1``: an image made small, or a PDF shown in the browser)."""
    actor = branch_reader(code)
    app = branch_app(code)
    evidence = app.evidence(evidence_id)
    view = request.args.get("view") == "1"
    data = app.evidence_file(actor, evidence_id, view=view)
    return file_response(evidence, data, view)
