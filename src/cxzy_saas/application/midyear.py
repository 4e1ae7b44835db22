"""The half-year result at the year's end, as the plan says (decision 0018): whom the
half-year review recommended (推选出表扬的党小组和党员) is
"作为年度评选先进党小组和优秀党员的基础"."""

from __future__ import annotations

from typing import Any, Protocol

from cxzy_saas.domain.evaluation import Review
from cxzy_saas.domain.plan import PlanContent


class Reviews(Protocol):
    tenant: str

    def exists(self, aggregate_id: Any) -> bool: ...

    def review(self, year: int, stage: str) -> Review: ...


def midyear_basis(app: Reviews, year: int, plan: PlanContent) -> dict[str, Any]:
    """The keyword arguments of ``Nomination.revise`` for the half-year result: ``midyear``
    (whom the branch's half-year review recommended, by level; None when it recorded none) and
    ``basis`` (the plan's ``midyear_basis``, "advice" by default)."""
    basis = str(plan.rules.get("midyear_basis", "advice"))
    if not app.exists(Review.id_for(app.tenant, year, "midyear")):
        return {"midyear": None, "basis": basis}
    recommended = app.review(year, "midyear").recommended
    return {"midyear": {k: list(v) for k, v in recommended.items()}, "basis": basis}
