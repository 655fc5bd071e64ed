"""The shapes of signed versions, shared by the charter JSON and the signing endpoints."""

from __future__ import annotations

from .schemas import Day, Dict, Int, List, Nested, Schema, Text, When

VERSION_STATES = ("awaiting_signatures", "in_force", "superseded", "voided")
FINGERPRINT_EXAMPLE = "3f1c" + "0" * 60


class VersionSummarySchema(Schema):
    """A version without its content (in lists and inside the charter)."""

    number = Int(required=True, minimum=1)
    state = Text(required=True, choices=VERSION_STATES)
    fingerprint = Text(required=True, metadata={"description": "SHA-256 of the content signed"})
    created_at = When(required=True)
    activated_at = When(required=True, allow_none=True)
    superseded_at = When(required=True, allow_none=True)
    voided_at = When(required=True, allow_none=True)
    valid_until = Day(
        required=True,
        allow_none=True,
        metadata={"description": "Its last day in force, set when it came into force"},
    )
    pdf_sha256 = Text(
        required=True, allow_none=True, metadata={"description": "SHA-256 of the stored PDF"}
    )


class SignatureSchema(Schema):
    department_id = Int(required=True)
    department = Text(required=True, source=lambda s: s.department.name)
    user_id = Int(required=True)
    name = Text(required=True, source=lambda s: s.user.name)
    signed_at = When(required=True)
    fingerprint = Text(required=True)


class SignerSchema(Schema):
    """Who signed a version, as verification tells it (a dict, not a signature row)."""

    department_id = Int(required=True)
    department = Text(required=True)
    user_id = Int(required=True)
    name = Text(required=True)
    signed_at = When(required=True)


class VersionSchema(VersionSummarySchema):
    """A frozen version: its state, fingerprint, signatures and the content signed."""

    charter_id = Int(required=True)
    signatures = List(Nested(SignatureSchema), required=True, source=lambda v: v.valid_signatures())
    content = Dict(required=True, attribute="data")


VERSION_SUMMARY_EXAMPLE = {
    "number": 1,
    "state": "in_force",
    "fingerprint": FINGERPRINT_EXAMPLE,
    "created_at": "2026-03-02T09:30:00+00:00",
    "activated_at": "2026-03-03T14:02:11+00:00",
    "superseded_at": None,
    "voided_at": None,
    "valid_until": "2027-03-03",
    "pdf_sha256": "9b2e" + "0" * 60,
}
SIGNATURE_EXAMPLE = {
    "department_id": 1,
    "department": "Logistique",
    "user_id": 3,
    "name": "Alice Martin",
    "signed_at": "2026-03-03T14:02:11+00:00",
    "fingerprint": FINGERPRINT_EXAMPLE,
}
SIGNER_EXAMPLE = {k: v for k, v in SIGNATURE_EXAMPLE.items() if k != "fingerprint"}
VERSION_EXAMPLE = {
    **VERSION_SUMMARY_EXAMPLE,
    "charter_id": 7,
    "signatures": [SIGNATURE_EXAMPLE],
    "content": {"title": "Logistique ⇄ Magasins", "version": 1, "commitments": []},
}
