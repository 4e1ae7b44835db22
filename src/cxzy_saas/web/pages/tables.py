"""Spreadsheets in and out: CSV and XLSX files read into rows of text, and written back.

Reading never trusts the file: a wrong encoding, a broken workbook, a missing or unknown column,
too many rows or columns each raise :class:`TableError` with a sentence in Chinese and English,
never anything else, so the page shows it instead of a 500. Cells come back as stripped text
(an XLSX date as ``YYYY-MM-DD``, a whole number without ``.0``) and the pages check them with
the domain's own rules.

Writing guards against formula injection: a text cell that Excel would read as a formula
(``=``, ``@``, or ``+``/``-`` not followed by a number), in the header row as in the data, is
written with a leading apostrophe in CSV and as a plain string in XLSX; reading strips that
apostrophe again, so an export imports back unchanged.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

MAX_ROWS = 2000  # a branch has tens to a few hundred members; more is a wrong file
MAX_COLUMNS = 40
# What a file may hold before anything is parsed into Python objects (see ``_check_xlsx``): a
# 55 KB workbook can unpack to a row of 500,000 cells, which openpyxl would build whole.
MAX_ROW_CELLS = 1000  # cells in one row, empty styled ones included
MAX_CELLS = 120_000  # cells in all sheets, and shared strings (2,001 rows x 40 columns is 80,040)
MAX_UNPACKED = 32 * 1024 * 1024  # bytes of all the workbook's parts, unpacked
MAX_SHARED_STRINGS_BYTES = 8 * 1024 * 1024
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv"  # Flask adds "; charset=utf-8"
_NUMBER = re.compile(r"^[+-]?[\d\s().]*$")


class TableError(Exception):
    """The file as a whole cannot be read; ``zh`` and ``en`` say why."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()
    required: bool = False

    def names(self) -> set[str]:
        return {normal(n) for n in (self.key, self.zh, self.en, *self.aliases)}


@dataclass
class Table:
    """Rows of one file: ``rows[i]`` maps a column key to the cell's text; ``line`` numbers
    are the file's own (the header is line 1)."""

    columns: list[str]
    rows: list[dict[str, str]]
    lines: list[int]


def normal(name: str) -> str:
    return re.sub(r"[\s_\-()（）:：*]", "", name).lower()


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    if text.startswith("'") and text[1:2] in ("=", "@", "+", "-"):
        return text[1:]  # our own guard against formulas (see the module's docstring)
    return text


def read_file(filename: str, data: bytes) -> list[list[str]]:
    """The file's cells as text, row by row.

    Raises:
        TableError: an unknown kind of file, or one that cannot be read.
    """
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(data)
    if name.endswith((".csv", ".txt")):
        return _read_csv(data)
    raise TableError(
        "只能导入 CSV 或 XLSX 文件(扩展名 .csv 或 .xlsx)", "Only CSV or XLSX files can be imported"
    )


def _read_csv(data: bytes) -> list[list[str]]:
    # UTF-8 (with or without Excel's BOM) first; Excel on a Chinese Windows saves "CSV" as GBK,
    # and "Unicode text" as UTF-16 with a BOM.
    encodings = ("utf-16",) if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig", "gb18030")
    if encodings[0] != "utf-16" and b"\x00" in data:
        raise TableError("这不是文本格式的 CSV 文件", "This is not a text CSV file")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise TableError("无法识别文件编码，请另存为 UTF-8 的 CSV", "Unknown text encoding")
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    try:
        rows = []
        for row in csv.reader(io.StringIO(text), delimiter=delimiter):
            if len(row) > MAX_ROW_CELLS:
                wide = _too_big("row")
                raise TableError(wide.zh, wide.en)
            rows.append([cell_text(c) for c in row])
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    except csv.Error as error:
        raise TableError(f"CSV 格式有误:{error}", f"Malformed CSV: {error}") from None


