"""A message whose request is done (the signature given, the version withdrawn) says so."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask_migrate import upgrade
from sqlalchemy import insert, select, text

from sla_contracts import create_app, notifications
from sla_contracts.extensions import db
from sla_contracts.models import Notification, OutboxEmail
from sla_contracts.signing import amendments, signatures

from .plugins.app_db import app_test_config
from .plugins.people import TEST_PASSWORD
from .test_notifications import _fresh_url

SUBMITTED = datetime(2027, 2, 26, 16, 0, tzinfo=UTC)
SIGNED = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def _inbox(user) -> dict[str, Notification]:
    db.session.expire_all()
    rows = db.session.scalars(select(Notification).where(Notification.user_id == user.id))
    return {n.kind: n for n in rows}


def _sign(user, charter, version, now=SIGNED) -> None:
    signatures.sign_charter(user, charter, version.number, TEST_PASSWORD, None, now)
    db.session.commit()


def _submit(user, charter):
    version = signatures.submit_charter(user, charter, now=SUBMITTED)
    db.session.commit()
    return version


@pytest.fixture
def thomas(org, make_user):
    """A second head of Logistique."""
    return make_user("thomas.garnier@example.com", "Thomas Garnier", head_of=[org.logistics])


def _read_form(note: Notification) -> str:
    return f'action="/inbox/{note.id}/read"'


def test_submitted_request_is_unread_and_actionable(org, make_charter, login_as):
    _submit(org.head_a, make_charter(commitments=(1, 1)))
    request = _inbox(org.head_b)["signature_requested"]
    assert (request.read_at, request.done_at) == (None, None)
    assert notifications.unread_count(org.head_b.id) == 1
    page = login_as(org.head_b).get("/inbox").get_data(as_text=True)
    assert _read_form(request) in page
    assert "Done —" not in page


def test_the_other_head_of_the_signing_side_no_longer_needs_to_sign(
    org, thomas, make_charter, login_as
):
    charter = make_charter(commitments=(1, 1))
    version = _submit(org.head_b, charter)
    assert notifications.unread_count(org.head_a.id) == 1
    _sign(thomas, charter, version)
    request = _inbox(org.head_a)["signature_requested"]
    assert (request.done_at, request.done_by_id) == (SIGNED, thomas.id)
    assert request.read_at == SIGNED
    assert notifications.unread_count(org.head_a.id) == 0
    # Bruno's side has not signed yet: his request stands.
    awaited = _inbox(org.head_b)["signature_awaited"]
    assert (awaited.read_at, awaited.done_at) == (None, None)
    page = login_as(org.head_a).get("/inbox").get_data(as_text=True)
    assert "Done — signed by Thomas Garnier on 1 March 2027" in page
    assert _read_form(request) not in page
    assert "Mark all as read" not in page


def test_the_other_heads_request_e_mail_is_withdrawn_but_not_the_other_sides(
    org, thomas, make_charter
):
    charter = make_charter(commitments=(1, 1))
    version = _submit(org.head_b, charter)
    _sign(thomas, charter, version)
    statuses = dict(db.session.execute(select(OutboxEmail.recipient, OutboxEmail.status)).all())
    assert statuses == {
        org.head_a.email: "withdrawn",
        thomas.email: "withdrawn",
        org.head_b.email: "pending",  # "your signature is awaited": Magasins has not signed
    }


def test_signature_that_brings_the_charter_into_force_marks_every_request_done(
    org, make_user, make_charter
):
    other_b = make_user("berenice@example.com", "Bérénice Head", head_of=[org.stores])
    charter = make_charter(commitments=(1, 1))
    version = _submit(org.head_a, charter)
    _sign(org.head_a, charter, version, SUBMITTED)
    for head in (org.head_b, other_b):
        messages = _inbox(head)
        assert set(messages) == {"signature_requested", "signature_awaited"}
        assert notifications.unread_count(head.id) == 2
    _sign(org.head_b, charter, version)
    for head in (org.head_b, other_b):
        messages = _inbox(head)
        for kind in ("signature_requested", "signature_awaited"):
            assert (messages[kind].done_at, messages[kind].done_by_id) == (SIGNED, org.head_b.id)
    assert notifications.unread_count(org.head_b.id) == 0
    # "Now in force" asks nothing: it stays a new, unread message.
    for head in (org.head_a, other_b):
        in_force = _inbox(head)["charter_active"]
        assert (in_force.read_at, in_force.done_at) == (None, None)
        assert notifications.unread_count(head.id) == 1


def test_a_voided_version_marks_its_requests_done(org, make_charter, login_as):
    charter = make_charter(commitments=(1, 1))
    _submit(org.head_a, charter)
    amendments.reopen_draft(org.head_a, charter, SIGNED)
    db.session.commit()
    request = _inbox(org.head_b)["signature_requested"]
    assert (request.done_at, request.done_by_id, request.done_reason) == (
        SIGNED,
        org.head_a.id,
        notifications.VOIDED,
    )
    assert notifications.unread_count(org.head_b.id) == 0
    page = login_as(org.head_b).get("/inbox").get_data(as_text=True)
    assert "Nothing left to sign — Alice Head withdrew the version on 1 March 2027" in page


def test_ending_a_charter_awaiting_signatures_marks_its_requests_done(org, make_charter):
    charter = make_charter(commitments=(1, 1))
    _submit(org.head_a, charter)
    amendments.end_charter(org.head_a, charter, "No longer needed.", SIGNED)
    db.session.commit()
    request = _inbox(org.head_b)["signature_requested"]
    assert (request.done_at, request.done_reason) == (SIGNED, notifications.VOIDED)


def test_done_line_is_in_the_readers_language(org, thomas, make_charter, login_as):
    charter = make_charter(commitments=(1, 1))
    version = _submit(org.head_b, charter)
    _sign(thomas, charter, version)
    head = login_as(org.head_a)
    head.post("/language", data={"lang": "fr", "next": "/inbox"})
    page = head.get("/inbox").get_data(as_text=True)
    assert "Fait — signé par Thomas Garnier le 1 mars 2027" in page
    assert "Done —" not in page


def test_a_message_stored_without_done_columns_still_asks(org, login_as):
    db.session.execute(
        insert(Notification),
        [{"user_id": org.head_a.id, "kind": "signature_requested", "link": "/charters/7",
          "params": {"name": "Bruno Head", "number": 1, "title": "Vieux"},
          "idempotency_key": "version:99:submitted", "created_at": SUBMITTED}],
    )  # fmt: skip
    db.session.commit()
    note = _inbox(org.head_a)["signature_requested"]
    page = login_as(org.head_a).get("/inbox").get_data(as_text=True)
    assert "Bruno Head submitted version 1 of “Vieux” for signature." in page
    assert _read_form(note) in page
    assert notifications.unread_count(org.head_a.id) == 1


def test_migration_leaves_existing_messages_not_done(tmp_path):
    app = create_app(app_test_config(_fresh_url(tmp_path)))
    with app.app_context():
        upgrade(revision="4b1c0e2f9a10")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (id, email, name, password_hash, locale, is_admin, "
                    "is_email_opted_out, session_version, created_at) VALUES (1, 'a@example.com', "
                    "'A', 'x', 'en', false, false, 1, :now)"
                ),
                {"now": SUBMITTED},
            )
            conn.execute(
                text(
                    "INSERT INTO notifications (user_id, kind, params, link, idempotency_key, "
                    "created_at) VALUES (1, 'signature_requested', :params, '/charters/7', "
                    "'version:3:submitted', :now)"
                ),
                {"now": SUBMITTED, "params": '{"name": "B", "number": 1, "title": "T"}'},
            )
        upgrade()
        note = db.session.scalar(select(Notification))
        assert (note.done_at, note.done_by_id, note.done_reason) == (None, None, None)
        assert notifications.done_text(note) == ""
        assert notifications.unread_count(1) == 1
        assert (
            notifications.render_text(note, "en") == "B submitted version 1 of “T” for signature."
        )
        db.session.remove()
        db.engine.dispose()
