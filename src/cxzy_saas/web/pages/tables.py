"""Spreadsheets in and out: CSV and XLSX files read into rows of text, and written back.

Reading never trusts the file: a wrong encoding, a broken workbook, a missing or unknown column,
too many rows or columns each raise :class:`TableError` with a sentence in Chinese and English,
never anything else, so the page shows it instead of a 500. Cells come back as stripped text
(an XLSX date as ``YYYY-MM-DD``, a whole number without ``.0``) and the pages check them with
the domain's own rules.

Writing guards against formula injection: a text cell that Excel would read as a formula
(``=``, ``@``, or ``+``/``-`` not followed by a number) is written with a leading apostrophe in
CSV and as a plain string in XLSX; reading strips that apostrophe again, so an export imports
back unchanged.
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
        raise TableError("无法识别文件编码,请另存为 UTF-8 的 CSV", "Unknown text encoding")
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    try:
        rows = []
        for row in csv.reader(io.StringIO(text), delimiter=delimiter):
            rows.append([cell_text(c) for c in row])
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    except csv.Error as error:
        raise TableError(f"CSV 格式有误:{error}", f"Malformed CSV: {error}") from None


def _read_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
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
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError, TypeError) as error:
        raise TableError(
            "无法读取该 XLSX 文件,请确认它是 Excel 工作簿(.xlsx)",
            f"This XLSX file cannot be read ({type(error).__name__})",
        ) from None
    except Exception as error:  # openpyxl raises many kinds for a broken workbook
        raise TableError(
            "无法读取该 XLSX 文件,请确认它是 Excel 工作簿(.xlsx)",
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
        raise TableError("文件是空的,第一行应为列名", "The file is empty")
    header = cells[0]
    if len(header) > MAX_COLUMNS:
        raise TableError(f"列数过多(最多 {MAX_COLUMNS} 列)", f"Over {MAX_COLUMNS} columns")
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
            raise TableError(f"未知的列:{title}", f"Unknown column: {title}")
        if found.key in keys:
            raise TableError(f"列重复:{title}", f"Repeated column: {title}")
        keys.append(found.key)
    missing = [c for c in columns if c.required and c.key not in keys]
    if missing:
        names = "、".join(c.zh for c in missing)
        raise TableError(
            f"缺少必需的列:{names}", "Missing columns: " + ", ".join(c.en for c in missing)
        )
    rows: list[dict[str, str]] = []
    lines: list[int] = []
    for number, row in enumerate(cells[1:], start=2):
        if not any(row):
            continue
        if len(rows) >= MAX_ROWS:
            raise TableError(
                f"行数过多:一次最多导入 {MAX_ROWS} 行", f"Too many rows: at most {MAX_ROWS}"
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
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else _guarded(cell_text(v)) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def write_xlsx(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """One sheet; text stays text (member numbers keep their leading zeros), dates are dates."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
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
