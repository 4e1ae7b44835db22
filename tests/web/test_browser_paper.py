"""Evidence files in a real browser (Chromium through Playwright, as ``test_browser.py``): a
clerk uploads a photo from a daily record, sees it drawn small, and downloads the original."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.web.test_browser import browser, open_page, site  # noqa: F401  (fixtures)

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
    clerk.locator("a", has_text="佐证材料(照片、文档)").first.click()
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
        "img => img.complete ? img.naturalWidth : new Promise(r => img.onload = () => r(img.naturalWidth))",
        image.element_handle(),
    )
    assert width == 1280  # drawn from the small copy, not the 2400-pixel original
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
