"""Import and export of members and of a month's scores, and the jobs' progress pages, through
the Flask test client: preview with per-row errors before anything is written, all or nothing
on confirm, exports that import back as they are, and jobs only their owner can see."""

from __future__ import annotations

import io
import re
import threading
import time
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from cxzy_saas import wiring
from cxzy_saas.application.commands.organisation import EnrolMember
from cxzy_saas.domain.recording import Actor
from cxzy_saas.projections.db import TABLES, SQLiteReadModel
from cxzy_saas.web import read_model_of
from cxzy_saas.web.app import create_app
from cxzy_saas.web.pages.readmodels import rebuild_in_place
from tests.web.conftest import (
    COMMITTEE,
    NEW_GROUP,
    NEW_LEADER,
    Demo,
    as_user,
    build_small_demo,
    csrf_token,
)

ITEMS = [f"M{i}" for i in range(1, 7)]


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Demo:  # type: ignore[no-untyped-def]
    return build_small_demo(tmp_path_factory.mktemp("imports"))


@pytest.fixture(scope="module")
def app(demo):  # type: ignore[no-untyped-def]
    config = {"TESTING": True, "EMBEDDED_PROJECTOR": False, "IMPORT_JOB_ROWS": 3}
    return create_app(demo.settings, config)


def csv_file(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def xlsx_file(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, kind: str, name: str, data: bytes, month: str = "10"):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get("/branch/b01/import").text)
    return client.post(
        f"/branch/b01/import/{kind}",
        data={"csrf_token": token, "month": month, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def confirm(client, preview, kind: str):  # type: ignore[no-untyped-def]
    found = re.search(r'name="upload" value="([^"]+)"', preview.text)
    assert found, "the preview offers no confirmation"
    return client.post(
        f"/branch/b01/import/{kind}/confirm",
        data={"csrf_token": csrf_token(preview.text), "upload": found.group(1)},
    )


def member_numbers(client) -> list[str]:  # type: ignore[no-untyped-def]
    text = client.get("/branch/b01/export/members.csv").data.decode("utf-8-sig")
    return [line.split(",")[0] for line in text.splitlines()[1:]]


def row_errors(html: str) -> dict[str, str]:
    """Line number → the text of that preview row."""
    rows = re.findall(r'<tr class="(?:bad|ok)" data-line="(\d+)">(.*?)</tr>', html, re.S)
    return {line: re.sub(r"<[^>]+>", " ", body) for line, body in rows}


def test_a_csv_of_members_shows_every_row_with_its_errors_and_writes_nothing(client):
    as_user(client, "b01-clerk")
    data = csv_file(
        "党员编号,姓名,党小组,状态,入党日期,性别,电话",
        "B01950,新同志,g9,正式党员,2019-07-01,女,13800000000",
        "B01950,重号者,,预备党员,2020-01-01,男,",
        "B01001,老党员,g1,正式党员,2001-07-01,男,",
        "B01951,无组者,g77,正式党员,2020-13-01,男,",
        "B01952,状态错,,积极分子,2020-01-01,不详,abc",
        ",,,,,,",
    )
    preview = upload(client, "members", "members.csv", data)
    assert preview.status_code == 422
    rows = row_errors(preview.text)
    assert list(rows) == ["2", "3", "4", "5", "6"]  # the blank line is skipped
    assert "✓" in rows["2"] and "新同志" in rows["2"]
    assert "党员编号 B01950 在文件中重复（第 2 行）" in rows["3"]
    assert "党员编号 B01001 在本支部已存在" in rows["4"]
    assert "党小组 g77 不存在" in rows["5"] and "入党日期格式应为年-月-日" in rows["5"]
    assert "状态应为" in rows["6"] and "性别应为" in rows["6"] and "电话只能含数字" in rows["6"]
    assert 'name="upload"' not in preview.text and "没有写入任何数据" in preview.text
    assert "B01950" not in member_numbers(client)


def test_an_xlsx_of_members_previews_then_confirming_writes_every_row(client):
    as_user(client, "b01-clerk")
    data = xlsx_file(
        [
            ["member no", "name", "group", "status", "joined on", "gender", "phone"],
            ["B01960", "王小明", NEW_GROUP, "probationary", "2025/6/30", "male", "010-1234"],
            ["B01961", "李小红", "新建党小组", "正式党员", "2018年7月1日", "女", None],
        ]
    )
    before = member_numbers(client)
    preview = upload(client, "members", "new.xlsx", data)
    assert preview.status_code == 200, preview.text
    assert "王小明" in preview.text and "2018年7月1日" in preview.text
    assert member_numbers(client) == before  # a preview writes nothing
    done = confirm(client, preview, "members")
    assert done.status_code == 302
    assert "已导入 2 名党员" in client.get(done.headers["Location"]).text
    assert {"B01960", "B01961"} <= set(member_numbers(client))
    again = confirm(client, preview, "members")  # the same form once more: refused, nothing new
    assert again.status_code == 422 and "在本支部已存在" in again.text


def test_confirm_does_not_trust_the_browser(client):
    as_user(client, "b01-clerk")
    preview = upload(
        client, "members", "m.csv", csv_file("党员编号,姓名,入党日期", "B01970,赵同志,2001-07-01")
    )
    assert preview.status_code == 200
    token = re.search(r'name="upload" value="([^"]+)"', preview.text).group(1)  # type: ignore[union-attr]
    forged = client.post(
        "/branch/b01/import/members/confirm",
        data={"csrf_token": csrf_token(preview.text), "upload": token[:-3] + "AAA"},
    )
    assert forged.status_code == 422 and "上传内容无效" in forged.text
    as_other_kind = client.post(
        "/branch/b01/import/scores/confirm",
        data={"csrf_token": csrf_token(preview.text), "upload": token},
    )
    assert as_other_kind.status_code == 404
    as_user(client, "b01-secretary")  # another user of the same branch
    other = client.post(
        "/branch/b01/import/members/confirm",
        data={"csrf_token": csrf_token(client.get("/branch/b01/import").text), "upload": token},
    )
    assert other.status_code == 404
    assert "B01970" not in member_numbers(client)


def test_who_may_import_and_export(client):
    data = csv_file("党员编号,姓名,入党日期", "B01980,钱同志,2001-07-01")
    as_user(client, "b02-clerk")
    assert client.get("/branch/b01/import").status_code == 404
    assert client.get("/branch/b01/export/members.csv").status_code == 404
    assert upload_as_other_branch(client, data).status_code == 404
    as_user(client, "viewer")
    assert client.get("/branch/b01/import").status_code == 200
    assert client.get("/branch/b01/export/members.xlsx").status_code == 200
    token = csrf_token(client.get("/branch/b01/import").text)
    refused = client.post(
        "/branch/b01/import/members",
        data={"csrf_token": token, "file": (io.BytesIO(data), "m.csv")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 403
    as_user(client, "b01-member")
    assert client.get("/branch/b01/export/members.csv").status_code == 403


def upload_as_other_branch(client, data: bytes):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get("/branch/b02").text)
    return client.post(
        "/branch/b01/import/members",
        data={"csrf_token": token, "file": (io.BytesIO(data), "m.csv")},
        content_type="multipart/form-data",
    )


def test_a_months_scores_import_lands_in_the_assessments_and_exports_back(client, demo):
    as_user(client, NEW_LEADER)
    first, second = demo.new_members
    bad = csv_file(
        "党员编号,姓名," + ",".join(ITEMS),
        f"{first},甲新员,8,9,10,7,6,5",
        f"{second},乙新员,8,11,很好,,6,5",
        "B01999,无此人,1,1,1,1,1,1",
    )
    preview = upload(client, "scores", "scores.csv", bad, month="10")
    assert preview.status_code == 422
    # headed as the assessment page heads the items (员1…), the file reads the same
    as_shown = bad.replace(",".join(ITEMS).encode(), ",".join(f"员{c[1:]}" for c in ITEMS).encode())
    assert as_shown != bad
    shown = upload(client, "scores", "scores.csv", as_shown, month="10")
    assert shown.status_code == 422 and row_errors(shown.text) == row_errors(preview.text)
    rows = row_errors(preview.text)
    assert "✓" in rows["2"]
    assert re.search(r"员2（[^）]+）的分数应在 0 到 10 之间", rows["3"]) and re.search(
        r"员3（[^）]+）的分数应为数字", rows["3"]
    )
    assert "请填写 员4" in rows["3"]
    assert "党员 B01999 不存在" in rows["4"]
    good = xlsx_file(
        [["党员编号", *ITEMS], [first, 8, 9, 10, 7, 6, 5], [second, 7.5, 8, 9, 6, 6, 4]]
    )
    preview = upload(client, "scores", "scores.xlsx", good, month="10")
    assert preview.status_code == 200, preview.text
    assert confirm(client, preview, "scores").status_code == 302
    grid = client.get("/branch/b01/assessment?month=10").text
    assert f'name="p.{first}.M1"' not in grid  # recorded: read-only now
    exported = client.get(f"/branch/b01/export/scores.xlsx?month=10&group={NEW_GROUP}")
    assert exported.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(exported.data)).worksheets[0]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0] == ["党员编号", "姓名", "党小组", *ITEMS]
    assert values[1] == [first, "甲新员", "新建党小组", 8, 9, 10, 7, 6, 5]  # groups by name
    assert values[2][3] == 7.5
    # the export imports back: the same rows, each already assessed
    back = upload(client, "scores", "back.xlsx", exported.data, month="10")
    rows = row_errors(back.text)
    assert back.status_code == 422 and len(rows) == len(values) - 1
    assert "已考核，请改用更正" in rows["2"] and "已考核，请改用更正" in rows["3"]
    assert first in rows["2"] and "7.5" in rows["3"]
    # members moved into the group by the earlier test have no scores yet: blank cells
    assert all("请填写 员1" in rows[str(n)] for n in range(4, len(values) + 1))


def test_the_members_export_imports_back_as_the_rows_already_present(client):
    as_user(client, "b01-clerk")
    exported = client.get("/branch/b01/export/members.csv")
    assert exported.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert exported.data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for Chinese
    numbers = member_numbers(client)
    back = upload(client, "members", "back.csv", exported.data)
    rows = row_errors(back.text)
    assert back.status_code == 422 and len(rows) == len(numbers)
    for text, number in zip(rows.values(), numbers, strict=True):
        assert number in text and f"党员编号 {number} 在本支部已存在" in text
        assert "日期" not in text  # dates, statuses, groups read back as they were written
        assert not re.search(r"党小组 \S+ 不存在", text) and "状态" not in text  # groups by name
    template = client.get("/branch/b01/import/members/template.xlsx")
    header = next(
        load_workbook(io.BytesIO(template.data)).worksheets[0].iter_rows(values_only=True)
    )
    assert header[:3] == ("党员编号", "姓名", "党小组")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("m.xlsx", b"PK\x03\x04 not really a workbook", "无法读取该 XLSX 文件"),
        ("m.pdf", b"%PDF-1.4", "只能导入 CSV 或 XLSX 文件"),
        ("m.csv", b"", "文件是空的"),
        ("m.csv", "姓名\n张三\n".encode(), "缺少必需的列：党员编号"),
        ("m.csv", "党员编号,姓名,籍贯\n1,张三,北京\n".encode(), "未知的列：籍贯"),
        ("m.csv", "党员编号,姓名,入党日期\n".encode(), "文件中没有数据行"),
        ("m.csv", b"\x00\x01\x02\xff\xfe", "这不是文本格式的 CSV 文件"),
    ],
)
def test_a_malformed_file_is_a_clear_error(client, name, data, message):
    as_user(client, "b01-clerk")
    response = upload(client, "members", name, data)
    assert response.status_code == 422 and message in response.text


