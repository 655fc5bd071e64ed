"""Helpers shared by the signing tests."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from pypdf import PdfReader

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


def submit(org, charter, now=NOW, **kw):
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
