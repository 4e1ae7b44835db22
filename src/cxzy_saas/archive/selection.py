"""Which stored events belong to a branch-year. Pure: it reads notifications, nothing else.

Branch section (the branch's log, positions 1..H, H being the log's head when sealing):
  * every event of an aggregate whose creation event carries ``year == YEAR`` (plan, measures,
    daily records, assessments, inspections, meetings, reviews, ballots, nomination, deed
    materials, annual summary), corrections included, since they belong to the same aggregate;
  * every event of the organisation aggregates (the branch, its groups, its members) up to H:
    the documents and the scores need who the members and groups were at the seal.
  Everything else (other years, and any aggregate this code does not know, such as key material
  for personal data) stays out.

Committee section (the committee's log, positions 1..C, C its head before the seal):
  the campaign of YEAR, its commendation, the committee's quarterly assessments of the branch
  in YEAR, and its decisions on what the branch submitted for YEAR (the plan, nominees, the
  half-year report, the annual summary, and the branch's measures of YEAR).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol
from uuid import UUID

import orjson
from eventsourcing.utils import get_topic

from cxzy_saas.archive.chain import Record
from cxzy_saas.domain.commendation import Commendation
from cxzy_saas.domain.organisation import Branch, Group, Member
from cxzy_saas.domain.plan import Campaign
from cxzy_saas.domain.work import Assessment, Measure

ORGANISATION_CREATED = frozenset(
    get_topic(cls)
    for cls in (Branch.Opened, Group.Formed, Member.Enrolled)  # type: ignore[attr-defined]
)
MEASURE_FILED = get_topic(Measure.Filed)  # type: ignore[attr-defined]
ASSESSED = get_topic(Assessment.Recorded)  # type: ignore[attr-defined]
DECISION_PREFIX = "cxzy_saas.domain.decisions:Decision."


class StoredNotification(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def originator_id(self) -> UUID | str: ...
    @property
    def originator_version(self) -> int: ...
    @property
    def topic(self) -> str: ...
    @property
    def state(self) -> bytes: ...


def as_record(n: StoredNotification) -> Record:
    return Record(
        position=n.id,
        aggregate=str(n.originator_id),
        version=n.originator_version,
        topic=n.topic,
        state=bytes(n.state),
    )


def _state(n: StoredNotification) -> dict[str, Any]:
    try:
        data = orjson.loads(n.state)
    except orjson.JSONDecodeError:
        return {}  # binary (ciphered) state: not ours to read, so not selected by content
    return data if isinstance(data, dict) else {}


def _select(notifications: Iterable[StoredNotification], keep_created: Any) -> list[Record]:
    # An aggregate is in or out as a whole, decided at its creation event (version 1), so
    # a correction recorded later follows the record it corrects into the archive.
    included: dict[str, bool] = {}
    found = []
    for n in notifications:
        aggregate = str(n.originator_id)
        keep = included.get(aggregate)
        if keep is None:
            keep = n.originator_version == 1 and bool(keep_created(n))
            included[aggregate] = keep
        if keep:
            found.append(as_record(n))
    return found


def select_branch_year(notifications: Iterable[StoredNotification], year: int) -> list[Record]:
    def keep(n: StoredNotification) -> bool:
        return n.topic in ORGANISATION_CREATED or _state(n).get("year") == year

    return _select(notifications, keep)


def measure_ids(records: Iterable[Record]) -> set[str]:
    return {r.aggregate for r in records if r.topic == MEASURE_FILED}


def select_committee_year(
    notifications: Iterable[StoredNotification],
    committee: str,
    branch: str,
    year: int,
    measures: set[str],
) -> list[Record]:
    own = {str(Campaign.id_for(committee, year)), str(Commendation.id_for(committee, year))}
    of_year = {"plan", "midyear-report", "annual-summary"}

    def keep(n: StoredNotification) -> bool:
        if str(n.originator_id) in own:
            return True
        if n.topic.startswith(DECISION_PREFIX):
            d = _state(n)
            if d.get("branch") != branch:
                return False
            kind, subject = d.get("kind"), str(d.get("subject"))
            return (
                (kind in of_year and subject == str(year))
                or (kind == "nominee" and subject.startswith(f"{year}:"))
                or (kind == "measure" and subject in measures)
            )
        if n.topic == ASSESSED:
            d = _state(n)
            return (
                d.get("year") == year and d.get("level") == "branch" and d.get("subject") == branch
            )
        return False

    return _select(notifications, keep)
