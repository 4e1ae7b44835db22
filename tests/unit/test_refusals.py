"""Refusals with codes: every raise site in src/ names a code of the catalogue and gives the
parameters its messages name; every code has a Chinese message in proper Chinese punctuation.

The raise sites are read with ``ast``: a call of a DomainError class, or of a helper that passes
its caller's code on (``require``, an application's ``load`` and ``peek``).
"""

from __future__ import annotations

import ast
import pickle
import re
import string
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

import cxzy_saas
from cxzy_saas.domain import errors
from cxzy_saas.domain.decisions import KINDS, OUTCOMES
from cxzy_saas.domain.errors import (
    CODE,
    NAMED,
    AlreadyExists,
    DomainError,
    InvalidInput,
    NotFound,
    StateConflict,
)
from cxzy_saas.domain.evaluation import STAGES
from cxzy_saas.domain.organisation import BRANCH_ROLES
from cxzy_saas.domain.plan import LEVELS
from cxzy_saas.domain.recording import ROLES
from cxzy_saas.domain.refusals import MESSAGES, WORDS
from cxzy_saas.domain.work import REPORT_TO

SPECS = {*WORDS, *NAMED, "item"}  # the specs that name: words, subjects' names, items
SRC = Path(cxzy_saas.__file__).parent


def _subclasses(cls: type) -> set[type]:
    return {cls} | {s for sub in cls.__subclasses__() for s in _subclasses(sub)}


ERRORS = {cls.__name__ for cls in _subclasses(DomainError)}
# Helpers that refuse with their caller's code: name -> position of the code argument. A raise
# inside them passes their ``code`` parameter on; their callers are the raise sites.
RELAYS = {"require": 1, "load": 2, "peek": 2}
CJK = re.compile(r"[\u3400-\u9fff]")
HALF_WIDTH = re.compile(r"[,;:()!?]")


@dataclass(frozen=True)
class Site:
    where: str
    code: str | None  # None: not a string literal
    params: frozenset[str] | None  # None: a **mapping hides them
    field: bool


