"""The ``api`` blueprint under ``/api/v1``, shared by every feature's endpoints.

Every endpoint is declared once with flask-smorest (marshmallow schemas from
``api/schemas.py``): ``@bp.arguments`` reads and validates the body or the query string,
``@bp.response`` serialises the answer, and the OpenAPI document (``/api/v1/openapi.json``)
is generated from those same declarations. ``@operation`` adds the summary, who may call
it and the error statuses; ``@public`` opens an endpoint to anonymous callers.

CSRF: the blueprint is exempt from Flask-WTF's form token. Requests authenticated by a
Bearer token cannot be forged by another site (it cannot read the token). Requests
authenticated by the session cookie that write (POST, PUT, PATCH, DELETE) must send
``Content-Type: application/json`` (checked in ``auth.current_api_user``): a cross-site HTML
form cannot send that header, and a cross-site script cannot either without a CORS preflight,
which this app never grants.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import marshmallow as ma
from flask import Flask, request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint
from webargs.flaskparser import FlaskParser, is_json_request

from ..errors import DomainError, ValidationError
from ..extensions import csrf, db, login_manager
from ..main.errors import error_response
from . import schemas

API_PREFIX = "/api/v1"

ERROR_DESCRIPTIONS = {
    400: "The body is not a JSON object (or not JSON, or not sent as application/json)",
    401: "Not authenticated, or the token is unknown, expired or revoked",
    403: "Authenticated but not allowed to do this",
    404: "No such object, or the caller may not see it",
    409: "Stale lock_version or If-Match (code conflict, the current version in details), "
    "or the status forbids it (code invalid_state)",
    422: "A field is unknown, missing, of the wrong type or not valid (code validation_error, "
    "every failing field named in details)",
    428: "Neither lock_version in the body nor an If-Match header (code version_required)",
    429: "Too many attempts",
}


TAGS = (
    ("auth", "Tokens and the caller"),
    ("directory", "Departments and the end-customer criteria catalogue"),
    ("charters", "Charters, their commitments, comments and history"),
    (
        "negotiation",
        "Co-writing a draft: what each side expects of the other, proposed changes to a "
        "commitment, each side's agreement to its current text",
    ),
    ("signing", "Submitting, signing, signed versions and their PDFs, verification"),
    ("reviews", "Periodic reviews of a charter in force"),
    (
        "readings",
        "Measured values between reviews: each commitment's per period, the end-customer "
        "criterion's per month",
    ),
    (
        "company",
        "The company's view: what moves each end-customer criterion, where silos remain, "
        "the monthly report",
    ),
    ("inbox", "The caller's notifications"),
    ("meta", "This document and the reference"),
)


class BadRequest(DomainError):
    """The request is not a JSON object at all (malformed, wrong content type)."""

    code = "bad_request"
    status = 400


def _flatten(messages: Any, at: str = "") -> dict[str, list[str]]:
    """Marshmallow's nested messages → ``{"items[0].text": ["…"], "title": ["…"]}``."""
    if isinstance(messages, dict):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            if isinstance(key, int):
                name = f"{at}[{key}]"
            elif key == "_schema":
                name = at or "_body"
            else:
                name = f"{at}.{key}" if at else str(key)
            for path, texts in _flatten(value, name).items():
                flat.setdefault(path, []).extend(texts)
        return flat
    if isinstance(messages, list | tuple):
        if all(not isinstance(m, dict | list | tuple) for m in messages):
            return {at or "_body": [str(m) for m in messages]}
        flat = {}
        for item in messages:
            for path, texts in _flatten(item, at).items():
                flat.setdefault(path, []).extend(texts)
        return flat
    return {at or "_body": [str(messages)]}


