"""Evidence files (佐证材料) on daily records, measures, deed materials and inspections:
upload (multipart), list, read, download, withdraw (decision 0023)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from werkzeug.datastructures import FileStorage

from cxzy_saas.application.evidence import AttachEvidence, WithdrawEvidence
from cxzy_saas.application.permissions import BRANCH_PEOPLE
from cxzy_saas.domain.errors import InvalidInput
from cxzy_saas.domain.evidence import ITEMS, MAX_BYTES, Evidence
from cxzy_saas.web.api.branches import READERS
from cxzy_saas.web.api.routing import Call, api_route
from cxzy_saas.web.api.schemas import In, optional_text, string
from cxzy_saas.web.problems import UPLOAD_LIMIT
from cxzy_saas.web.security import serves_a_file

# The whole multipart body: the file and its form fields.


class ItemIn(In):
    item = string(required=True, validate=validate.OneOf(ITEMS))
    item_id = fields.UUID(required=True)


class ItemArgs(In):
    """The files of one item: ``item`` and ``item_id`` together, or neither (every file)."""

    item = string(
        load_default=None,
        validate=validate.OneOf(ITEMS),
        metadata={"description": "与 item_id 同时给出，或都不给出"},
    )
    item_id = fields.UUID(
        load_default=None, metadata={"description": "与 item 同时给出，或都不给出"}
    )

    @validates_schema
    def both_or_neither(self, data: dict[str, Any], **kwargs: Any) -> None:
        if (data.get("item") is None) != (data.get("item_id") is None):
            raise ValidationError("give both item and item_id, or neither", "item_id")


class WithdrawIn(In):
    reason = optional_text(1000)


class EvidenceOut(Schema):
    id = fields.UUID()
    year = fields.Integer()
    item = fields.String(validate=validate.OneOf(ITEMS))
    item_id = fields.UUID()
    sha256 = fields.String()
    name = fields.String()
    media_type = fields.String()
    size = fields.Integer()
    withdrawn = fields.String(allow_none=True)


def uploaded(upload: FileStorage | None) -> tuple[str, bytes]:
    """The name (without any folder a browser sent) and the bytes of an uploaded file; read
    one byte past the limit, so that a file over it is refused by size, not cut.

    Raises:
        InvalidInput: no file was sent.
    """
    if upload is None or not upload.filename:
        raise InvalidInput("evidence.no_file", field="file")
    try:
        data = upload.stream.read(MAX_BYTES + 1)
    finally:
        upload.close()  # a large upload is spooled to a temporary file: give it back now
    name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1]
    return name or "file", data


def file_response(evidence: Evidence, data: bytes, view: bool) -> Response:
    """The file, downloaded under its own name (shown in the browser when it is an image or a
    PDF asked for viewing); never sniffed by the browser as something else."""
    media_type = (
        "image/jpeg"
        if view and evidence.is_image and data[:3] == b"\xff\xd8\xff"
        else (evidence.media_type)
    )
    out = Response(data, mimetype=media_type)
    # Never sniffed (Talisman's nosniff), and run in a sandbox: web/security.serves_a_file.
    inline = view and (evidence.is_image or evidence.media_type == "application/pdf")
    from urllib.parse import quote

    out.headers["Content-Disposition"] = (
        f"{'inline' if inline else 'attachment'}; filename*=UTF-8''{quote(evidence.name)}"
    )
    out.headers["Cache-Control"] = "private, no-store"
    return out


@api_route(
    "/branches/<code>/evidence",
    "POST",
    summary="上传佐证材料（照片、文档；multipart/form-data）",
    roles=BRANCH_PEOPLE,
    body=ItemIn,
    response=EvidenceOut,
    status=201,
    upload=UPLOAD_LIMIT,
    location=lambda path, out: f"/branches/{path['code']}/evidence/{out['id']}",
    links=("get_evidence", "download_evidence"),
    link_parameters={"id": "$response.body#/id"},
)
def attach_evidence(call: Call, code: str) -> Any:
    name, data = uploaded(call.body.pop("file"))
    evidence_id = call.branch.attach_evidence(
        call.actor, AttachEvidence(name=name, data=data, **call.body)
    )
    return call.branch.evidence(evidence_id)


@api_route(
    "/branches/<code>/evidence",
    summary="佐证材料列表（可按所附的一项筛选：item 与 item_id）",
    roles=READERS,
    query=ItemArgs,
    response=EvidenceOut,
    many=True,
)
def list_evidence(call: Call, code: str) -> Any:
    item, item_id = call.args["item"], call.args["item_id"]
    if item is not None:
        return call.branch.evidence_of(call.actor, item, item_id)
    return call.branch.readable_evidence(call.actor)


def _readable(call: Call, id: UUID) -> Evidence:
    evidence = call.branch.evidence(id)
    call.branch.evidence_of(call.actor, evidence.item, evidence.item_id)  # the item's readers
    return evidence


@api_route(
    "/branches/<code>/evidence/<uuid:id>", summary="佐证材料", roles=READERS, response=EvidenceOut
)
def get_evidence(call: Call, code: str, id: UUID) -> Any:
    return _readable(call, id)


class FileArgs(In):
    view = fields.Boolean(load_default=False)


@api_route(
    "/branches/<code>/evidence/<uuid:id>/file",
    summary="下载佐证材料（view=true：图片缩小后查看）",
    roles=READERS,
    query=FileArgs,
    produces="application/octet-stream",
)
@serves_a_file
def download_evidence(call: Call, code: str, id: UUID) -> Any:
    evidence = _readable(call, id)
    view = bool(call.args["view"])
    data = call.branch.evidence_file(call.actor, id, view=view)
    return file_response(evidence, data, view)


@api_route(
    "/branches/<code>/evidence/<uuid:id>/withdrawal",
    "POST",
    summary="撤回佐证材料",
    roles=BRANCH_PEOPLE,
    body=WithdrawIn,
    response=EvidenceOut,
)
def withdraw_evidence(call: Call, code: str, id: UUID) -> Any:
    call.branch.withdraw_evidence(call.actor, WithdrawEvidence(evidence_id=id, **call.body))
    return call.branch.evidence(id)
