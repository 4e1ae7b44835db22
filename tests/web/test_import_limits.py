"""Spreadsheet bombs refused while streaming, and header cells of exports guarded like data.

A 55 KB workbook can unpack to a row of 500,000 cells, or to hundreds of thousands of shared
strings; openpyxl, even in read-only mode, builds a whole row (and reads every sheet once on
opening), so the limits are applied by a scan that builds nothing and stops at the first limit.
"""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile

import pytest
from openpyxl import load_workbook

from cxzy_saas.web.pages.tables import (
    MAX_CELLS,
    MAX_ROW_CELLS,
    TableError,
    read_file,
    write_csv,
    write_xlsx,
)
from tests.web.conftest import as_user, build_small_demo, csrf_token

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def workbook(sheet_data: str, shared: list[str] | None = None) -> bytes:
    """A minimal XLSX (what Excel needs to open it) around ``sheet_data``."""
    types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        + (
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            if shared is not None
            else ""
        )
        + "</Types>"
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    book = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}">'
        '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    book_rels = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        + (
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
            if shared is not None
            else ""
        )
        + "</Relationships>"
    )
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">'
        f"<sheetData>{sheet_data}</sheetData></worksheet>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr("_rels/.rels", rels)
        z.writestr("xl/workbook.xml", book)
        z.writestr("xl/_rels/workbook.xml.rels", book_rels)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        if shared is not None:
            strings = "".join(f"<si><t>{s}</t></si>" for s in shared)
            z.writestr(
                "xl/sharedStrings.xml",
                f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" '
                f'count="{len(shared)}" uniqueCount="{len(shared)}">{strings}</sst>',
            )
    return out.getvalue()


def one_wide_row(cells: int) -> bytes:
    return workbook('<row r="1">' + '<c t="n"><v>1</v></c>' * cells + "</row>")


def many_shared_strings(count: int) -> bytes:
    return workbook('<row r="1"><c t="s"><v>0</v></c></row>', [f"s{i}" for i in range(count)])


def refused_quickly(data: bytes) -> tuple[TableError, float, int]:
    """The refusal, the seconds it took, and the peak of Python memory it used (measured on a
    second run: tracing allocations slows everything down)."""
    started = time.perf_counter()
    with pytest.raises(TableError) as refused:
        read_file("bomb.xlsx", data)
    seconds = time.perf_counter() - started
    tracemalloc.start()
    try:
        with pytest.raises(TableError):
            read_file("bomb.xlsx", data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return refused.value, seconds, peak


def test_a_55_kb_workbook_of_one_row_of_500000_cells_is_refused_at_once():
    bomb = one_wide_row(500_000)
    assert len(bomb) < 60_000  # what a client uploads: about 55 KB
    error, seconds, peak = refused_quickly(bomb)
    assert "单元格" in error.zh and str(MAX_ROW_CELLS) in error.zh
    assert seconds < 1.0, seconds
    assert peak < 10 * 1024 * 1024, peak  # bytes of Python objects: nothing of the row is built


def test_a_workbook_of_many_shared_strings_is_refused_at_once():
    bomb = many_shared_strings(300_000)
    assert len(bomb) < 1024 * 1024
    error, seconds, peak = refused_quickly(bomb)
    assert "单元格过多" in error.zh and str(MAX_CELLS) in error.zh
    assert seconds < 1.5, seconds
    assert peak < 10 * 1024 * 1024, peak


def test_a_sheet_of_many_small_rows_is_refused_by_its_cell_count():
    rows = "".join(f'<row r="{n}">' + "<c><v>1</v></c>" * 40 + "</row>" for n in range(1, 3500))
    error, _, _ = refused_quickly(workbook(rows))
    assert "单元格过多" in error.zh


def test_a_workbook_within_the_limits_is_read():
    rows = '<row r="1"><c t="inlineStr"><is><t>党员编号</t></is></c></row>' + "".join(
        f'<row r="{n}"><c t="n"><v>{n}</v></c></row>' for n in range(2, 50)
    )
    assert read_file("ok.xlsx", workbook(rows))[:3] == [["党员编号"], ["2"], ["3"]]


def test_a_csv_line_of_500000_cells_is_refused():
    with pytest.raises(TableError) as refused:
        read_file("bomb.csv", ("," * 500_000).encode())
    assert "单元格" in refused.value.zh


def test_the_import_page_says_so_in_chinese(tmp_path):
    from cxzy_saas.web.app import create_app

    demo = build_small_demo(tmp_path)
    app = create_app(demo.settings, {"TESTING": True, "EMBEDDED_PROJECTOR": False})
    client = as_user(app.test_client(), "b01-clerk")
    page = client.get("/branch/b01/import")
    started = time.perf_counter()
    response = client.post(
        "/branch/b01/import/members",
        data={
            "csrf_token": csrf_token(page.text),
            "file": (io.BytesIO(one_wide_row(500_000)), "members.xlsx"),
        },
        content_type="multipart/form-data",
    )
    assert time.perf_counter() - started < 2.0
    assert response.status_code == 422
    assert f"超过 {MAX_ROW_CELLS} 个单元格" in response.text


# exports


FORMULA = '=HYPERLINK("http://e.vil/x","点我")'


def test_csv_header_cells_are_guarded_like_data_cells():
    text = write_csv(["党员编号", FORMULA, "@SUM(A1)"], [[FORMULA, "-2+3", "-5"]]).decode("utf-8")
    header, row = text.lstrip("\ufeff").splitlines()
    assert header.split(",")[1].startswith("\"'=HYPERLINK")
    assert header.endswith("'@SUM(A1)")
    assert row.startswith("\"'=HYPERLINK") and row.endswith(",'-2+3,-5")


def test_xlsx_header_cells_are_text_never_formulas():
    book = load_workbook(
        io.BytesIO(write_xlsx("scores", ["党员编号", FORMULA], [["B01001", FORMULA]]))
    )
    sheet = book.active
    assert sheet is not None
    for cell in (sheet["B1"], sheet["B2"]):
        assert cell.data_type == "s" and cell.value == FORMULA


def test_a_cell_with_a_control_character_is_an_error_of_its_row(tmp_path):
    from cxzy_saas.web.app import create_app

    demo = build_small_demo(tmp_path)
    app = create_app(demo.settings, {"TESTING": True, "EMBEDDED_PROJECTOR": False})
    client = as_user(app.test_client(), "b01-clerk")
    page = client.get("/branch/b01/import")
    rows = "党员编号,姓名,入党日期\nB01980,张\x07三,2020-07-01\n".encode()
    response = client.post(
        "/branch/b01/import/members",
        data={"csrf_token": csrf_token(page.text), "file": (io.BytesIO(rows), "members.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "含有控制字符或无效字符（U+0007）" in response.text
