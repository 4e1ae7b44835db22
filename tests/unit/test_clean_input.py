"""What the domain refuses whatever the entry point (API, pages, command line, demo): control
characters and lone surrogates in text, codes that only start like a code, numbers that are not
finite; and no request schema takes a free dict."""

from __future__ import annotations

import math
from datetime import date

import pytest
from marshmallow import fields

from cxzy_saas.application.catalogue import default_plan_content
from cxzy_saas.domain.accounts import Account
from cxzy_saas.domain.base import require_text
from cxzy_saas.domain.committee import check_tenant_code
from cxzy_saas.domain.errors import InvalidInput
from cxzy_saas.domain.organisation import Group, Member
from cxzy_saas.domain.plan import PlanContent
from cxzy_saas.domain.recording import Actor, recording
from tests.unit.test_commands import request_schemas

CLERK = Actor(user="clerk", role="branch-clerk", tenant="b01")


@pytest.mark.parametrize(
    "bad", ["张\x00三", "a\x1bb", "\x7f", "a\ud800", "a\u2028b", "a\x85b", "\u202e理由", "a\u2066b"]
)
def test_text_with_a_control_character_or_a_lone_surrogate_is_refused(bad):
    with pytest.raises(InvalidInput) as refused:
        require_text(bad, "text")
    assert refused.value.code == "text.bad_character"
    assert refused.value.params["character"].startswith("U+")


@pytest.mark.parametrize(
    "blank", ["\u200b\u200b", " \u200b\u3000\ufeff ", "\u2060", "\u200d\n\u200c"]
)
def test_text_of_nothing_but_invisible_characters_is_empty(blank):
    """A record whose text is two zero-width spaces looks empty on every page."""
    with pytest.raises(InvalidInput) as refused:
        require_text(blank, "text")
    assert refused.value.code == "text.empty"


def test_invisible_characters_at_the_ends_are_trimmed_not_inside():
    assert require_text("\u200b张三\ufeff", "name") == "张三"
    assert require_text("👨\u200d👩", "text") == "👨\u200d👩"  # a joined emoji stays whole


def test_lines_and_tabs_only_in_multi_line_text():
    assert require_text("第一行\r\n第二行\t", "text") == "第一行\r\n第二行"
    with pytest.raises(InvalidInput):
        require_text("张\n三", "name", multiline=False)


def test_a_member_named_with_a_nul_or_numbered_with_a_new_line_is_never_enrolled():
    with recording("b01", CLERK):
        with pytest.raises(InvalidInput) as nul:
            Member.enrol("B01001", "张\u0000三", "full", None, date(2020, 1, 1))
        assert nul.value.field == "name"
        with pytest.raises(InvalidInput) as newline:
            Member.enrol("B01001\n", "张三", "full", None, date(2020, 1, 1))
        assert newline.value.field == "member_no"
        with pytest.raises(InvalidInput):
            Group.form("g1;drop", "第一党小组")


@pytest.mark.parametrize("code", ["b01\n", "b01 ", "B01", "1b", ""])
def test_tenant_codes_match_whole(code):
    with pytest.raises(InvalidInput):
        check_tenant_code(code)


def test_usernames_match_whole():
    system = Actor(user="system", role="system", tenant="demo")
    with recording("demo", system), pytest.raises(InvalidInput):
        Account.register("admin\n", "管理员", "hash")


@pytest.mark.parametrize(
    "change",
    [
        lambda c: c["items"][0].update(max_points=math.inf),
        lambda c: c["items"][0].update(weight=math.nan),
        lambda c: c["items"][0].update(code='=HYPERLINK("http://e.vil/x","点我")'),
        lambda c: c["items"][0].update(code="B1\n"),
        lambda c: c["items"][0].update(title="班子\x00建设"),
        lambda c: c["composite_weights"].update(work=math.inf),
        lambda c: c["branch_formula"].update(own=math.nan),
        lambda c: c["rules"]["pool_weights"].update(members=-1),
        lambda c: c["rules"].update(min_turnout=math.nan),
        lambda c: c["rules"].update(quota_fraction=math.inf),
        lambda c: c.update(guiding_ideology="以党章\x00为根本"),
        lambda c: c["criteria"][0].update(text="领导\x1b班子"),
    ],
)
def test_a_plan_with_a_number_that_is_not_finite_or_a_bad_text_or_code_is_refused(change):
    content = default_plan_content()
    change(content)
    with pytest.raises(InvalidInput):
        PlanContent.parse(content)


def test_the_default_catalogue_is_a_valid_plan():
    assert len(PlanContent.parse(default_plan_content()).items) > 10


def untyped_dicts(field: fields.Field, where: str) -> list[str]:
    found = []
    if isinstance(field, fields.Dict) and (field.key_field is None or field.value_field is None):
        found.append(where)
    if type(field) in (fields.Raw, fields.Field):
        found.append(where)
    if isinstance(field, fields.List):
        found += untyped_dicts(field.inner, f"{where}[]")
    if isinstance(field, fields.Dict):
        for inner in (field.key_field, field.value_field):
            if inner is not None:
                found += untyped_dicts(inner, f"{where}.*")
    if isinstance(field, fields.Nested) and isinstance(field.nested, type):
        for name, inner in field.nested._declared_fields.items():
            found += untyped_dicts(inner, f"{where}.{name}")
    return found


def test_no_request_schema_takes_a_free_dict():
    free = [
        where
        for schema in request_schemas()
        for name, field in schema._declared_fields.items()
        for where in untyped_dicts(field, f"{schema.__name__}.{name}")
    ]
    assert free == []
