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
  the campaign of YEAR, the committee's own plan of YEAR (its items score the quarterly
  assessments, its formula the branch's row on the board; also the plan a branch without one
  follows), its commendation, the committee's quarterly assessments of the branch in YEAR, and
  its decisions on what the branch submitted for YEAR (the plan, nominees, the half-year
  report, the annual summary, and the branch's measures of YEAR).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from cxzy_saas.audit.chain import Record
from cxzy_saas.domain import events
from cxzy_saas.domain.commendation import Commendation
from cxzy_saas.domain.decisions import Decision
from cxzy_saas.domain.events import events_of, topic_of
from cxzy_saas.domain.plan import Campaign, Plan
from cxzy_saas.logs.port import StoredNotification

ORGANISATION_CREATED = frozenset(
    topic_of(cls) for cls in (events.BranchOpened, events.GroupFormed, events.MemberEnrolled)
)
MEASURE_FILED = topic_of(events.MeasureFiled)
ASSESSED = topic_of(events.AssessmentRecorded)
DECIDED = frozenset(topic_of(cls) for cls in events_of(Decision))


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
    with_committee_plan: bool = True,
) -> list[Record]:
    """``with_committee_plan=False`` selects as seals made before decision 0012 did (without
    the committee's plan), so that such a seal still exports and verifies."""
    own = {str(Campaign.id_for(committee, year)), str(Commendation.id_for(committee, year))}
    if with_committee_plan:
        own.add(str(Plan.id_for(committee, year)))
    of_year = {"plan", "midyear-report", "annual-summary"}

    def keep(n: StoredNotification) -> bool:
        if str(n.originator_id) in own:
            return True
        if n.topic in DECIDED:
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
