"""axe-core (the npm package pinned in package.json, installed by ``npm ci``), injected by
Playwright into Debian's Chromium: no serious or critical violation on any kind of page any demo
role reaches, at a laptop's size (1366×900) and a phone's (390×844). The same walk takes each
role's home screenshots for the README (docs/screenshots/, with CXZY_SCREENSHOTS=1).

Each kind of page is checked once per role (``/branch/b01/members/B01002`` stands for every
member's page, ``?page=3`` for every page of a list), so that the run stays within minutes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from cxzy_saas.web.app import create_app
from tests.web.conftest import as_user
from tests.web.crawl import USERS, pages
from tests.web.test_browser import (  # noqa: F401 (fixtures)
    SCREENSHOTS,
    browser,
    open_page,
    shoot,
    site,
)

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
SERIOUS = ("serious", "critical")


def kind(url: str) -> str:
    """One URL stands for all that differ only in numbers, member numbers or list pages."""
    url = re.sub(r"[?&]page=\d+", "", url)
    return re.sub(r"/(B\d{5}|\d+|[0-9a-f-]{36})(?=/|$|\?)", "/N", url)


def urls_of(settings: Any, username: str) -> list[str]:
    """Every kind of page the user reaches, found by the test client (fast), in crawl order."""
    client = create_app(settings, {"TESTING": True, "EMBEDDED_PROJECTOR": False}).test_client()
    as_user(client, username)
    found: dict[str, str] = {}
    for url, response in pages(client):
        if response.status_code == 200 and response.mimetype == "text/html":  # type: ignore[attr-defined]
            found.setdefault(kind(url), url)
    return list(found.values())


def small(path: Path) -> None:
    """A screenshot in 64 colours: a page of text and flat colours stays legible, the file a
    third of the size."""
    from PIL import Image

    with Image.open(path) as image:
        reduced = image.convert("RGB").quantize(colors=64)
    reduced.save(path, optimize=True)


def violations(page: Any) -> list[str]:
    if "axe" not in (page.evaluate("Object.keys(window)") or []):
        page.evaluate(AXE.read_text(encoding="utf-8"))  # evaluate is not bound by the page's CSP
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in SERIOUS
    ]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("username", USERS)
def test_no_serious_accessibility_violation(open_page, site, username, size):  # noqa: F811
    assert AXE.exists(), f"{AXE} is missing: run npm ci at the repository's root"
    page = open_page(username, viewport=SIZES[size])
    shoot(page, f"{username}-{size}.png", full_page=False)
    small(SCREENSHOTS / f"{username}-{size}.png")
    found = {}
    for url in urls_of(site[1].settings, username):
        page.goto(url)
        if wrong := violations(page):
            found[url] = wrong
    assert not found, found


def test_on_a_phone_tables_are_cards_and_chart_text_is_not_shrunk(open_page):  # noqa: F811
    page = open_page("b01-secretary", viewport=SIZES["phone"])
    page.goto("/branch/b01/members")
    cell = page.locator("table.cards tbody td[data-label]").first
    assert cell.get_attribute("data-label")  # each figure under its column's name
    assert cell.evaluate("c => getComputedStyle(c.parentElement).display") == "block"
    admin = open_page("admin", viewport=SIZES["phone"])
    # A board's bars are the server's drawing (the heat map's and the trends' are ECharts',
    # with the server's drawing kept for print and pages without script).
    admin.goto("/committee/boards/branch")
    # Drawn at its own size: one unit of the drawing is one CSS pixel, so 12px text is 12px.
    scale = admin.evaluate(
        "() => { const s = document.querySelector('svg.chart');"
        " return s.getBoundingClientRect().width / s.viewBox.baseVal.width; }"
    )
    assert scale == pytest.approx(1.0)
    size = admin.evaluate(
        "() => getComputedStyle(document.querySelector('svg.chart text')).fontSize"
    )
    assert float(size.removesuffix("px")) >= 12
