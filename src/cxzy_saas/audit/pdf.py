"""PDF renderings of the archive's documents (reportlab, one embedded TrueType font that covers
Chinese and Latin: WenQuanYi Zen Hei from Debian's fonts-wqy-zenhei).

Only export needs this module; the verifier checks PDFs by their hashes and never imports
reportlab. ``invariant=1`` leaves out the creation date and the random document id, so the same
document gives the same bytes and an export can be repeated exactly.

Every character of a document must have a glyph in the font, or the PDF is not written
(:class:`FontMissing` names the characters): a PDF that silently drops digits, Latin letters or
punctuation is worse than none. Droid Sans Fallback, used before, has no glyphs for U+0021-U+007E
and is no longer a candidate. Noto Sans CJK (fonts-noto-cjk) is OpenType CFF, which reportlab
cannot embed. PDF/A-2b is not produced: reportlab's open-source edition has no PDF/A support.
"""

from __future__ import annotations

import functools
import io
import os
from pathlib import Path

from cxzy_saas.audit.documents import Document

# TrueType fonts (Debian packages) with Chinese and Latin glyphs that reportlab can embed;
# the first found is used. A .ttc collection is read at its first face.
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",  # fonts-wqy-zenhei
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # fonts-wqy-microhei
)
FONT_NAME = "cxzy-cjk"
INSTALL = "apt-get install fonts-wqy-zenhei (or set CXZY_CJK_FONT to a TrueType CJK font)"


class FontMissing(RuntimeError):
    """No font to embed, or one without glyphs for characters of a document."""


def font_path() -> Path:
    """Raises FontMissing when neither CXZY_CJK_FONT nor a known Debian font exists."""
    configured = os.environ.get("CXZY_CJK_FONT")
    for candidate in ([configured] if configured else []) + list(FONT_CANDIDATES):
        if Path(candidate).is_file():
            return Path(candidate)
    raise FontMissing(f"no CJK font for the PDF documents: {INSTALL}")


@functools.cache
def _register() -> tuple[str, frozenset[int]]:
    """The registered font's name and the code points it has glyphs for."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    path = font_path()
    try:
        font = TTFont(FONT_NAME, str(path), subfontIndex=0)
    except TTFError as e:  # CFF outlines (Noto Sans CJK) and other fonts reportlab cannot embed
        raise FontMissing(f"{path} cannot be embedded ({e}): {INSTALL}") from None
    pdfmetrics.registerFont(font)
    return FONT_NAME, frozenset(font.face.charToGlyph)


def characters(doc: Document) -> set[str]:
    """Every character the document prints."""
    texts = [doc.title]
    for block in doc.blocks:
        if block[0] == "table":
            _, header, rows, *_ = block
            texts += list(header) + [cell for row in rows for cell in row]
        else:
            texts.append(block[1])
    return {c for text in texts for c in text if c not in "\n\r\t"}


def render_pdf(doc: Document) -> bytes:
    """Raises FontMissing (see :func:`font_path`), also when the font lacks a glyph for a
    character of the document (they are named)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
    from reportlab.platypus.flowables import Flowable

    font, covered = _register()
    missing = sorted(c for c in characters(doc) if ord(c) not in covered)
    if missing:
        shown = " ".join(f"{c} (U+{ord(c):04X})" for c in missing[:20])
        raise FontMissing(f"the font {font_path()} has no glyph for {shown}: {INSTALL}")
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    cell = ParagraphStyle("cell", parent=body, fontSize=9, leading=12)
    h1 = ParagraphStyle("h1", parent=body, fontSize=16, leading=24, spaceAfter=8)
    h2 = ParagraphStyle("h2", parent=body, fontSize=12.5, leading=20, spaceBefore=8)

    def para(text: str, style: ParagraphStyle) -> Paragraph:
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return Paragraph(escaped.replace("\n", "<br/>"), style)

    story: list[Flowable] = [para(doc.title, h1)]
    page = landscape(A4) if doc.landscape else A4
    width = page[0] - 36 * mm
    for block in doc.blocks:
        if block[0] == "h2":
            story.append(para(block[1], h2))
        elif block[0] == "p":
            story.append(para(block[1], body))
        else:
            _, header, rows, *given = block
            weights = given[0] if given else [1.0] * len(header)
            data = [[para(c, cell) for c in r] for r in [header, *rows]]
            widths = [width * w / sum(weights) for w in weights]
            table = Table(data, colWidths=widths, repeatRows=1)
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
        pagesize=page,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=doc.title,
        author="cxzy-saas",
        creator="cxzy-saas",
        producer="cxzy-saas",
        invariant=1,
        initialFontName=font,  # no reference to an unembedded base-14 font (Helvetica)
    ).build(story)
    return out.getvalue()