def validation_error(messages: Any) -> ValidationError:
    """One ``validation_error`` naming every failing field in ``details``.

    ``details.errors`` maps each field (``items[0].text`` inside lists) to its messages;
    ``details.unknown_fields`` and ``details.missing_fields`` list those two kinds apart;
    ``field`` is the first one.
    """
    errors = _flatten(messages)
    unknown_text, missing_text = str(schemas.UNKNOWN), str(schemas.REQUIRED)
    unknown = sorted(path for path, texts in errors.items() if unknown_text in texts)
    missing = [path for path, texts in errors.items() if missing_text in texts]
    details: dict[str, Any] = {"errors": errors}
    if unknown:
        details["unknown_fields"] = unknown
    if missing:
        details["missing_fields"] = missing
    if unknown and len(unknown) == len(errors):
        message = ngettext(
            "Unknown field: %(names)s.",
            "Unknown fields: %(names)s.",
            len(unknown),
            names=", ".join(unknown),
        )
    elif missing and len(missing) == len(errors):
        message = ngettext(
            "Missing field: %(names)s.",
            "Missing fields: %(names)s.",
            len(missing),
            names=", ".join(missing),
        )
    elif len(errors) == 1:
        message = next(iter(errors.values()))[0]
    else:
        message = _("Check the fields named in details: %(names)s.", names=", ".join(errors))
    first = unknown[0] if unknown and len(unknown) == len(errors) else next(iter(errors))
    return ValidationError(message, field=first, details=details)


class Parser(FlaskParser):
    """webargs' parser with the API's rules: an empty body is ``{}``; errors are ours."""

    DEFAULT_VALIDATION_STATUS = 422

    def load_json(self, req, schema):
        raw = req.get_data(cache=True)
        if not raw.strip():
            return {}  # actions accept an empty body, or none at all
        if not is_json_request(req):
            raise BadRequest(_("Send JSON with the header Content-Type: application/json."))
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise BadRequest(_("The body is not valid JSON.")) from None
        if not isinstance(data, dict):
            raise BadRequest(_("The body must be a JSON object."))
        return data

    def load_querystring(self, req, schema):
        # Repeated parameters are not supported: the first one counts.
        return {key: req.args.get(key) for key in req.args}

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        messages = error.messages
        # webargs namespaces messages by location ({"json": {...}}): drop that level.
        if isinstance(messages, dict) and len(messages) == 1:
            ((location, inner),) = messages.items()
            if location in {"json", "query", "querystring", "headers", "view_args"}:
                messages = inner
        raise validation_error(messages)


class Blueprint(SmorestBlueprint):
    ARGUMENTS_PARSER = Parser()


class ReciproqueApi(Api):
    """flask-smorest's Api, minus what the app does itself.

    Errors are rendered by ``main/errors.py`` (JSON under /api/, pages elsewhere), not by
    a handler of every HTTPException in the app; the document and the reference are
    served by this blueprint (``api/docs.py``) under the app's Content-Security-Policy.
    """

    ERROR_SCHEMA = schemas.ErrorSchema
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_error_handlers(self):
        pass

    def _register_doc_blueprint(self):
        pass

    def register_blueprint(self, blp, **options):
        super().register_blueprint(blp, **options)
        # One tag per feature (set by ``operation``), not one for the whole blueprint.
        self.spec._tags[:] = [{"name": name, "description": text} for name, text in TAGS]


api = ReciproqueApi(
    spec_kwargs={
        "title": "Réciproque API",
        "version": "1.0.0",
        "openapi_version": "3.1.0",
        "info": {
            "description": (
                "Reciprocal service charters between departments. JSON in and out. "
                "Authenticate with `Authorization: Bearer <token>` (POST /api/v1/tokens) or "
                "the session cookie of the web app; with the cookie, requests that write "
                "must send `Content-Type: application/json`. Errors are "
                '`{"error": {"code": "...", "message": "...", "details": {...}}}`; '
                "validation errors (422, code `validation_error`) name every failing field "
                "in `details.errors`. Lists take `limit` (1 to 200, 50 by default) and "
                "`cursor`, and answer `next` (the URL of the next page, or null) and "
                "`total`. Versioned objects answer an `ETag`; `PATCH` and `DELETE` take "
                "`lock_version` in the body or `If-Match`. Messages follow the user's "
                "language (or Accept-Language)."
            )
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer"},
                "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "session"},
            }
        },
        "security": [{"bearerAuth": []}, {"cookieAuth": []}],
    }
)

for _field, _type, _format in (
    (schemas.Text, "string", None),
    (schemas.Int, "integer", None),
    (schemas.QueryInt, "integer", None),
    (schemas.Number, "number", None),
    (schemas.Bool, "boolean", None),
    (schemas.Flag, "string", None),
    (schemas.When, "string", "date-time"),
    (schemas.Day, "string", "date"),
):
    api.register_field(_field, _type, _format)

