"""What every text must be before it is stored: no NUL or other control characters (a new line
and a tab only where the text has lines), no lone surrogates, and codes of letters and digits.

The web's schemas check requests with these same functions (``web/api/schemas.py``), and the
domain checks again (``require_text``, ``require_code``), so that the command line, the demo and
any future entry point store nothing a reader of the logs, a PDF or a spreadsheet would choke on:
a NUL stops PostgreSQL's text type, a lone surrogate cannot be encoded as UTF-8, and a code that
ends in a new line passes ``re.match(r"^...$")`` and then names a file or a schema.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

# C0 controls but tab, line feed and carriage return; DEL; C1 controls; the Unicode line and
# paragraph separators (JavaScript and some CSV readers take them for new lines); the
# bidirectional embeddings, overrides and isolates (they make a terminal, a page or a PDF show
# the rest of a line reversed: an audit history that reads other than it is); lone surrogates.
# Multi-line text allows \t, \n and \r (a browser sends a textarea's lines as \r\n).
_MULTILINE_REFUSED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_LINE_REFUSED = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)

# Codes a user types: member numbers, group codes, scoring items' codes.
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,19}")
ITEM_CODE = re.compile(r"[A-Za-z0-9]{1,20}")
# A phone number: 5 to 20 digits, an optional leading "+", a space or "-" between digits.
PHONE = re.compile(r"\+?[0-9](?:[ -]?[0-9]){4,19}")


# Characters that show nothing: zero-width space, non-joiner and joiner, word joiner, BOM.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"


def trimmed(text: str) -> str:
    """``text`` without white space (full-width spaces included) or invisible characters at
    either end: a text of nothing else is empty, as it looks."""
    previous = None
    while text != previous:
        previous, text = text, text.strip().strip(INVISIBLE)
    return text


def bad_character(text: str, *, multiline: bool) -> str | None:
    """The first character ``text`` may not hold (as ``U+XXXX``), or None when it is clean."""
    found = (_MULTILINE_REFUSED if multiline else _LINE_REFUSED).search(text)
    return None if found is None else f"U+{ord(found.group()):04X}"


def is_code(text: object, pattern: re.Pattern[str] = CODE) -> bool:
    """``text`` is whole a code of ``pattern`` (a full match: no trailing new line slips by)."""
    return isinstance(text, str) and pattern.fullmatch(text) is not None


def same_code(code: str, codes: Iterable[str]) -> str | None:
    """The one of ``codes`` that ``code`` would be taken for: the same letters in another case
    (B01005 and b01005 are one number to the people who type and read it)."""
    wanted = code.casefold()
    return next((c for c in codes if c.casefold() == wanted), None)


def item_zh(code: str) -> str:
    """A plan item's code as Chinese readers are shown it (the pages, the heat map, the
    archive): M3 is 员3, G2 组2, B1 支1; a code of another form as it is."""
    if len(code) > 1 and code[0] in "BGM" and code[1:].isdigit():
        return {"B": "支", "G": "组", "M": "员"}[code[0]] + code[1:]
    return code


def as_typed(value: Any) -> Any:
    """A number as a Chinese keyboard may type it, in half-width: ８．５ is 8.5 (full-width
    digits alone Python reads already; the full-width point and minus it does not)."""
    return unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else value