class _TooBig(Exception):
    """Raised inside the XML scan as soon as a limit is passed; becomes a TableError."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


def _too_big(kind: str) -> _TooBig:
    if kind == "row":
        return _TooBig(
            f"文件中有一行超过 {MAX_ROW_CELLS} 个单元格，"
            f"请只保留要导入的列（最多 {MAX_COLUMNS} 列）",
            f"A row has over {MAX_ROW_CELLS} cells (at most {MAX_COLUMNS} columns are read)",
        )
    if kind == "cells":
        return _TooBig(
            f"工作簿的单元格过多（超过 {MAX_CELLS} 个），请只保留要导入的工作表和数据",
            f"The workbook has over {MAX_CELLS} cells",
        )
    return _TooBig(
        "工作簿解压后过大，请只保留要导入的数据",
        "The workbook unpacks to too much data",
    )


def _scan(part: Any, on_start: Any) -> None:
    """Stream ``part`` (a file in the zip) through expat, which builds nothing; ``on_start``
    sees each element's name (``c``, or ``x:c`` where the file uses a prefix) and may raise to
    stop at once. A document type declaration (none in a real workbook; the door to entity
    expansion) is refused."""
    import xml.parsers.expat

    parser = xml.parsers.expat.ParserCreate()

    def no_doctype(*_: Any) -> None:
        raise _too_big("unpacked")

    parser.StartDoctypeDeclHandler = no_doctype
    parser.StartElementHandler = on_start
    while chunk := part.read(256 * 1024):
        parser.Parse(chunk, False)
    parser.Parse(b"", True)


def _local(names: str) -> frozenset[str]:
    """An element's name bare and with the prefixes producers use."""
    return frozenset(p + n for n in names.split() for p in ("", "x:", "s:", "ss:", "main:"))


_ROW, _CELL, _STRING = _local("row"), _local("c"), _local("si")


def _check_xlsx(data: bytes) -> None:
    """Refuse a workbook that would cost too much to read, before openpyxl reads any of it
    (its read-only mode still builds a whole row, and reads every sheet once on opening when
    the sheet does not state its size): the unpacked size of its parts, then the cells of
    every sheet and the shared strings, counted while streaming and stopped at the limit.

    Raises:
        TableError: a limit is passed (or the file is no zip).
    """
    counted = {"cells": 0, "strings": 0}
    row = 0

    def sheet_element(name: str, _: Any) -> None:
        nonlocal row
        if name in _CELL:
            row += 1
            counted["cells"] += 1
            if row > MAX_ROW_CELLS:
                raise _too_big("row")
            if counted["cells"] > MAX_CELLS:
                raise _too_big("cells")
        elif name in _ROW:
            row = 0

    def strings_element(name: str, _: Any) -> None:
        if name in _STRING:
            counted["strings"] += 1
            if counted["strings"] > MAX_CELLS:
                raise _too_big("cells")

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            parts = book.infolist()
            if sum(p.file_size for p in parts) > MAX_UNPACKED:
                raise _too_big("unpacked")
            for part in parts:
                name = part.filename.lower()
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    with book.open(part) as stream:
                        _scan(stream, sheet_element)
                elif name == "xl/sharedstrings.xml":
                    if part.file_size > MAX_SHARED_STRINGS_BYTES:
                        raise _too_big("unpacked")
                    with book.open(part) as stream:
                        _scan(stream, strings_element)
    except _TooBig as error:
        raise TableError(error.zh, error.en) from None


def _read_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        _check_xlsx(data)  # the limits, before openpyxl reads anything
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it ignores; they do not matter here.
            warnings.simplefilter("ignore")
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheet = book.worksheets[0]
                rows = []
                # Rows are streamed and counted: a small zipped file may unpack to millions.
                for values in sheet.iter_rows(values_only=True):
                    rows.append([cell_text(v) for v in values[: MAX_COLUMNS + 1]])
                    if len(rows) > MAX_ROWS + 1:
                        break
            finally:
                book.close()
    except TableError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError, TypeError) as error:
        raise TableError(
            "无法读取该 XLSX 文件，请确认它是 Excel 工作簿（.xlsx）",
            f"This XLSX file cannot be read ({type(error).__name__})",
        ) from None
    except Exception as error:  # openpyxl raises many kinds for a broken workbook
        raise TableError(
            "无法读取该 XLSX 文件，请确认它是 Excel 工作簿（.xlsx）",
            f"This XLSX file cannot be read ({type(error).__name__})",
        ) from None
    return rows


