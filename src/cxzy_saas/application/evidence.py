"""Evidence files (佐证材料) of a branch: attach, list, read, withdraw; erased with a member.

Who may attach is who may write the item (decision 0023): a daily record's writers (the
branch, a group leader for the members of their group), a measure's (its member too), a deed
material's, an inspection's (the branch). Who may read is who may read the branch; a member
reads the files of their own items and of the branch's, not another member's.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from cxzy_saas.application.evaluation import EvaluationCommands
from cxzy_saas.application.leaders import check_leads
from cxzy_saas.application.permissions import (
    BRANCH_ASSESSORS,
    BRANCH_PEOPLE,
    BRANCH_WRITERS,
    authorize,
)
from cxzy_saas.domain.commendation import DeedMaterial
from cxzy_saas.domain.errors import AlreadyExists, DomainError, Forbidden, NotFound
from cxzy_saas.domain.evidence import IMAGES, TYPES, Evidence, sniff, suffix_of
from cxzy_saas.domain.recording import Actor
from cxzy_saas.domain.work import Inspection
from cxzy_saas.storage.evidence import EvidenceFiles, files_for, sha256

ATTACHED = Evidence.Attached  # type: ignore[attr-defined]
VIEW_PIXELS = 1280  # the longer side of an image as pages show it


@dataclass(frozen=True, kw_only=True)
class AttachEvidence:
    item: str
    item_id: UUID
    name: str
    data: bytes


@dataclass(frozen=True, kw_only=True)
class WithdrawEvidence:
    evidence_id: UUID
    reason: str = ""


@dataclass(frozen=True)
class Item:
    """What a file is attached to: its kind, year and whom it is about."""

    kind: str
    id: UUID
    year: int
    level: str
    subject: str


def writers_of(kind: str) -> frozenset[str]:
    """Who may attach files to an item of ``kind``: who may write it."""
    if kind == "measure":
        return BRANCH_PEOPLE
    if kind == "inspection":
        return BRANCH_WRITERS
    return BRANCH_ASSESSORS


def view_image(data: bytes) -> bytes:
    """An image made small enough to view (its longer side at most :data:`VIEW_PIXELS`), as
    JPEG; the original when it is small already or Pillow cannot read it."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            if max(image.size) <= VIEW_PIXELS:
                return data
            # A JPEG is decoded at a reduced scale straight away (DCT scaling): a 12-megapixel
            # photo costs a fraction of a full decode.
            image.draft("RGB", (VIEW_PIXELS, VIEW_PIXELS))
            image.thumbnail((VIEW_PIXELS, VIEW_PIXELS), reducing_gap=2.0)
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=85)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return data


def check_image(name: str, media_type: str, data: bytes) -> None:
    """Refuse an image Pillow cannot read (a truncated or forged file with an image's start),
    saying which kind of image it is not."""
    from PIL import Image, UnidentifiedImageError

    from cxzy_saas.domain.errors import InvalidInput

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        raise InvalidInput(
            "evidence.content_not_type",
            field="file",
            suffix=suffix_of(name),
            kind=TYPES[media_type][1],
        ) from None


