"""Submitting, signing, voiding, amending and ending a charter (the services)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from sla_contracts.charters import operations as charters
from sla_contracts.charters.history import diff_snapshots
from sla_contracts.errors import CharterStateError, ConflictError, Forbidden, ValidationError
from sla_contracts.extensions import db
from sla_contracts.models import (
    AuditEvent,
    CharterStatus,
    CharterVersion,
    Comment,
    Notification,
    Signature,
)
from sla_contracts.notifications import render_text
from sla_contracts.signing import amendments, pdf_store, signatures, verification, versions

from .plugins.people import TEST_PASSWORD
from .signing_helpers import NOW, sign_both, submit


def events(charter_id):
    return [
        e.action
        for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.charter_id == charter_id).order_by(AuditEvent.id)
        )
    ]


def inbox(user):
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)))


# ---------------------------------------------------------------- submit


def test_submit_freezes_canonical_content_with_its_fingerprint(org, make_charter):
    charter = make_charter(commitments=(1, 2))
    version = submit(org, charter)
    assert charter.status == CharterStatus.AWAITING_SIGNATURES
    assert version.number == 1
    data = json.loads(version.content)
    assert version.content == json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    assert "⇄" in version.content  # UTF-8, not \u escapes
    assert version.fingerprint == versions.sha256_hex(version.content.encode("utf-8"))
    assert data["department_a"]["heads"] == ["Alice Head"]
    assert data["department_b"]["heads"] == ["Bruno Head"]
    assert len(data["commitments"]) == 3
    assert "submitted" in events(charter.id)
    assert any("submitted version 1" in render_text(n, "en") for n in inbox(org.head_b))


@pytest.mark.parametrize("counts", [(0, 0), (2, 0), (0, 1)])
def test_unbalanced_charter_cannot_be_submitted(org, make_charter, counts):
    charter = make_charter(commitments=counts)
    with pytest.raises(ValidationError) as error:
        signatures.submit_charter(org.head_a, charter, now=NOW)
    assert error.value.field == "commitments"
    db.session.rollback()
    assert charter.status == CharterStatus.DRAFT
    assert db.session.scalar(select(CharterVersion)) is None


def test_commitment_without_customer_impact_blocks_submission(org, make_charter):
    charter = make_charter(commitments=(1, 1))
    charter.commitments[0].customer_impact = "  "
    db.session.commit()
    with pytest.raises(ValidationError) as error:
        signatures.submit_charter(org.head_a, charter, now=NOW)
    assert error.value.field == "customer_impact"


def test_open_comments_must_be_resolved_or_explicitly_left_open(org, make_charter):
    charter = make_charter(commitments=(1, 1))
    db.session.add(Comment(charter_id=charter.id, author_id=org.member_a.id, body="Really 48 h?"))
    db.session.commit()
    with pytest.raises(ValidationError) as error:
        signatures.submit_charter(org.head_a, charter, now=NOW)
    assert error.value.field == "leave_comments_open"
    db.session.rollback()
    version = signatures.submit_charter(org.head_a, charter, leave_comments_open=True, now=NOW)
    assert version.number == 1


def test_members_and_admins_cannot_submit(org, make_charter):
    charter = make_charter(commitments=(1, 1))
    for user in (org.member_a, org.admin, org.outsider):
        with pytest.raises(Forbidden):
            signatures.submit_charter(user, charter, now=NOW)


# ---------------------------------------------------------------- sign


def test_second_signature_activates_charter_and_the_pdf_is_stored_after_commit(org, make_charter):
    charter = make_charter(commitments=(1, 1))
    version = submit(org, charter)
    first = signatures.sign_charter(org.head_a, charter, 1, TEST_PASSWORD, "10.0.0.1", NOW)
    db.session.commit()
    assert charter.status == CharterStatus.AWAITING_SIGNATURES
    assert first.fingerprint == version.fingerprint
    assert first.ip_address == "10.0.0.1"
    assert first.department_id == org.logistics.id
    assert any("your signature is awaited" in render_text(n, "en") for n in inbox(org.head_b))
    later = NOW + timedelta(hours=2)
    signatures.sign_charter(org.head_b, charter, 1, TEST_PASSWORD, "10.0.0.2", later)
    db.session.commit()
    assert charter.status == CharterStatus.ACTIVE
    assert version.activated_at == later
    assert version.pdf is None  # the signing transaction renders nothing
    assert charter.next_review_on == date(2026, 6, 2)  # quarterly
    assert any("now in force" in render_text(n, "en") for n in inbox(org.head_a))
    assert events(charter.id)[-3:] == ["signed", "signed", "activated"]
    pdf = pdf_store.signed_pdf(version.id)
    assert pdf.startswith(b"%PDF-")
    assert version.pdf == pdf and version.pdf_sha256 == versions.sha256_hex(pdf)
    assert events(charter.id)[-1] == "pdf_stored"


def test_wrong_password_records_nothing(org, make_charter):
    charter = make_charter(commitments=(1, 1))
    submit(org, charter)
    with pytest.raises(ValidationError) as error:
        signatures.sign_charter(org.head_a, charter, 1, "wrong", "10.0.0.1", NOW)
    assert error.value.field == "password"
    db.session.rollback()
    assert db.session.scalar(select(Signature)) is None


def test_head_cannot_sign_twice_or_for_the_other_side(org, make_charter):
    charter = make_charter(commitments=(1, 1))
    submit(org, charter)
    signatures.sign_charter(org.head_a, charter, 1, TEST_PASSWORD, None, NOW)
    db.session.commit()
    with pytest.raises(ConflictError):
        signatures.sign_charter(org.head_a, charter, 1, TEST_PASSWORD, None, NOW)
    db.session.rollback()
    recorded = db.session.scalars(select(Signature)).all()
    assert [s.department_id for s in recorded] == [org.logistics.id]
    assert charter.status == CharterStatus.AWAITING_SIGNATURES


@pytest.mark.parametrize("who", ["admin", "member_a", "outsider"])
def test_only_heads_of_a_side_sign(org, make_charter, who):
    charter = make_charter(commitments=(1, 1))
    submit(org, charter)
    with pytest.raises(Forbidden):
        signatures.sign_charter(getattr(org, who), charter, 1, TEST_PASSWORD, None, NOW)


def test_stale_version_is_refused(org, make_charter):
    charter = make_charter(commitments=(1, 1))
    submit(org, charter)
    charters.update_charter(org.head_b, charter, charter.lock_version, {"title": "New title"})
    db.session.commit()
    submit(org, charter)  # version 2
    with pytest.raises(ConflictError) as error:
        signatures.sign_charter(org.head_b, charter, 1, TEST_PASSWORD, None, NOW)
    assert error.value.details["current_version"] == 2


def test_signing_a_draft_is_refused(org, make_charter):
    charter = make_charter(commitments=(1, 1))
    with pytest.raises(CharterStateError):
        signatures.sign_charter(org.head_a, charter, 1, TEST_PASSWORD, None, NOW)


# ---------------------------------------------------------------- edits after submission


def test_edit_while_awaiting_signatures_voids_the_signature_and_tells_the_signer(org, make_charter):
    charter = make_charter(commitments=(1, 1))
    version = submit(org, charter)
    signatures.sign_charter(org.head_a, charter, 1, TEST_PASSWORD, None, NOW)
    db.session.commit()
    commitment = charter.commitments_by(org.stores.id)[0]
    charters.update_commitment(org.head_b, commitment, commitment.lock_version, {"target": "90"})
    db.session.commit()
    assert charter.status == CharterStatus.DRAFT
    assert version.voided_at is not None
    signature = db.session.scalar(select(Signature))
    assert signature.voided_at is not None
    assert any("no longer counts" in render_text(n, "en") for n in inbox(org.head_a))
    assert "voided" in events(charter.id)
    # Resubmitting freezes a new version with a new fingerprint.
    version2 = submit(org, charter)
    assert version2.number == 2 and version2.fingerprint != version.fingerprint


def test_member_edit_of_awaiting_charter_is_refused_and_voids_nothing(org, make_charter):
    charter = make_charter(commitments=(1, 1))
    submit(org, charter)
    with pytest.raises(Forbidden):
        charters.update_charter(org.member_a, charter, charter.lock_version, {"title": "x"})
    db.session.rollback()
    assert charter.status == CharterStatus.AWAITING_SIGNATURES


# ---------------------------------------------------------------- amendments and end


def test_amendment_keeps_signed_version_in_force_until_the_new_one_is_signed(org, make_charter):
    charter = make_charter(commitments=(1, 1))
    v1 = sign_both(org, charter)
    amendments.open_amendment(org.head_b, charter, NOW)
    db.session.commit()
    assert charter.status == CharterStatus.DRAFT
    assert v1.is_in_force
    charters.add_commitment(
        org.head_b,
        charter,
        org.stores.id,
        {
            "title": "Weekly stock count",
            "service_standard": "Count every Monday",
            "indicator": "Counts done",
            "target": "100",
            "unit": "%",
            "customer_impact": "Accurate stock shown to customers",
        },
    )
    db.session.commit()
    assert v1.is_in_force
    later = NOW + timedelta(days=40)
    v2 = sign_both(org, charter, later)
    db.session.refresh(v1)
    assert v2.number == 2 and v2.is_in_force
    assert v1.superseded_at == later and not v1.is_in_force
    assert "amended" in events(charter.id)
    diff = diff_snapshots(v1.data, v2.data)
    assert [c.title for c in diff.commitments] == ["Weekly stock count"]


def test_end_needs_a_reason_and_is_final(org, make_charter):
    charter = make_charter(commitments=(1, 1))
    sign_both(org, charter)
    with pytest.raises(ValidationError):
        amendments.end_charter(org.head_a, charter, "  ", NOW)
    db.session.rollback()
    amendments.end_charter(org.head_a, charter, "The stores were sold.", NOW)
    db.session.commit()
    assert charter.status == CharterStatus.ENDED
    assert charter.end_reason == "The stores were sold."
    with pytest.raises(CharterStateError):
        amendments.open_amendment(org.head_a, charter, NOW)
    assert "ended" in events(charter.id)


def test_member_cannot_amend_or_end(org, make_charter):
    charter = make_charter(commitments=(1, 1))
    sign_both(org, charter)
    with pytest.raises(Forbidden):
        amendments.open_amendment(org.member_b, charter, NOW)
    with pytest.raises(Forbidden):
        amendments.end_charter(org.member_b, charter, "no", NOW)


# ---------------------------------------------------------------- verification


def test_verify_finds_signed_version_by_content_or_pdf_fingerprint(org, make_charter):
    charter = make_charter(commitments=(1, 1))
    version = sign_both(org, charter)
    by_content = verification.verify_fingerprint(version.fingerprint.upper())
    assert by_content.authentic and by_content.matched == "content"
    assert [s["name"] for s in by_content.signed_by()] == ["Alice Head", "Bruno Head"]
    by_pdf = verification.verify_pdf_file(version.pdf)
    assert by_pdf.authentic and by_pdf.matched == "pdf" and not by_pdf.superseded
    unknown = verification.verify_fingerprint("0" * 64)
    assert not unknown.authentic and not unknown.found
    altered = verification.verify_pdf_file(version.pdf + b"\n%")
    assert not altered.authentic


def test_verify_refuses_malformed_fingerprint_and_non_pdf(org):
    with pytest.raises(ValidationError):
        verification.verify_fingerprint("abc")
    with pytest.raises(ValidationError):
        verification.verify_pdf_file(b"GIF89a...")


def test_unsigned_version_is_not_authentic(org, make_charter):
    charter = make_charter(commitments=(1, 1))
    version = submit(org, charter)
    result = verification.verify_fingerprint(version.fingerprint)
    assert result.found and not result.authentic