def parse(
    filename: str, data: bytes, columns: Sequence[Column], extra: Sequence[Column] = ()
) -> Table:
    """The file's rows keyed by column, blank rows skipped.

    ``columns`` are the known columns (English or Chinese headers, any order); ``extra`` are
    accepted and ignored (a name column beside the member number, for people to read).

    Raises:
        TableError: unreadable file, no header, an unknown, repeated or missing column, or
            more than ``MAX_ROWS`` rows.
    """
    cells = read_file(filename, data)
    while cells and not any(cells[0]):
        cells.pop(0)
    if not cells:
        raise TableError("文件是空的，第一行应为列名", "The file is empty")
    header = cells[0]
    if len(header) > MAX_COLUMNS:
        raise TableError(f"列数过多（最多 {MAX_COLUMNS} 列）", f"Over {MAX_COLUMNS} columns")
    keys: list[str | None] = []
    for title in header:
        if not title:
            keys.append(None)
            continue
        found = next((c for c in columns if normal(title) in c.names()), None)
        if found is None:
            if any(normal(title) in c.names() for c in extra):
                keys.append(None)
                continue
            raise TableError(f"未知的列：{title}", f"Unknown column: {title}")
        if found.key in keys:
            raise TableError(f"列重复：{title}", f"Repeated column: {title}")
        keys.append(found.key)
    missing = [c for c in columns if c.required and c.key not in keys]
    if missing:
        names = "、".join(c.zh for c in missing)
        raise TableError(
            f"缺少必需的列：{names}", "Missing columns: " + ", ".join(c.en for c in missing)
        )
    rows: list[dict[str, str]] = []
    lines: list[int] = []
    for number, row in enumerate(cells[1:], start=2):
        if not any(row):
            continue
        if len(rows) >= MAX_ROWS:
            raise TableError(
                f"行数过多：一次最多导入 {MAX_ROWS} 行", f"Too many rows: at most {MAX_ROWS}"
            )
        if any(v for v in row[len(keys) :]):
            raise TableError(
                f"第 {number} 行的数据超出了列名的范围", f"Line {number}: cells beyond the header"
            )
        values = {k: (row[i] if i < len(row) else "") for i, k in enumerate(keys) if k}
        rows.append({c.key: values.get(c.key, "") for c in columns})
        lines.append(number)
    return Table([c.key for c in columns], rows, lines)


# writing


def _guarded(value: Any) -> Any:
    formula = isinstance(value, str) and (
        value[:1] in ("=", "@") or (value[:1] in ("+", "-") and not _NUMBER.match(value))
    )
    return "'" + value if formula else value


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a BOM: without it Excel opens the Chinese as mojibake."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_guarded(cell_text(h)) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else _guarded(cell_text(v)) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def attachment(name: str, fallback: str) -> str:
    """A Content-Disposition for a download named ``name`` (Chinese, as the reader saves it),
    by RFC 6266: ``filename*`` in UTF-8, and ``fallback`` (ASCII) for clients without it."""
    from urllib.parse import quote

    plain = re.sub(r"[^A-Za-z0-9._-]", "_", fallback)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"


SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def write_xlsx(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """One sheet; text stays text (member numbers keep their leading zeros), dates are dates."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET_FORBIDDEN.sub("_", title)[:31]  # Excel's own limits on a sheet's name
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.data_type = "s"  # a header is text like any cell: never a formula
    for row in rows:
        sheet.append([None if v == "" else v for v in row])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text begins with
                cell.number_format = "@"
            elif isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    for index, name in enumerate(header, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(10, len(name) * 2 + 2)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
