"""The query of a branch's lists: filters, sort and paging (decision 0019), and their pages'
schema (the rows, paging, and the position of the branch's log the rows reflect)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from cxzy_saas.projections.lists import (
    DEED_SORTS,
    GROUP_SORTS,
    GROUP_STATUSES,
    INSPECTION_SORTS,
    MEASURE_SORTS,
    MEASURE_STATUSES,
    MEMBER_SORTS,
    MEMBER_STATUSES,
    NOMINATION_SORTS,
    NOMINATION_STATUSES,
    RECORD_SORTS,
    RECORD_STATUSES,
    SUMMARY_SORTS,
    SUMMARY_STATUSES,
    Filters,
    Paging,
)
from cxzy_saas.web.api.schemas import (
    LEVELS,
    MONTH,
    QUARTER,
    SUBJECT_LEVELS,
    YEAR,
    CampaignArgs,
    Page,
    PageArgs,
    code_text,
    string,
)

OPTIONAL: dict[str, Any] = {"load_default": None, "allow_none": True}


class BranchListArgs(CampaignArgs):
    """Filters every branch list takes: whose rows (``member``, ``group``: the group's and its
    members', or ``level`` and ``subject``)."""

    member = code_text(metadata={"description": "党员编号"}, **OPTIONAL)
    group = code_text(metadata={"description": "党小组代码（含其党员）"}, **OPTIONAL)
    level = string(validate=LEVELS, **OPTIONAL)
    subject = code_text(metadata={"description": "党员编号或党小组代码"}, **OPTIONAL)


class TextListArgs(BranchListArgs):
    """And text contained (``q``), for the lists whose rows hold text."""

    q = string(
        validate=validate.Length(min=1, max=100),
        metadata={"description": "包含的文字"},
        **OPTIONAL,
    )


class RecordArgs(TextListArgs):
    criterion = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=100)
    )
    month = fields.Integer(load_default=None, allow_none=True, validate=MONTH)
    status = string(validate=validate.OneOf(RECORD_STATUSES), **OPTIONAL)
    sort = string(validate=validate.OneOf(list(RECORD_SORTS)), **OPTIONAL)


class MeasureArgs(TextListArgs):
    criterion = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=100)
    )
    month = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=MONTH,
        metadata={"description": "完成时限在该月的措施"},
    )
    status = string(validate=validate.OneOf(MEASURE_STATUSES), **OPTIONAL)
    sort = string(validate=validate.OneOf(list(MEASURE_SORTS)), **OPTIONAL)


def text_contained(where: str) -> Any:
    return string(
        validate=validate.Length(min=1, max=100),
        metadata={"description": f"{where}包含的文字"},
        **OPTIONAL,
    )


class MemberArgs(PageArgs):
    include_left = fields.Boolean(load_default=False)
    member = code_text(metadata={"description": "党员编号"}, **OPTIONAL)
    group = code_text(metadata={"description": "所在党小组代码"}, **OPTIONAL)
    status = string(
        validate=validate.OneOf(MEMBER_STATUSES),
        metadata={"description": "正式党员、预备党员，或已转出（left）"},
        **OPTIONAL,
    )
    q = text_contained("姓名或党员编号")
    sort = string(validate=validate.OneOf(list(MEMBER_SORTS)), **OPTIONAL)


class GroupArgs(PageArgs):
    group = code_text(metadata={"description": "党小组代码"}, **OPTIONAL)
    status = string(validate=validate.OneOf(GROUP_STATUSES), **OPTIONAL)
    q = text_contained("名称或代码")
    sort = string(validate=validate.OneOf(list(GROUP_SORTS)), **OPTIONAL)


class InspectionArgs(CampaignArgs):
    quarter = fields.Integer(load_default=None, allow_none=True, validate=QUARTER)
    month = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=MONTH,
        metadata={"description": "该月所在季度的检查"},
    )
    q = text_contained("检查内容")
    sort = string(validate=validate.OneOf(list(INSPECTION_SORTS)), **OPTIONAL)


class DeedArgs(TextListArgs):
    sort = string(
        validate=validate.OneOf(list(DEED_SORTS)),
        metadata={"description": "written：首次撰写先后；subject：按对象"},
        **OPTIONAL,
    )


class SummaryArgs(PageArgs):
    campaign = fields.Integer(
        load_default=None, allow_none=True, validate=YEAR, metadata={"description": "该年度的"}
    )
    status = string(
        validate=validate.OneOf(SUMMARY_STATUSES),
        metadata={"description": "尚未报告（unreported），或已向党员大会、党委报告（本次修订后）"},
        **OPTIONAL,
    )
    q = text_contained("年度总结")
    sort = string(validate=validate.OneOf(list(SUMMARY_SORTS)), **OPTIONAL)


class NominationArgs(PageArgs):
    campaign = fields.Integer(
        load_default=None, allow_none=True, validate=YEAR, metadata={"description": "该年度的"}
    )
    member = code_text(metadata={"description": "推荐了该党员的"}, **OPTIONAL)
    group = code_text(metadata={"description": "推荐了该党小组或其党员的"}, **OPTIONAL)
    level = string(validate=SUBJECT_LEVELS, **OPTIONAL)
    subject = code_text(metadata={"description": "推荐了该党员编号或党小组代码的"}, **OPTIONAL)
    status = string(
        validate=validate.OneOf(NOMINATION_STATUSES),
        metadata={
            "description": "未报送（draft）、已报送（submitted）、有被党委退回的（returned）"
        },
        **OPTIONAL,
    )
    sort = string(validate=validate.OneOf(list(NOMINATION_SORTS)), **OPTIONAL)


def filters_of(args: dict[str, Any]) -> Filters:
    names = Filters.__dataclass_fields__
    return Filters(**{k: v for k, v in args.items() if k in names})


def paging_of(args: dict[str, Any]) -> Paging:
    return Paging(args["page"], args["per_page"], args.get("sort"))


class ListedPage(Page):
    position = fields.Integer(metadata={"description": "所列内容已包含的支部日志位置"})


def listed_page_of(item: type[Schema]) -> type[Schema]:
    """The page schema of ``item`` rows (``page_of``), with the position they reflect."""
    name = item.__name__.removesuffix("Out") + "Page"
    return type(name, (ListedPage,), {"items": fields.List(fields.Nested(item))})
