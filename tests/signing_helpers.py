"""Helpers shared by the signing tests."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from pypdf import PdfReader

from sla_contracts.charters import negotiation
from sla_contracts.extensions import db
from sla_contracts.signing import pdf_store, signatures
from tests.plugins.people import TEST_PASSWORD

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def pdf_text(data: bytes) -> str:
    """All the text of a PDF, pages joined."""
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def pdf_pages(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


def agree_all(org, charter, now=None):
    """Each side's head agrees, through the real service, to every line it has not agreed yet."""
    heads = {charter.department_a_id: org.head_a, charter.department_b_id: org.head_b}
    db.session.refresh(charter, attribute_names=["commitments"])
    for commitment in charter.commitments:
        for side, head in heads.items():
            if not commitment.is_agreed_by(side):
                negotiation.agree(head, commitment, commitment.lock_version, now=now)
    db.session.commit()


def submit(org, charter, now=NOW, *, agree=True, **kw):
    """Submit as head A, each side first agreeing to every line (unless ``agree=False``)."""
    if agree:
        agree_all(org, charter, now)
    version = signatures.submit_charter(org.head_a, charter, now=now, **kw)
    db.session.commit()
    return version


def sign_both(org, charter, now=NOW):
    """Submit and have both heads sign; return the version."""
    version = submit(org, charter, now)
    signatures.sign_charter(org.head_a, charter, version.number, TEST_PASSWORD, "10.0.0.1", now)
    db.session.commit()
    signatures.sign_charter(org.head_b, charter, version.number, TEST_PASSWORD, "10.0.0.2", now)
    db.session.commit()
    pdf_store.signed_pdf(version.id)  # as the signing request does, after its commit
    return version
