"""Dates nobody misreads (day first, month in words); the login message in the reader's language."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from sla_contracts import formats, notifications
from sla_contracts.extensions import db
from sla_contracts.models import CharterStatus, OutboxEmail
from sla_contracts.reviews.chart import history_chart
from tests.plugins.people import Browser

US_SHORT = re.compile(r"\b\d{1,2}/\d{1,2}/\d{2}\b")
# 08:30 UTC on 1 March 2027 is 09:30 in Paris (the display time zone).
MORNING = datetime(2027, 3, 1, 8, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("locale", "width", "expected"),
    [
        ("en", "long", "1 March 2027"),
        ("fr", "long", "1 mars 2027"),
        ("en", "medium", "1 Mar 2027"),
        ("en", "short", "1 Mar 2027"),
        ("fr", "short", "1 mars 2027"),
    ],
)
def test_days_read_day_first_with_the_month_in_words(app, locale, width, expected):
    with app.test_request_context(), force_locale(locale):
        assert formats.day(date(2027, 3, 1), width) == expected


def test_date_and_time_is_local_without_seconds_or_am_pm(app):
    with app.test_request_context(), force_locale("en"):
        assert formats.moment(MORNING) == "1 Mar 2027, 09:30"
    with app.test_request_context(), force_locale("fr"):
        assert formats.moment(MORNING, "long") == "1 mars 2027, 09:30"


def test_french_login_redirect_says_to_sign_in_in_french(app):
    client = app.test_client()
    response = client.get("/inbox", headers={"Accept-Language": "fr"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.request.path == "/login"
    assert "Connectez-vous pour voir cette page." in page
    assert "Please log in" not in page


def test_english_login_redirect_says_to_sign_in(app):
    client = app.test_client()
    response = client.get("/inbox", headers={"Accept-Language": "en"}, follow_redirects=True)
    assert "Please sign in to see this page." in response.get_data(as_text=True)


def test_english_inbox_and_e_mail_show_unambiguous_dates(org, login_as):
    notifications.notify(
        "review_overdue",
        recipients=[org.head_a],
        params={"title": "Logistique ⇄ Magasins", "day": date(2027, 3, 1)},
        key="review:1:overdue",
        link="/reviews/actions",
        now=MORNING,
    )
    db.session.commit()
    page = login_as(org.head_a).get("/inbox").get_data(as_text=True)
    page = re.sub(r'datetime="[^"]*"', "", page)  # machine-readable attribute, not shown
    assert "was due on 1 Mar 2027" in page
    assert "1 Mar 2027, 09:30" in page
    assert not US_SHORT.search(page)
    mail = db.session.scalar(select(OutboxEmail).where(OutboxEmail.recipient == org.head_a.email))
    assert "was due on 1 Mar 2027" in mail.body and not US_SHORT.search(mail.body)


def test_english_charter_page_shows_the_next_review_day_first(make_charter, org, login_as):
    charter = make_charter(status=CharterStatus.ACTIVE)
    charter.next_review_on = date(2027, 3, 1)
    db.session.commit()
    page = login_as(org.head_a).get(f"/charters/{charter.id}").get_data(as_text=True)
    assert "due by 1 March 2027, no meeting booked yet" in page
    assert "3/1/27" not in page


def test_chart_axis_shows_the_local_day_like_the_table(app):
    # 23:30 UTC on 1 March is already 2 March in Paris: the table says 2 March, so must the axis.
    late = SimpleNamespace(
        held_at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC),
        share_met=0.5,
        satisfaction_a_of_b=3,
        satisfaction_b_of_a=4,
        criterion_value=96.5,
    )
    with app.test_request_context(), force_locale("en"):
        svg = str(history_chart([late]))
        row = formats.moment(late.held_at)
    axis = re.findall(r'text-anchor="middle" class="axis"[^>]*>([^<]*)<', svg)
    assert axis == ["2 Mar 2026"]
    assert row.startswith("2 Mar 2026")


def test_browser_login_still_works_in_french(org, app):
    # The flashed lazy message must survive the session cookie on the way to the login page.
    client = app.test_client()
    client.get("/inbox", headers={"Accept-Language": "fr"})
    Browser(client).login(org.head_a)