def _name(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


def _site(path: Path, call: ast.Call, code_arg: ast.expr | None) -> Site:
    code = (
        code_arg.value
        if isinstance(code_arg, ast.Constant) and isinstance(code_arg.value, str)
        else None
    )
    names = [k.arg for k in call.keywords]
    params = None if None in names else frozenset(n for n in names if n and n != "field")
    where = f"{path.relative_to(SRC)}:{call.lineno}"
    return Site(where, code, params, "field" in names)


def _relayed(call: ast.Call, function: ast.FunctionDef | None) -> bool:
    """A raise inside a relay helper that passes the helper's own ``code`` parameter on."""
    if function is None or function.name not in RELAYS or not call.args:
        return False
    first = call.args[0]
    return isinstance(first, ast.Name) and first.id == "code"


def _walk(path: Path, node: ast.AST, function: ast.FunctionDef | None, found: list[Site]) -> None:
    for child in ast.iter_child_nodes(node):
        inner = child if isinstance(child, ast.FunctionDef) else function
        if isinstance(child, ast.Call):
            name = _name(child)
            if name in ERRORS and not _relayed(child, function):
                found.append(_site(path, child, child.args[0] if child.args else None))
            elif name in RELAYS and len(child.args) > RELAYS[name]:
                found.append(_site(path, child, child.args[RELAYS[name]]))
        _walk(path, child, inner, found)


def raise_sites() -> list[Site]:
    found: list[Site] = []
    for path in sorted(SRC.rglob("*.py")):
        _walk(path, ast.parse(path.read_text(encoding="utf-8")), None, found)
    return found


SITES = raise_sites()


def placeholders(template: str) -> dict[str, str]:
    """The names a message fills in, each with its format spec."""
    return {
        re.split(r"[.\[]", name)[0]: spec or ""
        for _, name, spec, _ in string.Formatter().parse(template)
        if name is not None
    }


def outside_placeholders(template: str) -> str:
    return "".join(text for text, *_ in string.Formatter().parse(template))


def test_the_raise_sites_are_found():
    assert len(SITES) > 200
    assert any(s.code == "plan.wrong_status" for s in SITES)


def test_every_raise_site_names_a_literal_code_of_the_catalogue():
    unnamed = [s.where for s in SITES if s.code is None]
    assert not unnamed, f"raise sites without a literal code: {unnamed}"
    malformed = [(s.where, s.code) for s in SITES if s.code and not CODE.fullmatch(s.code)]
    assert not malformed, f"codes are dotted identifiers: {malformed}"
    missing = [(s.where, s.code) for s in SITES if s.code not in MESSAGES]
    assert not missing, f"codes missing from domain/refusals.py: {missing}"


def test_every_code_of_the_catalogue_is_raised_somewhere():
    assert set(MESSAGES) - {s.code for s in SITES} == set()


def test_the_parameters_of_each_raise_site_are_those_its_messages_name():
    wrong = []
    for site in SITES:
        if site.code not in MESSAGES or site.params is None:
            continue
        zh, en = MESSAGES[site.code]
        named = set(placeholders(zh)) | set(placeholders(en))
        if named - {"field"} != site.params or ("field" in named and not site.field):
            wrong.append((site.where, site.code, sorted(site.params), sorted(named)))
    assert not wrong, f"(site, code, parameters given, placeholders): {wrong}"


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_each_code_has_a_chinese_sentence_and_an_english_message(code):
    zh, en = MESSAGES[code]
    assert CJK.search(zh), f"{code}: no Chinese message"
    assert zh.endswith("。"), f"{code}: a Chinese message is a sentence ending in 。"
    text = outside_placeholders(zh)
    assert not HALF_WIDTH.search(text), f"{code}: half-width punctuation in {zh!r}"
    for name, spec in placeholders(zh).items():
        # A spec that is a name ({level:level}) names words; Python's own are like g or 02d.
        assert spec in SPECS or not re.fullmatch(r"[a-z_]{2,}", spec), f"{code}: {name}:{spec}"
    assert en and not CJK.search(en), f"{code}: the English message"
    assert not any(spec in WORDS for spec in placeholders(en).values()), code


def test_words_name_every_value_the_domain_can_put_in_a_chinese_message():
    assert set(WORDS["level"]) == set(LEVELS) == set(WORDS["level_count"])
    assert set(WORDS["role"]) == set(ROLES)
    assert set(WORDS["branch_role"]) == set(BRANCH_ROLES)
    assert set(WORDS["kind"]) == set(KINDS)
    assert set(WORDS["outcome"]) == set(OUTCOMES)
    assert set(WORDS["stage"]) == set(STAGES)
    targets = {t for ts in REPORT_TO.values() for t in ts} | {"members-meeting", "committee"}
    assert set(WORDS["report_to"]) == targets


def test_words_name_every_plan_status_and_every_plan_action():
    source = (SRC / "domain" / "plan.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    doings = {
        k.value.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _name(node) == "_expect"
        for k in node.keywords
        if k.arg == "doing" and isinstance(k.value, ast.Constant)
    }
    assert doings and doings == set(WORDS["plan_action"])
    statuses = re.search(r"DRAFT, DISCUSSED.*?= \((.*?)\)", source, re.S)
    assert statuses is not None
    assert set(re.findall(r'"(\w+)"', statuses.group(1))) == set(WORDS["plan_status"])


def test_a_refusal_reads_in_english_by_default_and_in_chinese_on_request():
    refused = StateConflict("plan.wrong_status", doing="submit", status="draft")
    assert str(refused) == refused.message == "cannot submit a plan that is draft"
    assert refused.text("zh") == "活动方案当前为“草稿”状态，不能报党委审批。"
    assert refused.code == "plan.wrong_status" and refused.field is None
    assert refused.params == {"doing": "submit", "status": "draft"}


def test_a_refusal_keeps_its_field_and_may_name_it():
    refused = InvalidInput("text.empty", field="reason")
    assert refused.field == "reason" and refused.params == {}
    assert str(refused) == "reason must not be empty"
    assert refused.text("zh") == "此项不能为空。"


def test_format_specs_and_dates_fill_in():
    refused = InvalidInput(
        "scores.out_of_range", field="scores.M2", item="M2", title="学习教育", max_points=10.0
    )
    # an item as the plan names it, with its title
    assert refused.text("zh") == "员2（学习教育）的分数应在 0 到 10 之间。"
    sealed = NotFound("archive.not_sealed", branch="b01", year=2026)
    assert sealed.text("zh") == "党支部 b01的 2026 年度档案尚未归档。"  # no name given
    named = sealed.text("zh", names=lambda kind, code: "办公室党支部")
    assert named == "办公室党支部的 2026 年度档案尚未归档。"
    closed = StateConflict("campaign.closed", year=2026, on=date(2026, 12, 31))
    assert str(closed) == (
        "campaign 2026 closed on 2026-12-31: the year is final; a committee admin may amend it"
    )
    quota = InvalidInput("nomination.over_quota", field="entries", limit=3, level="member")
    assert quota.text("zh") == "最多可推荐 3 名党员（名额所限）。"


def test_a_refusal_never_fails_to_read():
    assert str(NotFound("branch.not_found")) == "branch {branch} not found"
    assert str(NotFound("no.such_code")) == "no.such_code"
    odd = InvalidInput("scores.out_of_range", item="M1", title="学习", max_points="ten")
    assert odd.text("zh") == "员1（学习）的分数应在 0 到 ten 之间。"
    # A value its words lack shows as it is, whatever its type.
    assert InvalidInput("plan.no_items", level="x").text("zh") == "活动方案缺少x层级的评分项目。"
    assert (
        InvalidInput("plan.no_items", level=["x"]).text("zh") == "活动方案缺少['x']层级的评分项目。"
    )


def test_a_code_is_a_dotted_identifier():
    for wrong in ("", "plan", "Plan.exists", "plan exists already", "plan..exists"):
        with pytest.raises(ValueError):
            AlreadyExists(wrong)


def test_a_refusal_survives_pickling_with_its_code_and_parameters():
    refused = AlreadyExists("member.number_taken", field="member_no", member_no="B01001")
    again = pickle.loads(pickle.dumps(refused))
    assert type(again) is AlreadyExists
    assert (again.code, again.field, again.params) == (refused.code, "member_no", refused.params)


def test_render_is_the_one_place_messages_are_filled():
    assert errors.render("level.unknown", {}, "zh") == "层级应为党支部、党小组或党员。"
    assert errors.render("level.unknown", {}, "en") == "level is branch, group or member"


def test_a_subject_beside_its_level_is_named_in_chinese_when_the_name_is_known():
    """A reader is told 党员王芳, not 党员B01014 (found by a tester); English keeps the code."""
    from cxzy_saas.domain.errors import StateConflict

    error = StateConflict("commendation.recommended_already", level="group", subject="g3")
    names = {("group", "g3"): "后勤党小组"}
    assert error.text("zh", names=lambda kind, code: names.get((kind, code))) == (
        "党小组后勤党小组已向上级党委推荐。"
    )
    assert error.text("zh") == "党小组g3已向上级党委推荐。"
    assert "g3" in error.text("en", names=lambda kind, code: names.get((kind, code)))
