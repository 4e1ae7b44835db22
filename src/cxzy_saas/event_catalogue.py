"""The event catalogue, read off the aggregate classes, so ``docs/events.md`` cannot drift."""

from __future__ import annotations

import dataclasses
import inspect

from cxzy_saas.domain.events import aggregates, events_of

COMMON = ("originator_id", "originator_version", "timestamp", "originator_topic", "tenant", "actor")
LOG = {
    "Registry": "registry",
    "Account": "committee",
    "Committee": "committee",
    "Campaign": "committee",
    "Decision": "committee",
    "Commendation": "committee",
    "ArchiveSeal": "committee",
    "Plan": "committee and branch",
    "Assessment": "branch (monthly) and committee (quarterly, of a branch)",
}


def type_name(annotation: object) -> str:
    text = (
        annotation
        if isinstance(annotation, str)
        else getattr(annotation, "__name__", str(annotation))
    )
    return str(text).replace("typing.", "").replace(" | ", " or ")


def markdown() -> str:
    lines = [
        "# Event catalogue",
        "",
        "Generated from the aggregate classes by `cxzy events` (a test keeps this file equal",
        "to its output). Every event also carries `tenant`, `actor` (`user`, `role`, `tenant`),",
        "the `timestamp` it was recorded at (the server's clock, or the demo's simulated",
        "clock), and the aggregate id and version. Fields named `on` are the date the fact",
        "belongs to.",
        "Stored topic: `cxzy_saas.domain.<module>:<Aggregate>.<Event>`.",
        "",
    ]
    for cls in aggregates():
        doc = (inspect.getdoc(cls) or "").split("\n\n")[0].replace("\n", " ")
        lines += [f"## {cls.__name__}", "", f"Log: {LOG.get(cls.__name__, 'branch')}. {doc}", ""]
        lines += ["| event | fields |", "|---|---|"]
        for event in events_of(cls):
            fields = [
                f"`{f.name}`: {type_name(f.type)}"
                for f in dataclasses.fields(event)
                if f.name not in COMMON
            ]
            if getattr(event, "recorded_to_the_day", False):
                fields.append("*recorded to the day (Beijing), never the moment*")
            lines.append(f"| `{cls.__name__}.{event.__name__}` | {', '.join(fields) or '—'} |")
        lines.append("")
    return "\n".join(lines)
