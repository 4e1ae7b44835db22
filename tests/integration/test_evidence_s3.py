"""Evidence files in an S3-compatible object store (``CXZY_EVIDENCE_STORE=s3://BUCKET/PREFIX``,
decision 0023), against moto's S3 server on a local port: kept under the tenant and the hash,
checked against the log when read, deleted with an erased member, carried by the sealed
archive, and a store that fails answers 503 (never a 500, nothing recorded)."""

from __future__ import annotations

import hashlib
import io
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from cxzy_saas.application.commands.organisation import EraseMember
from cxzy_saas.application.evidence import AttachEvidence
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.audit.verify import verify_files
from cxzy_saas.config import Settings, SettingsError
from cxzy_saas.domain.errors import NotFound
from tests.builders import close_year
from tests.integration.test_evidence import (
    ADMIN,
    AUDITOR,
    CLERK,
    PDF,
    SECRETARY,
    YEAR,
    png,
    small_demo,
)
from tests.web.api_demo import app_for, bearer, build
from tests.web.conftest import csrf_token, sign_in

BUCKET = "cxzy-evidence"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        env.setenv("AWS_DEFAULT_REGION", "us-east-1")
        url = f"http://127.0.0.1:{port}"
        boto3.client("s3", endpoint_url=url).create_bucket(Bucket=BUCKET)
        yield url
    server.stop()


def objects(endpoint: str) -> dict[str, bytes]:
    s3 = boto3.client("s3", endpoint_url=endpoint)
    listed = s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read() for o in listed}


def settings_for(folder: Path, endpoint: str, store: str) -> Settings:
    return Settings.from_env(
        env={
            "CXZY_DATA_DIR": str(folder),
            "CXZY_EVIDENCE_STORE": store,
            "CXZY_EVIDENCE_S3_ENDPOINT": endpoint,
        }
    )


def test_the_setting_names_a_bucket_and_a_prefix() -> None:
    with pytest.raises(SettingsError, match="s3://BUCKET/PREFIX"):
        Settings.from_env(env={"CXZY_EVIDENCE_STORE": "object"})
    with pytest.raises(SettingsError, match="s3://BUCKET/PREFIX"):
        Settings.from_env(env={"CXZY_EVIDENCE_STORE": "s3://"})
    chosen = Settings.from_env(env={"CXZY_EVIDENCE_STORE": "s3://files.example/cxzy/"})
    assert chosen.evidence_store == "s3://files.example/cxzy/"


def test_files_live_in_the_bucket_checked_erased_and_archived(
    tmp_path: Path, endpoint: str
) -> None:
    tenancy = Tenancy(settings_for(tmp_path / "var", endpoint, f"s3://{BUCKET}/prod/files"))
    try:
        small_demo(tenancy)
        b01 = tenancy.branch("b01")
        records = [r for r in b01.daily_records(YEAR) if r.level == "member"]
        mine = records[0]
        other = next(r for r in records if r.subject != mine.subject)
        photo, theirs = png(60, 40), png(50, 50, "blue")
        kept = b01.attach_evidence(
            CLERK, AttachEvidence(item="record", item_id=other.id, name="活动.png", data=photo)
        )
        erased = b01.attach_evidence(
            CLERK, AttachEvidence(item="record", item_id=mine.id, name="本人.png", data=theirs)
        )
        measure = b01.measures(YEAR)[0]
        b01.attach_evidence(
            CLERK, AttachEvidence(item="measure", item_id=measure.id, name="总结.pdf", data=PDF)
        )
        digest = hashlib.sha256(photo).hexdigest()
        stored = objects(endpoint)
        assert stored[f"prod/files/b01/{digest}"] == photo  # under the prefix, tenant, hash
        assert not any(path.is_file() for path in (tmp_path / "var").rglob("evidence/**/*"))
        assert b01.evidence_file(CLERK, kept) == photo

        # Bytes changed in the bucket behind the product's back are never served.
        s3 = boto3.client("s3", endpoint_url=endpoint)
        s3.put_object(Bucket=BUCKET, Key=f"prod/files/b01/{digest}", Body=png(61, 40))
        with pytest.raises(NotFound):
            b01.evidence_file(CLERK, kept)
        s3.put_object(Bucket=BUCKET, Key=f"prod/files/b01/{digest}", Body=photo)

        # Erasing the member deletes their own files from the bucket.
        b01.erase_member(SECRETARY, EraseMember(member_no=mine.subject, reason="本人申请"))
        gone = hashlib.sha256(theirs).hexdigest()
        assert f"prod/files/b01/{gone}" not in objects(endpoint)
        assert tenancy.branch("b01").evidence(erased).name != "本人.png"

        # The sealed archive carries what the bucket holds, and the verifier accepts it.
        committee = tenancy.committee("demo")
        close_year(tenancy, YEAR)
        committee.seal_archive(ADMIN, "b01", YEAR)
        files = committee.export_archive(AUDITOR, "b01", YEAR, with_pdf=False)
        assert files[f"evidence/{digest}"] == photo
        assert files[f"evidence/{hashlib.sha256(PDF).hexdigest()}"] == PDF
        result = verify_files(files)
        assert result.ok, result.message()
    finally:
        tenancy.close()


def upload(client: Any, headers: dict[str, str], record_id: Any, data: bytes) -> Any:
    boundary, body = encode_multipart(
        {
            "item": "record",
            "item_id": str(record_id),
            "file": FileStorage(io.BytesIO(data), "a.png"),
        }
    )
    return client.post(
        "/api/v1/branches/b01/evidence",
        data=body,
        headers=headers,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def test_a_store_that_fails_answers_503_and_records_nothing(tmp_path: Path, endpoint: str) -> None:
    # A bucket that does not exist: every write fails as an unreachable store would.
    settings = build(tmp_path, settings_for(tmp_path / "var", endpoint, "s3://no-such-bucket"))
    app = app_for(settings)
    client = app.test_client()
    clerk = bearer(client, "b01-clerk")
    tenancy = app.extensions["cxzy.tenancy"]
    record = tenancy.branch("b01").daily_records(YEAR)[0]
    failed = upload(client, clerk, record.id, png())
    assert failed.status_code == 503, failed.data
    assert failed.headers["Retry-After"] == "30"
    assert failed.json["status"] == 503
    # The page says so in Chinese, in the site's frame.
    pages = app.test_client()
    sign_in(pages, "b01-clerk")
    page_url = f"/branch/b01/evidence/record/{record.id}"
    form = pages.get(page_url)
    sent = pages.post(
        page_url,
        data={"csrf_token": csrf_token(form.text), "file": (io.BytesIO(png()), "活动.png")},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 503 and "数据存储暂时无法使用" in sent.text
    assert sent.headers["Retry-After"] == "30"
    assert tenancy.branch("b01").all_evidence() == []  # no event names a file not kept
