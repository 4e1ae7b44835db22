"""What every ``cxzy`` command shares: store options, an opened tenancy, a progress bar."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import psycopg
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.config import Settings, SettingsError
from cxzy_saas.domain.errors import DomainError
from cxzy_saas.storage.stores import unreachable

console = Console(stderr=True)


def store_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--data-dir`` and ``--database-url`` on every command that opens the logs."""

    @click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Folder of the SQLite logs (CXZY_DATA_DIR, default ./var).",
    )
    @click.option(
        "--database-url",
        help="PostgreSQL URL (CXZY_DATABASE_URL); one schema per tenant. Default: SQLite.",
    )
    @click.option(
        "--max-connections",
        type=click.IntRange(2, 1000),
        help="Most PostgreSQL connections held at once (CXZY_MAX_CONNECTIONS, default 10).",
    )
    @functools.wraps(command)
    def wrapper(
        data_dir: Path | None, database_url: str | None, max_connections: int | None, **kw: Any
    ) -> Any:
        try:
            settings = Settings.from_env(data_dir, database_url, max_connections)
        except SettingsError as e:  # one line, no traceback (CXZY_CELLS too)
            raise click.ClickException(str(e)) from None
        try:
            return command(settings=settings, **kw)
        except Exception as e:
            if unreachable(e):  # the pool's wait ended: say why, no traceback
                raise click.ClickException(out_of_reach(settings)) from None
            raise

    return wrapper


def out_of_reach(settings: Settings) -> str:
    """Why the database gave no connection, asked of the server once more directly (the
    pool's own error says only that its wait ended)."""
    reasons = []
    for name, url in (("", settings.database_url), *settings.cells):
        if not url:
            continue
        try:
            psycopg.connect(url, connect_timeout=max(1, round(settings.connect_timeout))).close()
        except psycopg.Error as e:
            found = " ".join(str(e).split())
            reasons.append(f"cell {name}: {found}" if name else found)
    said = "; ".join(reasons) or "no connection came within the wait (CXZY_CONNECT_TIMEOUT)"
    return f"cannot reach the database: {said}"


@contextmanager
def opened(settings: Settings) -> Iterator[Tenancy]:
    """A tenancy, closed afterwards; domain errors end the command with their message."""
    try:
        tenancy = Tenancy(settings)
    except Exception as e:  # a bad URL or an unreachable server: say so, no traceback
        raise click.ClickException(f"cannot open the event store: {e}") from None
    try:
        yield tenancy
    except DomainError as e:
        raise click.ClickException(e.message) from None
    finally:
        tenancy.close()


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not sys.stderr.isatty(),
    )
