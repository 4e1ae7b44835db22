"""``cxzy audit``: trail, diff and replay, from the logs alone."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from cxzy_saas.cli.common import opened, store_options
from cxzy_saas.config import Settings

format_option = click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
committee_option = click.option("--committee", help="Committee code (default: the only one).")


def _json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2))


def _local(moment: str) -> str:
    from cxzy_saas.projections.engine import LOCAL

    return datetime.fromisoformat(moment).astimezone(LOCAL).strftime("%Y-%m-%d %H:%M")


def _brief(fields: dict[str, Any], width: int = 70) -> str:
    text = ", ".join(
        f"{k}={json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v}"
        for k, v in fields.items()
    )
    return text if len(text) <= width else text[: width - 1] + "…"


@click.group()
def audit() -> None:
    """Replayable audits: a subject's trail, what changed between two dates, a replay digest."""


@audit.command("trail")
@click.option("--branch", required=True, help="Branch code.")
@click.option(
    "--subject", required=True, help="Member number, group code, the branch code, or a UUID."
)
@format_option
@store_options
def trail_command(settings: Settings, branch: str, subject: str, fmt: str) -> None:
    """Every event about one subject, in order: who recorded what, when, and what corrected it."""
    from cxzy_saas import wiring
    from cxzy_saas.audit.logs import read_log
    from cxzy_saas.audit.trail import names_withheld, resolve, trail

    with opened(settings) as tenancy:
        committee = tenancy.parent_of(branch)
        logs = wiring.read_port(tenancy)
        branch_log = read_log(logs, branch, "branch")
        committee_log = read_log(logs, committee, "committee")
        found = resolve(branch_log, committee_log, subject)
        entries = names_withheld(trail(branch_log, committee_log, found))
    if fmt == "json":
        _json(
            {
                "branch": branch,
                "committee": committee,
                "subject": found.as_dict(),
                "events": entries,
            }
        )
        return
    table = Table(
        "ref",
        "recorded (UTC+8)",
        "effective",
        "actor",
        "event",
        "details",
        "corrects",
        title=f"{branch} · {found.kind} {found.id} · {len(entries)} events",
    )
    for e in entries:
        actor = e["actor"]
        table.add_row(
            e["ref"],
            _local(e["recorded_at"]),
            e["effective"] or "",
            f"{actor.get('user', '')} ({actor.get('role', '')})",
            e["event"],
            _brief(e["fields"]),
            e["corrects"] or ("↳ " + ", ".join(e["corrected_by"]) if e["corrected_by"] else ""),
        )
    Console(width=200).print(table)


@audit.command("diff")
@click.option("--campaign", type=int, required=True, help="Campaign year.")
@click.option("--from", "start", required=True, help="YYYY-MM-DD (end of that day, UTC+8).")
@click.option("--to", "end", required=True, help="YYYY-MM-DD (end of that day, UTC+8).")
@click.option("--level", type=click.Choice(["branch", "group", "member"]), help="Default: all.")
@committee_option
@format_option
@store_options
def diff_command(
    settings: Settings,
    campaign: int,
    start: str,
    end: str,
    level: str | None,
    committee: str | None,
    fmt: str,
) -> None:
    """What changed in the leaderboards and scores between two dates, and which events did it."""
    from cxzy_saas import wiring
    from cxzy_saas.audit.diff import diff
    from cxzy_saas.audit.logs import committee_logs
    from cxzy_saas.audit.replay import LEVELS
    from cxzy_saas.projections.queries import only_committee, parse_day

    with opened(settings) as tenancy:
        first, second = parse_day(start), parse_day(end)
        port = wiring.read_port(tenancy)
        code = only_committee(port, committee)
        logs = committee_logs(port, code)
        result = diff(port, logs, code, campaign, first, second, (level,) if level else LEVELS)
    if fmt == "json":
        _json(result)
        return
    console = Console(width=200)
    console.print(
        f"{result['committee']} {campaign}: {result['from']} → {result['to']}, "
        f"{result['events']} events recorded in between"
    )
    for lvl, rows in result["boards"].items():
        table = Table(
            "change",
            "branch",
            "subject",
            "name",
            "rank",
            "composite",
            "work",
            "rating",
            "target",
            "causes",
            title=f"{lvl} board: {len(rows)} rows changed",
        )
        for r in rows:
            table.add_row(
                r["change"],
                r["branch"],
                r["subject"],
                r["name"] or "",
                *(_arrow(r, f) for f in ("rank", "composite", "work", "rating", "target")),
                _causes(r["causes"]),
            )
        console.print(table)
    scores = Table(
        "level",
        "branch",
        "subject",
        "period",
        "score",
        "causes",
        title=f"scores: {len(result['scores'])} changed",
    )
    for s in result["scores"]:
        scores.add_row(
            s["level"],
            s["branch"],
            s["subject"],
            s["period"],
            f"{_value(s['before'])} → {_value(s['after'])}",
            _causes(s["causes"]),
        )
    console.print(scores)
    corrections = Table(
        "ref",
        "event",
        "recorded (UTC+8)",
        "actor",
        "subject",
        "corrects",
        "change",
        title=f"corrections: {len(result['corrections'])}",
    )
    for c in result["corrections"]:
        corrections.add_row(
            c["ref"],
            c["event"],
            _local(c["recorded_at"]),
            c["actor"].get("user", ""),
            c.get("subject", ""),
            c.get("corrects") or "",
            _brief(c.get("change", {}), 60),
        )
    console.print(corrections)


