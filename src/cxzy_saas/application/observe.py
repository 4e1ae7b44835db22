"""Commands counted by kind and outcome, in one place: every application method that takes
``(actor, command)`` is wrapped when its class is defined, and tells the application's
``observer`` (set by the tenancy; none by default) what ran, how it ended and how long it took.

The kind is the method's name, which is the command's (``enrol_member`` runs ``EnrolMember``);
the outcome is ``ok``, ``refused`` (a domain refusal), ``conflict`` (someone else wrote first)
or ``error``. A command that runs another inside it is counted once, as the outer one.
The wrapper also asks the application whether the command's campaign year may still be written
(``application/final.py``) before the command runs.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import time
from collections.abc import Callable
from typing import Any

from cxzy_saas.application.seen import seeing
from cxzy_saas.domain.errors import ConcurrentModification, DomainError

Observer = Callable[[str, str, float], None]  # (kind, outcome, seconds)

# The argument after ``actor`` that makes a method a command.
COMMAND_ARGUMENTS = frozenset({"command", "person", "people"})

_inside = contextvars.ContextVar("cxzy_command_running", default=False)


def outcome_of(error: BaseException | None) -> str:
    if error is None:
        return "ok"
    if isinstance(error, ConcurrentModification):
        return "conflict"
    if isinstance(error, DomainError):
        return "refused"
    return "error"


def is_command(function: Any) -> bool:
    if not inspect.isfunction(function) or function.__name__.startswith("_"):
        return False
    names = list(inspect.signature(function).parameters)
    return names[1:2] == ["actor"] and names[2:3] != [] and names[2] in COMMAND_ARGUMENTS


def counted(function: Callable[..., Any]) -> Callable[..., Any]:
    kind = function.__name__

    @functools.wraps(function)
    def command(app: Any, *args: Any, **kwargs: Any) -> Any:
        if _inside.get():
            return function(app, *args, **kwargs)
        observer: Observer | None = getattr(app, "observer", None)
        token = _inside.set(True)

        started = time.perf_counter()
        error: BaseException | None = None
        try:
            # The one place every command passes: a closed year's refusal comes first.
            command_argument = args[1] if len(args) > 1 else _command_argument(kwargs)
            with seeing(), app.command_guard(kind, command_argument):
                return function(app, *args, **kwargs)
        except BaseException as e:
            error = e
            raise
        finally:
            _inside.reset(token)
            if observer is not None:
                observer(kind, outcome_of(error), time.perf_counter() - started)

    command.counted = True  # type: ignore[attr-defined]
    return command


def _command_argument(kwargs: dict[str, Any]) -> Any:
    return next((kwargs[name] for name in COMMAND_ARGUMENTS if name in kwargs), None)


def count_commands(cls: type) -> None:
    """Wrap the command methods ``cls`` itself defines (its bases wrapped their own)."""
    for name, function in list(vars(cls).items()):
        if is_command(function) and not getattr(function, "counted", False):
            setattr(cls, name, counted(function))
