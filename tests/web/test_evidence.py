"""Evidence files through the API (multipart upload, list, download, access) and the pages
(upload form, thumbnails, downloads), with the limits refused in Chinese, never a 500, and a
closed year refusing uploads (decision 0023)."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import datetime
from typing import Any

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from cxzy_saas.domain.recording import BEIJING
from cxzy_saas.web import tenancy_of
from tests.web.api_demo import app_for, bearer, build
from tests.web.conftest import csrf_token, sign_in

YEAR = 2026
# The committee's today (Beijing): a year is closed on a day that has come.
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

FILE_POLICY = ["default-src 'none'", "sandbox"]


def directives(response: Any) -> list[str]:
    return [d.strip() for d in response.headers["Content-Security-Policy"].split(";")]


def png(width: int = 40, height: int = 30) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "green").save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def app(tmp_path_factory):  # type: ignore[no-untyped-def]
    return app_for(build(tmp_path_factory.mktemp("evidence-web")))


@pytest.fixture(scope="module")
def tokens(app) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    client = app.test_client()
    users = ("b01-clerk", "b01-member", "b01-leader", "b02-clerk", "viewer", "admin")
    return {u: bearer(client, u) for u in users}


def upload(client, headers: dict[str, str], item: str, item_id: Any, name: str, data: bytes):  # type: ignore[no-untyped-def]
    # Encoded here in memory: the test client spools a large body to a temporary file that
    # it never closes when the server refuses the body unread.
    boundary, body = encode_multipart(
        {"item": item, "item_id": str(item_id), "file": FileStorage(io.BytesIO(data), name)}
    )
    return client.post(
        "/api/v1/branches/b01/evidence",
        data=body,
        headers={**headers, "Accept-Language": "zh-CN"},
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def test_upload_list_download_through_the_api(app, tokens) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    b01 = tenancy_of(app).branch("b01")
    record = next(r for r in b01.daily_records(YEAR) if r.level == "member")
    photo = png(2600, 1400)
    made = upload(client, tokens["b01-clerk"], "record", record.id, "会议照片.png", photo)
    assert made.status_code == 201, made.json
    out = made.json
    assert out["sha256"] == hashlib.sha256(photo).hexdigest()
    assert (out["name"], out["media_type"], out["size"]) == (
        "会议照片.png",
        "image/png",
        len(photo),
    )
    assert made.headers["Location"] == f"/api/v1/branches/b01/evidence/{out['id']}"
    listed = client.get(
        f"/api/v1/branches/b01/evidence?item=record&item_id={record.id}",
        headers=tokens["viewer"],
    )
    assert listed.status_code == 200 and [e["id"] for e in listed.json] == [out["id"]]
    got = client.get(f"/api/v1/branches/b01/evidence/{out['id']}/file", headers=tokens["admin"])
    assert got.status_code == 200 and got.data == photo
    assert got.mimetype == "image/png" and "attachment" in got.headers["Content-Disposition"]
    small = client.get(
        f"/api/v1/branches/b01/evidence/{out['id']}/file?view=true", headers=tokens["b01-clerk"]
    )
    with Image.open(io.BytesIO(small.data)) as image:
        assert max(image.size) == 1280 and small.mimetype == "image/jpeg"
    # Shown from the site's own origin, a file runs nothing and reaches nothing (decision 0023).
    for served in (got, small):
        assert directives(served) == FILE_POLICY
    # Another branch's clerk does not learn the file exists; a member may not read another
    # member's evidence.
    other = client.get(
        f"/api/v1/branches/b01/evidence/{out['id']}/file", headers=tokens["b02-clerk"]
    )
    assert other.status_code == 404
    member = client.get(
        f"/api/v1/branches/b01/evidence/{out['id']}/file", headers=tokens["b01-member"]
    )
    assert member.status_code == 404
    # A viewer may read but not upload.
    refused = upload(client, tokens["viewer"], "record", record.id, "x.pdf", PDF)
    assert refused.status_code in (403, 404)


def test_limits_answer_in_chinese_and_never_500(app, tokens) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    b01 = tenancy_of(app).branch("b01")
    measure = b01.measures(YEAR)[0]
    cases = {
        ("tool.exe", b"MZ\x90\x00"): "不支持这种文件",
        # an allowed name, content of another kind: not "this type is not supported"
        ("evil.png", b"MZ\x90\x00"): "文件内容不是 PNG 图片",
        ("photo.jpg", PDF): "文件内容与扩展名（.jpg）不符",
        ("empty.pdf", b""): "空的",
        (
            "big.pdf",
            b"%PDF-" + b"0" * (10 * 1024 * 1024 + 70 * 1024),
        ): "超过了每个文件 10 MB 的上限",
    }
    for (name, data), words in cases.items():
        answer = upload(client, tokens["b01-clerk"], "measure", measure.id, name, data)
        assert answer.status_code == (413 if name == "big.pdf" else 422), (name, answer.status_code)
        assert words in answer.json["detail"], (name, answer.json)
    no_file = client.post(
        "/api/v1/branches/b01/evidence",
        data={"item": "measure", "item_id": str(measure.id)},
        headers=tokens["b01-clerk"],
        content_type="multipart/form-data",
    )
    assert no_file.status_code == 422
    as_json = client.post(
        "/api/v1/branches/b01/evidence", json={"item": "measure"}, headers=tokens["b01-clerk"]
    )
    assert as_json.status_code == 422
    bad_item = upload(client, tokens["b01-clerk"], "ballot", measure.id, "a.pdf", PDF)
    assert bad_item.status_code == 422
    unknown = upload(
        client, tokens["b01-clerk"], "record", "00000000-0000-0000-0000-000000000000", "a.pdf", PDF
    )
    half = client.get(
        f"/api/v1/branches/b01/evidence?item_id={measure.id}",
        headers={**tokens["b01-clerk"], "Accept-Language": "zh"},
    )
    assert half.status_code == 422
    assert half.json["errors"]["item_id"] == ["item 与 item_id 须同时给出，或都不给出"]
    assert unknown.status_code == 409  # named by the body, not the address (decision 0020)
    assert unknown.json["errors"].keys() == {"item_id"}
    twice = [upload(client, tokens["b01-clerk"], "measure", measure.id, "a.pdf", PDF) for _ in "12"]
    assert [t.status_code for t in twice] == [201, 409]


def test_upload_and_download_through_the_pages(app) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    sign_in(client, "b01-clerk")
    b01 = tenancy_of(app).branch("b01")
    record = b01.daily_records(YEAR)[1]
    records = client.get("/branch/b01/records")
    assert f"/branch/b01/evidence/record/{record.id}" in records.text or "佐证材料" in records.text
    page_url = f"/branch/b01/evidence/record/{record.id}"
    page = client.get(page_url)
    assert (
        page.status_code == 200
        and "上传" in page.text
        and 'enctype="multipart/form-data"' in page.text
    )
    photo = png(60, 40)
    sent = client.post(
        page_url,
        data={"csrf_token": csrf_token(page.text), "file": (io.BytesIO(photo), "活动现场.png")},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 302, sent.text[:500]
    shown = client.get(page_url)
    assert "活动现场.png" in shown.text and "<img" in shown.text
    evidence = b01.evidence_of(_clerk(), "record", record.id)
    link = f"/branch/b01/evidence/file/{evidence[0].id}"
    assert link in shown.text
    assert client.get(link).data == photo
    viewed = client.get(f"{link}?view=1")
    assert viewed.status_code == 200 and "inline" in viewed.headers["Content-Disposition"]
    assert directives(viewed) == FILE_POLICY
    wrong = client.post(
        page_url,
        data={"csrf_token": csrf_token(shown.text), "file": (io.BytesIO(b"MZ"), "病毒.exe")},
        content_type="multipart/form-data",
    )
    assert wrong.status_code == 422 and "不支持这种文件" in wrong.text
    nothing = client.post(
        page_url, data={"csrf_token": csrf_token(shown.text)}, content_type="multipart/form-data"
    )
    assert nothing.status_code == 422 and "请选择要上传的文件" in nothing.text
    # Another branch's user: the page does not exist for them.
    other = app.test_client()
    sign_in(other, "b02-clerk")
    assert other.get(page_url).status_code == 404
    assert other.get(link).status_code == 404


def _clerk():  # type: ignore[no-untyped-def]
    from cxzy_saas.domain.recording import Actor

    return Actor("b01-clerk", "branch-clerk", "b01")


def test_a_closed_year_refuses_uploads(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = app_for(build(tmp_path))
    client = app.test_client()
    admin, clerk = bearer(client, "admin"), bearer(client, "b01-clerk")
    record = tenancy_of(app).branch("b01").daily_records(YEAR)[0]
    today = datetime.now(BEIJING).date().isoformat()  # asked now: a run may cross midnight
    shut = client.post(f"/api/v1/campaigns/{YEAR}/close", json={"on": today}, headers=admin)
    assert shut.status_code == 200, shut.json
    head = tenancy_of(app).branch("b01").head()
    answer = upload(client, clerk, "record", record.id, "补充.pdf", PDF)
    assert answer.status_code == 409 and answer.json["code"] == "campaign.closed"
    assert f"2026 年度活动已于 {today} 结束" in answer.json["detail"]
    assert tenancy_of(app).branch("b01").head() == head
    # The page no longer offers the upload.
    pages = app.test_client()
    sign_in(pages, "b01-clerk")
    page = pages.get(f"/branch/b01/evidence/record/{record.id}")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' not in page.text


def test_a_member_attaches_to_their_own_measure_and_reads_only_their_own(app, tokens) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    b01 = tenancy_of(app).branch("b01")
    measures = [m for m in b01.measures(YEAR) if m.level == "member"]
    own = next(m for m in measures if m.subject == "B01003")  # the demo's b01-member
    other = next(m for m in measures if m.subject != "B01003")
    made = upload(client, tokens["b01-member"], "measure", own.id, "读书笔记.pdf", PDF + b"1")
    assert made.status_code == 201, made.json
    refused = upload(client, tokens["b01-member"], "measure", other.id, "x.pdf", PDF + b"2")
    assert refused.status_code == 403
    theirs = upload(client, tokens["b01-clerk"], "measure", other.id, "y.pdf", PDF + b"3")
    assert theirs.status_code == 201
    listed = client.get("/api/v1/branches/b01/evidence", headers=tokens["b01-member"])
    ids = {e["id"] for e in listed.json}
    assert made.json["id"] in ids and theirs.json["id"] not in ids
    all_of_them = client.get("/api/v1/branches/b01/evidence", headers=tokens["b01-clerk"])
    assert {made.json["id"], theirs.json["id"]} <= {e["id"] for e in all_of_them.json}
    # A member withdraws their own file; the file stays for the archive, the list drops it.
    gone = client.post(
        f"/api/v1/branches/b01/evidence/{made.json['id']}/withdrawal",
        json={"reason": "传错了"},
        headers=tokens["b01-member"],
    )
    assert gone.status_code == 200 and gone.json["withdrawn"] == "传错了"
    again = client.get(
        f"/api/v1/branches/b01/evidence?item=measure&item_id={own.id}", headers=tokens["b01-member"]
    )
    assert made.json["id"] not in {e["id"] for e in again.json}


def chunked(client, url: str, body: bytes, content_type: str, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    """A body sent without its length (Transfer-Encoding: chunked), as a streaming client does."""
    return client.post(
        url,
        input_stream=io.BytesIO(body),
        content_type=content_type,
        headers={**headers, "Transfer-Encoding": "chunked", "Accept-Language": "zh"},
        environ_overrides={"wsgi.input_terminated": True},
    )


def test_bodies_over_the_limits_are_refused_413_in_chinese_whatever_their_framing(
    app, tokens
) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    measure = tenancy_of(app).branch("b01").measures(YEAR)[0]
    big = b"%PDF-" + b"0" * (11 * 1024 * 1024)
    boundary, body = encode_multipart(
        {
            "item": "measure",
            "item_id": str(measure.id),
            "file": FileStorage(io.BytesIO(big), "大.pdf"),
        }
    )
    form = f"multipart/form-data; boundary={boundary}"
    upload = chunked(client, "/api/v1/branches/b01/evidence", body, form, tokens["b01-clerk"])
    assert upload.status_code == 413, upload.json
    assert upload.json["code"] == "evidence.over_limit"
    assert "10 MB" in upload.json["detail"] and "上限" in upload.json["detail"]
    record = {
        "year": YEAR,
        "on": "2026-03-01",
        "level": "member",
        "subject": "x",
        "text": "字" * 700_000,
    }
    for sent in (
        chunked(
            client,
            "/api/v1/branches/b01/records",
            json.dumps(record).encode(),
            "application/json",
            tokens["b01-clerk"],
        ),
        client.post(
            "/api/v1/branches/b01/records",
            json=record,
            headers={**tokens["b01-clerk"], "Accept-Language": "zh"},
        ),
    ):
        assert sent.status_code == 413, sent.json
        assert sent.json["code"] == "request.too_large"
        assert "最多 1024 KB" in sent.json["detail"]

    # A page upload over the limit: the evidence page again, its form and the real limit.
    pages = app.test_client()
    sign_in(pages, "b01-clerk")
    page_url = f"/branch/b01/evidence/measure/{measure.id}"
    page = pages.get(page_url)
    # (encoded here: the test client would spool a big form to a file it never closes)
    boundary, body = encode_multipart(
        {"csrf_token": csrf_token(page.text), "file": FileStorage(io.BytesIO(big), "大.pdf")}
    )
    refused = pages.post(
        page_url, data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert refused.status_code == 413
    assert "10 MB" in refused.text and "1024 KB" not in refused.text
    assert 'enctype="multipart/form-data"' in refused.text
