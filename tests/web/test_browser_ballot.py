"""The secret ballot in a real browser (Debian's Chromium): the rating page on a phone at
390×844, and the printed slips, whose QR code a reader library decodes to the short address.

Takes the README's screenshot of the phone ballot (``CXZY_SCREENSHOTS=1`` saves it in
docs/screenshots/, as the other browser tests do).
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest

from cxzy_saas.application.commands.evaluation import OpenBallot
from cxzy_saas.application.tenancy import Tenancy
from tests.web import test_browser
from tests.web.conftest import PUBLIC_URL, system
from tests.web.test_browser import PHONE, eventually, shoot

pytestmark = pytest.mark.browser

# The browser, the served demo and a page per user, as test_browser.py makes them.
browser = test_browser.browser
site = test_browser.site
open_page = test_browser.open_page


def a_ballot_of_the_whole_branch(site: tuple[str, Any]) -> tuple[str, list[str], int]:
    """A ballot of every member and group of b01, as a real year-end rating has (about 20
    subjects); its short id, codes and number of subjects."""
    _, demo = site
    tenancy = Tenancy(demo.settings)
    try:
        b01 = tenancy.branch("b01")
        subjects = [{"level": "member", "subject": m.member_no} for m in b01.members()]
        subjects += [{"level": "group", "subject": g.code} for g in b01.groups()]
        ballot_id, codes = b01.open_ballot(
            system("b01"),
            OpenBallot(
                year=2026,
                title="年终民主测评(全体)",
                subjects=subjects,
                codes={"members": 3},
                on=tenancy.now().date(),
            ),
        )
        return b01.ballot(ballot_id).short, codes["members"], len(subjects)
    finally:
        tenancy.close()


def test_a_rater_rates_the_whole_branch_on_a_phone_one_compact_row_each(open_page, site):
    short, codes, subjects = a_ballot_of_the_whole_branch(site)
    assert subjects >= 15
    rater = open_page(viewport=PHONE)
    eventually(rater, f"/b/{short}", lambda: rater.locator("input[name=code]").count() == 1)
    rater.fill("input[name=code]", codes[0].lower())
    rater.click("button.primary")
    rater.wait_for_load_state()

    # the criteria come before the first row
    criteria = rater.locator("details.criteria").first.bounding_box()
    table = rater.locator("table.rating").bounding_box()
    assert criteria and table and criteria["y"] < table["y"]
    assert "优秀党员评选条件" in rater.inner_text("details.criteria >> nth=0")

    rows = rater.locator("tr.subject")
    assert rows.count() == subjects
    width = rater.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the page scrolls sideways on a phone"
    for i in range(rows.count()):
        boxes = [b for b in (r.bounding_box() for r in rows.nth(i).locator("input").all()) if b]
        assert len(boxes) == 4
        assert max(b["y"] for b in boxes) - min(b["y"] for b in boxes) < 2  # side by side
        assert all(b["x"] + b["width"] <= PHONE["width"] for b in boxes)
        assert rows.nth(i).bounding_box()["height"] < 70  # type: ignore[index]
    # about 50 px a subject: 21 subjects on two or three screens, not six
    assert table["height"] < subjects * 60

    progress = rater.locator(".progress")
    assert progress.inner_text().replace(" ", "") == f"已选0/{subjects}"
    for i in range(subjects - 1):
        rows.nth(i).locator("input").nth(i % 4).check()
    assert progress.inner_text().replace(" ", "") == f"已选{subjects - 1}/{subjects}"
    rater.evaluate(f"window.scrollTo(0, {table['y']} - 160)")  # the end of the criteria, the rows
    shoot(rater, "ballot-phone.png", full_page=False)
    rater.click("button[value=review]")
    rater.wait_for_load_state()
    assert "请为每个测评对象选择等次" in rater.inner_text("p.error")
    assert rater.locator("tr.subject.invalid").count() == 1
    rater.locator("tr.subject.invalid input").first.check()
    assert progress.inner_text().replace(" ", "") == f"已选{subjects}/{subjects}"
    rater.click("button[value=review]")
    rater.wait_for_load_state()
    assert "请核对您的测评" in rater.inner_text("h1")
    assert rater.locator("table.chosen tr").count() == subjects
    rater.click("button[value=cast]")
    rater.wait_for_url("**/ballot/done")
    assert "测评已提交" in rater.inner_text("h1")

    rater.goto(f"/b/{short}")
    rater.fill("input[name=code]", codes[0])
    rater.click("button.primary")
    rater.wait_for_load_state()
    assert rater.inner_text("p.error") == "该测评码已经使用过。"


def test_the_slip_s_qr_code_reads_as_the_short_public_address(open_page):
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    clerk = open_page("b02-clerk")
    clerk.goto("/branch/b02/ballots")
    clerk.fill("input[name=title]", "专项测评")
    clerk.fill("input[name=members]", "10")
    clerk.click("form.card button.primary")
    clerk.wait_for_load_state()
    address = clerk.locator(".slip .address").first.inner_text().strip()
    assert re.fullmatch(re.escape(PUBLIC_URL) + r"/b/[A-Z0-9]{10}", address)
    assert re.fullmatch(
        r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", clerk.locator(".slip .code").first.inner_text()
    )
    png = clerk.locator(".slip .qr").first.screenshot()
    found = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]
    assert found == [address]

    # printed: eight slips to an A4 page (277 mm of height between the margins)
    clerk.emulate_media(media="print")
    pages = clerk.locator("section.slip-page")
    assert pages.count() == 2
    first = pages.nth(0)
    assert first.locator("article.slip").count() == 8
    mm = 96 / 25.4
    box = first.bounding_box()
    assert box and box["height"] <= 277 * mm + 1
    slips = [s.bounding_box() for s in first.locator("article.slip").all()]
    assert len({round(s["x"]) for s in slips if s}) == 2  # two columns of four
    shoot(clerk, "ballot-slips.png", full_page=False)
