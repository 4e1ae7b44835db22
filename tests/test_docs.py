"""Docs that are generated from the code must match it."""

from pathlib import Path

from cxzy_saas.event_catalogue import aggregates, events_of, markdown

ROOT = Path(__file__).resolve().parents[1]


def test_docs_events_md_is_the_generated_catalogue():
    assert (ROOT / "docs" / "events.md").read_text(encoding="utf-8") == markdown(), (
        "docs/events.md is stale: run `cxzy events > docs/events.md`"
    )


def test_the_catalogue_names_the_correcting_events():
    names = {f"{a.__name__}.{e.__name__}" for a in aggregates() for e in events_of(a)}
    assert {"Assessment.ScoreCorrected", "DailyRecord.Retracted", "Decision.Returned"} <= names
    assert len(names) >= 40
