"""Review meetings in people's calendars: invitation files in UTC, cancellations for whoever
is removed, times written for people, and a schedule form that says who is who."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale
from icalendar import Calendar
from sqlalchemy import select

from sla_contracts.extensions import db
from sla_contracts.models import Notification, OutboxEmail
from sla_contracts.notifications import render_text
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


def test_invitation_is_in_utc_and_a_removed_attendee_gets_a_cancel_naming_only_them(review, org):
    paris = ZoneInfo("Europe/Paris")
    start = datetime(2027, 1, 20, 14, 0, tzinfo=paris)
    everyone = [org.head_a.id, org.head_b.id, org.member_b.id]
    scheduling.schedule_meeting(org.head_a, review, start=start, duration_minutes=60,
                         location="Salle Rivoli", attendee_ids=everyone, now=NOW)  # fmt: skip
    db.session.commit()
    first = db.session.scalar(select(OutboxEmail).where(OutboxEmail.recipient == org.head_b.email))
    raw = first.ics.decode()
    assert "DTSTART:20270120T130000Z" in raw and "DTEND:20270120T140000Z" in raw
    assert "TZID" not in raw

    scheduling.schedule_meeting(org.head_a, review, start=start, duration_minutes=60,
                         location="Salle Rivoli", attendee_ids=everyone[:2], now=NOW)  # fmt: skip
    db.session.commit()
    mails = list(
        db.session.scalars(
            select(OutboxEmail)
            .where(OutboxEmail.recipient == org.member_b.email)
            .order_by(OutboxEmail.id)
        )
    )
    cancel = Calendar.from_ical(mails[-1].ics)
    assert str(cancel["method"]) == "CANCEL"
    event = next(iter(cancel.walk("VEVENT")))
    attendees = event.get("attendee")
    attendees = attendees if isinstance(attendees, list) else [attendees]
    assert [str(a) for a in attendees] == [f"mailto:{org.member_b.email}"]
    note = db.session.scalars(
        select(Notification)
        .where(Notification.user_id == org.member_b.id)
        .order_by(Notification.id.desc())
    ).first()
    text = render_text(note, "en")
    assert "removed" in text and "cancelled" not in text
    assert "removed" in mails[-1].body.lower()


def test_meeting_times_have_no_seconds_and_a_short_zone(review, org, login_as, active):
    org.head_b.locale = "fr"
    start = datetime(2027, 1, 22, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))
    scheduling.schedule_meeting(org.head_a, review, start=start, duration_minutes=60,
                         location="Salle Rivoli", attendee_ids=[org.head_a.id, org.head_b.id],
                         now=NOW)  # fmt: skip
    db.session.commit()
    fr = "vendredi 22 janvier 2027, 09:00 (heure de Paris)"
    note = db.session.scalar(select(Notification).where(Notification.user_id == org.head_b.id))
    assert fr in render_text(note, "fr")
    mail = db.session.scalar(select(OutboxEmail).where(OutboxEmail.recipient == org.head_b.email))
    assert fr in mail.body
    en = db.session.scalar(select(Notification).where(Notification.user_id == org.head_a.id))
    assert "Friday 22 January 2027, 09:00" in render_text(en, "en")
    assert "(Paris time)" in render_text(en, "en")
    page = login_as(org.head_b).get(f"/charters/{active.id}").get_data(as_text=True)
    assert fr in page
    # Machine-readable attributes (datetime=, the live poll's since=) are not shown.
    page = re.sub(r'(datetime|data-live-url)="[^"]*"', "", page)
    for text in (render_text(note, "fr"), mail.body, page):
        assert not re.search(r"\d\d:\d\d:\d\d", text)
        assert "heure normale" not in text and "Central European" not in text


def test_schedule_form_names_each_persons_department_and_role(review, org, login_as):
    page = plain(login_as(org.head_a).get(f"/reviews/{review.id}/schedule").get_data(as_text=True))
    assert f"{org.member_b.name} — {org.stores.name} (Member)" in page
    assert f"{org.head_a.name} — {org.logistics.name} (Head)" in page
    assert "they hold the review and take its decisions" in page


def _event(ics: bytes):
    return next(iter(Calendar.from_ical(ics).walk("VEVENT")))


def _people(event) -> dict[str, str]:
    """Attendees as {address: CN}."""
    found = event.get("attendee")
    found = found if isinstance(found, list) else [found]
    return {str(a).removeprefix("mailto:"): str(a.params.get("CN", "")) for a in found}


def test_invitation_names_attendees_and_the_scheduling_head_organises(review, org):
    org.member_b.name = 'Zoé "la" D\'Arc, Jr; ventes:nord'  # quotes, comma, semicolon, colon
    start = datetime(2027, 1, 20, 13, 0, tzinfo=UTC)
    everyone = [org.head_a.id, org.head_b.id, org.member_b.id]
    scheduling.schedule_meeting(org.head_a, review, start=start, location="Salle Rivoli",
                                attendee_ids=everyone, now=NOW)  # fmt: skip
    db.session.commit()
    invite = db.session.scalars(select(OutboxEmail).where(OutboxEmail.ics.is_not(None))).first()
    event = _event(invite.ics)
    assert _people(event) == {
        org.head_a.email: org.head_a.name,
        org.head_b.email: org.head_b.name,
        org.member_b.email: "Zoé la D'Arc, Jr; ventes:nord",  # a CN cannot hold a double quote
    }
    organizer = event["organizer"]
    assert str(organizer) == f"mailto:{org.head_a.email}"
    assert str(organizer.params["CN"]) == org.head_a.name
    assert str(organizer.params["SENT-BY"]) == "mailto:reciproque@localhost"
    assert "localhost" not in str(organizer)

    # The other head moves the meeting: one organiser per calendar event, still the first.
    later = start.replace(hour=15)
    scheduling.schedule_meeting(org.head_b, review, start=later, location="Salle Rivoli",
                                attendee_ids=everyone, now=NOW)  # fmt: skip
    db.session.commit()
    moved = db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.ics.is_not(None)).order_by(OutboxEmail.id.desc())
    ).first()
    assert int(_event(moved.ics)["SEQUENCE"]) == 1
    assert str(_event(moved.ics)["organizer"]) == f"mailto:{org.head_a.email}"


def test_a_configured_organiser_names_every_meeting(app, review, org):
    app.config["ICS_ORGANIZER"] = "Qualité de service <qualite@corp.local>"
    start = datetime(2027, 1, 20, 13, 0, tzinfo=UTC)
    scheduling.schedule_meeting(org.head_a, review, start=start, location="Salle Rivoli",
                                attendee_ids=[org.head_b.id], now=NOW)  # fmt: skip
    db.session.commit()
    invite = db.session.scalars(select(OutboxEmail).where(OutboxEmail.ics.is_not(None))).first()
    organizer = _event(invite.ics)["organizer"]
    assert str(organizer) == "mailto:qualite@corp.local"
    assert str(organizer.params["CN"]) == "Qualité de service"
    assert "SENT-BY" not in organizer.params
