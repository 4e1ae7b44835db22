"""One place maps domain errors to HTTP, as RFC 9457 problem details."""

from __future__ import annotations

from flask import Flask, Response, jsonify

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


def status_for(error: DomainError) -> int:
    return next((status for cls, status in STATUS if isinstance(error, cls)), 422)


def problem(status: int, title: str, detail: str, **extra: object) -> Response:
    response = jsonify(
        {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    )
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def register(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError) -> Response:
        extra = {"errors": {error.field: [error.message]}} if error.field else {}
        return problem(status_for(error), error.code, error.message, **extra)
