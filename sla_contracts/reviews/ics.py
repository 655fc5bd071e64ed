"""Calendar invitations (.ics) for review meetings, built with the icalendar library."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//Reciproque//Reviews//EN"


def meeting_ics(
    *,
    uid: str,
    sequence: int,
    method: str,
    start: datetime,
    duration_minutes: int,
    summary: str,
    description: str,
    location: str,
    url: str,
    organizer_email: str,
    attendee_emails: list[str],
    now: datetime,
) -> bytes:
    """Return an iTIP message: METHOD REQUEST (invite or update) or CANCEL, same UID throughout."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    # Times in UTC ("...Z"): valid without a VTIMEZONE, and every calendar shows them in the
    # reader's own zone.
    start = start.astimezone(UTC)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=duration_minutes))
    event.add("summary", summary)
    event.add("description", description)
    if location:
        event.add("location", location)
    if url:
        event.add("url", url)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{organizer_email}")
    organizer.params["cn"] = vText("Réciproque")
    event["organizer"] = organizer
    for email in attendee_emails:
        attendee = vCalAddress(f"mailto:{email}")
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        event.add("attendee", attendee, encode=0)
    calendar.add_component(event)
    return calendar.to_ical()