def test_a_gbk_csv_and_too_many_rows_and_too_large_a_file(client):
    as_user(client, "b01-clerk")
    gbk = upload(
        client,
        "members",
        "gbk.csv",
        "党员编号,姓名,入党日期\nB01990,孙同志,2001-7-1\n".encode("gbk"),
    )
    assert gbk.status_code == 200 and "孙同志" in gbk.text
    many = "党员编号,姓名,入党日期\n" + "".join(f"X{i},某某,2001-07-01\n" for i in range(2001))
    assert "行数过多" in upload(client, "members", "many.csv", many.encode()).text
    # a raw body: the test client would spool a large file to a temporary file it never closes
    body = b"--x\r\nContent-Disposition: form-data; name=file; filename=h.csv\r\n\r\n"
    huge = client.post(
        "/branch/b01/import/members",
        data=body + b"a," * 600_000 + b"\r\n--x--\r\n",
        content_type="multipart/form-data; boundary=x",
    )
    assert huge.status_code == 413 and "提交的文件或内容过大：最多 1024 KB" in huge.text


def wait_for(client, location: str) -> dict[str, Any]:
    job_id = location.rsplit("/", 1)[-1]
    for _ in range(200):
        status = client.get(f"/jobs/{job_id}/status").get_json()
        assert 0 <= status["fraction"] <= 1
        if status["done"]:
            return status  # type: ignore[no-any-return]
        time.sleep(0.05)
    raise AssertionError("the job did not finish")


