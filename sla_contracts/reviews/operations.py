"""Review workflows: plan, schedule, hold and close reviews; the action plan.

Functions here flush, never commit: the view, the job or the command commits once.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from flask import current_app
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..audit.operations import record_event
from ..directory.queries import heads_of
from ..errors import CharterStateError, ConflictError, Forbidden, NotFound, ValidationError
from ..extensions import db
from ..models import (
    DEFAULT_REMINDER_OFFSETS,
    OPEN_REVIEW_STATUSES,
    ActionItem,
    ActionStatus,
    Assessment,
    AssessmentResult,
    Charter,
    CharterStatus,
    Membership,
    ReminderSettings,
    Review,
    ReviewAttendee,
    ReviewDecision,
    ReviewStatus,
    User,
)
from ..permissions import can_edit, can_read
from ..timeutil import add_months, utcnow
from . import formats, messages
from .ics import meeting_ics
from .labels import decision_label

TEXT_MAX = 4000
LOCATION_MAX = 300
LINK_MAX = 500
ACTION_TITLE_MAX = 300
MEASURED_MAX = 64


# ---------------------------------------------------------------- small helpers


def format_when(value: datetime) -> str:
    """A meeting time as people read it: "vendredi 11 décembre 2026, 09:00 (heure de Paris)"."""
    return formats.when(value, "full")


def parse_number(value: str) -> float | None:
    """Read a number typed by a person ("3,5", " 12 "); None if it is not one."""
    text = (value or "").strip().replace("\u202f", "").replace(" ", "").replace(",", ".")
    if text.endswith("%"):
        text = text[:-1]
    try:
        return float(text)
    except ValueError:
        return None


def _text(value: Any, name: str, max_length: int, errors: dict[str, str]) -> str:
    text = "" if value is None else str(value).strip()
    if len(text) > max_length:
        errors[name] = _("At most %(max)d characters.", max=max_length)
        return text[:max_length]
    return text


def current_version_number(charter: Charter) -> int | None:
    """The number of the signed version in force, once the signing feature exists."""
    try:
        from ..signing.versions import version_in_force  # type: ignore[import-not-found]
    except ImportError:
        return None
    version = version_in_force(charter)
    return getattr(version, "number", None)


# ---------------------------------------------------------------- access


def get_review(user: User, review_id: int, *, write: bool = False) -> Review:
    """Load a review for ``user``: NotFound if its charter is hidden, Forbidden if read-only."""
    review = db.session.get(Review, review_id)
    if review is None or not can_read(user, review.charter):
        raise NotFound(_("No such review."))
    if write and not can_edit(user, review.charter):
        raise Forbidden(_("Only the heads of the two departments can change this review."))
    return review


def get_action(user: User, action_id: int) -> ActionItem:
    """Load an action item visible to ``user`` (NotFound otherwise)."""
    action = db.session.get(ActionItem, action_id)
    if action is None or not can_read(user, action.charter):
        raise NotFound(_("No such action."))
    return action


def can_mark_done(user: User, action: ActionItem) -> bool:
    """The owner department's heads and members (and admins) close an action."""
    return user.is_admin or action.owner_department_id in user.member_of()


def open_review(charter: Charter) -> Review | None:
    """The charter's planned, scheduled or running review, if any."""
    return db.session.scalar(
        select(Review).where(
            Review.charter_id == charter.id, Review.status.in_(OPEN_REVIEW_STATUSES)
        )
    )


def next_due_date(charter: Charter, today: date) -> date:
    """The next review date: the charter's own, else one cadence from ``today``."""
    return charter.next_review_on or add_months(today, charter.review_cadence_months)


