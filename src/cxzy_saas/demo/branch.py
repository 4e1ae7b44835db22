"""What every part of a demo branch's year shares: the branch, its people and its clock."""

from __future__ import annotations

import calendar
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from cxzy_saas.application.manifests import BranchSpec
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.domain.recording import Actor


def member_numbers(spec: BranchSpec) -> list[str]:
    return [f"{spec.code.upper()}{i + 1:03d}" for i in range(spec.members)]


def clip(x: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, x))


@dataclass
class BranchBase:
    """One branch's campaign year: what its parts (``work``, ``evaluation``) share."""

    tenancy: Tenancy
    committee: str
    spec: BranchSpec
    year: int
    rng: random.Random
    add: Callable[[date, int, str, Callable[[], object]], None]
    plan_returned: bool = False
    quality: dict[str, float] = field(default_factory=dict)
    # Members who left in an earlier demo year are no longer there to plan, record or sum up.
    left: frozenset[str] = frozenset()

    @property
    def numbers(self) -> list[str]:
        """The member numbers of the branch's members this year."""
        return [n for n in member_numbers(self.spec) if n not in self.left]

    @property
    def code(self) -> str:
        return self.spec.code

    @property
    def clerk(self) -> Actor:
        return Actor(user=f"{self.code}-clerk", role="branch-clerk", tenant=self.code)

    @property
    def admin(self) -> Actor:
        return Actor(user="admin", role="committee-admin", tenant=self.committee)

    def app(self) -> Any:
        return self.tenancy.branch(self.code)

    def cte(self) -> Any:
        return self.tenancy.committee(self.committee)

    def day(self, month: int, lo: int, hi: int) -> date:
        last = calendar.monthrange(self.year, month)[1]
        return date(self.year, month, self.rng.randint(min(lo, last), min(hi, last)))