def test_a_large_import_runs_as_a_job_only_its_owner_can_see(client, app):
    as_user(client, "b01-clerk")
    data = csv_file(
        "党员编号,姓名,入党日期", *(f"B0199{i},同志{i},2001-07-01" for i in range(1, 5))
    )
    preview = upload(client, "members", "four.csv", data)
    assert preview.status_code == 200
    started = confirm(client, preview, "members")
    assert started.status_code == 302 and started.headers["Location"].startswith("/jobs/")
    page = client.get(started.headers["Location"])
    assert page.status_code == 200 and "jobs.js" in page.text and "<progress" in page.text
    status = wait_for(client, started.headers["Location"])
    assert status["ok"] and status["fraction"] == 1 and "已导入 4 名党员" in status["message"]
    done = client.get(started.headers["Location"]).text
    assert 'http-equiv="refresh"' not in done  # finished: no more reloading
    assert {"B01991", "B01994"} <= set(member_numbers(client))
    other = app.test_client()
    as_user(other, "b01-secretary")
    assert other.get(started.headers["Location"]).status_code == 404
    assert other.get(started.headers["Location"] + "/status").status_code == 404
    assert other.get("/jobs/nonesuch/status").status_code == 404


def test_a_committee_admin_rebuilds_the_read_models_with_a_progress_page(client, app):
    def board() -> list[Any]:
        with read_model_of(app, COMMITTEE).transaction() as tx:
            return sorted(tx.query("SELECT * FROM rm_leaderboard"))

    as_user(client, "b01-clerk")
    assert client.get("/committee/read-models").status_code == 404
    as_user(client, "viewer")
    assert client.get("/committee/read-models").status_code == 403
    as_user(client, "admin")
    tenancy = app.extensions["cxzy.tenancy"]
    wiring.projector(
        tenancy, read_model_of(app, COMMITTEE)
    ).catch_up()  # what the embedded projector would do
    before = board()
    page = client.get("/committee/read-models")
    assert page.status_code == 200 and "重新统计" in page.text
    started = client.post(
        "/committee/read-models/rebuild", data={"csrf_token": csrf_token(page.text)}
    )
    assert started.status_code == 302
    status = wait_for(client, started.headers["Location"])
    assert status["ok"] and "重新统计完成" in status["message"], status
    assert board() == before  # the same logs, the same answer


