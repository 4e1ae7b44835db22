"""Free-form requests (请示) and reports (汇报) a branch sends its committee, and the committee's
reply.

The text: "党支部还要经常通过向党委请示汇报,取得上级党组织的帮助和指导". The letter is the
branch's (its log); the reply is the committee's (its log), naming the letter it answers.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import event

from cxzy_saas.domain.base import TenantAggregate, require, require_past, require_text, stable_id

KINDS = {"request": "请示", "report": "汇报"}


class Letter(TenantAggregate):
    """A request or report of the branch to its committee."""

    @classmethod
    def send(cls, year: int, kind: str, title: str, text: str, on: date) -> Letter:
        """Raises InvalidInput: an unknown kind, an empty title or text."""
        require(kind in KINDS, "letter.unknown_kind", field="kind", choices=tuple(KINDS))
        return cls(
            year=year,
            kind=kind,
            title=require_text(title, "title", max_length=200, multiline=False),
            text=require_text(text, "text"),
            on=require_past(on, "on"),
        )

    @event("Sent")
    def __init__(self, year: int, kind: str, title: str, text: str, on: date) -> None:
        self.year = year
        self.kind = kind
        self.title = title
        self.text = text
        self.on = on


class Reply(TenantAggregate):
    """The committee's answer to one letter of a branch (one per letter)."""

    @staticmethod
    def id_for(committee: str, branch: str, letter: str) -> UUID:
        return stable_id(committee, "reply", branch, letter)

    @classmethod
    def give(
        cls, committee: str, branch: str, letter: str, text: str, on: date, sent_on: date
    ) -> Reply:
        """The committee's answer to a letter sent on ``sent_on``: not dated before it."""
        reply: Reply = cls._create(
            cls.Given,
            id=cls.id_for(committee, branch, letter),
            branch=branch,
            letter=letter,
            text=require_text(text, "text"),
            on=require_past(on, "on", after=sent_on),
        )
        return reply

    class Given(TenantAggregate.Created):
        branch: str
        letter: str
        text: str
        on: date

    def __init__(self, branch: str, letter: str, text: str, on: date) -> None:
        self.branch = branch
        self.letter = letter
        self.text = text
        self.on = on
