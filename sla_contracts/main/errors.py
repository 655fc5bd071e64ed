"""Error pages for domain errors and HTTP errors (the API answers JSON instead).

Under /api/ every error is the documented JSON, ``{"error": {"code", "message"}}``: an
unknown path (404 ``not_found``), a method the path does not take (405
``method_not_allowed`` with its ``Allow`` header), a body too large (413 ``too_large``) and
an unexpected exception (500 ``server_error``: Flask hands the handler of
``InternalServerError`` the exception once it is logged, when exceptions do not propagate).
"""

from __future__ import annotations

import math
import time

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..errors import DomainError


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(
    status: int, code: str, message: str, field: str | None = None, details: dict | None = None
):
    """Build the documented error JSON with ``status``."""
    body: dict = {"code": code, "message": str(message)}
    if field:
        body["field"] = field
    if details:
        body["details"] = details
    return jsonify({"error": body}), status


def _retry_after() -> int:
    """Seconds until Flask-Limiter's window lets the caller try again (at least 1)."""
    from ..extensions import limiter

    current = limiter.current_limit
    if current is None:
        return 60
    window = current.limit.get_expiry()
    return max(1, min(window, math.ceil(current.reset_at - time.time())))


def register(app: Flask) -> None:
    """Install the handlers."""

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        if _wants_json():
            body, status = error_response(
                error.status, error.code, error.message, error.field, error.details
            )
            return body, status, error.headers
        return (
            render_template("errors/error.html", status=error.status, message=error.message),
            error.status,
            error.headers,
        )

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        if _wants_json():
            return error_response(400, "csrf", _("The form's security token is missing or wrong."))
        return render_template(
            "errors/error.html",
            status=400,
            message=_(
                "The form's security token is missing or wrong. Go back, reload the page "
                "and send it again."
            ),
        ), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        messages = {
            400: _("The request is not valid."),
            401: _("Please sign in."),
            403: _("You are not allowed to do this."),
            404: _("This page does not exist, or you are not allowed to see it."),
            405: _("This method is not allowed here."),
            409: _("This conflicts with the current state."),
            413: _("The file is too large."),
            422: _("The data sent is not valid."),
            429: _("Too many attempts. Wait a minute and try again."),
            500: _("Something went wrong on our side."),
        }
        status = error.code or 500
        message = messages.get(status, error.description)
        # Keep what the error says about itself (Allow on a 405, Retry-After on a 429),
        # not its content type.
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        if _wants_json():
            if status == 413:
                message = _("The request body is too large.")
            codes = {
                400: "bad_request",
                401: "unauthorized",
                403: "forbidden",
                404: "not_found",
                405: "method_not_allowed",
                409: "conflict",
                413: "too_large",
                422: "validation_error",
                429: "rate_limited",
                500: "server_error",
            }
            details = None
            if status == 429:
                details = {"retry_after": _retry_after()}
                message = _(
                    "Too many attempts. Try again in %(seconds)d seconds.",
                    seconds=details["retry_after"],
                )
                headers = [(k, v) for k, v in headers if k.lower() != "retry-after"]
                headers.append(("Retry-After", str(details["retry_after"])))
            body, status = error_response(
                status, codes.get(status, "error"), message, details=details
            )
            return body, status, headers
        page = render_template("errors/error.html", status=status, message=message)
        return page, status, headers
