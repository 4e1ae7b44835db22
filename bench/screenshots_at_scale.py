"""The committee's pages at 40 branches, photographed for ``docs/screenshots/`` (issue 15).

    .venv/bin/cxzy demo --no-serve --branches 40 --data-dir /tmp/demo40
    .venv/bin/python bench/screenshots_at_scale.py /tmp/demo40 [--out docs/screenshots]

Serves the data folder in this process (the embedded projector off: the demo built its read
models) and signs in as ``admin`` with Debian's Chromium: the member board, its bottom view,
the ECharts trends and heat map, and the big screen at 1920×1080. Prints each file written.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from pathlib import Path

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from cxzy_saas.config import Settings
from cxzy_saas.web.app import create_app

LAPTOP = {"width": 1366, "height": 900}
SHOTS = {
    # file: (address, viewport, what to wait for, whole page)
    "board-40-branches.png": ("/committee/boards/member?per_page=20", LAPTOP, "table.board", True),
    "board-bottom-40-branches.png": (
        "/committee/boards/member?per_page=20&sort=-rank",
        LAPTOP,
        "table.board",
        True,
    ),
    "trends-echarts-40-branches.png": (
        "/committee/trends",
        LAPTOP,
        "window.cxzyCharts && window.cxzyCharts.score",
        False,
    ),
    "heat-map-echarts-40-branches.png": (
        "/committee/matrix",
        LAPTOP,
        "window.cxzyCharts && window.cxzyCharts.heat",
        False,
    ),
    "big-screen-40-branches.png": (
        "/committee/screen",
        {"width": 1920, "height": 1080},
        "#top-list li",
        False,
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    app = create_app(
        Settings(data_dir=args.data_dir),
        {"SECRET_KEY": "screenshots-" + "k" * 32, "EMBEDDED_PROJECTOR": False, "RATELIMIT_ENABLED": False},
    )
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
            for name, (address, viewport, ready, whole) in SHOTS.items():
                context = browser.new_context(base_url=base, viewport=viewport, locale="zh-CN")
                page = context.new_page()
                page.set_default_timeout(60000)
                page.goto("/login")
                page.fill("input[name=username]", "admin")
                page.fill("input[name=password]", "demo")
                page.click("form button.primary")
                page.wait_for_load_state()
                page.goto(address)
                if ready.startswith(("window.", "document.")):
                    page.wait_for_function(ready)
                    page.wait_for_timeout(800)  # the charts' entry animation
                else:
                    page.wait_for_selector(ready)
                page.screenshot(path=str(args.out / name), full_page=whole)
                print(args.out / name)
                context.close()
            browser.close()
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
