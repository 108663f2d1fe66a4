"""Domain errors raised by services; the edge turns them into a translated 4xx (JSON or page)."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template

from .security import json_error, wants_json


class DomainError(Exception):
    status = 400
    code = "invalid_request"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None, **extra: Any):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.extra = extra


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class ValidationFailed(DomainError):
    """Input that fails a rule; `fields` maps field names to messages."""

    status = 422
    code = "validation_error"


def _handle_domain_error(error: DomainError):
    if wants_json():
        return json_error(error.status, error.code, error.message, **error.extra)
    return render_template("errors/error.html", status=error.status, message=error.message), error.status


def init_app(app: Flask) -> None:
    app.register_error_handler(DomainError, _handle_domain_error)
