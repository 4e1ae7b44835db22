"""PDF renderings of the archive's documents (reportlab, a CJK TrueType font from Debian).

Only export needs this module; the verifier checks PDFs by their hashes and never imports
reportlab. ``invariant=1`` leaves out the creation date and the random document id, so the same
document gives the same bytes and an export can be repeated exactly.
"""

from __future__ import annotations

import functools
import io
import os
from pathlib import Path

from cxzy_saas.audit.documents import Document

# Debian packages that ship a TrueType CJK font reportlab can embed (it cannot embed OpenType
# CFF fonts such as fonts-noto-cjk's .ttc): fonts-droid-fallback, fonts-wqy-zenhei.
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
FONT_NAME = "cxzy-cjk"


class FontMissing(RuntimeError):
    """No CJK font to embed; install fonts-droid-fallback or set CXZY_CJK_FONT."""


def font_path() -> Path:
    """Raises FontMissing when neither CXZY_CJK_FONT nor a known Debian font exists."""
    configured = os.environ.get("CXZY_CJK_FONT")
    for candidate in ([configured] if configured else []) + list(FONT_CANDIDATES):
        if Path(candidate).is_file():
            return Path(candidate)
    raise FontMissing(
        "no CJK font for the PDF documents: apt-get install fonts-droid-fallback "
        "(or set CXZY_CJK_FONT to a TrueType font)"
    )


@functools.cache
def _register() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(FONT_NAME, str(font_path())))
    return FONT_NAME


def render_pdf(doc: Document) -> bytes:
    """Raises FontMissing (see :func:`font_path`)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
    from reportlab.platypus.flowables import Flowable

    font = _register()
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    cell = ParagraphStyle("cell", parent=body, fontSize=9, leading=12)
    h1 = ParagraphStyle("h1", parent=body, fontSize=16, leading=24, spaceAfter=8)
    h2 = ParagraphStyle("h2", parent=body, fontSize=12.5, leading=20, spaceBefore=8)

    def para(text: str, style: ParagraphStyle) -> Paragraph:
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return Paragraph(escaped.replace("\n", "<br/>"), style)

    story: list[Flowable] = [para(doc.title, h1)]
    width = A4[0] - 36 * mm
    for block in doc.blocks:
        if block[0] == "h2":
            story.append(para(block[1], h2))
        elif block[0] == "p":
            story.append(para(block[1], body))
        else:
            _, header, rows = block
            data = [[para(c, cell) for c in r] for r in [header, *rows]]
            table = Table(data, colWidths=[width / len(header)] * len(header), repeatRows=1)
            table.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ]
                )
            )
            story += [table, Spacer(1, 4 * mm)]
    out = io.BytesIO()
    SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=doc.title,
        author="cxzy-saas",
        creator="cxzy-saas",
        producer="cxzy-saas",
        invariant=1,
    ).build(story)
    return out.getvalue()
