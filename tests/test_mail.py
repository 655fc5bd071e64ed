"""Outbox delivery to a real SMTP server started in the test (``smtp``: aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import force_locale
from icalendar import Calendar
from sqlalchemy import select

from sla_contracts import jobs, notifications
from sla_contracts.extensions import db
from sla_contracts.models import CharterStatus, OutboxEmail
from sla_contracts.reviews import operations as ops
from sla_contracts.reviews import scheduling

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


@pytest.fixture
def app_config(smtp):
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port, "MAIL_TIMEOUT": 5}


@pytest.fixture(autouse=True)
def _english(app):
    with force_locale("en"):
        yield


def _row(key: str) -> OutboxEmail:
    return db.session.scalar(select(OutboxEmail).where(OutboxEmail.idempotency_key == key))


def test_invitation_is_delivered_with_its_calendar_file(smtp, make_charter, org):
    org.head_b.locale = "fr"
    charter = make_charter(status=CharterStatus.ACTIVE, commitments=(1, 1))
    charter.next_review_on = date(2027, 1, 20)
    review = ops.plan_review(charter, NOW)
    scheduling.schedule_meeting(org.head_a, review, start=datetime(2027, 1, 20, 13, 0, tzinfo=UTC),
                         location="Salle Rivoli", attendee_ids=[org.head_a.id, org.head_b.id],
                         now=NOW)  # fmt: skip
    db.session.commit()
    # Two invitations, and the satisfaction survey asked of the four people of both sides.
    assert jobs.deliver_outbox(NOW) == 6
    invitations = {
        tuple(rcpts): msg
        for rcpts, msg in smtp.inbox.messages
        if any(p.get_content_type() == "text/calendar" for p in msg.iter_attachments())
    }
    assert set(invitations) == {(org.head_a.email,), (org.head_b.email,)}
    message = invitations[(org.head_b.email,)]
    assert message["To"] == org.head_b.email
    assert "Logistique ⇄ Magasins" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    # In the recipient's language: the date is written the French way.
    assert "janvier 2027" in text
    assert message.get_body(("html",)) is not None
    ics = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert len(ics) == 1 and ics[0].get_filename() == "invite.ics"
    calendar = Calendar.from_ical(ics[0].get_payload(decode=True))
    assert str(calendar["METHOD"]) == "REQUEST"
    event = next(iter(calendar.walk("VEVENT")))
    assert str(event["UID"]) == review.ics_uid
    assert int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == datetime(2027, 1, 20, 13, 0, tzinfo=UTC)
    assert message["Message-ID"] == notifications.message_id(
        _row(
            f"review:{review.id}:ics:{review.ics_uid}:0:request:user:{org.head_b.id}"
        ).idempotency_key,
        "reciproque@localhost",
    )


def test_running_delivery_twice_sends_no_duplicate(smtp, org):
    notifications.queue_email("k1", org.head_a, "One", "Body one", now=NOW)
    notifications.queue_email("k2", "someone@example.com", "Two", "Body two", now=NOW)
    notifications.queue_email("k1", org.head_a, "One again", "Body", now=NOW)  # same key: ignored
    db.session.commit()
    assert jobs.deliver_outbox(NOW) == 2
    assert jobs.deliver_outbox(NOW + timedelta(minutes=1)) == 0
    assert len(smtp.inbox.messages) == 2
    assert _row("k1").status == "sent" and _row("k1").sent_at == NOW


def test_server_down_keeps_mail_with_error_and_delivers_later(smtp, org):
    smtp.stop()
    notifications.queue_email("down", org.head_a, "Waiting", "Body", now=NOW)
    db.session.commit()
    assert jobs.deliver_outbox(NOW) == 0
    row = _row("down")
    assert row.status == "pending" and row.attempts == 1
    assert "Connection" in row.last_error or "refused" in row.last_error.lower()
    assert row.next_attempt_at == NOW + timedelta(minutes=1)
    assert jobs.deliver_outbox(NOW + timedelta(seconds=30)) == 0  # not due yet
    jobs.deliver_outbox(NOW + timedelta(minutes=1))
    assert _row("down").attempts == 2
    assert _row("down").next_attempt_at == NOW + timedelta(minutes=1) + timedelta(minutes=5)
    smtp.start()
    assert jobs.deliver_outbox(NOW + timedelta(minutes=7)) == 1
    assert _row("down").status == "sent"
    assert [rcpts for rcpts, _m in smtp.inbox.messages] == [[org.head_a.email]]


def test_refused_recipient_is_retried_and_the_error_kept(smtp, org):
    smtp.inbox.refuse = True
    notifications.queue_email("refused", org.head_a, "Hello", "Body", now=NOW)
    db.session.commit()
    assert jobs.deliver_outbox(NOW) == 0
    row = _row("refused")
    assert row.status == "pending" and "550" in row.last_error
    smtp.inbox.refuse = False
    assert jobs.deliver_outbox(NOW + timedelta(minutes=2)) == 1
    assert _row("refused").last_error is None


def test_gives_up_after_many_attempts_but_keeps_the_row(smtp, org):
    smtp.inbox.refuse = True
    notifications.queue_email("stubborn", org.head_a, "Hello", "Body", now=NOW)
    db.session.commit()
    now = NOW
    for _ in range(notifications.MAX_ATTEMPTS):
        jobs.deliver_outbox(now)
        now += timedelta(days=2)
    row = _row("stubborn")
    assert row.status == "failed" and row.attempts == notifications.MAX_ATTEMPTS
    notifications.retry_now(row, now)
    db.session.commit()
    smtp.inbox.refuse = False
    assert jobs.deliver_outbox(now) == 1


def test_claimed_rows_are_not_sent_by_another_worker(smtp, org):
    notifications.queue_email("claimed", org.head_a, "Hello", "Body", now=NOW)
    db.session.commit()
    assert notifications.claim(NOW) == [_row("claimed").id]
    # A second worker within the lease finds nothing; after the lease the row comes back.
    assert jobs.deliver_outbox(NOW + timedelta(minutes=1)) == 0
    assert jobs.deliver_outbox(NOW + notifications.LEASE + timedelta(seconds=1)) == 1
    assert len(smtp.inbox.messages) == 1


def test_retry_delays_grow():
    delays = [notifications.retry_delay(n).total_seconds() / 60 for n in range(1, 6)]
    assert delays == [1, 5, 15, 60, 240]


def test_message_id_is_deterministic():
    assert notifications.message_id("a:b", "x@example.org") == notifications.message_id(
        "a:b", "y@example.org"
    )
    assert notifications.message_id("a:b", "x@example.org").endswith("@example.org>")
    assert notifications.message_id("a:b", "x@e.org") != notifications.message_id("a:c", "x@e.org")


class TestNotConfigured:
    @pytest.fixture
    def app_config(self):
        return {"MAIL_SERVER": ""}

    def test_mail_stays_in_outbox_and_is_listed_for_admins(self, org, login_as, caplog):
        notifications.queue_email("nowhere", org.head_a, "Kept <here>", "Body text", now=NOW)
        db.session.commit()
        with caplog.at_level("INFO"):
            assert jobs.deliver_outbox(NOW) == 0
            jobs.deliver_outbox(NOW + timedelta(minutes=1))
        assert sum("Kept <here>" in r.getMessage() for r in caplog.records) == 1
        row = _row("nowhere")
        assert row.status == "pending" and row.last_error == notifications.NOT_CONFIGURED
        page = login_as(org.admin).get("/reviews/admin/outbox").get_data(as_text=True)
        assert "Kept &lt;here&gt;" in page and "No SMTP server is configured" in page
