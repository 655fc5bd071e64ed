"""The outbox page for administrators: statuses and errors in the reader's language, one
message in full."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from sla_contracts import jobs
from sla_contracts.extensions import db
from sla_contracts.models import OutboxEmail
from sla_contracts.reviews import scheduling

from .plugins.reviews import plain

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _request(app):
    with force_locale("en"):
        yield


@pytest.fixture
def review(started_review):
    return started_review


def test_outbox_page_translates_status_and_error_and_shows_one_message(review, org, login_as):
    scheduling.schedule_meeting(org.head_a, review, start=datetime(2027, 1, 20, 13, 0, tzinfo=UTC),
                         duration_minutes=60, location="Salle Rivoli",
                         attendee_ids=[org.head_a.id], now=NOW)  # fmt: skip
    db.session.commit()
    jobs.deliver_outbox(NOW)  # no MAIL_SERVER in tests: kept with the raw reason
    db.session.commit()
    email = db.session.scalar(select(OutboxEmail))
    assert email.last_error and "MAIL_SERVER" in email.last_error
    org.admin.locale = "fr"
    db.session.commit()
    admin = login_as(org.admin)
    page = plain(admin.get("/reviews/admin/outbox").get_data(as_text=True))
    assert "En attente d'envoi" in page and ">pending<" not in page
    assert "Aucun serveur de messagerie n'est configuré" in page
    assert "is not configured: kept in the outbox" not in page
    one = admin.get(f"/reviews/admin/outbox/{email.id}")
    assert one.status_code == 200
    text = plain(one.get_data(as_text=True))
    assert org.head_a.email in text and email.subject in text
    assert "Salle Rivoli" in text and "invite.ics" in text
    assert login_as(org.head_a).get(f"/reviews/admin/outbox/{email.id}").status_code == 403
