"""Who is signed in, from the session cookie, and what they may open.

The cookie holds only the user name, committee and the account's session version (signed by
Flask). The account is read from the committee's log on every request, like the API's bearer
tokens, so a revoked grant closes the pages at once, and a sign-out, a password change or
reset, a revocation or disabling the account (each raises the session version) ends every
session of that account, whichever browser or process holds it. A user signed in with a
one-time password sees only the page that changes it. A branch user asking for another
branch's pages gets 404, as if it did not exist.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import unquote, urlsplit

from flask import current_app, g, redirect, request, session, url_for
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from cxzy_saas.application.permissions import COMMITTEE_READERS, COMMITTEE_WRITERS
from cxzy_saas.domain.errors import DomainError, Forbidden, NotFound
from cxzy_saas.domain.recording import Actor
from cxzy_saas.web import tenancy_of
from cxzy_saas.web.api.auth import Principal, actor_in, signed_user
from cxzy_saas.web.pages.i18n import ident

F = TypeVar("F", bound=Callable[..., Any])


def sign_in(committee: str, account: Any) -> None:
    # A new session on sign-in: nothing set before it (by anyone) survives into it.
    end_session()
    session.permanent = True
    session["user"] = {"u": account.username, "c": committee, "v": account.session_version}
    g.pop("cxzy_user", None)


def end_session() -> None:
    """Forget the signed-in user; the page's language stays."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    g.cxzy_user = None


def current_user() -> Principal | None:
    if "cxzy_user" in g:
        return cast(Principal | None, g.cxzy_user)
    user = None
    data = session.get("user")
    if data is not None:
        # Checked as the API checks a token (web/api/auth.signed_user).
        user = signed_user(data)
        if user is None:
            end_session()
    g.cxzy_user = user
    return user


PASSWORD_PAGE = "pages.own_password"


def signed_in(view: F) -> F:
    """Send anonymous visitors to the sign-in page, and back here afterwards; a user with a
    one-time password to the page that changes it."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        found = current_user()
        if found is None:
            return redirect(url_for("pages.login", next=request.full_path.rstrip("?")))
        if found.must_change_password and request.endpoint != PASSWORD_PAGE:
            return redirect(url_for(PASSWORD_PAGE))
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


def safe_next(target: object, default: str) -> str:
    """``target`` when it is a path on this site, else ``default``: an open redirect would let a
    link sign people in elsewhere.

    Browsers drop tabs and line breaks from a URL and read a backslash as a slash, so "/", a
    tab, then "/evil.example" leads to another site, and so does "/" + backslash + "evil.example";
    any such character, percent-encoded or not, refuses the target. What is left must be a path
    with no scheme and no host, starting with a single slash.
    """
    if not isinstance(target, str) or not 0 < len(target) <= 2000:
        return default
    decoded = unquote(unquote(target))
    for text in (target, decoded):
        if "\\" in text or not text.isprintable():
            return default
    if not target.startswith("/") or target.startswith("//") or decoded.startswith("//"):
        return default
    try:
        parts = urlsplit(target)
    except ValueError:
        return default
    return default if parts.scheme or parts.netloc else target


def go(endpoint: str, **values: Any) -> Response:
    return redirect(url_for(endpoint, **values))


# Who may open each page: the endpoint's roles, checked by the page itself (``opens``) and
# read by the menus and links (``offered``), so a page is offered to exactly those it opens for.
PAGES: dict[str, frozenset[str]] = {}


def opens(roles: Iterable[str], *, hidden: bool = False) -> Callable[[F], F]:
    """The page opens to these roles, of the branch in its URL (``code``) or else of the user's
    committee; anyone else gets 403 (404 when ``hidden``: the page does not exist for them).
    Put it under ``@signed_in``."""
    wanted = frozenset(roles)

    def decorate(view: F) -> F:
        PAGES[f"pages.{view.__name__}"] = wanted

        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            tenant = kwargs.get("code") or user().committee
            try:
                acting_for(tenant, wanted)
            except Forbidden:
                if hidden:
                    raise NotFound("resource.not_found") from None
                raise
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorate


def offered(endpoint: str, code: str | None = None) -> bool:
    """Whether the signed-in user may open ``endpoint`` (of branch ``code``): what a menu or a
    link shows. Pages without ``opens`` are open to everyone signed in."""
    roles = PAGES.get(endpoint)
    found = current_user()
    if found is None:
        return False
    if roles is None:
        return True
    try:
        actor_in(found, code or found.committee, roles)
    except DomainError:
        return False
    return True


def person(username: str) -> Markup:
    """Who recorded something, as colleagues call them: the display name of the account in the
    signed-in user's committee (each account read once a request), else the username."""
    names: dict[str, str | None] = g.setdefault("display_names", {})
    if username not in names:
        principal = current_user()
        try:
            committee = (
                tenancy_of(current_app).committee(principal.committee) if principal else None
            )
            names[username] = committee.account(username).display_name if committee else None
        except NotFound:
            names[username] = None  # a system's name, or an account of another committee
    name = names[username]
    return escape(name) if name and name != username else ident(username)
