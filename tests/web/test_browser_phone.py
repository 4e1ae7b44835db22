"""Pages readable on a phone (390×844), in Debian's Chromium: on every kind of page each demo
role reaches, the page does not scroll sideways, and no table cell or button squeezes its Chinese
to one character a line (below 600 px a table is one card a row, site.css and static/cards.js).

The pages are test_accessibility's (each kind once per role, found by the test client), walked in
one browser context per role. Left out, with the reason:

- ``/committee/screen``: the big screen is made for a hall's display, not a phone;
- the print views (``/print/``, and pages opened with ``?print=1``): laid out for A4 paper.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.web.crawl import USERS
from tests.web.test_accessibility import urls_of
from tests.web.test_browser import PHONE, browser, open_page, site  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

EXCLUDED = re.compile(r"^/committee/screen\b|/print/|[?&]print=1")

# What a phone shows wrongly: the page wider than the screen (by more than a rounding pixel),
# and table cells (or buttons) whose text box is narrower than two of its characters while
# holding two or more Chinese characters (one character a line). Each finding names the element.
PROBLEMS = """() => {
  const found = [];
  const root = document.documentElement;
  if (root.scrollWidth > window.innerWidth + 1) {
    let widest = null;
    for (const el of document.body.querySelectorAll("*")) {
      const r = el.getBoundingClientRect();
      if (r.width && r.right > window.innerWidth + 1 && (!widest || r.right > widest.right))
        widest = {right: Math.round(r.right), what: el.tagName.toLowerCase()
          + (typeof el.className === "string" && el.className.trim()
             ? "." + el.className.trim().split(/\\s+/).join(".") : "")
          + (el.id ? "#" + el.id : "")};
    }
    found.push(`scrolls sideways: ${root.scrollWidth}px wide on a ${window.innerWidth}px screen`
      + (widest ? `, widest ${widest.what} reaching ${widest.right}px` : ""));
  }
  for (const cell of document.querySelectorAll("td, th, button")) {
    // A card table's head is read out, not shown (site.css clips it to a pixel).
    if (!cell.getClientRects().length) continue;
    if (cell.closest("table.cards thead, .visually-hidden")) continue;
    const text = cell.innerText.trim();
    if ((text.match(/[\\u4e00-\\u9fff]/g) || []).length < 2) continue;
    const style = getComputedStyle(cell);
    const inner = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    // Two characters need 2em; clientWidth is rounded to a pixel, hence the 0.1em allowance.
    if (inner < 1.9 * parseFloat(style.fontSize)) {
      const what = cell.tagName.toLowerCase();
      found.push(`a ${what} squeezes its text to one character a line: "${text.slice(0, 20)}"`
        + ` (${Math.round(inner)}px wide)`);
    }
  }
  return found.slice(0, 5);
}"""


def problems(page: Any) -> list[str]:
    return list(page.evaluate(PROBLEMS))


@pytest.mark.parametrize("username", USERS)
def test_no_page_scrolls_sideways_or_squeezes_a_table_on_a_phone(open_page, site, username):  # noqa: F811
    urls = [u for u in urls_of(site[1].settings, username) if not EXCLUDED.search(u)]
    assert len(urls) >= 5
    page = open_page(username, viewport=PHONE)
    found = {}
    for url in urls:
        page.goto(url)
        if wrong := problems(page):
            found[url] = wrong
    assert not found, "\n".join(f"{url}: {w}" for url, ws in found.items() for w in ws)
