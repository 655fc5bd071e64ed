"""Snoozing reminders (a day, a week, at most twice), their return, and the escalation once."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from sla_contracts import jobs
from sla_contracts.extensions import db
from sla_contracts.models import CharterStatus, Notification, OutboxEmail
from sla_contracts.notifications import render_text, snooze
from sla_contracts.notifications.registry import MESSAGES, reminder_kinds
from sla_contracts.timeutil import utcnow

NOW = datetime(2027, 2, 3, 7, 0, tzinfo=UTC)  # 14 days before the review of 17 February


@pytest.fixture
def app_config(smtp):
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port, "MAIL_TIMEOUT": 5}


@pytest.fixture(autouse=True)
def _english():
    with force_locale("en"):
        yield


@pytest.fixture
def reminded(make_charter, org):
    """A charter in force whose review is in 14 days: both heads got their reminder."""
    charter = make_charter(status=CharterStatus.ACTIVE, commitments=(1, 1))
    charter.next_review_on = date(2027, 2, 17)
    db.session.commit()
    assert jobs.plan_reminders(NOW) == 1
    return charter


def _reminder(user) -> Notification:
    return db.session.scalar(
        select(Notification).where(
            Notification.user_id == user.id, Notification.kind == "review_before"
        )
    )


def _escalations() -> list[Notification]:
    return list(
        db.session.scalars(select(Notification).where(Notification.kind == "reminder_escalated"))
    )


def _sent_to(smtp, address: str, subject_part: str = "") -> list:
    return [
        message
        for rcpts, message in smtp.inbox.messages
        if address in rcpts and subject_part in message["Subject"]
    ]


def test_the_review_and_action_reminders_are_flagged_as_reminders():
    assert {"review_before", "review_overdue", "action_due_soon", "action_overdue"} <= set(
        reminder_kinds()
    )
    assert not MESSAGES["signature_requested"].reminder


def test_snooze_a_day_from_the_inbox_hides_it_until_the_job_brings_it_back(
    smtp, reminded, org, login_as
):
    jobs.deliver_outbox(NOW)
    browser = login_as(org.head_a)
    note = _reminder(org.head_a)
    text = render_text(note, "en")
    page = browser.get("/inbox").get_data(as_text=True)
    assert text in page and "Put off:" in page
    answer = browser.post(f"/inbox/{note.id}/snooze", {"length": "day"})
    assert answer.status_code == 302
    db.session.expire_all()
    note = _reminder(org.head_a)
    assert note.snooze_count == 1
    assert abs(note.snoozed_until - (utcnow() + timedelta(days=1))) < timedelta(minutes=1)
    assert text not in browser.get("/inbox").get_data(as_text=True)

    assert jobs.end_snoozes(utcnow() + timedelta(hours=23)) == (0, 0)  # not yet
    back = utcnow() + timedelta(days=1, minutes=1)
    assert jobs.end_snoozes(back) == (1, 0)
    assert jobs.end_snoozes(back) == (0, 0)  # a second scheduler: nothing twice
    db.session.expire_all()
    note = _reminder(org.head_a)
    assert note.snoozed_until is None and note.read_at is None
    assert text in browser.get("/inbox").get_data(as_text=True)
    jobs.deliver_outbox(back)
    # Once when planned, once back from the snooze (and not twice); the other head once.
    assert len(_sent_to(smtp, org.head_a.email, "Reminder: review")) == 2
    assert len(_sent_to(smtp, org.head_b.email, "Reminder: review")) == 1


def test_a_snoozed_reminders_email_not_yet_sent_waits_for_the_snooze(smtp, reminded, org):
    snooze.snooze(org.head_a, _reminder(org.head_a), "day", NOW)
    db.session.commit()
    jobs.deliver_outbox(NOW)
    assert _sent_to(smtp, org.head_a.email) == []
    jobs.end_snoozes(NOW + timedelta(days=1))
    jobs.deliver_outbox(NOW + timedelta(days=1))
    assert len(_sent_to(smtp, org.head_a.email, "Reminder: review")) == 1


def test_snooze_a_week(reminded, org):
    note = _reminder(org.head_a)
    snooze.snooze(org.head_a, note, "week", NOW)
    db.session.commit()
    assert note.snoozed_until == NOW + timedelta(days=7)
    assert jobs.end_snoozes(NOW + timedelta(days=6, hours=23)) == (0, 0)
    assert jobs.end_snoozes(NOW + timedelta(days=7)) == (1, 0)
    again = db.session.scalar(
        select(func.count()).where(OutboxEmail.idempotency_key.like("review:%:back:1:user:%"))
    )
    assert again == 1


def test_third_snooze_is_refused_with_a_clear_message(reminded, org, login_as):
    browser = login_as(org.head_a)
    note_id = _reminder(org.head_a).id
    assert browser.post(f"/inbox/{note_id}/snooze", {"length": "day"}).status_code == 302
    jobs.end_snoozes(utcnow() + timedelta(days=1, minutes=1))
    assert browser.post(f"/inbox/{note_id}/snooze", {"length": "week"}).status_code == 302
    jobs.end_snoozes(utcnow() + timedelta(days=7, minutes=1))
    page = browser.get("/inbox").get_data(as_text=True)
    assert "Put off:" not in page  # no more buttons once put off twice
    assert "put off 2 times" in page
    answer = browser.post(f"/inbox/{note_id}/snooze", {"length": "day"}, follow_redirects=True)
    assert "already put off twice: it cannot be put off again" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert _reminder(org.head_a).snooze_count == 2
    assert _reminder(org.head_a).snoozed_until is None


def test_escalates_once_to_the_administrators_after_two_snoozes(smtp, reminded, org):
    note = _reminder(org.head_a)
    snooze.snooze(org.head_a, note, "day", NOW)
    db.session.commit()
    assert _escalations() == []
    snooze.snooze(org.head_a, note, "day", NOW + timedelta(days=1))
    db.session.commit()
    with pytest.raises(snooze.ConflictError):
        snooze.snooze(org.head_a, note, "day", NOW + timedelta(days=2))
    db.session.rollback()
    for _run in range(2):  # the job, twice, past the review day too: nothing more
        jobs.end_snoozes(datetime(2027, 2, 20, 7, 0, tzinfo=UTC))
    escalations = _escalations()
    assert [e.user_id for e in escalations] == [org.admin.id]
    text = render_text(escalations[0], "en")
    assert "Alice Head has put off this reminder 2 times since 3 Feb 2027" in text
    assert "Logistique ⇄ Magasins" in text
    jobs.deliver_outbox(datetime(2027, 2, 20, 7, 5, tzinfo=UTC))
    assert len(_sent_to(smtp, org.admin.email, "Reminder put off: Alice Head")) == 1


def test_escalates_once_when_a_snoozed_reminder_passes_its_day(reminded, org):
    note = _reminder(org.head_a)
    snooze.snooze(org.head_a, note, "week", NOW)
    db.session.commit()
    assert jobs.end_snoozes(datetime(2027, 2, 17, 7, 0, tzinfo=UTC)) == (1, 0)  # its day
    assert jobs.end_snoozes(datetime(2027, 2, 18, 7, 0, tzinfo=UTC)) == (0, 1)
    assert jobs.end_snoozes(datetime(2027, 2, 18, 7, 15, tzinfo=UTC)) == (0, 0)
    escalations = _escalations()
    assert len(escalations) == 1
    text = render_text(escalations[0], "en")
    assert "Alice Head put off this reminder (first sent on 3 Feb 2027)" in text
    assert "17 Feb 2027, has passed" in text
    # A reminder nobody put off does not escalate: the other head's stays quiet.
    assert _reminder(org.head_b).escalated_at is None


def test_someone_elses_reminder_cannot_be_snoozed(reminded, org, login_as):
    note = _reminder(org.head_a)
    other = login_as(org.head_b)
    assert other.post(f"/inbox/{note.id}/snooze", {"length": "day"}).status_code == 404
    assert other.post("/inbox/999999/snooze", {"length": "day"}).status_code == 404
    db.session.expire_all()
    assert _reminder(org.head_a).snooze_count == 0


def test_the_inbox_snooze_needs_the_csrf_token(reminded, org, login_as):
    note = _reminder(org.head_a)
    answer = login_as(org.head_a).post(f"/inbox/{note.id}/snooze", {"length": "day"}, csrf=False)
    assert answer.status_code == 400
    db.session.expire_all()
    assert _reminder(org.head_a).snooze_count == 0


def test_a_message_that_is_no_reminder_cannot_be_snoozed(reminded, org, login_as):
    note = _reminder(org.head_a)
    note.kind = "charter_active"
    db.session.commit()
    with pytest.raises(snooze.ValidationError):
        snooze.snooze(org.head_a, note, "day", NOW)


def test_snooze_from_the_emails_signed_link_without_signing_in(smtp, reminded, org, client):
    jobs.deliver_outbox(NOW)
    [mail] = _sent_to(smtp, org.head_a.email, "Reminder: review")
    body = mail.get_body(("plain",)).get_content()
    url = re.search(r"http://\S+/mail/snooze/\S+", body).group(0)
    path = url.split("127.0.0.1:5000", 1)[1]
    page = client.get(path)
    assert page.status_code == 200
    assert "Put off for a day" in page.get_data(as_text=True)
    db.session.expire_all()
    assert _reminder(org.head_a).snooze_count == 0  # GET changes nothing
    done = client.post(path, data={"length": "week"})
    assert done.status_code == 200
    assert "Put off until" in done.get_data(as_text=True)
    db.session.expire_all()
    assert _reminder(org.head_a).snooze_count == 1
    tampered = client.post(path[:-3] + "xyz", data={"length": "day"})
    assert tampered.status_code == 400
    assert "This link is not valid" in tampered.get_data(as_text=True)
    db.session.expire_all()
    assert _reminder(org.head_a).snooze_count == 1


def _inbox_statements(app, browser) -> int:
    from sqlalchemy import event

    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert browser.get("/inbox").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_the_inbox_with_snooze_buttons_makes_as_many_statements_for_2_or_40_reminders(
    app, org, login_as
):
    from sla_contracts import notifications

    def remind(start: int, count: int) -> None:
        for i in range(start, start + count):
            notifications.notify(
                "review_before",
                recipients=[org.head_a],
                key=f"review:{i}:2027-02-17:before:14",
                link="/reviews/1",
                params={"title": f"Charter {i}", "day": "2027-02-17", "days": 14},
                obj=("review", i),
                now=NOW,
            )
        db.session.commit()

    browser = login_as(org.head_a)
    remind(0, 2)
    small = _inbox_statements(app, browser)
    remind(2, 38)
    for note in db.session.scalars(select(Notification).limit(5)):
        snooze.snooze(org.head_a, note, "day", utcnow())
    db.session.commit()
    large = _inbox_statements(app, browser)
    assert small == large
    assert large <= 25


def test_two_scheduler_processes_bring_back_and_escalate_each_reminder_once(
    postgres_only, database_url, make_charter, org
):
    import os
    import subprocess
    import sys
    from pathlib import Path

    for i in range(20):
        charter = make_charter(f"Charter {i}", status=CharterStatus.ACTIVE, commitments=(1, 1))
        charter.next_review_on = date(2027, 2, 17)
    db.session.commit()
    jobs.plan_reminders(NOW)
    notes = db.session.scalars(
        select(Notification).where(Notification.user_id == org.head_a.id)
    ).all()
    assert len(notes) == 20
    for note in notes:
        snooze.snooze(org.head_a, note, "week", NOW)
    db.session.commit()
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "DATABASE_URL": database_url, "MAIL_SERVER": "",
           "SCHEDULER_IN_PROCESS": "0"}  # fmt: skip
    flask = str(Path(sys.executable).with_name("flask"))
    for now in ("2027-02-10T08:00", "2027-02-18T08:00"):
        procs = [
            subprocess.Popen([flask, "--app", "app", "run-jobs", "--now", now], cwd=root,
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]  # fmt: skip
        for proc in procs:
            _out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err[-2000:]
    db.session.expire_all()
    back = db.session.scalars(
        select(OutboxEmail.idempotency_key).where(OutboxEmail.idempotency_key.like("%:back:1:%"))
    ).all()
    assert len(back) == 20  # each reminder e-mailed again once
    escalations = _escalations()
    assert len(escalations) == 20
    assert {e.user_id for e in escalations} == {org.admin.id}
