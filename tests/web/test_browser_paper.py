"""Paper, and finding people, in a real browser (Chromium through Playwright, as
``test_browser.py``): a clerk uploads a photo as evidence of a daily record, sees it drawn
small and downloads the original; the print views print to A4 PDFs (``page.pdf``) whose text
(``pdftotext``) holds the documents' Chinese; a committee user finds a member from the menu's
search box and opens the tree."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.web.test_browser import browser, open_page, shoot, site  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def photo_file(folder: Path) -> Path:
    out = io.BytesIO()
    Image.new("RGB", (2400, 1600), "orange").save(out, "JPEG")
    path = folder / "主题党日.jpg"
    path.write_bytes(out.getvalue())
    return path


def test_a_clerk_uploads_a_photo_sees_it_small_and_downloads_it(
    open_page: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    clerk = open_page("b01-clerk")
    clerk.goto("/branch/b01/records")
    clerk.locator("a", has_text="佐证材料（照片、文档）").first.click()
    clerk.wait_for_load_state()
    assert "的佐证材料" in clerk.locator("h1").inner_text()
    photo = photo_file(tmp_path)
    clerk.set_input_files("input[type=file]", str(photo))
    clerk.click("form.entry button.primary")
    clerk.wait_for_load_state()
    assert "佐证材料已上传" in clerk.content()
    image = clerk.locator("ul.evidence img").first
    image.wait_for()
    width = clerk.evaluate(
        "img => img.complete ? img.naturalWidth"
        " : new Promise(r => img.onload = () => r(img.naturalWidth))",
        image.element_handle(),
    )
    assert width == 1280  # drawn from the small copy, not the 2400-pixel original
    shoot(clerk, "evidence.png")
    with clerk.expect_download() as waiting:
        clerk.locator("ul.evidence a[download]").first.click()
    download = waiting.value
    assert download.suggested_filename == "主题党日.jpg"
    assert Path(download.path()).read_bytes() == photo.read_bytes()

    # A file the site does not take is refused on the page, in Chinese.
    bad = tmp_path / "说明.exe"
    bad.write_bytes(b"MZ\x90\x00")
    clerk.set_input_files("input[type=file]", str(bad))
    clerk.click("form.entry button.primary")
    clerk.wait_for_load_state()
    assert "不支持这种文件" in clerk.locator("p.error").inner_text()


PRINTS = {
    "/branch/b01/print/month?month=3": ["集中考核评分表", "月得分"],
    "/branch/b01/print/nomination": ["推荐表", "优秀党员", "推荐理由"],
    "/branch/b01/print/plan": ["实施方案", "评选条件", "考核评分项目"],
    "/branch/b01/print/annual-summary": ["年度创先争优活动总结", "基本情况", "今后打算"],
}


def pdf_text(path: Path) -> tuple[str, str]:
    """The PDF's text and its first page's size, by poppler's tools."""
    assert shutil.which("pdftotext"), "poppler-utils (pdftotext) is needed"
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True)
    size = next(line for line in info.stdout.splitlines() if line.startswith("Page size"))
    return text, size


def test_print_views_print_to_a4_pdfs_with_their_chinese_text(
    open_page: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    secretary = open_page("b01-secretary")
    secretary.goto("/branch/b01/ballots")
    secretary.locator("a", has_text="打印测评表").first.click()
    secretary.wait_for_load_state()
    urls = {secretary.url.removeprefix(secretary.url.split("/branch/")[0]): ["测评表", "基本合格"]}
    for url, words in {**urls, **PRINTS}.items():
        secretary.goto(url)
        assert secretary.locator("nav.main").count() == 0
        path = tmp_path / f"{len(list(tmp_path.iterdir()))}.pdf"
        secretary.pdf(path=str(path), prefer_css_page_size=True, print_background=True)
        text, size = pdf_text(path)
        assert "A4" in size, (url, size)
        squeezed = "".join(text.split())
        for word in words:
            assert word in squeezed, (url, word, text[:500])
        assert "打印" not in squeezed.replace("打印自创先争优活动管理系统", ""), url  # no buttons


def test_the_committee_finds_a_member_from_the_menu_and_browses_the_tree(
    open_page: Any,  # noqa: F811
    site: Any,  # noqa: F811
) -> None:
    from cxzy_saas.application.tenancy import Tenancy

    tenancy = Tenancy(site[1].settings)
    try:
        member = tenancy.branch("b02").members()[3]
        name, number = str(member.name), member.member_no
    finally:
        tenancy.close()
    admin = open_page("admin")
    admin.fill("form.nav-search input[name=q]", number)
    admin.press("form.nav-search input[name=q]", "Enter")
    admin.wait_for_load_state()
    assert "/committee/search" in admin.url
    admin.locator("#results a", has_text=name).first.click()
    admin.wait_for_load_state()
    assert admin.url.endswith(f"/branch/b02/members/{number}")
    admin.goto("/committee/organisation")
    branch = admin.locator("#b-b02 > details")
    if branch.get_attribute("open") is None:  # a small committee's branches start open
        branch.locator("summary").first.click()
    group = branch.locator("li details").first
    group.locator("summary").click()
    assert group.locator("ul.members a").count() > 0
    shoot(admin, "organisation.png")
