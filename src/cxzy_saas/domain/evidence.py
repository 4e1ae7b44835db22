"""Evidence (佐证材料): photos and documents attached to a daily record, a measure, a deed
material or a quarterly inspection.

The log keeps what identifies a file, never its bytes: its SHA-256, its name, its type and its
size. The bytes live in a file store kept by content hash (``storage/evidence.py``), so an
archive can carry them and a verifier can check every one against the hash in the sealed
events (decision 0023). What a file is, is decided here from its first bytes, never from the
type a browser claims.
"""

from __future__ import annotations

import re
from uuid import UUID

from eventsourcing.domain import event

from cxzy_saas.domain.base import TenantAggregate, clean_text, require, require_text, stable_id
from cxzy_saas.domain.errors import InvalidInput, StateConflict, TooLarge

# What evidence may be attached to (the aggregate kinds), in the order pages list them.
ITEMS = ("record", "measure", "deed", "inspection")
MAX_BYTES = 10 * 1024 * 1024  # 10 MB a file
MAX_NAME = 200
SHA256 = re.compile(r"[0-9a-f]{64}")

# The types accepted: media type -> (the file name endings it may have, the Chinese name).
TYPES: dict[str, tuple[tuple[str, ...], str]] = {
    "image/jpeg": ((".jpg", ".jpeg"), "JPEG 图片"),
    "image/png": ((".png",), "PNG 图片"),
    "application/pdf": ((".pdf",), "PDF 文档"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (
        (".docx",),
        "Word 文档",
    ),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (
        (".xlsx",),
        "Excel 表格",
    ),
    "application/msword": ((".doc",), "Word 文档"),
    "application/vnd.ms-excel": ((".xls",), "Excel 表格"),
    "text/plain": ((".txt",), "文本文件"),
}
IMAGES = frozenset({"image/jpeg", "image/png"})
ZIPPED = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
OLE = {".doc": "application/msword", ".xls": "application/vnd.ms-excel"}


def suffix_of(name: str) -> str:
    """The ending of a file's name, lower case (".png" is a PNG's too, however unnamed)."""
    dot = name.rfind(".")
    return name[dot:].lower() if dot >= 0 else ""


def sniff(name: str, data: bytes) -> str:
    """The media type of an upload, from its first bytes and its name's ending.

    Raises:
        InvalidInput: empty, over :data:`MAX_BYTES`, or not one of :data:`TYPES` (a file whose
            bytes are not what its name says is refused too).
    """
    require(len(data) > 0, "evidence.empty", field="file")
    if len(data) > MAX_BYTES:
        raise TooLarge(
            "evidence.too_large",
            field="file",
            size_mb=round(len(data) / 1024 / 1024, 1),
            max_mb=MAX_BYTES // 1024 // 1024,
        )
    suffix = suffix_of(name)
    found: str | None = None
    if data.startswith(b"\xff\xd8\xff"):
        found = "image/jpeg"
    elif data.startswith(b"\x89PNG\r\n\x1a\n"):
        found = "image/png"
    elif data.startswith(b"%PDF-"):
        found = "application/pdf"
    elif data.startswith(b"PK\x03\x04"):
        found = ZIPPED.get(suffix)
    elif data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        found = OLE.get(suffix)
    elif suffix == ".txt" and b"\x00" not in data and _text(data):
        found = "text/plain"
    shown = suffix or "无扩展名"
    named = next((zh for endings, zh in TYPES.values() if suffix in endings), None)
    if found is None and named is not None:  # evil.png that is an EXE: say what is wrong
        kind = "UTF-8 或 GBK 编码的文本文件" if suffix == ".txt" else named
        raise InvalidInput("evidence.content_not_type", field="file", suffix=shown, kind=kind)
    require(found is not None, "evidence.type_refused", field="file", suffix=shown)
    assert found is not None
    require(suffix in TYPES[found][0], "evidence.type_mismatch", field="file", suffix=shown)
    return found


def _text(data: bytes) -> bool:
    """Text in UTF-8, or in GB 18030 (GBK's superset: what Notepad on a Chinese Windows saved
    by default), as a branch's clerk may have it."""
    for encoding in ("utf-8", "gb18030"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False


class Evidence(TenantAggregate):
    """A photo or document (佐证材料) attached to a daily record, a measure, a deed material or
    an inspection; the file itself is kept by its SHA-256 outside the log."""

    @staticmethod
    def create_id(tenant: str, item_id: UUID, sha256: str) -> UUID:
        return Evidence.id_for(tenant, item_id, sha256)

    @staticmethod
    def id_for(tenant: str, item_id: UUID, sha256: str) -> UUID:
        """One per item and content: the same file twice on one item is refused."""
        return stable_id(tenant, "evidence", item_id, sha256)

    @classmethod
    def attach(
        cls,
        year: int,
        item: str,
        item_id: UUID,
        level: str,
        subject: str,
        sha256: str,
        name: str,
        media_type: str,
        size: int,
    ) -> Evidence:
        require(item in ITEMS, "evidence.item_unknown", field="item")
        require(bool(SHA256.fullmatch(sha256)), "evidence.bad_hash", field="file")
        require(media_type in TYPES, "evidence.type_refused", field="file", suffix=media_type)
        require(0 < size <= MAX_BYTES, "evidence.empty", field="file")
        return cls(
            year=year,
            item=item,
            item_id=item_id,
            level=level,
            subject=subject,
            sha256=sha256,
            name=require_text(name, "name", max_length=MAX_NAME, multiline=False),
            media_type=media_type,
            size=size,
        )

    @event("Attached")
    def __init__(
        self,
        year: int,
        item: str,
        item_id: UUID,
        level: str,
        subject: str,
        sha256: str,
        name: str,
        media_type: str,
        size: int,
    ) -> None:
        """``level``/``subject``: whom the item is about (a member's upload is erased with the
        member's personal data); ``name`` is sealed with that member's key."""
        self.year = year
        self.item = item
        self.item_id = item_id
        self.level = level
        self.subject = subject
        self.sha256 = sha256
        self.name = name
        self.media_type = media_type
        self.size = size
        self.withdrawn: str | None = None

    @property
    def is_image(self) -> bool:
        return self.media_type in IMAGES

    def withdraw(self, reason: str) -> None:
        if self.withdrawn is not None:
            raise StateConflict("evidence.withdrawn_already")
        self._withdrawn(reason=clean_text(reason, "reason") or "撤回")

    @event("Withdrawn")
    def _withdrawn(self, reason: str) -> None:
        self.withdrawn = reason
