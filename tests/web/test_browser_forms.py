"""Forms in a real browser: the daily record's subjects and criteria follow the level chosen,
and a ballot's subject checkboxes sit beside their names (the fixtures are test_browser's)."""

from __future__ import annotations

import pytest

from tests.web.test_browser import browser, open_page, site  # noqa: F401

pytestmark = pytest.mark.browser


def test_the_subjects_offered_follow_the_level_chosen(open_page):  # noqa: F811
    clerk = open_page("b01-clerk")
    clerk.goto("/branch/b01/records")
    clerk.click("#new summary")
    form = clerk.locator("#new form")
    subject = form.locator("select[name=subject]")
    chosen = subject.evaluate("s => s.selectedOptions[0].parentElement.dataset.level")
    assert chosen == "member"
    assert subject.locator("optgroup[data-level=branch]").evaluate("g => g.hidden")
    form.locator("select[name=level]").select_option("group")
    chosen = subject.evaluate("s => s.selectedOptions[0].parentElement.dataset.level")
    assert chosen == "group"
    assert subject.locator("optgroup[data-level=member]").evaluate("g => g.hidden")
    # so do the criteria: 党员第3条 is not 党支部第3条; one of another level falls back to none
    criterion = form.locator("select[name=criterion]")
    criterion.evaluate(
        "s => { s.querySelector('optgroup[data-level=group] option').selected = true; }"
    )
    assert criterion.evaluate("s => s.selectedOptions[0].parentElement.dataset.level") == "group"
    assert form.locator("select[name=criterion] optgroup[data-level=member]").evaluate(
        "g => g.hidden"
    )
    form.locator("select[name=level]").select_option("member")
    assert criterion.input_value() == ""


def test_ballot_checkboxes_sit_beside_their_names(open_page):  # noqa: F811
    clerk = open_page("b01-clerk")
    clerk.goto("/branch/b01/ballots")
    label = clerk.locator("label.grade").first
    label.scroll_into_view_if_needed()
    box = label.locator("input[type=checkbox]").bounding_box()
    whole = label.bounding_box()
    assert box and whole
    assert box["width"] < 40  # not stretched across the form
    assert whole["height"] < 3 * box["height"] + 20  # on one line with its name
