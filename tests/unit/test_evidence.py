"""What an upload is, from its bytes (domain/evidence.sniff), and where files go by setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxzy_saas.config import Settings, SettingsError
from cxzy_saas.domain.errors import InvalidInput
from cxzy_saas.domain.evidence import MAX_BYTES, sniff
from cxzy_saas.storage.evidence import FolderFiles, files_for
from cxzy_saas.storage.stores import SQLiteStore

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.mark.parametrize(
    ("name", "data", "media_type"),
    [
        ("a.JPG", b"\xff\xd8\xff\xe0rest", "image/jpeg"),
        ("a.png", b"\x89PNG\r\n\x1a\nrest", "image/png"),
        ("总结.pdf", b"%PDF-1.7 rest", "application/pdf"),
        ("汇报.docx", b"PK\x03\x04rest", DOCX),
        ("表.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "application/vnd.ms-excel"),
        ("说明.txt", "会议纪要".encode(), "text/plain"),
        ("记录.txt", "会议纪要：全体党员参加".encode("gbk"), "text/plain"),  # Notepad's own
    ],
)
def test_accepted_types_are_known_by_their_bytes(name: str, data: bytes, media_type: str) -> None:
    assert sniff(name, data) == media_type


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("a.pdf", b"", "evidence.empty"),
        ("a.pdf", b"%PDF-" + b"0" * MAX_BYTES, "evidence.too_large"),
        ("a.html", b"<script>", "evidence.type_refused"),
        ("a.zip", b"PK\x03\x04", "evidence.type_refused"),  # a zip that is not Word or Excel
        ("a.png", b"%PDF-1.4", "evidence.type_mismatch"),
        ("a.txt", b"\xff\xfe\x00a", "evidence.content_not_type"),  # not UTF-8 text
        ("b.txt", b"\xff\xfe\xff", "evidence.content_not_type"),  # nor GBK
        ("evil.png", b"MZ\x90\x00", "evidence.content_not_type"),  # an EXE named .png
        ("a.docx", b"MZ\x90\x00", "evidence.content_not_type"),
        ("noname", b"%PDF-1.4", "evidence.type_mismatch"),
    ],
)
def test_refusals_name_what_is_wrong(name: str, data: bytes, code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        sniff(name, data)
    assert refused.value.code == code
    assert refused.value.text("zh").endswith("。")


def test_the_store_follows_the_setting(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path)
    files = files_for(store)
    assert isinstance(files, FolderFiles) and files.root == tmp_path / "evidence"
    with pytest.raises(ValueError, match="PostgreSQL"):
        files_for(store, "database")
    with pytest.raises(SettingsError, match="s3://BUCKET/PREFIX"):
        Settings.from_env(env={"CXZY_EVIDENCE_STORE": "object"})
    assert Settings.from_env(env={"CXZY_EVIDENCE_STORE": "folder"}).evidence_store == "folder"
    digest = "0" * 64
    with pytest.raises(ValueError, match="hash"):
        files.put("b01", digest, b"not those bytes")
