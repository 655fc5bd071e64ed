"""Calendar invitations (.ics) for review meetings, built with the icalendar library."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//Reciproque//Reviews//EN"

Person = tuple[str, str]  # (display name, e-mail address)


def _address(name: str, email: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    # A parameter value cannot hold a double quote (RFC 5545 3.1), even quoted: drop them;
    # line breaks are no more allowed.
    cn = " ".join(name.replace('"', "").split())
    if cn:
        address.params["cn"] = vText(cn)
    return address


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
    organizer: Person,
    sent_by: str | None,
    attendees: list[Person],
    now: datetime,
) -> bytes:
    """Return an iTIP message: METHOD REQUEST (invite or update) or CANCEL, same UID throughout.

    ``organizer`` and ``attendees`` are (name, e-mail) pairs; names go in the CN parameter, which
    the icalendar library quotes. ``sent_by``: the address that actually sends the e-mail, when
    it is not the organiser's own (RFC 5545 SENT-BY), so calendars show "Alice Martin via …".
    """
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
    event["organizer"] = _address(*organizer)
    if sent_by and sent_by.lower() != organizer[1].lower():
        event["organizer"].params["sent-by"] = vText(f"mailto:{sent_by}")
    for name, email in attendees:
        attendee = _address(name, email)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["cutype"] = vText("INDIVIDUAL")
        # The app does not read calendar replies: asking for one would go unanswered.
        attendee.params["rsvp"] = vText("FALSE")
        event.add("attendee", attendee, encode=0)
    calendar.add_component(event)
    return calendar.to_ical()
