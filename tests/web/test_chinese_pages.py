"""Chinese as readers expect, on every page every demo role reaches (Chinese UI): no Latin word
outside a small list of proper nouns, and full-width punctuation next to Chinese.

What the scan leaves out, and why: the language switch (``lang="en"``), scripts and styles,
addresses, ``<code>`` (a fingerprint or a checksum to compare by eye), and identifiers people
type or compare as they are: a user name, a member number, a file name, each alone in an element
marked ``translate="no"`` (the scan checks that such an element holds one identifier, no prose).
"""

from __future__ import annotations

import re

import pytest

from tests.unit.test_punctuation import marks
from tests.web.conftest import Demo, as_user, build_small_demo
from tests.web.crawl import USERS, pages, visible_text

# Proper nouns of file formats, paper and sizes that Chinese readers use as they are.
ALLOWED = {"CSV", "Excel", "XLSX", "Word", "PDF", "JPEG", "PNG", "A4", "UTF-8", "GBK", "KB", "MB"}
# A member number (党员编号, the demo's B01004) is the number on the member's record, read and
# typed as it is, like a telephone number; it may stand in a list's option, where no markup can.
MEMBER_NUMBER = re.compile(r"B\d{5}")
IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]*")
# Pages no link leads to: a mistyped address, and forms' answers.
EXTRA = {
    "admin": ["/no-such-page", "/committee/audit/trail?branch=b01&subject=B01001"],
    "b01-secretary": ["/no-such-page"],
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Demo:  # type: ignore[no-untyped-def]
    return build_small_demo(tmp_path_factory.mktemp("chinese"))


@pytest.fixture(scope="module")
def shown(app) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    """user → url → the page's HTML, for every page the user reaches."""
    found: dict[str, dict[str, str]] = {}
    for username in USERS:
        client = app.test_client()
        as_user(client, username)
        found[username] = {}
        for start in ["/", *EXTRA.get(username, [])]:
            for url, response in pages(client, start):
                if response.mimetype == "text/html":  # type: ignore[attr-defined]
                    found[username][url] = response.text  # type: ignore[attr-defined]
    found["signed out"] = {
        url: response.text  # type: ignore[attr-defined]
        for start in ("/login", "/ballot")
        for url, response in pages(app.test_client(), start, limit=5)
    }
    return found


def latin_words(html: str) -> list[str]:
    text = visible_text(html)
    return [
        w
        for w in re.findall(r"[A-Za-z][A-Za-z0-9_.-]*[A-Za-z0-9]|[A-Za-z]", text)
        if w not in ALLOWED and not MEMBER_NUMBER.fullmatch(w)
    ]


@pytest.mark.parametrize("username", [*USERS, "signed out"])
def test_no_latin_word_on_a_chinese_page(shown, username):
    assert len(shown[username]) >= (2 if username == "signed out" else 15)  # the scan saw pages
    found = {
        url: sorted(set(words))[:8]
        for url, html in shown[username].items()
        if (words := latin_words(html))
    }
    assert not found, f"Latin words (page: words): {found}"


@pytest.mark.parametrize("username", [*USERS, "signed out"])
def test_identifiers_left_out_of_the_scan_are_identifiers(shown, username):
    wrong = {
        (url, text)
        for url, html in shown[username].items()
        for text in re.findall(r'translate="no"[^>]*>([^<]*)<', html)
        if not IDENTIFIER.fullmatch(text.strip())
    }
    assert not wrong, wrong


@pytest.mark.parametrize("username", [*USERS, "signed out"])
def test_full_width_punctuation_on_a_chinese_page(shown, username):
    found = {
        url: found
        for url, html in shown[username].items()
        if (found := [m for line in visible_text(html).splitlines() for m in marks(line)])
    }
    assert not found, f"half-width marks next to Chinese (page: text): {found}"


def test_a_missing_page_answers_in_chinese(shown):
    page = shown["admin"]["/no-such-page"]
    assert "页面不存在" in page and "Not Found" not in page


def test_the_larger_text_switch_is_kept_for_a_year(app):
    client = app.test_client()
    as_user(client, "b01-member")
    assert 'class="large"' not in client.get("/branch/b01").text
    switched = client.get("/text/large?next=/branch/b01")
    assert switched.status_code == 302 and switched.location.endswith("/branch/b01")
    assert "Max-Age=31536000" in switched.headers["Set-Cookie"]
    page = client.get("/branch/b01").text
    assert 'class="large"' in page and "标准字" in page
    client.get("/text/normal")
    assert 'class="large"' not in client.get("/branch/b01").text


def test_every_time_is_beijing_time():
    from datetime import UTC, datetime

    from cxzy_saas.web.pages.i18n import beijing

    assert beijing(datetime(2026, 1, 1, 16, 30, tzinfo=UTC)) == "2026-01-02 00:30"
    assert beijing("2026-01-01T16:30:00+00:00") == "2026-01-02 00:30"
    assert beijing(datetime(2026, 1, 1, 16, 30)) == "2026-01-02 00:30"  # naive is UTC