def plan_review(charter: Charter, now: datetime) -> Review:
    """Return the charter's open review, planning one from its cadence if there is none."""
    existing = open_review(charter)
    if existing is not None:
        return existing
    if charter.status != CharterStatus.ACTIVE:
        raise CharterStateError(_("Only an active charter is reviewed."))
    due = next_due_date(charter, now.date())
    charter.next_review_on = due
    review = Review(
        charter_id=charter.id,
        due_on=due,
        status=ReviewStatus.PLANNED,
        version_number=current_version_number(charter),
        created_at=now,
        updated_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(review)
    except IntegrityError:
        # The scheduler (or another head) planned it at the same moment: use theirs.
        existing = open_review(charter)
        if existing is None:
            raise
        return existing
    return review


def reminder_settings() -> ReminderSettings:
    """The administrator's reminder settings (an unsaved default row if never set)."""
    settings = db.session.scalar(select(ReminderSettings).order_by(ReminderSettings.id))
    if settings is None:
        settings = ReminderSettings(
            review_offsets=",".join(str(n) for n in DEFAULT_REMINDER_OFFSETS),
            action_due_soon_days=3,
            overdue_every_days=7,
        )
    return settings


def update_reminder_settings(
    actor: User, offsets_text: str, action_due_soon_days: Any, now: datetime | None = None
) -> ReminderSettings:
    """Change the reminder offsets (admins only)."""
    now = now or utcnow()
    if not actor.is_admin:
        raise Forbidden(_("Only an administrator can change the reminders."))
    offsets: set[int] = set()
    for part in (offsets_text or "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or int(part) > 365:
            raise ValidationError(
                _("Give whole numbers of days between 0 and 365, separated by commas."),
                field="review_offsets",
            )
        offsets.add(int(part))
    if not offsets:
        raise ValidationError(_("Give at least one offset."), field="review_offsets")
    if (
        isinstance(action_due_soon_days, bool)
        or not isinstance(action_due_soon_days, int)
        or not 0 <= action_due_soon_days <= 90
    ):
        raise ValidationError(
            _("Give a number of days between 0 and 90."), field="action_due_soon_days"
        )
    settings = reminder_settings()
    settings.review_offsets = ",".join(str(n) for n in sorted(offsets, reverse=True))
    settings.action_due_soon_days = action_due_soon_days
    settings.updated_at = now
    settings.updated_by_id = actor.id
    db.session.add(settings)
    db.session.flush()
    record_event(
        "reminder_settings_changed",
        actor=actor,
        object_type="reminder_settings",
        object_id=settings.id,
        data={"offsets": settings.review_offsets, "action_days": action_due_soon_days},
        now=now,
    )
    return settings


# ---------------------------------------------------------------- scheduling the meeting


def eligible_attendees(charter: Charter) -> list[User]:
    """People of either department, heads first, by name."""
    rows = db.session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.department_id.in_(charter.department_ids),
            User.archived_at.is_(None),
        )
        .order_by(User.name)
        .distinct()
        .options(selectinload(User.memberships))
    ).all()
    return list(rows)


def ensure_open(review: Review) -> None:
    """Refuse changes to a closed or cancelled review (CharterStateError, 409)."""
    if review.status == ReviewStatus.CLOSED:
        raise CharterStateError(_("This review is closed: it can no longer be changed."))
    if review.status == ReviewStatus.CANCELLED:
        raise CharterStateError(_("This review was cancelled."))


def _ensure_active(charter: Charter) -> None:
    if charter.status != CharterStatus.ACTIVE:
        raise CharterStateError(_("Only an active charter is reviewed."))


def _meeting_summary(review: Review) -> str:
    return _("Review of the charter “%(title)s”", title=review.charter.title)


