"""How a JSON API route is declared: who may call it, what it takes and what it gives.

One decorator registers a route on the API blueprint, records its access rule and schemas (for
the OpenAPI document, and for the test matrix that checks every route against every role), and
wraps the view so that every route checks the same things in the same order:

1. credentials: a valid bearer token, else 401 (ballot casts take a ballot code instead);
2. tenant: a branch of the caller's committee that the caller may see, else 404, the same 404
   as for a branch that does not exist, so that no one learns which branches exist elsewhere;
3. role: one of the route's roles, else 403;
4. input: the query and the body through marshmallow schemas that refuse unknown fields
   (malformed JSON 400, invalid fields 422);
5. the command, under the client's ``Idempotency-Key`` when one is sent;
6. the response through its schema.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property, wraps
from typing import Any

from flask import Response, current_app, g, jsonify, request
from marshmallow import Schema
from werkzeug.exceptions import RequestEntityTooLarge

from cxzy_saas.application.base import WRITTEN
from cxzy_saas.application.branch import BranchApplication
from cxzy_saas.application.committee import CommitteeApplication
from cxzy_saas.application.idempotency import Claim, Stored, claiming, keep_answer
from cxzy_saas.application.permissions import SYSTEM
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.domain.errors import ConcurrentModification, DomainError, Forbidden, NotFound
from cxzy_saas.domain.recording import Actor
from cxzy_saas.web import tenancy_of
from cxzy_saas.web.api import bp
from cxzy_saas.web.api.auth import (
    COMMITTEE_ROLES,
    Principal,
    actor_in,
    parent_or_none,
    principal,
)
from cxzy_saas.web.api.parameters import PATH, allows
from cxzy_saas.web.api.schemas import In, json_types
from cxzy_saas.web.listing import HEADER_POSITION, written_header
from cxzy_saas.web.problems import refusal

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Access:
    """Who may call a route.

    ``scope``: "branch" (the path names a branch, ``<code>``), "committee" (the caller's own
    committee), "ballot" (no account: a ballot code in the body) or "public".
    """

    scope: str
    roles: frozenset[str]


@dataclass
class Call:
    """One authorised request, as the view sees it."""

    user: Principal | None
    maybe_actor: Actor | None  # None on public and ballot-code routes
    tenancy: Tenancy
    code: str | None
    args: dict[str, Any]
    body: Any

    @property
    def actor(self) -> Actor:
        assert self.maybe_actor is not None, "a public route has no actor"
        return self.maybe_actor

    @cached_property
    def branch(self) -> BranchApplication:
        assert self.code is not None
        return self.tenancy.branch(self.code)

    @cached_property
    def committee(self) -> CommitteeApplication:
        if self.user is not None:
            return self.tenancy.committee(self.user.committee)
        return self.tenancy.committee(self.tenancy.parent_of(self.code or ""))

    @property
    def committee_code(self) -> str:
        return self.committee.tenant

    @property
    def viewer_branch(self) -> str | None:
        """None for a committee user; the branch of a branch user (boards show it its rows)."""
        return None if self.actor.role in COMMITTEE_ROLES else self.actor.tenant


def actor_for(user: Principal, scope: str, code: str | None, roles: Iterable[str]) -> Actor:
    """The actor a request runs as.

    Raises:
        NotFound: the branch is not one the user may see (another committee's, or another
            branch's for a branch user).
        Forbidden: the user's role here is not one of ``roles``.
    """
    wanted = frozenset(roles)
    if scope == "branch":
        assert code is not None
        return actor_in(user, code, wanted)
    for role in user.committee_roles:
        if role in wanted:
            return Actor(user=user.username, role=role, tenant=user.committee)
    for role, tenant in user.grants:
        if role in wanted and tenant != user.committee:
            # as in the branch's own routes: a member's number, a group leader's group
            return user.actor(tenant, [role])
    raise Forbidden("role.forbidden")


def api_route(
    rule: str,
    method: str = "GET",
    *,
    summary: str,
    roles: Iterable[str] = (),
    scope: str | None = None,
    body: type[Schema] | None = None,
    query: type[Schema] | None = None,
    response: type[Schema] | None = None,
    status: int = 200,
    many: bool = False,
    kept: Callable[[Any], Any] | None = None,
    ready: bool = False,
    location: Callable[[dict[str, Any], Any], str] | None = None,
    links: Iterable[str] = (),
    link_parameters: dict[str, str] | None = None,
    path_schemas: dict[str, dict[str, Any]] | None = None,
    upload: int | None = None,
    produces: str | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``view(call, **path_args)`` for ``method`` ``rule`` under /api/v1.

    ``kept``: what of the answer is kept for an idempotent replay (the answer's body in, the
    body to keep out); by default all of it. A route whose answer holds what must be shown
    only once (ballot codes) keeps less, and a replay answers that.

    ``ready``: the view answers JSON-ready data in the shape of ``response``, which then only
    documents it (a list of read-model rows: dumping 50 rows through marshmallow cost more
    than reading them, decision 0019).

    ``location``: the URL (under /api/v1) of what a 201 made, from the path's arguments and the
    answer (``lambda path, out: f"/branches/{path['code']}/ballots/{out['id']}"``); sent as
    ``Location`` (RFC 9110 §15.3.2). ``links``: the operations (view names) that use
    what this one made (OpenAPI links, for clients and stateful tests to chain calls); their
    path parameters come from ``link_parameters`` (name to a runtime expression, such as
    ``$response.body#/id``), else from this request's path parameter of the same name.
    ``path_schemas``: schemas of path parameters where they differ from the shared ones
    (:data:`cxzy_saas.web.api.parameters.PATH`).

    ``upload``: the body is ``multipart/form-data`` of at most this many bytes: ``body``'s
    fields as form fields and one file, ``file``, given to the view as ``call.body["file"]``
    (a ``FileStorage``), None when none was sent. ``produces``: the view answers a
    ``Response`` of this media type (a file), not JSON."""
    # "system" is the trusted back-fill's role, never a user's: routes don't name it.
    access = Access(
        scope or ("branch" if "<code>" in rule else "committee"), frozenset(roles) - {SYSTEM}
    )

    # Schema instances are made once: marshmallow copies every declared field for each one.
    # A route without a query takes none: a parameter it would ignore (a ranking asked
    # ?as_of=) is refused by the empty schema, not answered with something else.
    query_schema = query() if query else In()
    body_schema = body() if body else None
    response_schema = response(many=many) if response else None

    def register(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def endpoint(**path: Any) -> Response:
            user, actor, code = None, None, path.get("code")
            if code is not None:
                tenancy_of(current_app).about(code)  # one query for the heads it reads
            if access.scope in ("branch", "committee"):
                user = g.cxzy_user = principal()  # g: the logs name the user (requestlog.py)
                actor = actor_for(user, access.scope, code, access.roles)
            elif access.scope == "ballot" and parent_or_none(code) is None:
                raise NotFound("resource.not_found")
            for name, value in path.items():
                if not allows({**PATH.get(name, {}), **(path_schemas or {}).get(name, {})}, value):
                    raise NotFound("resource.not_found")  # the URL names nothing
            args = query_schema.load(request.args)
            loaded = None
            if upload is not None:
                loaded = read_upload(body_schema, upload)
            elif body_schema is not None:
                loaded = body_schema.load(json_types(body_schema, json_body()))
            call = Call(user, actor, tenancy_of(current_app), code, args, loaded)

            def run() -> tuple[Response, str | None]:
                written: dict[str, int] = {}
                watching = WRITTEN.set(written)
                try:
                    result = view(call, **path)
                finally:
                    WRITTEN.reset(watching)
                if isinstance(result, Response):
                    return result, None  # a file, not JSON
                if response_schema is None or ready:
                    dumped = result
                else:
                    dumped = response_schema.dump(result)
                out = jsonify(dumped)
                out.status_code = status
                if written:  # where the command's events went: a list waits for them (0019)
                    out.headers[HEADER_POSITION] = written_header(written)
                out.headers.update(located(out.status_code, dumped))
                if kept is None:
                    return out, None
                out.headers["Cache-Control"] = "no-store"  # secrets shown once: in no cache
                return out, jsonify(kept(dumped)).get_data(as_text=True)

            def located(code: int, answer: Any) -> dict[str, str]:
                if location is None or code != 201:
                    return {}
                return {"Location": f"{bp.url_prefix}{location(path, answer)}"}

            keyed = "Idempotency-Key" in request.headers
            if method in WRITE_METHODS and user is not None and keyed:
                return idempotent(call, run, located)
            return run()[0]

        endpoint.openapi = {  # type: ignore[attr-defined]
            "summary": summary,
            "body": body,
            "query": query,
            "response": response,
            "status": status,
            "many": many,
            "public": access.scope in ("public", "ballot"),
            "access": access,
            "location": location,
            "links": tuple(links),
            "link_parameters": link_parameters or {},
            "path_schemas": path_schemas or {},
            "upload": upload,
            "produces": produces,
            "ready": ready,  # a branch list (``listing.page_answer``): it honours Cxzy-After
        }
        bp.add_url_rule(rule, endpoint=view.__name__, view_func=endpoint, methods=[method])
        return endpoint

    return register


def shown_once(*fields: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A route's ``kept`` (:func:`api_route`): its answer less ``fields``, secrets shown once
    (ballot codes, a one-time password), which an idempotent replay leaves out."""
    return lambda answer: {k: v for k, v in answer.items() if k not in fields}


def json_body() -> Any:
    """The request's JSON. A body sent without its length (chunked) is read only up to the
    request's limit: one that fills it was cut there, and is refused as too large (413), not as
    malformed JSON (400)."""
    data = request.get_data(cache=True)
    limit = request.max_content_length
    if request.content_length is None and limit is not None and len(data) >= limit:
        raise RequestEntityTooLarge()
    return request.get_json()


def check_length(limit: int) -> None:
    """Refuse a body declared longer than ``limit`` before reading it, with the message of a
    file too large and its size (one sent without its length is refused by Flask as it reads,
    with ``problems.too_large``).

    Raises:
        TooLarge: ``evidence.too_large`` (413).
    """
    from cxzy_saas.domain.errors import TooLarge
    from cxzy_saas.domain.evidence import MAX_BYTES

    size = request.content_length
    if size is not None and size > limit:
        raise TooLarge(
            "evidence.too_large",
            field="file",
            size_mb=round(size / 1024 / 1024, 1),
            max_mb=MAX_BYTES // 1024 // 1024,
        )


def read_upload(schema: Schema | None, limit: int) -> dict[str, Any]:
    """A multipart body: its form fields through ``schema`` and its file ``file``.

    Raises:
        InvalidInput: not multipart. TooLarge: the whole body over ``limit`` bytes (413, with
            the Chinese message, never Flask's bare one).
    """
    from cxzy_saas.domain.errors import InvalidInput

    check_length(limit)
    if request.mimetype != "multipart/form-data":
        if request.is_json:
            json_body()  # a malformed JSON body is a 400, as on every route
        raise InvalidInput("evidence.no_file", field="file")
    request.max_content_length = limit
    request.max_form_memory_size = 64 * 1024
    fields = {k: v for k, v in request.form.items()}
    loaded: dict[str, Any] = schema.load(fields) if schema is not None else {}
    found = request.files.get("file")
    loaded["file"] = found if found is not None and found.filename else None
    return loaded


def idempotent(
    call: Call,
    run: Callable[[], tuple[Response, str | None]],
    located: Callable[[int, Any], dict[str, str]],
) -> Response:
    """Run a command once per (user, Idempotency-Key); a retry gets the first response (or
    what the route keeps of it: ``run`` gives the response and that body, None for all), with
    its ``Location`` (``located``: the headers of a status and body) and, as where the events
    went, the heads of the logs the command may have written (at or past its own events)."""
    assert call.user is not None
    key = request.headers["Idempotency-Key"]
    if not 1 <= len(key) <= 200 or not key.isprintable():
        return refusal(400, DomainError("idempotency.key_malformed"))
    fingerprint = hashlib.sha256(
        f"{request.method} {request.full_path}\n".encode() + request.get_data()
    ).hexdigest()
    # A branch route's command writes to the branch's log or (a decision) the committee's; the
    # claim is in the store that received the events, so both are looked at.
    stores = [call.committee] if call.code is None else [call.branch, call.committee]

    def earlier() -> tuple[Any, Stored] | None:
        for app in stores:
            found = app.answer_to(call.user.username, key)  # type: ignore[union-attr]
            if found is not None:
                return app, found
        return None

    def replay(stored: Stored) -> Response:
        if stored.fingerprint != fingerprint:
            return refusal(422, DomainError("idempotency.key_reused"))
        if stored.status is None or stored.body is None:
            return refusal(409, DomainError("idempotency.in_progress"))
        response = Response(stored.body, status=stored.status, mimetype="application/json")
        response.headers["Idempotent-Replayed"] = "true"
        response.headers.update(located(stored.status, json.loads(stored.body)))
        heads = {app.tenant: app.head() for app in stores}
        response.headers[HEADER_POSITION] = written_header(heads)
        return response

    found = earlier()
    if found is not None:
        return replay(found[1])
    claim = Claim(call.user.username, key, fingerprint)
    with claiming(claim):
        try:
            response, kept = run()
        except ConcurrentModification:
            found = None if claim.taken else earlier()
            if found is None:
                raise
            return replay(found[1])  # the same key, claimed by a request that raced this one
    if claim.taken:
        body = response.get_data(as_text=True) if kept is None else kept
        keep_answer(claim, response.status_code, body)
    return response
