"""One place maps errors to HTTP, as RFC 9457 problem details (application/problem+json).

A domain refusal's body carries its ``code`` and ``params`` (for clients that word or act on it
themselves) and its message as ``detail``: English, or Chinese when the request's
Accept-Language prefers it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from flask import Flask, Response, abort, g, jsonify, render_template, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge, ServiceUnavailable

from cxzy_saas.application.tenancy import unreachable
from cxzy_saas.domain.errors import (
    AlreadyExists,
    ConcurrentModification,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    StateConflict,
    TooLarge,
    Unavailable,
)
from cxzy_saas.domain.evidence import MAX_BYTES
from cxzy_saas.projections.asof import AsOfBusy

# English first: the API's default when the client states no preference.
API_LANGUAGES = ("en", "zh")

STATUS = (
    (NotFound, 404),
    (Forbidden, 403),
    (ConcurrentModification, 409),
    (StateConflict, 409),
    (AlreadyExists, 409),
    (TooLarge, 413),
    (InvalidInput, 422),
    (Unavailable, 503),
)
UNAVAILABLE_RETRY = 30  # seconds: what a client is told to wait when a cell or a store fails


class Unauthorized(Exception):
    """No valid credentials (HTTP 401)."""


# Routes that take evidence files (multipart), and the most they take (a file and its form).
UPLOADS = frozenset({"pages.evidence_upload", "api.attach_evidence"})
UPLOAD_LIMIT = MAX_BYTES + 64 * 1024


def too_large() -> TooLarge:
    """The refusal of a body over this request's limit: an upload's, in MB a file; any other
    body's, in KB."""
    if request.endpoint in UPLOADS:
        return TooLarge("evidence.over_limit", field="file", max_mb=MAX_BYTES // 1024 // 1024)
    return TooLarge("request.too_large", limit_kb=(request.max_content_length or 0) // 1024)


def note(error: DomainError) -> None:
    """Remember the refusal this request answers with (the rate limits weigh it)."""
    g.cxzy_refusal = error.code


def noted() -> str | None:
    """The code of the refusal this request answered with, if any."""
    code: str | None = g.get("cxzy_refusal")
    return code


def status_for(error: DomainError) -> int:
    return next((status for cls, status in STATUS if isinstance(error, cls)), 422)


# Refusals of what the OpenAPI document cannot state (a password's strength, what an uploaded
# file's bytes are and how many), which stay 422; a file too large is 413, as any body.
UNSTATED_RULES = frozenset(
    {
        "password.weak",
        "evidence.empty",
        "evidence.type_refused",
        "evidence.type_mismatch",
        "evidence.content_not_type",
        "evidence.no_file",
    }
)


def api_status_for(error: DomainError) -> int:
    """The API's status of a refusal (decision 0020). The API's document states what a request
    must be, and a request it allows is not refused as invalid: 422 is the schema's answer (and
    that of the few rules no schema can state). A domain rule that refuses a request the
    document allows refuses it for the state of things (the campaign's year, what a branch has,
    where the plan stands): 409. So is something a body names that is not there (a branch, a
    ballot code): the URL's resource exists, and a client that followed a link to it must not
    take it for gone."""
    status = status_for(error)
    if isinstance(error, NotFound) and (error.field is not None or named_in_body(error)):
        return 409
    if status == 422 and error.code not in UNSTATED_RULES:
        return 409
    return status


def named_in_body(error: NotFound) -> bool:
    """Whether what was not found was named by a write's body rather than by its address: a
    write (a body sent) whose refusal names values none of which the address holds (a record
    of year 2027, of member B01999); an address's own resource (/members/B01999) is 404."""
    if request.method not in ("POST", "PUT", "PATCH") or not error.params:
        return False
    path = {str(v) for v in (request.view_args or {}).values()}
    return not any(str(v) in path for v in error.params.values())


def json_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """A refusal's parameters as JSON values: dates in ISO form, sequences as lists."""
    return {name: _json_value(value) for name, value in params.items()}


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_value(v) for v in value]
    return str(value)


def chinese() -> bool:
    """Whether the API's caller asked for Chinese (``Accept-Language``)."""
    return api_language() == "zh"


def api_language() -> str:
    """The API's answer's language: the first of :data:`API_LANGUAGES` in ``Accept-Language``
    by quality, a regional tag standing for its language (``en-US,zh;q=0.9`` is English;
    Werkzeug's ``best_match`` took ``zh`` there, matching exact tags before regional ones)."""
    for tag, quality in request.accept_languages:  # highest quality first
        language = tag.split("-")[0].lower()
        if quality > 0 and language in API_LANGUAGES:
            return language
    return "en"


UNAUTHORIZED_ZH = {
    "a bearer token is required": "需要访问令牌：请在 Authorization 头中附上 Bearer 令牌。",
    "the token has expired": "访问令牌已过期，请重新取得。",
    "the token is not valid": "访问令牌无效，请重新取得。",
    "the token is not valid, or no longer": "访问令牌无效或已失效，请重新取得。",
    "unknown user or wrong password": "用户名或密码不正确。",
}


def varied(response: Response) -> Response:
    """An answer whose words follow ``Accept-Language``: caches keep one per language."""
    response.vary.add("Accept-Language")
    return response


def refusal(status: int, error: DomainError) -> Response:
    """A refusal answered with ``status``, in the caller's language, with its code, its
    parameters and (when it names one) its field's error."""
    language = api_language()
    text = error.text(language, names=branch_names(error))
    extra = {"errors": {error.field: [text]}} if error.field else {}
    response = problem(
        status, error.title, text, code=error.code, params=json_params(error.params), **extra
    )
    return in_language(response, language)


def branch_names(error: DomainError) -> Callable[[str, str], str | None]:
    """A refusal names a branch of the caller's committee by its name, as the pages do
    (“办公室党支部的活动方案……”, not “党支部 b01的……”); a group or member stays a code in the
    API, whose callers read the code in ``params`` and may not be shown members' names."""
    from cxzy_saas.web.pages.i18n import subject_name  # the pages' lookup; imported late

    def names(kind: str, code: str) -> str | None:
        if kind != "branch":
            return None
        try:
            return subject_name(error, kind, code)
        except DomainError:  # the registry out of reach: the code, not a second failure
            return None

    return names


def in_language(response: Response, language: str) -> Response:
    """An answer in ``language`` (one of :data:`API_LANGUAGES`), said so and varied by it."""
    response.headers["Content-Language"] = language
    return varied(response)


def _each_message(messages: Any, word: Callable[[str], str]) -> Any:
    """marshmallow's messages (by field, nested by field or list index) with each put in words."""
    if isinstance(messages, dict):
        return {key: _each_message(value, word) for key, value in messages.items()}
    if isinstance(messages, list):
        return [_each_message(value, word) for value in messages]
    return word(messages) if isinstance(messages, str) else messages


def problem(status: int, title: str, detail: str, **extra: object) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


PAGE_ERRORS = {
    404: ("没有这个页面，请检查网址或从首页进入。", "There is no such page."),
    405: ("不能这样打开这个页面，请从首页进入。", "This page cannot be opened that way."),
    414: ("网址太长，请缩短查找条件后再试。", "The address is too long: shorten the search."),
    503: ("数据存储暂时无法使用，请稍后再试。", "Storage is unavailable; try again later."),
}


# Werkzeug's own refusals of an API request, for a caller who asked for Chinese.
API_ERRORS_ZH = {
    400: "请求无法解析：请检查请求体是否为完整、格式正确的 JSON。",
    404: "没有这个接口地址或对象：请对照接口文档检查网址。",
    405: "这个地址不接受这种请求方法：允许的方法见 Allow 头。",
    406: "无法按 Accept 头要求的格式回答：本接口只回答 JSON。",
    414: "网址太长：请缩短查询条件后再试。",
    415: "请求体应为 JSON，并在 Content-Type 头中注明 application/json。",
    429: "请求过于频繁，请稍后再试。",
}


def page_error(error: HTTPException) -> tuple[str, int] | HTTPException:
    """A page that does not exist, in the pages' language and frame (not Werkzeug's English)."""
    if error.code not in PAGE_ERRORS:
        return error
    from cxzy_saas.web.pages import i18n  # the pages need the API's problems, not vice versa

    text = i18n.tr(*PAGE_ERRORS[error.code])
    if error.code == 503:
        # The store is out of reach: the frame shows no user (who is signed in is read from
        # it), or rendering the page would fail the same way, into Flask's English 500.
        g.cxzy_user = None
    return render_template("error.html", status=error.code, error=text), error.code


# The longest request line (method, address, version) the application answers. gunicorn
# refuses longer lines itself, in English, from ``limit_request_line`` (web/server.py), which is
# set above this so that the application's own Chinese answer comes first.
MAX_REQUEST_LINE = 4094


def register(app: Flask) -> None:
    @app.before_request
    def address_not_too_long() -> None:
        address = request.environ.get("RAW_URI") or request.full_path
        if len(address.encode("utf-8", "replace")) > MAX_REQUEST_LINE:
            abort(414)

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError) -> Response:
        note(error)
        response = refusal(api_status_for(error), error)
        if response.status_code == 503:
            response.headers["Retry-After"] = str(UNAVAILABLE_RETRY)
        return response

    @app.errorhandler(ValidationError)
    def invalid_body(error: ValidationError) -> Response:
        errors = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        if not chinese():
            return varied(problem(422, "invalid", "the request has invalid fields", errors=errors))
        from cxzy_saas.web.pages.i18n import schema_message_zh  # the pages' words for them

        return in_language(
            problem(
                422,
                "invalid",
                "请求中有不符合要求的字段，见 errors。",
                errors=_each_message(errors, schema_message_zh),
            ),
            "zh",
        )

    @app.errorhandler(Unauthorized)
    def unauthorized(error: Unauthorized) -> Response:
        text = str(error)
        if not chinese() or text not in UNAUTHORIZED_ZH:
            return varied(problem(401, "unauthorized", text))
        return in_language(problem(401, "unauthorized", UNAUTHORIZED_ZH[text]), "zh")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response | HTTPException | tuple[str, int]:
        if not request.path.startswith("/api/"):
            return page_error(error)
        if isinstance(error, RequestEntityTooLarge):
            return domain_error(too_large())
        language = api_language()
        detail = error.description or ""
        if language == "zh" and error.code in API_ERRORS_ZH:
            detail = API_ERRORS_ZH[error.code]
        response = problem(error.code or 500, (error.name or "error").lower(), detail)
        in_language(response, language)
        # Headers the status needs (RFC 9110): Allow on 405, Retry-After on 429/503...
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(AsOfBusy)
    def replays_busy(error: AsOfBusy) -> Response:
        # As-of replays are limited per process so that cheap requests keep their latency.
        retry = {"Retry-After": str(error.retry_after)}
        if not request.path.startswith("/api/"):  # a page: in its language and frame
            from cxzy_saas.web.pages import i18n

            text = i18n.tr(
                f"查看历史日期数据的请求较多，请 {error.retry_after} 秒后刷新页面再试。",
                f"Many views of past days are being made: reload in {error.retry_after} s.",
            )
            return Response(render_template("error.html", status=503, error=text), 503, retry)
        if api_language() == "zh":
            detail = f"查看历史日期数据的请求较多，请 {error.retry_after} 秒后再试。"
            response = in_language(problem(503, "busy", detail), "zh")
        else:
            response = problem(503, "busy", str(error))
        response.headers.update(retry)
        return response

    @app.errorhandler(OSError)
    def storage_failed(error: Exception) -> Response | HTTPException | tuple[str, int]:
        # A file store that fails (the object store unreachable, a full disk) or a database
        # that gives no connection: nothing was recorded (a file is kept before its event), so
        # the client may simply try again.
        logging.getLogger("cxzy").error("storage failed: %s", error)
        unavailable = ServiceUnavailable("storage is unavailable", retry_after=UNAVAILABLE_RETRY)
        answer = http_error(unavailable)
        if isinstance(answer, tuple):  # a page: the status needs its Retry-After too
            return Response(answer[0], answer[1], {"Retry-After": str(UNAVAILABLE_RETRY)})
        return answer

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response | HTTPException | tuple[str, int]:
        if unreachable(error):
            # The database gave no connection: nothing was written (logged there, once).
            return storage_failed(error)
        logging.getLogger("cxzy").exception("unhandled error")
        return problem(500, "internal error", "something went wrong on our side")