def _invite_ics(review: Review, method: str, recipients: list[User], now: datetime) -> bytes:
    assert review.scheduled_at is not None and review.ics_uid is not None
    where = " · ".join(x for x in (review.location, review.video_link) if x)
    return meeting_ics(
        uid=review.ics_uid,
        sequence=review.ics_sequence,
        method=method,
        start=review.scheduled_at,
        duration_minutes=review.duration_minutes,
        summary=_meeting_summary(review),
        description=messages.absolute(messages.meeting_path(review.id)),
        location=where,
        url=messages.absolute(messages.meeting_path(review.id)),
        organizer_email=current_app.config["MAIL_DEFAULT_SENDER"],
        attendee_emails=[u.email for u in recipients],
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
    for user in people:

        def message(user=user):
            if removed:
                return _(
                    "You were removed from the attendees of the review meeting of "
                    "“%(title)s” on %(when)s.",
                    title=review.charter.title,
                    when=format_when(review.scheduled_at),
                )
            if method == "CANCEL":
                return _(
                    "The review meeting of “%(title)s” on %(when)s is cancelled.",
                    title=review.charter.title,
                    when=format_when(review.scheduled_at),
                )
            if review.ics_sequence > 0:
                return _(
                    "The review meeting of “%(title)s” moved: %(when)s.",
                    title=review.charter.title,
                    when=format_when(review.scheduled_at),
                )
            return _(
                "You are invited to the review meeting of “%(title)s” on %(when)s.",
                title=review.charter.title,
                when=format_when(review.scheduled_at),
            )

        def subject():
            if removed:
                return _(
                    "Removed from the meeting: review of “%(title)s”", title=review.charter.title
                )
            if method == "CANCEL":
                return _("Cancelled: review of “%(title)s”", title=review.charter.title)
            if review.ics_sequence > 0:
                return _("Updated: review of “%(title)s”", title=review.charter.title)
            return _("Invitation: review of “%(title)s”", title=review.charter.title)

        def body(message=message):
            lines = [message()]
            if method != "CANCEL":
                if review.location:
                    lines.append(_("Place: %(place)s", place=review.location))
                if review.video_link:
                    lines.append(_("Video link: %(link)s", link=review.video_link))
                lines.append(_("Attendees: %(names)s", names=", ".join(u.name for u in attendees)))
                lines.append(_("The calendar invitation is attached. The review page:"))
            return "\n".join(lines)

        messages.tell(
            user,
            kind="review_invitation",
            key=key,
            link=messages.meeting_path(review.id),
            message=message,
            subject=subject,
            body=body,
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
    if not can_edit(actor, review.charter):
        raise Forbidden(_("Only the heads of the two departments can change this review."))
    ensure_open(review)
    _ensure_active(review.charter)
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
    errors: dict[str, str] = {}
    location = _text(location, "location", LOCATION_MAX, errors)
    video_link = _text(video_link, "video_link", LINK_MAX, errors)
    if errors:
        name, message = next(iter(errors.items()))
        raise ValidationError(message, field=name)
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
    review.scheduled_at = start
    review.duration_minutes = duration_minutes
    review.location = location
    review.video_link = video_link
    review.attendees = [a for a in review.attendees if a.user_id in chosen_ids]
    for user_id in chosen_ids:
        if user_id not in before:
            review.attendees.append(ReviewAttendee(user_id=user_id))
    if review.status == ReviewStatus.PLANNED:
        review.status = ReviewStatus.SCHEDULED
    review.overdue_since = None
    review.updated_at = now
    db.session.flush()
    db.session.refresh(review, ["attendees"])
    _send_invitations(review, "REQUEST", [a.user for a in review.attendees], now)
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


def cancel_meeting(actor: User, review: Review, now: datetime | None = None) -> Review:
    """Cancel the scheduled meeting (a CANCEL to every attendee); the review stays due."""
    now = now or utcnow()
    if not can_edit(actor, review.charter):
        raise Forbidden(_("Only the heads of the two departments can change this review."))
    ensure_open(review)
    if review.scheduled_at is None or review.ics_uid is None:
        raise CharterStateError(_("No meeting is scheduled."))
    review.ics_sequence += 1
    _send_invitations(review, "CANCEL", [a.user for a in review.attendees], now)
    record_event(
        "review_meeting_cancelled",
        actor=actor,
        object_type="review",
        object_id=review.id,
        charter_id=review.charter_id,
        data={"uid": review.ics_uid},
        now=now,
    )
    review.scheduled_at = None
    review.ics_uid = None
    review.ics_sequence = 0
    review.attendees = []
    if review.status == ReviewStatus.SCHEDULED:
        review.status = ReviewStatus.PLANNED
    review.updated_at = now
    db.session.flush()
    return review


# ---------------------------------------------------------------- the meeting


def start_review(actor: User, review: Review, now: datetime | None = None) -> Review:
    """Copy the commitments in force into the review (once) and mark it in progress."""
    now = now or utcnow()
    if not can_edit(actor, review.charter):
        raise Forbidden(_("Only the heads of the two departments can change this review."))
    ensure_open(review)
    _ensure_active(review.charter)
    if not review.assessments:
        charter = review.charter
        order = {charter.department_a_id: 0, charter.department_b_id: 1}
        commitments = sorted(
            charter.commitments, key=lambda c: (order[c.provider_department_id], c.position)
        )
        for index, commitment in enumerate(commitments, start=1):
            review.assessments.append(
                Assessment(
                    commitment_id=commitment.id,
                    provider_department_id=commitment.provider_department_id,
                    position=index,
                    title=commitment.title,
                    indicator=commitment.indicator,
                    target=commitment.target,
                    unit=commitment.unit,
                )
            )
        review.version_number = current_version_number(charter)
    if review.status in (ReviewStatus.PLANNED, ReviewStatus.SCHEDULED):
        review.status = ReviewStatus.IN_PROGRESS
    review.updated_at = now
    db.session.flush()
    return review


def _validate_meeting(
    review: Review, data: dict[str, Any], *, closing: bool
) -> tuple[dict[str, Any], dict[str, str]]:
    """Check the meeting form's values; return cleaned values and errors by input name."""
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {"assessments": {}, "actions": []}
    results = {r.value for r in AssessmentResult}
    for assessment in review.assessments:
        raw = data.get("assessments", {}).get(assessment.id, {})
        prefix = f"assessment-{assessment.id}"
        result = (raw.get("result") or "").strip()
        if result and result not in results:
            errors[f"{prefix}-result"] = _("Choose a result.")
        elif closing and not result:
            errors[f"{prefix}-result"] = _("Give a result for each commitment before closing.")
        measured = _text(raw.get("measured_value"), f"{prefix}-measured", MEASURED_MAX, errors)
        if measured and parse_number(assessment.target) is not None:
            if parse_number(measured) is None:
                errors[f"{prefix}-measured"] = _(
                    "The target is a number: give the measured value as a number."
                )
        comment = _text(raw.get("comment"), f"{prefix}-comment", TEXT_MAX, errors)
        clean["assessments"][assessment.id] = {
            "result": AssessmentResult(result) if result in results else None,
            "measured_value": measured,
            "comment": comment,
        }

    criterion_text = (data.get("criterion_value") or "").strip()
    clean["criterion_value"] = None
    if criterion_text:
        clean["criterion_value"] = parse_number(criterion_text)
        if clean["criterion_value"] is None:
            errors["criterion_value"] = _("Give the criterion's value as a number.")
    elif closing:
        errors["criterion_value"] = _("Give the criterion's value before closing.")

    for name in ("satisfaction_a_of_b", "satisfaction_b_of_a"):
        text = (data.get(name) or "").strip()
        clean[name] = None
        if text:
            if not text.isdigit() or not 1 <= int(text) <= 5:
                errors[name] = _("Satisfaction is a score from 1 to 5.")
            else:
                clean[name] = int(text)
        elif closing:
            errors[name] = _("Both sides give their satisfaction before closing.")

    clean["irritants"] = _text(data.get("irritants"), "irritants", TEXT_MAX, errors)
    clean["minutes"] = _text(data.get("minutes"), "minutes", TEXT_MAX * 4, errors)
    decision = (data.get("decision") or "").strip()
    clean["decision"] = None
    if decision:
        if decision not in {d.value for d in ReviewDecision}:
            errors["decision"] = _("Choose continue, amend or end.")
        else:
            clean["decision"] = ReviewDecision(decision)
    elif closing:
        errors["decision"] = _("Record the decision before closing.")

    sides = set(review.charter.department_ids)
    existing = {a.id: a for a in review.actions}
    for row in data.get("actions", []):
        key = row["key"]
        prefix = f"action-{key}"
        title = _text(row.get("title"), f"{prefix}-title", ACTION_TITLE_MAX, errors)
        owner_text = str(row.get("owner_department_id") or "").strip()
        due_text = (row.get("due_on") or "").strip()
        status_text = (row.get("status") or "open").strip()
        action_id = row.get("id")
        if action_id is None and not (title or due_text or owner_text):
            continue  # an empty new row
        if action_id is not None and action_id not in existing:
            errors[f"{prefix}-title"] = _("No such action.")
            continue
        if not title:
            errors[f"{prefix}-title"] = _("An action needs a title.")
        owner = int(owner_text) if owner_text.isdigit() else None
        if owner not in sides:
            errors[f"{prefix}-owner"] = _("Choose the department that owns the action.")
        due = None
        try:
            due = date.fromisoformat(due_text) if due_text else None
        except ValueError:
            due = None
        if due is None:
            errors[f"{prefix}-due"] = _("An action needs a due date.")
        if status_text not in {s.value for s in ActionStatus}:
            errors[f"{prefix}-status"] = _("Choose open or done.")
            status_text = "open"
        clean["actions"].append(
            {
                "id": action_id,
                "title": title,
                "owner_department_id": owner,
                "due_on": due,
                "status": ActionStatus(status_text),
            }
        )
    return clean, errors


def save_meeting(
    actor: User,
    review: Review,
    seen_lock_version: Any,
    data: dict[str, Any],
    *,
    close: bool = False,
    now: datetime | None = None,
    send_minutes: bool = True,
) -> Review:
    """Save the meeting form, possibly half-filled; with ``close``, check it is complete and close.

    Refused with ConflictError if someone saved since ``seen_lock_version``. ``send_minutes``
    False skips the minutes e-mails on closing (loading past reviews, e.g. the demo).
    """
    now = now or utcnow()
    if not can_edit(actor, review.charter):
        raise Forbidden(_("Only the heads of the two departments can change this review."))
    ensure_open(review)
    if isinstance(seen_lock_version, bool) or not isinstance(seen_lock_version, int):
        raise ValidationError(_("lock_version is required."), field="lock_version")
    if not review.assessments:
        start_review(actor, review, now)
    clean, errors = _validate_meeting(review, data, closing=close)
    if errors:
        field_name, message = next(iter(errors.items()))
        raise ValidationError(
            _("Some fields need attention: nothing was saved yet, your text is kept."),
            field=field_name,
            details={"errors": errors, "first": message},
        )
    result = db.session.execute(
        update(Review)
        .where(Review.id == review.id, Review.lock_version == seen_lock_version)
        .values(lock_version=seen_lock_version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(review)
        raise ConflictError(
            _(
                "Someone else saved this review since you opened it. Your entries are kept "
                "below: check them against the current record, then save again."
            ),
            details={"current_lock_version": review.lock_version},
        )
    db.session.refresh(review, ["lock_version", "updated_at", "status"])
    ensure_open(review)
    for assessment in review.assessments:
        values = clean["assessments"][assessment.id]
        assessment.result = values["result"]
        assessment.measured_value = values["measured_value"]
        assessment.comment = values["comment"]
    review.criterion_value = clean["criterion_value"]
    review.satisfaction_a_of_b = clean["satisfaction_a_of_b"]
    review.satisfaction_b_of_a = clean["satisfaction_b_of_a"]
    review.irritants = clean["irritants"]
    review.minutes = clean["minutes"]
    review.decision = clean["decision"]
    existing = {a.id: a for a in review.actions}
    for row in clean["actions"]:
        if row["id"] is None:
            action = ActionItem(charter_id=review.charter_id, created_at=now)
            review.actions.append(action)
        else:
            action = existing[row["id"]]
        action.title = row["title"]
        action.owner_department_id = row["owner_department_id"]
        action.due_on = row["due_on"]
        if row["status"] == ActionStatus.DONE and action.status != ActionStatus.DONE:
            action.done_at, action.done_by_id = now, actor.id
        elif row["status"] == ActionStatus.OPEN:
            action.done_at, action.done_by_id = None, None
        action.status = row["status"]
        if action.status == ActionStatus.DONE or (action.due_on and action.due_on >= now.date()):
            action.overdue_since = None
    if review.status in (ReviewStatus.PLANNED, ReviewStatus.SCHEDULED):
        review.status = ReviewStatus.IN_PROGRESS
    db.session.flush()
    record_event(
        "review_saved",
        actor=actor,
        object_type="review",
        object_id=review.id,
        charter_id=review.charter_id,
        data={"lock_version": review.lock_version},
        now=now,
    )
    if close:
        _close(actor, review, now, send_minutes=send_minutes)
    return review


def _open_amendment(actor: User, charter: Charter, now: datetime) -> None:
    try:
        from ..signing.amendments import open_amendment  # type: ignore[import-not-found]
    except ImportError:
        open_amendment = None
    if open_amendment is not None:
        open_amendment(actor, charter, now=now)
    else:
        charter.transition(CharterStatus.DRAFT)
        charter.updated_at = now
        charter.last_activity_by_id = actor.id


def _close(actor: User, review: Review, now: datetime, *, send_minutes: bool = True) -> None:
    charter = review.charter
    review.status = ReviewStatus.CLOSED
    review.held_at = (
        review.scheduled_at if review.scheduled_at and review.scheduled_at <= now else now
    )
    review.closed_at = now
    review.closed_by_id = actor.id
    review.overdue_since = None
    next_due = add_months(review.held_at.date(), charter.review_cadence_months)
    charter.next_review_on = next_due
    db.session.flush()  # the closed review frees the "one open review" slot
    if review.decision == ReviewDecision.END:
        charter.transition(CharterStatus.ENDED)
        charter.ended_at = now
        charter.end_reason = _("Ended at the review of %(date)s.", date=format_date(now.date()))
        charter.next_review_on = None
    elif review.decision == ReviewDecision.AMEND:
        _open_amendment(actor, charter, now)
    else:
        db.session.add(
            Review(
                charter_id=charter.id,
                due_on=next_due,
                status=ReviewStatus.PLANNED,
                version_number=review.version_number,
                created_at=now,
                updated_at=now,
            )
        )
    db.session.flush()
    record_event(
        "review_closed",
        actor=actor,
        object_type="review",
        object_id=review.id,
        charter_id=charter.id,
        data={"decision": review.decision.value if review.decision else None},
        now=now,
    )
    if send_minutes:
        _send_minutes(review, now)


def minutes_pdf(review: Review, locale: str = "fr") -> bytes | None:
    """The minutes as a PDF when the shared renderer exists (None otherwise)."""
    try:
        from .minutes import render_minutes_pdf
    except ImportError:
        return None
    return render_minutes_pdf(review, locale)


def _send_minutes(review: Review, now: datetime) -> None:
    people = {a.user_id: a.user for a in review.attendees}
    for user in heads_of(review.charter.department_ids):
        people.setdefault(user.id, user)
    pdfs: dict[str, bytes | None] = {}
    for user in people.values():
        locale = user.locale if user.locale in ("fr", "en") else "fr"
        if locale not in pdfs:
            pdfs[locale] = minutes_pdf(review, locale)
        pdf = pdfs[locale]
        messages.tell(
            user,
            kind="review_closed",
            key=f"review:{review.id}:minutes",
            link=messages.review_path(review.id),
            message=lambda: _(
                "The review of “%(title)s” is closed; the minutes are ready.",
                title=review.charter.title,
            ),
            subject=lambda: _("Minutes: review of “%(title)s”", title=review.charter.title),
            body=lambda: _(
                "The review of “%(title)s” is closed. Decision: %(decision)s.",
                title=review.charter.title,
                decision=decision_label(review.decision),
            ),
            attachment_name=f"review-{review.id}-minutes.pdf" if pdf else None,
            attachment=pdf,
            now=now,
        )


# ---------------------------------------------------------------- action items


def mark_action_done(actor: User, action: ActionItem, now: datetime | None = None) -> ActionItem:
    """Mark an action done (its owner department's heads and members, or an admin)."""
    now = now or utcnow()
    if not can_mark_done(actor, action):
        raise Forbidden(_("Only the department that owns this action can mark it done."))
    if action.status == ActionStatus.DONE:
        return action
    action.status = ActionStatus.DONE
    action.done_at = now
    action.done_by_id = actor.id
    action.overdue_since = None
    db.session.flush()
    record_event(
        "action_done",
        actor=actor,
        object_type="action_item",
        object_id=action.id,
        charter_id=action.charter_id,
        now=now,
    )
    return action


def actions_for(user: User, today: date) -> list[ActionItem]:
    """Open and recent actions of ``user``'s departments: overdue first, then by due date."""
    departments = user.member_of()
    query = select(ActionItem).options(
        selectinload(ActionItem.charter),
        selectinload(ActionItem.owner_department),
        selectinload(ActionItem.done_by),
    )
    if not user.is_admin:
        query = query.where(ActionItem.owner_department_id.in_(departments or [-1]))
    rows = list(db.session.scalars(query))
    return sorted(
        rows,
        key=lambda a: (
            a.status == ActionStatus.DONE,
            not a.is_overdue_on(today),
            a.due_on,
            a.id,
        ),
    )


def reviews_of(charter: Charter) -> tuple[Review | None, list[Review]]:
    """The charter's open review and its closed ones (oldest first), in one query plus loads."""
    rows = db.session.scalars(
        select(Review)
        .where(
            Review.charter_id == charter.id,
            Review.status.in_([*OPEN_REVIEW_STATUSES, ReviewStatus.CLOSED]),
        )
        .options(
            selectinload(Review.assessments),
            selectinload(Review.attendees).selectinload(ReviewAttendee.user),
        )
        .order_by(Review.held_at, Review.id)
    ).all()
    upcoming = next((r for r in rows if r.is_open), None)
    return upcoming, [r for r in rows if r.status == ReviewStatus.CLOSED]
