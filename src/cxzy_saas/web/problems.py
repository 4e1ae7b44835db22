"""One place maps errors to HTTP, as RFC 9457 problem details (application/problem+json)."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from cxzy_saas.domain.errors import (
    AlreadyExists,
    ConcurrentModification,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    StateConflict,
)

STATUS = (
    (NotFound, 404),
    (Forbidden, 403),
    (ConcurrentModification, 409),
    (StateConflict, 409),
    (AlreadyExists, 409),
    (InvalidInput, 422),
)


class Unauthorized(Exception):
    """No valid credentials (HTTP 401)."""


def status_for(error: DomainError) -> int:
    return next((status for cls, status in STATUS if isinstance(error, cls)), 422)


def problem(status: int, title: str, detail: str, **extra: object) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


def register(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError) -> Response:
        extra = {"errors": {error.field: [error.message]}} if error.field else {}
        return problem(status_for(error), error.code, error.message, **extra)

    @app.errorhandler(ValidationError)
    def invalid_body(error: ValidationError) -> Response:
        errors = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        return problem(422, "invalid", "the request has invalid fields", errors=errors)

    @app.errorhandler(Unauthorized)
    def unauthorized(error: Unauthorized) -> Response:
        return problem(401, "unauthorized", str(error))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response | HTTPException:
        if not request.path.startswith("/api/"):
            return error
        return problem(error.code or 500, (error.name or "error").lower(), error.description or "")

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        logging.getLogger("cxzy").exception("unhandled error")
        return problem(500, "internal error", "something went wrong on our side")
