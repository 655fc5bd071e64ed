"""verify-audit: the chain, every version's fingerprint and every archived PDF's hash."""

from __future__ import annotations

from sqlalchemy import select, text

from sla_contracts.extensions import db
from sla_contracts.models import AuditEvent, CharterVersion

from .signing_helpers import sign_both


def _run(runner):
    db.session.remove()
    return runner.invoke(args=["verify-audit"])


def test_intact_database_passes(org, make_charter, runner):
    sign_both(org, make_charter(commitments=(1, 1)))
    result = _run(runner)
    assert result.exit_code == 0, result.output
    assert "every link intact" in result.output


def test_tampered_audit_event_is_named(org, make_charter, runner):
    sign_both(org, make_charter(commitments=(1, 1)))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "signed").limit(1))
    event_id = event.id
    db.session.execute(
        text("UPDATE audit_events SET actor_id = :a WHERE id = :id"),
        {"a": org.admin.id, "id": event_id},
    )
    db.session.commit()
    result = _run(runner)
    assert result.exit_code == 1
    assert f"BROKEN at event {event_id}" in result.output


def test_tampered_version_content_is_detected(org, make_charter, runner):
    charter = make_charter(commitments=(1, 1))
    version = sign_both(org, charter)
    tampered = version.content.replace("95", "50")
    db.session.execute(
        text("UPDATE charter_versions SET content = :c WHERE id = :id"),
        {"c": tampered, "id": version.id},
    )
    db.session.commit()
    result = _run(runner)
    assert result.exit_code == 1
    assert "version 1" in result.output and "fingerprint" in result.output


def test_rewritten_fingerprint_is_caught_by_signatures_and_trail(org, make_charter, runner):
    import hashlib

    version = sign_both(org, make_charter(commitments=(1, 1)))
    tampered = version.content.replace("95", "50")
    db.session.execute(
        text("UPDATE charter_versions SET content = :c, fingerprint = :f WHERE id = :id"),
        {"c": tampered, "f": hashlib.sha256(tampered.encode()).hexdigest(), "id": version.id},
    )
    db.session.commit()
    result = _run(runner)
    assert result.exit_code == 1
    assert "audit trail" in result.output or "signature" in result.output


def test_tampered_stored_pdf_is_detected(org, make_charter, runner):
    version = sign_both(org, make_charter(commitments=(1, 1)))
    stored_hash = version.pdf_sha256
    db.session.execute(
        text("UPDATE charter_versions SET pdf = :p WHERE id = :id"),
        {"p": version.pdf + b"% tampered\n", "id": version.id},
    )
    db.session.commit()
    result = _run(runner)
    assert result.exit_code == 1
    assert "stored PDF does not match" in result.output
    assert db.session.scalar(select(CharterVersion.pdf_sha256)) == stored_hash
