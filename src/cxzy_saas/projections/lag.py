"""How far the read models are behind the logs, per committee: what readiness and the metrics
report. One function, so that what else the projector learns to report (events it set aside,
for instance) is added in one place."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cxzy_saas.logs.port import REGISTRY, Logs
from cxzy_saas.projections.db import ReadModelDB


@dataclass
class CommitteeLag:
    """A committee with its branches: events in their logs not yet in the read models."""

    lag: int = 0
    tenants: int = 0
    behind: int = 0  # tenants with a lag

    def add(self, lag: int) -> None:
        self.lag += lag
        self.tenants += 1
        self.behind += 1 if lag > 0 else 0


@dataclass
class ProjectorLag:
    committees: dict[str, CommitteeLag] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(c.lag for c in self.committees.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "lag": self.total,
            "committees": {
                code: {"lag": c.lag, "tenants": c.tenants, "behind": c.behind}
                for code, c in sorted(self.committees.items())
            },
        }


def projector_lag(logs: Logs, db: ReadModelDB) -> ProjectorLag:
    """Each log's head less its tracked position, summed per committee (the registry's own
    log under ``_registry``)."""
    with db.read() as tx:
        positions = {t: int(p) for t, p in tx.query("SELECT tenant, position FROM rm_tracking")}
    found = ProjectorLag()
    logs_of = [(REGISTRY, REGISTRY)] + [(t.code, t.parent or t.code) for t in logs.tenants()]
    for log, committee in logs_of:
        lag = max(0, logs.head(log) - positions.get(log, 0))
        found.committees.setdefault(committee, CommitteeLag()).add(lag)
    return found
