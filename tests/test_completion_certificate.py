"""The certificate of completion: the last page of a signed version's stored PDF (issue 15).

Real renders (WeasyPrint) read back as text with pypdf; real signing through the service.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale
from pypdf import PdfReader
from sqlalchemy import event, select

from sla_contracts.audit.describe import describe_events
from sla_contracts.errors import ValidationError
from sla_contracts.extensions import db
from sla_contracts.models import AuditEvent, Signature, SignatureMethod
from sla_contracts.signing import amendments, completion, pdf_store, signatures
from tests.plugins.people import TEST_PASSWORD

from .signing_helpers import pdf_text, sign_both, submit

SUBMITTED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
SIGNED_A = datetime(2026, 3, 3, 8, 15, 42, tzinfo=UTC)
SIGNED_B = datetime(2026, 3, 4, 16, 5, 7, tzinfo=UTC)


def _sign(org, charter, *, b_method=SignatureMethod.PASSWORD):
    """Submit, sign A by password and B by ``b_method``, store the PDF; return the version."""
    version = submit(org, charter, SUBMITTED)
    signatures.sign_charter(
        org.head_a, charter, version.number, TEST_PASSWORD, "10.0.0.1", SIGNED_A
    )
    db.session.commit()
    proof = (
        TEST_PASSWORD
        if b_method == SignatureMethod.PASSWORD
        else signatures.Reauthentication(org.head_b.id, "", True)
    )
    signatures.sign_charter(
        org.head_b, charter, version.number, proof, "10.0.0.2", SIGNED_B, method=b_method
    )
    db.session.commit()
    pdf_store.signed_pdf(version.id)
    db.session.refresh(version)
    return version


def _pages(data: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def _flat(text: str) -> str:
    return re.sub(r"[\s\u2010]+", "", text)


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_english_certificate_lists_every_step_with_utc_times_and_methods(
    org, make_charter, output_dir
):
    charter = make_charter(commitments=(2, 2))
    version = _sign(org, charter)
    assert version.language == "en"
    (output_dir / "certificate_en.pdf").write_bytes(version.pdf)
    pages = _pages(version.pdf)
    last = _one_line(pages[-1])
    # A page of its own: the charter's pages do not have it, it carries no commitment.
    assert "Certificate of completion" in last
    assert all("Certificate of completion" not in p for p in pages[:-1])
    assert "A commitment 1" not in last and "Signatures" not in last
    for expected in (
        "Logistique ⇄ Magasins",
        "Logistique (LOG) ⇄ Magasins (MAG)",
        "Shelf out-of-stock rate",
        "Time (UTC)",
        "In force since 2026-03-04 16:05:07 UTC",
    ):
        assert expected in last, expected
    # Every step, in time order, each with its person, department, UTC time and method.
    steps = [
        "1 Submitted for signature Alice Head — 2026-03-02 09:30:00 UTC —",
        "2 Signed Alice Head Logistique 2026-03-03 08:15:42 UTC password",
        "3 Signed Bruno Head Magasins 2026-03-04 16:05:07 UTC password",
        "4 In force (both signed) — — 2026-03-04 16:05:07 UTC —",
    ]
    positions = [last.find(step) for step in steps]
    assert -1 not in positions, (positions, last)
    assert positions == sorted(positions)
    flat = _flat(last)
    assert version.fingerprint in flat
    assert f"http://127.0.0.1:5000/verify/{version.fingerprint}" in flat
    assert "cannot be printed inside it" in last


def test_french_charter_has_a_french_certificate(org, make_charter, output_dir):
    org.head_a.locale = "fr"
    db.session.commit()
    version = _sign(org, make_charter(commitments=(1, 1)))
    assert version.language == "fr"
    (output_dir / "certificate_fr.pdf").write_bytes(version.pdf)
    last = _one_line(_pages(version.pdf)[-1])
    for expected in (
        "Certificat de réalisation",
        "Étapes de la signature",
        "Heure (UTC)",
        "Méthode",
        "1 Soumise à signature Alice Head — 2026-03-02 09:30:00 UTC —",
        "2 Signature Alice Head Logistique 2026-03-03 08:15:42 UTC mot de passe",
        "3 Signature Bruno Head Magasins 2026-03-04 16:05:07 UTC mot de passe",
        "En vigueur (signée des deux côtés)",
        "ne peut pas y figurer",
    ):
        assert expected in last, expected
    assert "Certificate of completion" not in last and "password" not in last
    assert version.fingerprint in _flat(last)


def test_user_text_on_the_certificate_is_printed_as_text(org, make_charter):
    title = "<script>alert(1)</script> & <b>Co</b> Logistique ⇄ Magasins"
    version = _sign(org, make_charter(title, commitments=(1, 1)))
    last = _one_line(_pages(version.pdf)[-1])
    assert f"Title {title}" in last
    assert "&amp;" not in last and "&lt;" not in last


def test_an_unsigned_version_has_no_certificate(org, make_charter):
    charter = make_charter(commitments=(1, 1))
    version = submit(org, charter, SUBMITTED)
    signatures.sign_charter(
        org.head_a, charter, version.number, TEST_PASSWORD, "10.0.0.1", SIGNED_A
    )
    db.session.commit()
    text = pdf_text(pdf_store.version_pdf(version))
    assert "DRAFT" in text and "Certificate of completion" not in text
    assert completion.completion_values(version, "http://x/verify") is None


def test_values_are_read_in_a_bounded_number_of_statements(org, make_charter):
    version = _sign(org, make_charter(commitments=(1, 1)))
    version.data  # noqa: B018 - loaded before counting
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        db.session.expire_all()
        version = db.session.get(Signature, version.signatures[0].id).version
        statements.clear()
        values = completion.completion_values(version, "http://x/verify")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert [e["action"] for e in values["events"]] == ["submitted", "signed", "signed", "activated"]
    assert len(statements) <= 2, statements  # the events, then their actors


def test_identity_provider_method_is_recorded_and_shown(org, make_charter, login_as):
    charter = make_charter(commitments=(1, 1))
    version = _sign(org, charter, b_method=SignatureMethod.IDENTITY_PROVIDER)
    methods = {s.user_id: s.method for s in version.signatures}
    assert methods == {
        org.head_a.id: SignatureMethod.PASSWORD,
        org.head_b.id: SignatureMethod.IDENTITY_PROVIDER,
    }
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "signed").order_by(AuditEvent.id)
    ).all()
    assert [e.data["method"] for e in events] == ["password", "identity_provider"]
    with force_locale("en"):
        described = describe_events(events)
    assert "re-authentication: password" in described[events[0].id]
    assert "re-authentication: identity provider" in described[events[1].id]
    last = _one_line(_pages(version.pdf)[-1])
    assert "3 Signed Bruno Head Magasins 2026-03-04 16:05:07 UTC identity provider" in last
    assert "after a fresh sign-in at the identity provider" in _one_line(pdf_text(version.pdf))
    # The pages say it too: the version's signatures and the audit trail (the head's English).
    org.head_a.locale = "en"
    db.session.commit()
    head = login_as(org.head_a)
    page = head.get(f"/charters/{charter.id}/versions/1").get_data(as_text=True)
    assert "re-authentication: password" in page
    assert "re-authentication: identity provider" in page
    audit = head.get(f"/charters/{charter.id}/audit").get_data(as_text=True)
    assert audit.count("re-authentication: identity provider") == 1


def test_identity_provider_method_needs_a_proof_for_this_signer(org, make_charter):
    charter = make_charter(commitments=(1, 1))
    version = submit(org, charter, SUBMITTED)
    for proof in (
        TEST_PASSWORD,  # a password is no proof of a sign-in at the provider
        signatures.Reauthentication(org.head_a.id, "", True),  # someone else's
        signatures.Reauthentication(org.head_b.id, "", False),
    ):
        with pytest.raises(ValidationError):
            signatures.sign_charter(
                org.head_b,
                charter,
                version.number,
                proof,
                None,
                SIGNED_B,
                method=SignatureMethod.IDENTITY_PROVIDER,
            )
    assert db.session.scalars(select(Signature)).all() == []


def test_events_from_before_methods_read_as_password(org):
    old = AuditEvent(
        id=1, action="signed", object_type="signature", data={"version": 1, "department_id": -1}
    )
    with force_locale("en"):
        assert "re-authentication: password" in describe_events([old])[1]
        row = completion._event_row(old, {})
    assert row["method"] == "password" and row["department"] is None
    with force_locale("fr"):
        assert "réauthentification : mot de passe" in describe_events([old])[1]


def test_an_amendments_certificate_lists_only_its_own_signing(org, make_charter):
    charter = make_charter(commitments=(1, 1))
    v1 = _sign(org, charter)
    first_pdf = v1.pdf
    amendments.open_amendment(org.head_b, charter, SIGNED_B + timedelta(days=1))
    db.session.commit()
    v2 = sign_both(org, charter, SIGNED_B + timedelta(days=2))  # all at 2026-03-06 16:05:07
    db.session.refresh(v1)
    assert v1.pdf == first_pdf  # the first version's file stays as it was
    values = completion.completion_values(v2, "http://x/verify")
    assert [(e["action"], e["at"]) for e in values["events"]] == [
        ("submitted", "2026-03-06 16:05:07 UTC"),
        ("signed", "2026-03-06 16:05:07 UTC"),
        ("signed", "2026-03-06 16:05:07 UTC"),
        ("activated", "2026-03-06 16:05:07 UTC"),
    ]
    last = _one_line(_pages(v2.pdf)[-1])
    assert "Version 2" in last and "2026-03-03" not in last