def test_a_rebuild_beside_the_running_projector_loses_and_repeats_nothing(app, tmp_path):
    """The embedded projector follows the logs and a clerk keeps writing while the rebuild
    runs; afterwards the live read model equals a rebuild from scratch."""
    tenancy = app.extensions["cxzy.tenancy"]
    clerk = Actor(user="b02-clerk", role="branch-clerk", tenant="b02")
    stop, rebuilt = threading.Event(), threading.Event()
    live = wiring.open_read_model(tenancy)

    def follow() -> None:
        wiring.projector(tenancy, live).run(interval=0.01, stop=stop.is_set)

    def write() -> None:
        number = 0
        while not rebuilt.is_set() or number < 3:
            number += 1
            person = EnrolMember(
                member_no=f"B02{800 + number}", name="并发", joined_on="2020-01-01"
            )
            tenancy.branch("b02").enrol_members(clerk, [person])
            time.sleep(0.01)

    threads = [threading.Thread(target=follow), threading.Thread(target=write)]
    for thread in threads:
        thread.start()
    try:
        rebuild_in_place(
            wiring.read_port(tenancy),
            wiring.read_models(tenancy),
            threading.Lock(),
            lambda *_: None,
        )
    finally:
        rebuilt.set()
        threads[1].join()
        time.sleep(0.2)
        stop.set()
        threads[0].join()
    wiring.projector(tenancy, live).catch_up()
    fresh = SQLiteReadModel(tmp_path / "fresh.sqlite3")
    wiring.projector(tenancy, fresh).rebuild()
    try:
        for table in TABLES:
            with live.transaction() as a, fresh.transaction() as b:
                query = f"SELECT * FROM {table}"
                assert sorted(map(tuple, a.query(query))) == sorted(map(tuple, b.query(query))), (
                    table
                )
    finally:
        fresh.close()
        live.close()
