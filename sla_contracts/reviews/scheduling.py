"""Scheduling the review meeting: the date, the place, the attendees and their .ics invitations.

Functions here flush, never commit: the view, the job or the command commits once.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from email.utils import parseaddr
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import formats, notifications
from ..audit.operations import record_event
from ..errors import ReviewStateError, ValidationError
from ..extensions import db
from ..models import Charter, Membership, Review, ReviewAttendee, ReviewStatus, User
from ..timeutil import utcnow
from . import survey
from .access import ensure_active, require_editor
from .ics import meeting_ics

LOCATION_MAX = 300
LINK_MAX = 500
PRODUCT = "Réciproque"  # the name on invitations when no person organises (not translated)


def _within(value: Any, name: str, max_length: int) -> str:
    text = "" if value is None else str(value).strip()
    if len(text) > max_length:
        raise ValidationError(_("At most %(max)d characters.", max=max_length), field=name)
    return text


def eligible_attendees(charter: Charter) -> list[User]:
    """People of either department, by name in the reader's collation."""
    rows = db.session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.department_id.in_(charter.department_ids),
            User.archived_at.is_(None),
        )
        .distinct()
        .options(selectinload(User.memberships))
    ).all()
    return formats.collate(rows, key=lambda user: user.name)


def _meeting_summary(review: Review) -> str:
    return _("Review of the charter “%(title)s”", title=review.charter.title)


def _organizer(review: Review) -> tuple[tuple[str, str], str | None]:
    """The ORGANIZER of the meeting's invitations and the SENT-BY address, if another.

    ``ICS_ORGANIZER`` ("Name <address>" or an address) names one organiser for every meeting;
    otherwise it is the head who scheduled the meeting, sent by ``MAIL_DEFAULT_SENDER``.
    Meetings scheduled before organisers were kept fall back to the sender itself.
    """
    config = current_app.config
    sender_name, sender = parseaddr(config["MAIL_DEFAULT_SENDER"])
    fixed = config.get("ICS_ORGANIZER")
    if fixed:
        name, address = parseaddr(fixed)
        return (name or PRODUCT, address), None
    if review.organizer is not None:
        return (review.organizer.name, review.organizer.email), sender
    return (sender_name or PRODUCT, sender), None


def _invite_ics(review: Review, method: str, recipients: list[User], now: datetime) -> bytes:
    assert review.scheduled_at is not None and review.ics_uid is not None
    where = " · ".join(x for x in (review.location, review.video_link) if x)
    organizer, sent_by = _organizer(review)
    return meeting_ics(
        uid=review.ics_uid,
        sequence=review.ics_sequence,
        method=method,
        start=review.scheduled_at,
        duration_minutes=review.duration_minutes,
        summary=_meeting_summary(review),
        description=notifications.absolute(f"/reviews/{review.id}"),
        location=where,
        url=notifications.absolute(f"/reviews/{review.id}"),
        organizer=organizer,
        sent_by=sent_by,
        attendees=[(u.name, u.email) for u in recipients],
        now=now,
    )


def _send_invitations(
    review: Review, method: str, people: list[User], now: datetime, *, removed: bool = False
) -> None:
    """Send ``method`` (REQUEST or CANCEL) to ``people``.

    ``removed``: they were taken off the attendee list of a meeting that still takes place, so
    their CANCEL names only them and the message says they were removed, not that it is off.
    """
    attendees = [a.user for a in review.attendees]
    key = f"review:{review.id}:ics:{review.ics_uid}:{review.ics_sequence}:{method.lower()}"
    if removed:
        change = notifications.REMOVED
    elif method == "CANCEL":
        change = notifications.CANCELLED
    elif review.ics_sequence > 0:
        change = notifications.MOVED
    else:
        change = notifications.INVITED
    params = {
        "title": review.charter.title,
        "when": review.scheduled_at,
        "change": change,
        "place": review.location,
        "video_link": review.video_link,
        "attendees": [u.name for u in attendees],
    }
    for user in people:
        notifications.notify(
            "review_invitation",
            recipients=[user],
            obj=("review", review.id),
            link=f"/reviews/{review.id}",
            params=params,
            key=key,
            ics=_invite_ics_for(
                user, review, method, [user] if removed else (attendees or [user]), now
            ),
            now=now,
        )


def _invite_ics_for(
    user: User, review: Review, method: str, attendees: list[User], now: datetime
) -> bytes:
    with force_locale(user.locale if user.locale in ("fr", "en") else "fr"):
        return _invite_ics(review, method, attendees, now)


