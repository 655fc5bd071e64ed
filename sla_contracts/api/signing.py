"""Submit, sign, versions, the PDF and verification over the API.

Same rules as the pages (the services check them): outsiders get 404 on every charter URL,
members read and get 403 on writes, only a head of a side signs (never an admin), a stale
version is a 409 conflict, a wrong password a 422 on ``password``.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import gettext as _

from ..errors import CharterStateError
from ..extensions import db
from ..main.security import pdf_response
from ..models import (
    Charter,
    CharterStatus,
    CharterVersion,
    Signature,
    pending_version,
    version_in_force,
)
from ..signing import attempts, pdf_store, signatures, verification
from ..signing.versions import get_version as find_version
from ..signing.versions import list_versions as all_versions
from ..transaction import atomic
from . import openapi
from .auth import location, require_api_user
from .blueprint import bp
from .charters import _charter
from .validation import Field, body_schema, read_json

SUBMIT_FIELDS = {
    "leave_comments_open": Field(
        "boolean", description="Submit even though some comments are still open"
    ),
}
SIGN_FIELDS = {
    "version": Field("integer", required=True, description="The version number you sign"),
    "password": Field("string", required=True, description="Your password (re-authentication)"),
}


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def signature_json(signature: Signature) -> dict[str, Any]:
    return {
        "department_id": signature.department_id,
        "department": signature.department.name,
        "user_id": signature.user_id,
        "name": signature.user.name,
        "signed_at": _iso(signature.signed_at),
        "fingerprint": signature.fingerprint,
    }


def version_summary(version: CharterVersion | None) -> dict[str, Any] | None:
    """A version without its content (for lists and the charter JSON)."""
    if version is None:
        return None
    return {
        "number": version.number,
        "state": version.state,
        "fingerprint": version.fingerprint,
        "created_at": _iso(version.created_at),
        "activated_at": _iso(version.activated_at),
        "superseded_at": _iso(version.superseded_at),
        "voided_at": _iso(version.voided_at),
        "pdf_sha256": version.pdf_sha256,
    }


def version_json(version: CharterVersion) -> dict[str, Any]:
    """A frozen version: its state, fingerprint, signatures and the content signed."""
    return {
        "charter_id": version.charter_id,
        **version_summary(version),
        "signatures": [signature_json(s) for s in version.valid_signatures()],
        "content": version.data,
    }


def _charter_versions(charter: Charter) -> dict[str, Any]:
    return {
        "current_version": version_summary(version_in_force(charter)),
        "pending_version": version_summary(pending_version(charter)),
    }


# ---------------------------------------------------------------- endpoints


@bp.post("/charters/<int:charter_id>/submit")
def submit_charter(charter_id: int):
    user = require_api_user()
    charter = _charter(user, charter_id)
    data = read_json(SUBMIT_FIELDS)
    with atomic():
        version = signatures.submit_charter(
            user, charter, leave_comments_open=data.get("leave_comments_open", False)
        )
    return (
        version_json(version),
        201,
        {"Location": location("get_version", charter_id=charter_id, number=version.number)},
    )


@bp.post("/charters/<int:charter_id>/sign")
def sign_charter(charter_id: int):
    user = require_api_user()
    charter = _charter(user, charter_id)
    data = read_json(SIGN_FIELDS)
    # Before the signing transaction, within the limit of wrong passwords (429 past it).
    password = attempts.recheck_password(
        user, charter, data["version"], data["password"], request.remote_addr
    )
    with atomic():
        signature = signatures.sign_charter(
            user, charter, data["version"], password, request.remote_addr
        )
        signature_id, version_id = signature.id, signature.version_id
    status = db.session.get(Charter, charter_id).status
    if status == CharterStatus.ACTIVE:
        pdf_store.store_pdf_after_commit(version_id)
    return {
        "signature": signature_json(db.session.get(Signature, signature_id)),
        "charter_status": status.value,
        "version": version_summary(db.session.get(CharterVersion, version_id)),
    }, 201


@bp.get("/charters/<int:charter_id>/versions")
def list_versions(charter_id: int):
    user = require_api_user()
    charter = _charter(user, charter_id)
    return {"versions": [version_summary(v) for v in all_versions(charter)]}


@bp.get("/charters/<int:charter_id>/versions/<int:number>")
def get_version(charter_id: int, number: int):
    user = require_api_user()
    charter = _charter(user, charter_id)
    return version_json(find_version(charter, number))


@bp.get("/charters/<int:charter_id>/versions/<int:number>/pdf")
def get_version_pdf(charter_id: int, number: int):
    user = require_api_user()
    charter = _charter(user, charter_id)
    version = find_version(charter, number)
    if version.voided_at is not None:
        raise CharterStateError(_("This version was voided: it has no PDF."))
    data = pdf_store.version_pdf(version)  # ends the read transaction before any render
    pdf_store.commit_export(user, version, "api")
    return pdf_response(data, pdf_store.pdf_filename(charter, version))


@bp.get("/verify/<fingerprint>")
def verify(fingerprint: str):
    require_api_user()
    result = verification.verify_fingerprint(fingerprint)
    version = result.version
    return {
        "authentic": result.authentic,
        "matched": result.matched or None,
        "charter_id": version.charter_id if version else None,
        "version": version.number if version else None,
        "signed_by": [{**s, "signed_at": _iso(s["signed_at"])} for s in result.signed_by()],
        "superseded": result.superseded,
        "superseded_by": result.newer.number if result.newer else None,
    }


# ---------------------------------------------------------------- documentation

_ts = {"type": ["string", "null"], "format": "date-time"}
_FP = "3f5a9c0e2b7d4a1f8c6e0b9d2a4f7c1e5b8d0a3c6f9e2b5d8a1c4f7e0b3d6a9c"
openapi.add_schema(
    "VersionSummary",
    {
        "type": "object",
        "required": ["number", "state", "fingerprint", "created_at"],
        "properties": {
            "number": {"type": "integer"},
            "state": {
                "type": "string",
                "enum": ["awaiting_signatures", "in_force", "superseded", "voided"],
            },
            "fingerprint": {
                "type": "string",
                "description": "SHA-256 (hex) of the canonical JSON content",
            },
            "created_at": {"type": "string", "format": "date-time"},
            "activated_at": _ts,
            "superseded_at": _ts,
            "voided_at": _ts,
            "pdf_sha256": {
                "type": ["string", "null"],
                "description": "SHA-256 of the archived signed PDF (once in force)",
            },
        },
    },
)
openapi.add_schema(
    "SignatureInfo",
    {
        "type": "object",
        "required": ["department_id", "department", "user_id", "name", "signed_at"],
        "properties": {
            "department_id": {"type": "integer"},
            "department": {"type": "string"},
            "user_id": {"type": "integer"},
            "name": {"type": "string"},
            "signed_at": {"type": "string", "format": "date-time"},
            "fingerprint": {"type": "string"},
        },
    },
)
openapi.add_schema(
    "Version",
    {
        "type": "object",
        "required": ["charter_id", "number", "state", "fingerprint", "signatures", "content"],
        "properties": {
            "charter_id": {"type": "integer"},
            **openapi._schemas["VersionSummary"]["properties"],
            "signatures": {"type": "array", "items": openapi.ref("SignatureInfo")},
            "content": {
                "type": "object",
                "description": "The frozen content (what the fingerprint is computed from)",
            },
        },
    },
)
_SUMMARY_EXAMPLE = {
    "number": 1,
    "state": "in_force",
    "fingerprint": _FP,
    "created_at": "2026-03-02T09:30:00+00:00",
    "activated_at": "2026-03-03T14:02:11+00:00",
    "superseded_at": None,
    "voided_at": None,
    "pdf_sha256": "9b2e" + "0" * 60,
}
_SIGNATURE_EXAMPLE = {
    "department_id": 1,
    "department": "Logistique",
    "user_id": 3,
    "name": "Alice Martin",
    "signed_at": "2026-03-03T14:02:11+00:00",
    "fingerprint": _FP,
}
_VERSION_EXAMPLE = {
    "charter_id": 7,
    **_SUMMARY_EXAMPLE,
    "signatures": [_SIGNATURE_EXAMPLE],
    "content": {"title": "Logistique ⇄ Magasins", "version": 1, "commitments": []},
}
_charter_id = openapi.path_param("charter_id")
_number = openapi.path_param("number", "version number")

openapi.add_path(
    "/charters/{charter_id}/submit",
    "post",
    {
        "summary": "Freeze the draft into a numbered version awaiting both signatures",
        "description": "Each side must have at least one commitment, every commitment its "
        "customer impact; open comments must be resolved or leave_comments_open true "
        "(422 naming commitments, customer_impact or leave_comments_open). Heads only.",
        "tags": ["signing"],
        "parameters": [_charter_id],
        "requestBody": openapi.json_body(body_schema(SUBMIT_FIELDS), {}),
        "responses": {
            "201": openapi.json_response(
                "The frozen version",
                openapi.ref("Version"),
                {
                    **_VERSION_EXAMPLE,
                    "state": "awaiting_signatures",
                    "activated_at": None,
                    "pdf_sha256": None,
                    "signatures": [],
                },
            ),
            **openapi.errors(400, 401, 403, 404, 409, 422),
        },
    },
)
openapi.add_path(
    "/charters/{charter_id}/sign",
    "post",
    {
        "summary": "Sign the version awaiting signatures for the department you head",
        "description": "Re-authenticates with the password (422 on password if wrong). "
        "Wrong passwords are limited per person (SIGN_RATE_LIMIT) and per address "
        "(SIGN_ADDRESS_RATE_LIMIT): past the limit, 429 rate_limited with a Retry-After "
        "header and details.retry_after (seconds), even with the right password. 409 "
        "conflict if `version` is not the one awaiting signatures (details.current_version) "
        "or your side already signed; 409 invalid_state if nothing awaits signatures; 403 for "
        "admins and members. The second signature puts the charter in force.",
        "tags": ["signing"],
        "parameters": [_charter_id],
        "requestBody": openapi.json_body(
            body_schema(SIGN_FIELDS), {"version": 1, "password": "your password"}
        ),
        "responses": {
            "201": openapi.json_response(
                "Signed",
                {
                    "type": "object",
                    "required": ["signature", "charter_status", "version"],
                    "properties": {
                        "signature": openapi.ref("SignatureInfo"),
                        "charter_status": {
                            "type": "string",
                            "enum": ["awaiting_signatures", "active"],
                        },
                        "version": openapi.ref("VersionSummary"),
                    },
                },
                {
                    "signature": _SIGNATURE_EXAMPLE,
                    "charter_status": "active",
                    "version": _SUMMARY_EXAMPLE,
                },
            ),
            **openapi.errors(400, 401, 403, 404, 409, 422, 429),
        },
    },
)
openapi.add_path(
    "/charters/{charter_id}/versions",
    "get",
    {
        "summary": "Every frozen version of a charter, newest first",
        "tags": ["signing"],
        "parameters": [_charter_id],
        "responses": {
            "200": openapi.json_response(
                "The versions",
                {
                    "type": "object",
                    "required": ["versions"],
                    "properties": {
                        "versions": {"type": "array", "items": openapi.ref("VersionSummary")}
                    },
                },
                {"versions": [_SUMMARY_EXAMPLE]},
            ),
            **openapi.errors(401, 404),
        },
    },
)
openapi.add_path(
    "/charters/{charter_id}/versions/{number}",
    "get",
    {
        "summary": "A frozen version with its fingerprint, signatures and content",
        "tags": ["signing"],
        "parameters": [_charter_id, _number],
        "responses": {
            "200": openapi.json_response("The version", openapi.ref("Version"), _VERSION_EXAMPLE),
            **openapi.errors(401, 404),
        },
    },
)
openapi.add_path(
    "/charters/{charter_id}/versions/{number}/pdf",
    "get",
    {
        "summary": "The version's PDF",
        "description": "A version in force or superseded: the archived signed bytes (their "
        "SHA-256 is pdf_sha256). A version awaiting signatures: rendered with a "
        "“DRAFT — not signed” mark. A voided version: 409.",
        "tags": ["signing"],
        "parameters": [_charter_id, _number],
        "responses": {
            "200": {
                "description": "The PDF",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            },
            **openapi.errors(401, 404, 409),
        },
    },
)
openapi.add_path(
    "/verify/{fingerprint}",
    "get",
    {
        "summary": "Whether a fingerprint is that of a signed version, and which",
        "description": "Accepts the content fingerprint or the SHA-256 of the archived PDF "
        "(64 hex characters; 422 on fingerprint otherwise). Any signed-in user may verify.",
        "tags": ["signing"],
        "parameters": [
            {
                "name": "fingerprint",
                "in": "path",
                "required": True,
                "description": "64 hexadecimal characters",
                "schema": {"type": "string", "pattern": "^[0-9a-fA-F]{64}$"},
            }
        ],
        "responses": {
            "200": openapi.json_response(
                "The verdict",
                {
                    "type": "object",
                    "required": ["authentic", "charter_id", "version", "signed_by", "superseded"],
                    "properties": {
                        "authentic": {"type": "boolean"},
                        "matched": {"type": ["string", "null"], "enum": ["content", "pdf", None]},
                        "charter_id": {"type": ["integer", "null"]},
                        "version": {"type": ["integer", "null"]},
                        "signed_by": {"type": "array", "items": openapi.ref("SignatureInfo")},
                        "superseded": {"type": "boolean"},
                        "superseded_by": {"type": ["integer", "null"]},
                    },
                },
                {
                    "authentic": True,
                    "matched": "content",
                    "charter_id": 7,
                    "version": 1,
                    "signed_by": [
                        {k: v for k, v in _SIGNATURE_EXAMPLE.items() if k != "fingerprint"}
                    ],
                    "superseded": False,
                    "superseded_by": None,
                },
            ),
            **openapi.errors(401, 422),
        },
    },
)