bp = Blueprint("api", __name__, url_prefix=API_PREFIX, description="Réciproque API")
csrf.exempt(bp)

# Endpoints that answer without authentication; every other one needs a user.
PUBLIC_ENDPOINTS: set[str] = set()


def public(view: Callable) -> Callable:
    """Mark a view of this blueprint as open to anonymous callers (put it under the route)."""
    PUBLIC_ENDPOINTS.add(f"{bp.name}.{view.__name__}")
    return bp.doc(security=[])(view)


def operation(
    summary: str,
    *,
    who: str,
    tag: str,
    errors: Iterable[int] = (),
    description: str = "",
    codes: dict[int, str] | None = None,
) -> Callable:
    """Document an operation: its summary, who may call it, and its error statuses.

    ``codes`` adds what a status means for this operation besides the common text (a
    specific error code: ``{403: "code not_owner: …"}``). Put it under ``@bp.route`` (with
    ``@bp.arguments`` / ``@bp.response`` below it).
    """
    text = f"**Who may call it:** {who}"
    if description:
        text = f"{description}\n\n{text}"
    statuses = sorted({*errors, *(() if tag == "meta" else (401,))})

    def decorate(view: Callable) -> Callable:
        for status in statuses:
            meaning = ERROR_DESCRIPTIONS[status]
            if codes and status in codes:
                meaning = f"{meaning}; {codes[status]}"
            view = bp.alt_response(status, schema=schemas.ErrorSchema, description=meaning)(view)
        return bp.doc(summary=summary, description=text, tags=[tag], operationId=view.__name__)(
            view
        )

    return decorate


def links(status: int, **targets: dict[str, Any]) -> Callable:
    """Document OpenAPI links from an answer to the operations a client calls next.

    ``links(201, GetCharter={"operationId": "get_charter", "parameters": {...}})``; the
    conformance test's stateful phase follows them (create → read → change with its version).
    """
    return bp.doc(responses={status: {"links": targets}})


@bp.record_once
def _no_login_redirect(state) -> None:
    # Flask-Login redirects to /login when a view needs a user; under the API a plain
    # 401 (rendered as JSON by the error handler) is the only sensible answer.
    login_manager.blueprint_login_views[bp.name] = None


@bp.after_request
def _no_content_type_without_content(response):
    # Flask answers OPTIONS itself with an empty text/html 200; under the API it is a 204
    # that only says, in Allow, which methods the path takes (no CORS is granted).
    if request.method == "OPTIONS" and response.status_code == 200 and not response.get_data():
        response.status_code = 204
    if response.status_code in (204, 304):
        response.headers.pop("Content-Type", None)
    return response


@bp.errorhandler(DomainError)
def _domain_error(error: DomainError):
    # Nothing of a refused request is kept, whatever the service flushed before failing.
    db.session.rollback()
    details = error.details
    if isinstance(error, ValidationError) and error.field and "errors" not in (details or {}):
        # A rule of the domain names one field: say so in the one shape clients parse.
        details = {**(details or {}), "errors": {error.field: [str(error.message)]}}
    body, status = error_response(error.status, error.code, error.message, error.field, details)
    return body, status, error.headers


@bp.errorhandler(ma.ValidationError)
def _schema_error(error: ma.ValidationError):
    db.session.rollback()
    return _domain_error(validation_error(error.messages))


def init_app(app: Flask) -> None:
    """Register the blueprint and its document (after every module added its endpoints)."""
    api.init_app(app)
    api.register_blueprint(bp)
    _only_reads_answer_304(api.spec._paths)
    # flask-smorest's own page-number pagination, which this API does not use.
    api.spec.components.schemas.pop("PaginationMetadata", None)


def _only_reads_answer_304(paths: dict) -> None:
    """``etags.versioned`` also serves PATCH answers (their new ETag): 304 is for GET only."""
    for operations in paths.values():
        for method, spec in operations.items():
            if method == "get" or not isinstance(spec, dict):
                continue
            spec.get("responses", {}).pop("304", None)
            spec.get("responses", {}).pop(304, None)
            if "parameters" in spec:
                spec["parameters"] = [
                    p
                    for p in spec["parameters"]
                    if not (isinstance(p, dict) and p.get("name") == "If-None-Match")
                ]
