"""Versions over HTTP: ``ETag`` on reads, ``If-None-Match`` → 304, ``If-Match`` on writes.

A versioned object (charter, commitment, review) answers ``ETag: "<lock_version>-<hash>"``,
the hash being that of the JSON answered, so anything the caller would see change changes
it. ``PATCH`` and ``DELETE`` take the version in the body (``lock_version``) or as
``If-Match`` with the ETag read; a stale one is ``409`` with the current version in
``error.details``; neither is ``428`` with code ``version_required``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_smorest.utils import get_appcontext

from ..errors import ConflictError, DomainError, ValidationError
from .blueprint import bp

IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": "The ETag read with GET, instead of lock_version in the body",
    "schema": {"type": "string"},
}
IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "The ETag read before: 304 Not Modified when nothing changed",
    "schema": {"type": "string"},
}
ETAG_HEADER = {"ETag": {"description": "The version answered", "schema": {"type": "string"}}}


class VersionRequired(DomainError):
    code = "version_required"
    status = 428


def etag_of(dump: dict[str, Any]) -> str:
    """The ETag of an answer: its lock_version and a hash of its JSON."""
    digest = hashlib.sha256(
        json.dumps(dump, sort_keys=True, separators=(",", ":"), default=str).encode()
    ).hexdigest()
    return f"{dump['lock_version']}-{digest[:20]}"


def _with_parameter(view: Callable, parameter: dict[str, Any]) -> Callable:
    # bp.doc replaces a list: keep the parameters documented by the decorators below.
    declared = getattr(view, "_apidoc", {}).get("manual_doc", {}).get("parameters", [])
    return bp.doc(parameters=[*declared, parameter])(view)


def versioned(view: Callable) -> Callable:
    """Under ``@bp.route``, above ``@bp.response`` of a GET: ETag, and 304 on If-None-Match."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        response = view(*args, **kwargs)
        dump = get_appcontext().get("result_dump")
        if response.status_code in (200, 201) and isinstance(dump, dict) and "lock_version" in dump:
            tag = etag_of(dump)
            response.set_etag(tag)
            if request.method == "GET" and request.if_none_match.contains_weak(tag):
                response.status_code = 304
                response.set_data(b"")
                response.headers.pop("Content-Type", None)
        return response

    wrapped = bp.alt_response(304, description="Not modified (If-None-Match)", headers=ETAG_HEADER)(
        wrapped
    )
    return _with_parameter(wrapped, IF_NONE_MATCH)


def if_match(view: Callable) -> Callable:
    """Document the If-Match header and the 428 of a versioned PATCH or DELETE."""
    return _with_parameter(view, IF_MATCH)


def seen_version(data: dict[str, Any], current: Callable[[], dict[str, Any]]) -> int:
    """The version the caller read: ``lock_version`` (popped from ``data``) or If-Match.

    ``current`` returns the object's current answer (the GET's JSON), to compare with the
    If-Match ETag; a mismatch is a 409 carrying it.
    """
    sent = data.pop("lock_version", None)
    if request.if_match and not request.if_match.star_tag:
        # Checked even with a lock_version in the body: both must be the current version.
        dump = current()
        if not request.if_match.contains(etag_of(dump)) or sent not in (None, dump["lock_version"]):
            raise ConflictError(
                _("Someone changed this in the meantime. Reload it and apply your change again."),
                details={"current_lock_version": dump["lock_version"], "current": dump},
            )
        return dump["lock_version"]
    if sent is not None:
        return sent
    raise VersionRequired(
        _("Send lock_version in the body or the ETag you read in an If-Match header."),
        field="lock_version",
    )


def require_change(data: dict[str, Any], allowed: list[str]) -> None:
    """Refuse a PATCH that changes nothing (only a version, or an empty body)."""
    if not data:
        raise ValidationError(
            _("Send at least one field to change: %(names)s.", names=", ".join(allowed)),
            details={"allowed_fields": allowed, "errors": {}},
        )
