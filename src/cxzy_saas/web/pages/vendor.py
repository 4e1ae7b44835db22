"""Front-end libraries the product serves itself (decision 0022): installed from the npm
registry by ``npm ci`` into ``node_modules/`` at the repository's root (or where
``CXZY_NODE_MODULES`` says), pinned in package.json and package-lock.json, never loaded from
a CDN. Only the files named here are served, each with its licence beside it.

Without node_modules (no npm on the machine) the files are absent: ``vendor_ready`` is false,
the pages leave their scripts out and show the server's SVG charts, which they always carry
as the no-script and print fallback.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import abort, send_file
from werkzeug.wrappers import Response

from cxzy_saas.web.pages import bp

ROOT = Path(__file__).resolve().parents[4]
# The URL's name -> the file under node_modules.
FILES = {
    "echarts/echarts.min.js": "echarts/dist/echarts.min.js",
    "echarts/LICENSE.txt": "echarts/LICENSE",
    "echarts/NOTICE.txt": "echarts/NOTICE",
}
LIBRARIES = {"echarts": "echarts/echarts.min.js"}


def node_modules() -> Path:
    return Path(os.environ.get("CXZY_NODE_MODULES") or ROOT / "node_modules")


@bp.app_template_global("vendor_ready")
def vendor_ready(library: str) -> bool:
    """Whether ``library``'s script is installed (``npm ci`` ran)."""
    name = LIBRARIES.get(library)
    return name is not None and (node_modules() / FILES[name]).is_file()


@bp.get("/vendor/<path:name>")
def vendor_file(name: str) -> Response:
    """One of ``FILES``; no sign-in (a public library), cached a day."""
    if name not in FILES:
        abort(404)
    path = node_modules() / FILES[name]
    if not path.is_file():
        abort(404)
    mimetype = "text/javascript" if name.endswith(".js") else "text/plain"
    return send_file(path, mimetype=mimetype, max_age=86400, conditional=True)