def schedule_meeting(
    actor: User,
    review: Review,
    *,
    start: datetime | None,
    duration_minutes: Any = 60,
    location: str = "",
    video_link: str = "",
    attendee_ids: list[int] = (),
    now: datetime | None = None,
) -> Review:
    """Schedule (or move) the review meeting and invite the attendees with an .ics file.

    Moving keeps the calendar UID and raises SEQUENCE; people dropped from the list get a CANCEL.
    """
    now = now or utcnow()
    require_editor(actor, review)
    review.ensure_open()
    ensure_active(review.charter)
    if start is None:
        raise ValidationError(_("Give the date and time of the meeting."), field="date")
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if start <= now:
        raise ValidationError(_("The meeting cannot be in the past."), field="date")
    if (
        isinstance(duration_minutes, bool)
        or not isinstance(duration_minutes, int)
        or not 15 <= duration_minutes <= 480
    ):
        raise ValidationError(
            _("The duration must be between 15 and 480 minutes."), field="duration_minutes"
        )
    location = _within(location, "location", LOCATION_MAX)
    video_link = _within(video_link, "video_link", LINK_MAX)
    if video_link and not video_link.startswith(("https://", "http://")):
        raise ValidationError(_("The video link must start with https://."), field="video_link")
    if not location and not video_link:
        raise ValidationError(_("Give a place or a video link."), field="location")
    eligible = {u.id: u for u in eligible_attendees(review.charter)}
    chosen_ids = list(dict.fromkeys(int(i) for i in attendee_ids))
    if not chosen_ids:
        raise ValidationError(_("Invite at least one person."), field="attendee_ids")
    unknown = [i for i in chosen_ids if i not in eligible]
    if unknown:
        raise ValidationError(
            _("Attendees must belong to one of the two departments."), field="attendee_ids"
        )

    was_scheduled = review.scheduled_at is not None and review.ics_uid is not None
    before = {a.user_id for a in review.attendees}
    dropped = [eligible.get(i) or db.session.get(User, i) for i in before - set(chosen_ids)]
    if was_scheduled:
        review.ics_sequence += 1
        if dropped:
            # Dropped people get a CANCEL for their copy of the event.
            _send_invitations(
                review, "CANCEL", [u for u in dropped if u is not None], now, removed=True
            )
    else:
        review.ics_uid = f"review-{review.id}-{uuid.uuid4().hex[:12]}@reciproque"
        review.ics_sequence = 0
        review.organizer = actor
    review.scheduled_at = start
    review.duration_minutes = duration_minutes
    review.location = location
    review.video_link = video_link
    review.attendees = [a for a in review.attendees if a.user_id in chosen_ids]
    for user_id in chosen_ids:
        if user_id not in before:
            review.attendees.append(ReviewAttendee(user_id=user_id))
    if review.status == ReviewStatus.PLANNED:
        review.transition(ReviewStatus.SCHEDULED)
    review.overdue_since = None
    review.updated_at = now
    db.session.flush()
    db.session.refresh(review, ["attendees"])
    _send_invitations(review, "REQUEST", [a.user for a in review.attendees], now)
    survey.ask(review, now)  # both sides rate each other before the meeting, asked once
    record_event(
        "review_rescheduled" if was_scheduled else "review_scheduled",
        actor=actor,
        object_type="review",
        object_id=review.id,
        charter_id=review.charter_id,
        data={"at": start.isoformat(), "sequence": review.ics_sequence},
        now=now,
    )
    return review


def send_cancellations(review: Review, now: datetime) -> bool:
    """Send a calendar CANCEL to every attendee of the scheduled meeting; False if none is set."""
    if review.scheduled_at is None or review.ics_uid is None:
        return False
    review.ics_sequence += 1
    _send_invitations(review, "CANCEL", [a.user for a in review.attendees], now)
    return True


def cancel_meeting(actor: User, review: Review, now: datetime | None = None) -> Review:
    """Cancel the scheduled meeting (a CANCEL to every attendee); the review stays due."""
    now = now or utcnow()
    require_editor(actor, review)
    review.ensure_open()
    uid = review.ics_uid
    if not send_cancellations(review, now):
        raise ReviewStateError(_("No meeting is scheduled."))
    record_event(
        "review_meeting_cancelled",
        actor=actor,
        object_type="review",
        object_id=review.id,
        charter_id=review.charter_id,
        data={"uid": uid},
        now=now,
    )
    review.scheduled_at = None
    review.ics_uid = None
    review.ics_sequence = 0
    review.attendees = []
    if review.status == ReviewStatus.SCHEDULED:
        review.transition(ReviewStatus.PLANNED)
    review.updated_at = now
    db.session.flush()
    return review
