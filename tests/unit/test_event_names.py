"""Events are named by class outside the domain (``domain/events.py``); where a name is still
written out (a test's expectation, a page's template, a docstring), it must be a real event.

The stored name of an event is its class's qualified name, ``Aggregate.Event``; the member
history of the API shows it joined, ``AggregateEvent``. Either form naming no event of the
domain fails here, as does a bare ``"Aggregate."`` (matching events by prefix, not by class).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from cxzy_saas.domain import events
from cxzy_saas.domain.organisation import Member
from cxzy_saas.projections.handlers import HANDLERS
from cxzy_saas.storage.personal import NESTED

ROOT = Path(__file__).resolve().parents[2]
ANY = "|".join(sorted((a.__name__ for a in events.aggregates()), key=len, reverse=True))
DOTTED = re.compile(rf"(?<![\w.])({ANY})\.([A-Z]\w*)")
JOINED = re.compile(rf"({ANY})([A-Z]\w+)")
PREFIX = re.compile(rf"({ANY})\.")
JOINED_NAMES = {name.replace(".", "") for name in events.BY_NAME}


def strings(path: Path) -> list[tuple[int, str]]:
    return [
        (node.lineno, node.value)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def unknown_names(text: str, *, joined: bool) -> list[str]:
    found = [m.group(0) for m in DOTTED.finditer(text) if m.group(0) not in events.BY_NAME]
    if PREFIX.fullmatch(text):
        found.append(text)
    if joined and JOINED.fullmatch(text) and text not in JOINED_NAMES:
        found.append(text)
    return found


def offenders() -> list[str]:
    found = []
    sources = [p for p in (ROOT / "src" / "cxzy_saas").rglob("*.py") if "domain" not in p.parts]
    tests = [p for p in (ROOT / "tests").rglob("*.py") if p != Path(__file__).resolve()]
    for path in sources + sorted(tests) + sorted(ROOT.glob("bench/*.py")):
        in_src = "src" in path.relative_to(ROOT).parts
        for line, text in strings(path):
            for name in unknown_names(text, joined=in_src):
                found.append(f"{path.relative_to(ROOT)}:{line}: {name!r}")
    for path in sorted((ROOT / "src" / "cxzy_saas" / "web" / "templates").rglob("*.html")):
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for name in unknown_names(text, joined=False):
                found.append(f"{path.relative_to(ROOT)}:{number}: {name!r}")
    return found


def test_every_event_named_outside_the_domain_is_a_real_event():
    assert offenders() == []


def test_a_misspelt_event_or_a_prefix_is_caught():
    assert unknown_names("Assessment.ScoreCorected", joined=False) == ["Assessment.ScoreCorected"]
    assert unknown_names("Member.", joined=False) == ["Member."]
    assert unknown_names("DailyRecordRetract", joined=True) == ["DailyRecordRetract"]
    assert unknown_names("the plan (``Plan.Drafted``) and Plan.revise", joined=True) == []


def test_the_registry_holds_every_event_class_of_the_domain():
    assert len(events.BY_NAME) == len(events.BY_TOPIC) == len(events.AGGREGATE_OF)
    for name, cls in events.BY_NAME.items():
        aggregate, _, event = name.partition(".")
        assert getattr(events, aggregate + event) is cls
        assert events.AGGREGATE_OF[cls].__name__ == aggregate
        assert events.BY_TOPIC[events.topic_of(cls)] is cls
    assert events.of_aggregate(events.MemberEnrolled, Member)
    assert not events.of_aggregate(None, Member)


def test_handlers_and_filters_are_keyed_by_event_classes():
    classes = set(events.BY_NAME.values())
    assert set(HANDLERS) <= classes and set(NESTED) <= classes
