"""The monthly report is sent on the first working day of the month, once, in each reader's
language, to administrators and leadership (a real SMTP server)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sla_contracts import jobs
from sla_contracts.company import report_mail
from sla_contracts.extensions import db
from sla_contracts.models import Notification
from tests.plugins.reviews import plain
from tests.signing_helpers import pdf_text


@pytest.fixture
def app_config(smtp):
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port, "MAIL_TIMEOUT": 5}


@pytest.fixture
def boss(make_user):
    user = make_user("boss@example.com", "Bea Boss", locale="fr")
    user.is_leadership = True
    db.session.commit()
    return user


def _run(now: datetime) -> int:
    told = report_mail.send_monthly_report(now)
    jobs.deliver_outbox(now)
    return told


def test_a_month_beginning_on_saturday_is_sent_on_monday(app, org, boss, smtp):
    # August 2026 begins on a Saturday: July's report goes out on Monday 3 August.
    for quiet in (
        datetime(2026, 7, 31, 23, 59, tzinfo=UTC),
        datetime(2026, 8, 1, 9, 0, tzinfo=UTC),
        datetime(2026, 8, 2, 23, 59, tzinfo=UTC),
    ):
        assert _run(quiet) == 0
    assert smtp.inbox.messages == []
    assert _run(datetime(2026, 8, 3, 0, 0, tzinfo=UTC)) == 2  # the admin and the boss
    received = {rcpt[0]: message for rcpt, message in smtp.inbox.messages}
    assert set(received) == {org.admin.email, boss.email}  # heads and members are not told
    assert received[org.admin.email]["Subject"] == "Report for leadership: July 2026"
    assert received[boss.email]["Subject"] == "Rapport pour la direction : juillet 2026"
    body = received[org.admin.email].get_body(("plain",)).get_content()
    assert "/company/reports/2026-07" in body
    for email, words in ((org.admin.email, "July 2026"), (boss.email, "juillet 2026")):
        (attached,) = [p for p in received[email].iter_attachments()]
        assert attached.get_content_type() == "application/pdf"
        assert words in plain(pdf_text(attached.get_content()))
    # A second scheduler, a re-run, the next days of the week: nothing more.
    assert _run(datetime(2026, 8, 3, 0, 0, tzinfo=UTC)) == 0
    assert _run(datetime(2026, 8, 4, 8, 0, tzinfo=UTC)) == 0
    assert len(smtp.inbox.messages) == 2
    keys = db.session.query(Notification.idempotency_key).distinct().all()
    assert keys == [("report:2026-07",)]


def test_a_month_beginning_on_a_weekday_is_sent_that_day(app, org, boss, smtp):
    # 1 September 2026 is a Tuesday.
    assert _run(datetime(2026, 8, 31, 23, 59, tzinfo=UTC)) == 0
    assert _run(datetime(2026, 9, 1, 0, 0, tzinfo=UTC)) == 2
    subjects = sorted(m["Subject"] for _rcpt, m in smtp.inbox.messages)
    assert subjects == [
        "Rapport pour la direction : août 2026",
        "Report for leadership: August 2026",
    ]
    assert _run(datetime(2026, 9, 8, 9, 0, tzinfo=UTC)) == 0  # past the first week


def test_first_working_day():
    assert report_mail.first_working_day(datetime(2026, 8, 1).date()).isoformat() == "2026-08-03"
    assert report_mail.month_to_send(datetime(2026, 8, 2).date()) is None
    assert report_mail.month_to_send(datetime(2026, 8, 7).date()).isoformat() == "2026-07-01"
    assert "send_monthly_report" in [job.id for job in jobs.JOBS]