class EvidenceCommands(EvaluationCommands):
    @property
    def evidence_files(self) -> EvidenceFiles:
        files = getattr(self._store, "evidence_files", None)
        if files is None:
            files = self._store.evidence_files = files_for(self._store)  # type: ignore[attr-defined]
        return files

    def evidence_item(self, kind: str, item_id: UUID) -> Item:
        """Raises NotFound: no such item of ``kind`` in this branch."""
        if kind == "record":
            r = self.daily_record(item_id)
            return Item(kind, item_id, r.year, r.level, r.subject)
        if kind == "measure":
            m = self.measure(item_id)
            return Item(kind, item_id, m.year, m.level, m.subject)
        if kind == "deed":
            d = self.load(DeedMaterial, item_id, "deeds.not_found")
            return Item(kind, item_id, d.year, d.level, d.subject)
        if kind == "inspection":
            i = self.load(Inspection, item_id, "inspection.not_found")
            return Item(kind, item_id, i.year, "branch", self.tenant)
        raise NotFound("evidence.not_found")

    def _check_writer(self, actor: Actor, item: Item) -> None:
        if item.kind == "measure":
            self.check_own(actor, item.level, item.subject)
        elif item.kind in ("record", "deed"):
            check_leads(self, actor, item.level, item.subject, writing=item.kind == "deed")
        elif actor.role not in BRANCH_WRITERS:
            raise Forbidden("role.forbidden")

    def may_attach(self, actor: Actor, item: Item) -> bool:
        """Whether ``actor`` may attach files to (and withdraw them from) ``item`` now."""
        if actor.role not in writers_of(item.kind) or actor.tenant not in (self.tenant, "*"):
            return False
        try:
            self._check_writer(actor, item)
            self.check_writable(item.year)  # a closed year takes no more files (0011)
        except DomainError:
            return False
        return True

    @staticmethod
    def evidence_hidden_from(actor: Actor, level: str, subject: str) -> bool:
        """A member sees the files of their own items and of the branch's, not another's."""
        return actor.role == "member" and level == "member" and subject != actor.member

    def _check_reader(self, actor: Actor, item: Item) -> None:
        if self.evidence_hidden_from(actor, item.level, item.subject):
            raise NotFound("evidence.not_found")

    def attach_evidence(self, actor: Actor, command: AttachEvidence) -> UUID:
        """Keep the file by its SHA-256, then record it on the item (the file first: an event
        must never name a file the store does not have).

        Raises:
            InvalidInput: empty, too large, a type not accepted, or bytes unlike their name.
            NotFound: no such item.
            Forbidden: not a writer of the item.
            AlreadyExists: the same file is on the item already.
            StateConflict: the item's year is closed (decision 0011).
        """
        c = command
        with self.acting(actor, writers_of(c.item)):
            try:
                item = self.evidence_item(c.item, c.item_id)
            except NotFound:  # named by the command, not by an address
                raise NotFound("evidence.item_not_found", field="item_id") from None
            self._check_writer(actor, item)
            self.check_writable(item.year)
            media_type = sniff(c.name, c.data)
            if media_type in IMAGES:
                check_image(c.name, media_type, c.data)
            digest = sha256(c.data)
            if self.exists(Evidence.id_for(self.tenant, item.id, digest)):
                raise AlreadyExists("evidence.attached_already", field="file")
            evidence = Evidence.attach(
                item.year,
                item.kind,
                item.id,
                item.level,
                item.subject,
                digest,
                c.name,
                media_type,
                len(c.data),
            )
            self.evidence_files.put(self.tenant, digest, c.data)
            self.save(evidence)
            return evidence.id

    def withdraw_evidence(self, actor: Actor, command: WithdrawEvidence) -> None:
        with self.acting(actor, BRANCH_PEOPLE):
            evidence = self.evidence(command.evidence_id)
            item = self.evidence_item(evidence.item, evidence.item_id)
            authorize(actor, self.tenant, writers_of(item.kind))
            self._check_writer(actor, item)
            evidence.withdraw(command.reason)
            self.save(evidence)

    def evidence(self, evidence_id: UUID) -> Evidence:
        return self.load(Evidence, evidence_id, "evidence.not_found")

    def all_evidence(self) -> list[Evidence]:
        return [self.evidence(i) for i in self.ids_created_by(ATTACHED)]

    def evidence_of(self, actor: Actor, kind: str, item_id: UUID) -> list[Evidence]:
        """The files on an item, oldest first, withdrawn ones left out.

        Raises:
            NotFound: no such item, or one the actor may not read.
        """
        item = self.evidence_item(kind, item_id)
        self._check_reader(actor, item)
        return [
            e
            for e in self.all_evidence()
            if e.item_id == item_id and e.item == kind and e.withdrawn is None
        ]

    def readable_evidence(self, actor: Actor) -> list[Evidence]:
        """Every file of the branch the actor may read, oldest first, withdrawn ones left out."""
        return [
            e
            for e in self.all_evidence()
            if e.withdrawn is None and not self.evidence_hidden_from(actor, e.level, e.subject)
        ]

    def evidence_file(self, actor: Actor, evidence_id: UUID, *, view: bool = False) -> bytes:
        """The file's bytes (``view``: an image made small for a page).

        Raises:
            NotFound: no such evidence, or one the actor may not read.
            Gone (``evidence.file_erased``): erased with the member's personal data.
        """
        from cxzy_saas.domain.errors import StateConflict

        evidence = self.evidence(evidence_id)
        item = self.evidence_item(evidence.item, evidence.item_id)
        self._check_reader(actor, item)
        data = self.evidence_files.get(self.tenant, evidence.sha256)
        if data is None:
            if self.file_erased(evidence):
                raise StateConflict("evidence.file_erased")
            raise NotFound("evidence.file_missing")
        if sha256(data) != evidence.sha256:
            raise NotFound("evidence.file_missing")  # never serve bytes the log does not name
        return view_image(data) if view and evidence.is_image else data

    def file_erased(self, evidence: Evidence) -> bool:
        if evidence.level != "member":
            return False
        try:
            return bool(self.member(evidence.subject).erased)
        except NotFound:
            return False

    def erase_member(self, actor: Actor, command: Any) -> None:
        """The member's personal data (``OrganisationCommands.erase_member``), then the files of
        the items about the member; a file also on an item not about them stays."""
        super().erase_member(actor, command)
        found = self.all_evidence()
        theirs = {e.sha256 for e in found if e.level == "member" and e.subject == command.member_no}
        kept = {
            e.sha256
            for e in found
            if not (e.level == "member" and e.subject == command.member_no)
            and not self.file_erased(e)
        }
        for digest in sorted(theirs - kept):
            self.evidence_files.delete(self.tenant, digest)

    def evidence_files_of(self, records: list[Any]) -> dict[str, bytes | None]:
        """For an archive: the bytes of every file that ``records`` (stored events) attach,
        None for a file erased with a member."""
        import orjson

        topic = f"{ATTACHED.__module__}:{ATTACHED.__qualname__}"
        found: dict[str, bytes | None] = {}
        for record in records:
            if record.topic != topic:
                continue
            digest = orjson.loads(record.state)["sha256"]
            data = self.evidence_files.get(self.tenant, digest)
            found[digest] = data if data is not None and sha256(data) == digest else None
        return found
