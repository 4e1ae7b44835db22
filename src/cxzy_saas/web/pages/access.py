"""Who is signed in, from the session cookie, and what they may open.

The cookie holds only the user name and committee (signed by Flask). Grants are read from the
committee's log on every request, like the API's bearer tokens, so a revoked grant closes the
pages at once. A branch user asking for another branch's pages gets 404, as if it did not exist.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import current_app, g, redirect, request, session, url_for
from werkzeug.wrappers import Response

from cxzy_saas.application.permissions import COMMITTEE_READERS, COMMITTEE_WRITERS
from cxzy_saas.domain.errors import DomainError
from cxzy_saas.domain.recording import Actor
from cxzy_saas.web import tenancy_of
from cxzy_saas.web.api.auth import Principal, actor_in

F = TypeVar("F", bound=Callable[..., Any])


def sign_in(username: str, committee: str) -> None:
    # A new session on sign-in: nothing set before it (by anyone) survives into it.
    language = session.get("lang")
    session.clear()
    session.permanent = True
    session["user"] = {"u": username, "c": committee}
    if language:
        session["lang"] = language


def current_user() -> Principal | None:
    if "cxzy_user" in g:
        return cast(Principal | None, g.cxzy_user)
    user = None
    data = session.get("user")
    if isinstance(data, dict):
        try:
            account = tenancy_of(current_app).committee(data["c"]).account(data["u"])
        except (DomainError, KeyError):
            session.clear()
        else:
            # Built as the API builds it from a token (web/api/auth.principal).
            user = Principal.of(account, data["c"])
    g.cxzy_user = user
    return user


def signed_in(view: F) -> F:
    """Send anonymous visitors to the sign-in page, and back here afterwards."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            return redirect(url_for("pages.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return cast(F, wrapper)


def user() -> Principal:
    found = current_user()
    assert found is not None, "views that call user() are @signed_in"
    return found


def acting_for(tenant: str, roles: Iterable[str]) -> Actor:
    """The signed-in user's actor for ``tenant``.

    Raises:
        NotFound: another branch, or a tenant outside the user's committee.
        Forbidden: a role that may not do this here.
    """
    return actor_in(user(), tenant, roles)


def may(code: str, roles: Iterable[str]) -> bool:
    """Whether the signed-in user may write these commands in branch ``code``."""
    try:
        actor = user().actor(code, roles)
    except DomainError:
        return False
    return actor.tenant == code


def committee_reader() -> Actor:
    """Raises NotFound for a branch user: the committee's views do not exist for them."""
    principal = user()
    return acting_for(principal.committee, COMMITTEE_READERS)


def committee_writer() -> Actor:
    principal = user()
    return acting_for(principal.committee, COMMITTEE_WRITERS)


def safe_next(target: str | None, default: str) -> str:
    """Only a path on this site: an open redirect would let a link sign people in elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def go(endpoint: str, **values: Any) -> Response:
    return redirect(url_for(endpoint, **values))
