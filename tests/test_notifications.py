"""Telling people about events: one entry point, inbox and e-mail, in the reader's language."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

from sla_contracts import create_app, jobs, notifications
from sla_contracts.errors import ConflictError
from sla_contracts.extensions import db
from sla_contracts.models import EmailFrequency, Notification, OutboxEmail
from sla_contracts.transaction import atomic

from .plugins.app_db import app_test_config
from .signing_helpers import submit

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


def _inbox(user) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    )


def _outbox(user) -> list[OutboxEmail]:
    return list(
        db.session.scalars(
            select(OutboxEmail).where(OutboxEmail.recipient == user.email).order_by(OutboxEmail.id)
        )
    )


def _tell(org, key: str = "test:event:1", **kw) -> None:
    kw.setdefault("recipients", [org.head_a, org.head_b])
    notifications.notify(
        "signature_requested",
        actor=org.admin,
        obj=("charter", 7),
        link="/charters/7",
        params={"name": "Ada Admin", "number": 2, "title": "Logistique ⇄ Magasins"},
        key=key,
        now=NOW,
        **kw,
    )


# ---------------------------------------------------------------- the reader's language


def test_inbox_follows_a_language_switch(org, make_charter, login_as):
    submit(org, make_charter(commitments=(1, 1)))
    head = login_as(org.head_b)
    assert "Alice Head submitted version 1 of" in head.get("/inbox").get_data(as_text=True)
    head.post("/language", data={"lang": "fr", "next": "/inbox"})
    page = head.get("/inbox").get_data(as_text=True)
    assert "Alice Head a soumis la version 1 de « Logistique ⇄ Magasins » à signature." in page
    assert "submitted version" not in page


def test_reminder_dates_are_stored_neutral_and_written_for_each_reader(org, make_charter):
    notifications.notify(
        "action_due_soon",
        recipients=[org.head_a],
        obj=("action", 3),
        link="/reviews/actions",
        params={"action": "Fix the labels", "title": "Logistique ⇄ Magasins",
                "day": date(2027, 2, 17)},
        key="action:3:due_soon",
        now=NOW,
    )  # fmt: skip
    note = _inbox(org.head_a)[0]
    assert note.params["day"] == "2027-02-17"
    assert "17 Feb 2027" in notifications.render_text(note, "en")
    assert "17 févr. 2027" in notifications.render_text(note, "fr")


def test_message_records_who_acted_on_what_and_where_to_look(org):
    _tell(org)
    note = _inbox(org.head_b)[0]
    assert (note.kind, note.actor_id, note.object_type, note.object_id, note.link) == (
        "signature_requested",
        org.admin.id,
        "charter",
        7,
        "/charters/7",
    )
    assert note.params == {"name": "Ada Admin", "number": 2, "title": "Logistique ⇄ Magasins"}


def test_message_written_before_the_change_shows_its_old_text(org, login_as):
    db.session.execute(
        insert(Notification),
        [{"user_id": org.head_a.id, "kind": "review_before", "link": "",
          "params": {"legacy_text": "La revue de « Vieux » est demain."}, "created_at": NOW}],
    )  # fmt: skip
    db.session.commit()
    page = login_as(org.head_a).get("/inbox").get_data(as_text=True)
    assert "La revue de « Vieux » est demain." in page


# ---------------------------------------------------------------- signature requests by e-mail


@pytest.fixture
def app_config(smtp):
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port, "MAIL_TIMEOUT": 5}


def test_signature_request_reaches_inbox_outbox_and_the_mail_server(org, make_charter, smtp):
    org.head_b.locale = "fr"
    charter = make_charter(commitments=(1, 1))
    submit(org, charter)
    assert [n.kind for n in _inbox(org.head_b)] == ["signature_requested"]
    assert _outbox(org.head_a) == []  # the one who submitted is not told
    (email,) = _outbox(org.head_b)
    assert email.subject == "Signature attendue : « Logistique ⇄ Magasins »"
    assert jobs.deliver_outbox(NOW) == 1
    ((recipients, message),) = smtp.inbox.messages
    assert recipients == [org.head_b.email]
    body = message.get_body(("plain",)).get_content()
    assert "Alice Head a soumis la version 1 de « Logistique ⇄ Magasins » à signature." in body
    assert f"http://127.0.0.1:5000/charters/{charter.id}" in body
    assert "/preferences" in body


def test_first_signature_asks_the_other_side_by_e_mail(org, make_charter):
    from sla_contracts.signing import signatures as signing

    from .plugins.people import TEST_PASSWORD

    charter = make_charter(commitments=(1, 1))
    version = submit(org, charter)
    signing.sign_charter(org.head_a, charter, version.number, TEST_PASSWORD, None, NOW)
    db.session.commit()
    subjects = [e.subject for e in _outbox(org.head_b)]
    assert subjects == ["Signature requested: “Logistique ⇄ Magasins”"] * 2
    assert "your signature is awaited" in _outbox(org.head_b)[-1].body


# ---------------------------------------------------------------- idempotency, opt-out, rollback


def test_same_key_twice_writes_nothing_new(org):
    _tell(org)
    _tell(org)
    _tell(org, recipients=[org.head_b])
    assert len(_inbox(org.head_a)) == len(_inbox(org.head_b)) == 1
    assert len(_outbox(org.head_a)) == len(_outbox(org.head_b)) == 1
    _tell(org, key="test:event:2")
    assert len(_inbox(org.head_b)) == len(_outbox(org.head_b)) == 2


def test_opted_out_person_gets_the_inbox_only(org):
    org.head_b.email_frequency = EmailFrequency.NEVER
    org.head_a.archived_at = NOW - timedelta(days=1)
    _tell(org)
    assert len(_inbox(org.head_b)) == 1 and _outbox(org.head_b) == []
    assert _outbox(org.head_a) == []


def test_inbox_only_message_is_never_e_mailed(org):
    notifications.notify(
        "charter_ended",
        recipients=[org.head_b],
        params={"name": "Alice Head", "title": "Logistique ⇄ Magasins", "reason": "Done."},
        key="charter:7:ended",
        now=NOW,
    )
    assert len(_inbox(org.head_b)) == 1 and _outbox(org.head_b) == []


def test_rollback_of_the_callers_transaction_tells_nobody(org):
    with pytest.raises(ConflictError), atomic():
        _tell(org)
        raise ConflictError("Someone else saved first.")
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 0


def test_unknown_message_key_is_refused(org):
    with pytest.raises(ValueError, match="no message"):
        notifications.notify("no_such_kind", recipients=[org.head_a], key="k", now=NOW)


# ---------------------------------------------------------------- migration of existing rows


def _fresh_url(tmp_path) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path / 'notifications.sqlite'}"
    parsed = make_url(url)
    name = f"{parsed.database}_notifications"
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def test_migration_keeps_old_messages_as_their_text(tmp_path):
    app = create_app(app_test_config(_fresh_url(tmp_path)))
    with app.app_context():
        upgrade(revision="d6d7270c6a81")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (id, email, name, password_hash, locale, is_admin, "
                    "is_email_opted_out, session_version, created_at) VALUES (1, 'a@example.com', "
                    "'A', 'x', 'fr', false, false, 1, :now)"
                ),
                {"now": NOW},
            )
            conn.execute(
                text(
                    "INSERT INTO notifications (user_id, kind, message, link, created_at) "
                    "VALUES (1, 'review_before', 'La revue est demain.', '/reviews/1', :now)"
                ),
                {"now": NOW},
            )
        upgrade()
        note = db.session.scalar(select(Notification))
        assert note.params == {"legacy_text": "La revue est demain."}
        assert notifications.render_text(note, "en") == "La revue est demain."
        db.session.remove()
        db.engine.dispose()


def test_signature_requests_not_yet_sent_are_withdrawn_once_the_charter_is_in_force(
    org, make_charter, smtp, login_as
):
    from sla_contracts.models import OutboxEmail
    from sla_contracts.signing import signatures

    from .plugins.people import TEST_PASSWORD

    charter = make_charter(commitments=(1, 1))
    version = submit(org, charter)
    signatures.sign_charter(org.head_a, charter, version.number, TEST_PASSWORD, None, NOW)
    db.session.commit()
    asked = db.session.scalars(select(OutboxEmail).where(OutboxEmail.status == "pending")).all()
    assert len(asked) == 2  # "please sign" to B at submit, "your signature is awaited" after A
    signatures.sign_charter(org.head_b, charter, version.number, TEST_PASSWORD, None, NOW)
    db.session.commit()  # in force before the delivery job ran
    db.session.expire_all()
    assert {e.status for e in asked} == {"withdrawn"}
    assert jobs.deliver_outbox(NOW) == 0
    assert smtp.inbox.messages == []
    # "Send now" cannot bring a withdrawn request back, and the outbox does not offer it.
    notifications.retry_now(asked[0], NOW)
    db.session.commit()
    assert asked[0].status == "withdrawn" and jobs.deliver_outbox(NOW) == 0
    page = login_as(org.admin).get("/reviews/admin/outbox").get_data(as_text=True)
    assert "Withdrawn before sending" in page and "Send now" not in page
    # The inbox keeps the story; only the e-mails that would arrive too late are held back.
    assert [n.kind for n in _inbox(org.head_b)] == ["signature_requested", "signature_awaited"]


def test_a_request_already_sent_stays_sent(org, make_charter, smtp):
    from sla_contracts.models import OutboxEmail
    from sla_contracts.signing import signatures

    from .plugins.people import TEST_PASSWORD

    charter = make_charter(commitments=(1, 1))
    version = submit(org, charter)
    assert jobs.deliver_outbox(NOW) == 1
    for head in (org.head_a, org.head_b):
        signatures.sign_charter(head, charter, version.number, TEST_PASSWORD, None, NOW)
        db.session.commit()
    statuses = db.session.scalars(select(OutboxEmail.status).order_by(OutboxEmail.id)).all()
    assert statuses == ["sent", "withdrawn"]
