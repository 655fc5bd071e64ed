"""Submit, sign, versions, the PDF and verification over the API.

Same rules as the pages (the services check them): outsiders get 404 on every charter URL
whatever they send (``auth.loads`` finds the charter before the body is read), members read and
get 403 on writes, only a head of a side signs (never an admin), a stale version is a 409
conflict, a wrong password a 422 on ``password``.

The charter JSON's ``current_version`` and ``pending_version`` are fields of the Charter
schema (``charters.py``), with the shapes of ``version_schemas.py``.
"""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import CharterStateError
from ..extensions import db
from ..main.security import pdf_response
from ..models import Charter, CharterStatus, CharterVersion, Signature
from ..signing import attempts, pdf_store, signatures, verification
from ..signing.versions import get_version as find_version
from ..transaction import atomic
from .auth import loads, location, require_api_user
from .blueprint import bp, operation
from .charters import _charter
from .pages import page_query
from .schemas import Bool, Int, List, Nested, PageArgs, Schema, Text, page_of, path_id
from .version_schemas import (
    FINGERPRINT_EXAMPLE,
    SIGNATURE_EXAMPLE,
    SIGNER_EXAMPLE,
    VERSION_EXAMPLE,
    VERSION_SUMMARY_EXAMPLE,
    SignatureSchema,
    SignerSchema,
    VersionSchema,
    VersionSummarySchema,
)

CHARTER_STATUSES = (CharterStatus.AWAITING_SIGNATURES.value, CharterStatus.ACTIVE.value)

# ---------------------------------------------------------------- shapes


class SubmitSchema(Schema):
    leave_comments_open = Bool(
        load_default=False,
        metadata={"description": "Submit even though some comments are still open"},
    )


class SignSchema(Schema):
    version = Int(required=True, metadata={"description": "The version number you sign"})
    password = Text(
        required=True, max_length=200, metadata={"description": "Your password (re-authentication)"}
    )


class SignResultSchema(Schema):
    signature = Nested(SignatureSchema, required=True)
    charter_status = Text(
        required=True,
        choices=CHARTER_STATUSES,
        metadata={"description": "active once both sides signed"},
    )
    version = Nested(VersionSummarySchema, required=True)


class VerificationSchema(Schema):
    authentic = Bool(
        required=True, metadata={"description": "A version in force or superseded has it"}
    )
    matched = Text(
        required=True,
        allow_none=True,
        choices=("content", "pdf"),
        source=lambda r: r.matched or None,
        metadata={"description": "What the fingerprint is: of the content, or of the stored PDF"},
    )
    charter_id = Int(
        required=True, allow_none=True, source=lambda r: r.version.charter_id if r.version else None
    )
    version = Int(
        required=True, allow_none=True, source=lambda r: r.version.number if r.version else None
    )
    signed_by = List(Nested(SignerSchema), required=True, source=lambda r: r.signed_by())
    superseded = Bool(required=True)
    in_force = Bool(
        required=True,
        metadata={
            "description": "It binds both sides today: not superseded, the charter neither "
            "ended nor expired (past its valid_until without a renewal)"
        },
    )
    superseded_by = Int(
        required=True,
        allow_none=True,
        source=lambda r: r.newer.number if r.newer else None,
        metadata={"description": "The number of the version that replaced it"},
    )
    pdf_signature_intact = Bool(
        required=True,
        allow_none=True,
        metadata={
            "description": "Whether the stored PDF's digital signature (PAdES, the "
            "organisation's certificate) is intact and covers the whole file; null when the "
            "version has no stored PDF (not signed, or not rendered yet)"
        },
    )


VersionPage = page_of(VersionSummarySchema, "versions", "VersionPage")

SUBMITTED_EXAMPLE = {
    **VERSION_EXAMPLE,
    "state": "awaiting_signatures",
    "activated_at": None,
    "valid_until": None,
    "pdf_sha256": None,
    "signatures": [],
}
SIGN_RESULT_EXAMPLE = {
    "signature": SIGNATURE_EXAMPLE,
    "charter_status": "active",
    "version": VERSION_SUMMARY_EXAMPLE,
}
VERIFICATION_EXAMPLE = {
    "authentic": True,
    "matched": "content",
    "charter_id": 7,
    "version": 1,
    "signed_by": [SIGNER_EXAMPLE],
    "superseded": False,
    "in_force": True,
    "superseded_by": None,
    "pdf_signature_intact": True,
}
PDF_RESPONSE = {
    "description": "The PDF",
    "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
}
FINGERPRINT_PARAMETER = {
    "name": "fingerprint",
    "in": "path",
    "description": "64 hexadecimal characters: the content fingerprint or the PDF's SHA-256",
    "schema": {"type": "string", "pattern": "^[0-9a-fA-F]{64}$"},
    "example": FINGERPRINT_EXAMPLE,
}

# ---------------------------------------------------------------- endpoints