def _value(v: Any) -> str:
    return "—" if v is None else (f"{v:.2f}" if isinstance(v, float) else str(v))


def _arrow(row: dict[str, Any], field: str) -> str:
    a = None if row["before"] is None else row["before"][field]
    b = None if row["after"] is None else row["after"][field]
    return _value(b) if a == b else f"{_value(a)} → {_value(b)}"


def _causes(found: list[dict[str, Any]], shown: int = 3) -> str:
    if not found:
        return "— (rank only: others moved)"
    text = ", ".join(f"{c['ref']} {c['event']}" for c in found[:shown])
    return text + (f" (+{len(found) - shown})" if len(found) > shown else "")


@audit.command("replay")
@click.option("--campaign", type=int, required=True, help="Campaign year.")
@click.option("--as-of", "as_of", required=True, help="YYYY-MM-DD (end of that day, UTC+8).")
@click.option(
    "--dump",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the canonical dump the digest is taken of.",
)
@committee_option
@format_option
@store_options
def replay_command(
    settings: Settings,
    campaign: int,
    as_of: str,
    dump: Path | None,
    committee: str | None,
    fmt: str,
) -> None:
    """Recompute every read model as of a date from the logs alone, and print its digest."""
    from cxzy_saas import wiring
    from cxzy_saas.audit.logs import committee_logs
    from cxzy_saas.audit.replay import replay_campaign
    from cxzy_saas.projections.queries import only_committee, parse_day

    with opened(settings) as tenancy:
        day = parse_day(as_of)
        port = wiring.read_port(tenancy)
        code = only_committee(port, committee)
        result = replay_campaign(port, committee_logs(port, code), code, campaign, day)
    if dump is not None:
        dump.write_bytes(result.dump)
    summary = result.as_dict()
    if fmt == "json":
        _json(summary)
        return
    console = Console(width=200)
    console.print(f"digest sha256:{summary['digest']}")
    console.print(
        f"{code} {campaign} as of {summary['as_of']} (to {summary['moment']}): "
        f"{summary['events']} events replayed"
    )
    logs = Table("log", "kind", "position", "events", "head")
    for q in summary.get("quarantined", []):
        console.print(
            f"[bold red]omitted[/bold red] {q['tenant']} #{q['position']} ({q['topic']}): "
            f"quarantined, not in the read model: {q['error'][:120]}"
        )
    for log in summary["logs"]:
        logs.add_row(
            log["tenant"], log["kind"], str(log["position"]), str(log["events"]), str(log["head"])
        )
    console.print(logs)
    leaders = Table("level", "rank", "id", "branch", "name", "composite", title="leaders")
    for level, rows in summary["leaders"].items():
        for r in rows:
            leaders.add_row(
                level,
                str(r["rank"]),
                r["id"],
                r["branch"] or "",
                r["name"],
                f"{r['composite']:.2f}",
            )
    console.print(leaders)


@audit.command("kept")
@store_options
def kept_command(settings: Settings) -> None:
    """Verify the diffs and images the web pages keep (<data folder>/audit-cache/) against the
    logs: a diff whose logs have not grown, and every image, must carry their chain heads, or
    it is removed."""
    from cxzy_saas import wiring
    from cxzy_saas.audit.kept import FOLDER, verify

    folder = settings.data_dir / FOLDER
    with opened(settings) as tenancy:
        counts = verify(wiring.read_port(tenancy), folder) if folder.is_dir() else {}
    click.echo(
        f"{counts.get('valid', 0)} kept diffs verified, {counts.get('removed', 0)} removed "
        f"(did not match the logs), {counts.get('stale', 0)} stale (their logs grew); "
        f"{counts.get('images_valid', 0)} images verified, "
        f"{counts.get('images_removed', 0)} removed"
    )


@audit.command("images")
@click.option("--campaign", type=int, help="Campaign year (default: this year, UTC+8).")
@click.option("--committee", help="Committee code (default: every committee).")
@store_options
def images_command(settings: Settings, campaign: int | None, committee: str | None) -> None:
    """Make the images of a campaign at each month end that has ended (<data folder>/
    audit-cache/), where missing, so that the first diff of any days starts from one rather
    than from the first event. Run it after a month ends (cron), or any time: it makes only
    what is missing."""
    import time

    from cxzy_saas import wiring
    from cxzy_saas.audit.kept import FOLDER, Kept
    from cxzy_saas.domain.errors import NotFound
    from cxzy_saas.domain.recording import BEIJING

    today = datetime.now(BEIJING).date()
    year = campaign or today.year
    kept = Kept(settings.data_dir / FOLDER)
    with opened(settings) as tenancy:
        port = wiring.read_port(tenancy)
        committees = port.committees()
        if committee is not None and committee not in committees:
            raise click.ClickException(f"no committee {committee}")
        for code in [committee] if committee else committees:
            started = time.perf_counter()
            try:
                made = kept.prepare(port, code, year, today)
            except NotFound:
                click.echo(f"{code} {year}: no campaign")
                continue
            if not made:
                click.echo(f"{code} {year}: images up to date")
                continue
            click.echo(
                f"{code} {year}: {len(made)} images made ({made[0]} to {made[-1]}), "
                f"{time.perf_counter() - started:.1f} s"
            )