@bp.post("/charters/<int:charter_id>/submit")
@operation(
    "Freeze the draft into a numbered version awaiting both signatures",
    who="heads of either department (admins and members: 403; others: 404)",
    tag="signing",
    errors=(400, 403, 404, 409, 422),
    codes={
        422: "code not_ready while an expectation is open or a commitment is not agreed by "
        "both sides: details.open_expectations and details.unagreed_commitments (ids)"
    },
    description="The body may be empty, or absent. Each side must have at least one "
    "commitment, every commitment its customer impact; open comments must be resolved or "
    "leave_comments_open true (422 naming commitments, customer_impact or "
    "leave_comments_open). Then the negotiation must be done: no expectation open, every "
    "commitment agreed by both (422 not_ready, the ids in details). 409 invalid_state unless "
    "the charter is a draft.",
)
@loads("charter", _charter)
@bp.arguments(SubmitSchema, required=False, example={"leave_comments_open": False})
@bp.response(201, VersionSchema, description="The frozen version", example=SUBMITTED_EXAMPLE)
def submit_charter(data, charter: Charter):
    user = require_api_user()
    with atomic():
        version = signatures.submit_charter(
            user, charter, leave_comments_open=data["leave_comments_open"]
        )
    return (
        version,
        201,
        {"Location": location("get_version", charter_id=charter.id, number=version.number)},
    )


@bp.post("/charters/<int:charter_id>/sign")
@operation(
    "Sign the version awaiting signatures for the department you head",
    who="heads of either department, for their side (admins and members: 403; others: 404)",
    tag="signing",
    errors=(400, 403, 404, 409, 422, 429),
    description="Re-authenticates with the password (422 on password if wrong). Wrong "
    "passwords are limited per person (SIGN_RATE_LIMIT) and per address "
    "(SIGN_ADDRESS_RATE_LIMIT): past the limit, 429 rate_limited with a Retry-After header "
    "and details.retry_after (seconds), even with the right password. 409 conflict if "
    "`version` is not the one awaiting signatures (details.current_version) or your side "
    "already signed; 409 invalid_state if nothing awaits signatures. The second signature "
    "puts the charter in force.",
)
@loads("charter", _charter)
@bp.arguments(SignSchema, example={"version": 1, "password": "your password"})
@bp.response(201, SignResultSchema, description="Signed", example=SIGN_RESULT_EXAMPLE)
def sign_charter(data, charter: Charter):
    user = require_api_user()
    charter_id = charter.id
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
        "signature": db.session.get(Signature, signature_id),
        "charter_status": status.value,
        "version": db.session.get(CharterVersion, version_id),
    }


@bp.get("/charters/<int:charter_id>/versions")
@operation(
    "Every frozen version of a charter, newest first",
    who="admins and members of either department (others: 404)",
    tag="signing",
    errors=(404, 422),
)
@loads("charter", _charter)
@bp.arguments(PageArgs, location="query")
@bp.response(
    200,
    VersionPage,
    description="The versions",
    example={"versions": [VERSION_SUMMARY_EXAMPLE], "next": None, "total": 1},
)
def list_versions(args, charter: Charter):
    query = select(CharterVersion).where(CharterVersion.charter_id == charter.id)
    # Numbers grow with ids within a charter: newest first by id is newest first by number.
    return page_query(query, CharterVersion.id, args, "versions")


@bp.get("/charters/<int:charter_id>/versions/<int:number>")
@operation(
    "A frozen version with its fingerprint, signatures and content",
    who="admins and members of either department (others: 404)",
    tag="signing",
    errors=(404,),
)
@loads("charter", _charter)
@bp.response(200, VersionSchema, description="The version", example=VERSION_EXAMPLE)
def get_version(charter: Charter, number: int):
    return find_version(charter, path_id(number, _("No such version.")))


@bp.get("/charters/<int:charter_id>/versions/<int:number>/pdf")
@operation(
    "The version's PDF",
    who="admins and members of either department (others: 404)",
    tag="signing",
    errors=(404, 409),
    description="A version in force or superseded: the archived signed bytes (their SHA-256 "
    "is pdf_sha256). A version awaiting signatures: rendered with a “DRAFT — not signed” "
    "mark. A voided version: 409 invalid_state.",
)
@bp.doc(responses={"200": PDF_RESPONSE})
@loads("charter", _charter)
def get_version_pdf(charter: Charter, number: int):
    user = require_api_user()
    version = find_version(charter, path_id(number, _("No such version.")))
    if version.voided_at is not None:
        raise CharterStateError(_("This version was voided: it has no PDF."))
    data = pdf_store.version_pdf(version)  # ends the read transaction before any render
    pdf_store.commit_export(user, version, "api")
    return pdf_response(data, pdf_store.pdf_filename(charter, version))


@bp.get("/verify/<fingerprint>", parameters=[FINGERPRINT_PARAMETER])
@operation(
    "Whether a fingerprint is that of a signed version, and which",
    who="anyone signed in",
    tag="signing",
    errors=(422,),
    description="Accepts the content fingerprint or the SHA-256 of the archived PDF (64 hex "
    "characters, spaces ignored; 422 on fingerprint otherwise). An unknown fingerprint is "
    "a 200 with authentic false.",
)
@bp.response(200, VerificationSchema, description="The verdict", example=VERIFICATION_EXAMPLE)
def verify(fingerprint: str):
    require_api_user()
    return verification.verify_fingerprint(fingerprint)
