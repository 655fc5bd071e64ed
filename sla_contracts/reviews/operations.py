"""Review workflows: plan the next review, start and close one, the action plan, reminders.

Every review is planned by :func:`plan_review`: the first when a charter comes into force
(:func:`plan_first_review`, a subscriber of ``events.CHARTER_ACTIVATED``), the next when one
closes, or on demand. Ending a charter cancels its open review (:func:`cancel_open_review`,
a subscriber of ``events.CHARTER_ENDED``). Status changes go through ``Review.transition``.
The meeting itself is in :mod:`.meeting`, its scheduling in :mod:`.scheduling`.

Functions here flush, never commit: the view, the job or the command commits once.
"""

from __future__ import annotations

from contextlib import nullcontext
from datetime import date, datetime
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from .. import formats, notifications
from ..audit.operations import record_event
from ..directory.queries import heads_of
from ..errors import Forbidden, ValidationError
from ..extensions import db
from ..models import (
    DEFAULT_REMINDER_OFFSETS,
    OPEN_REVIEW_STATUSES,
    ActionItem,
    ActionStatus,
    Assessment,
    AssessmentResult,
    Charter,
    CharterVersion,
    ReminderSettings,
    Review,
    ReviewDecision,
    ReviewStatus,
    User,
    version_in_force,
)
from ..readings.operations import period_under_review
from ..signing.amendments import end_charter, open_amendment
from ..timeutil import add_months, utcnow
from . import survey
from .access import can_mark_done, ensure_active, require_editor
from .minutes_store import keep_rendered_minutes, stored_minutes_pdf
from .scheduling import send_cancellations

# ---------------------------------------------------------------- small helpers


def current_version_number(charter: Charter) -> int | None:
    """The number of the signed version in force (None before the first signature)."""
    version = version_in_force(charter)
    return version.number if version is not None else None


# ---------------------------------------------------------------- planning


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


def plan_review(
    charter: Charter,
    now: datetime,
    *,
    due_on: date | None = None,
    version_number: int | None = None,
) -> Review:
    """Return the charter's open review, planning the next one if there is none.

    It is due on ``due_on`` if given (held date + cadence, when a review closes), else on the
    charter's next review date, else one cadence from ``now``; it reviews ``version_number``
    (by default the version in force).
    """
    existing = open_review(charter)
    if existing is not None:
        return existing
    ensure_active(charter)
    due = due_on or next_due_date(charter, now.date())
    charter.next_review_on = due
    review = Review(
        charter_id=charter.id,
        due_on=due,
        status=ReviewStatus.PLANNED,
        version_number=version_number or current_version_number(charter),
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


def plan_first_review(
    charter: Charter, version: CharterVersion, actor: User | None, now: datetime
) -> Review:
    """Plan the first review of a charter that just came into force (on CHARTER_ACTIVATED)."""
    return plan_review(charter, now, version_number=version.number)


def cancel_open_review(charter: Charter, actor: User | None, now: datetime) -> Review | None:
    """Cancel the open review of a charter that ended (on CHARTER_ENDED); attendees are told."""
    review = open_review(charter)
    if review is None:
        return None
    uid = review.ics_uid
    meeting_called_off = send_cancellations(review, now)
    review.transition(ReviewStatus.CANCELLED)
    review.overdue_since = None
    review.updated_at = now
    db.session.flush()
    record_event(
        "review_cancelled",
        actor=actor,
        object_type="review",
        object_id=review.id,
        charter_id=charter.id,
        data={"uid": uid} if meeting_called_off else {},
        now=now,
    )
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


# ---------------------------------------------------------------- holding and closing


def start_review(actor: User, review: Review, now: datetime | None = None) -> Review:
    """Copy the commitments in force into the review, bring back the charter's open actions
    (once), and mark it in progress."""
    now = now or utcnow()
    require_editor(actor, review)
    review.ensure_open()
    ensure_active(review.charter)
    if not review.assessments:
        charter = review.charter
        order = {charter.department_a_id: 0, charter.department_b_id: 1}
        commitments = sorted(
            charter.commitments, key=lambda c: (order[c.provider_department_id], c.position)
        )
        # The meeting prepares itself: each result computed from the period's latest reading
        # (editable at the meeting), the criterion's latest company-wide value.
        found = period_under_review(review, now.date())
        for index, commitment in enumerate(commitments, start=1):
            point = found.latest.get(commitment.id)
            computed = AssessmentResult(point.outcome.value) if point is not None else None
            review.assessments.append(
                Assessment(
                    commitment_id=commitment.id,
                    provider_department_id=commitment.provider_department_id,
                    position=index,
                    title=commitment.title,
                    indicator=commitment.indicator,
                    target=commitment.target,
                    unit=commitment.unit,
                    result=computed,
                    measured_value=formats.number(point.value) if point is not None else "",
                    computed_result=computed,
                    computed_value=point.value if point is not None else None,
                    computed_period=point.period if point is not None else None,
                )
            )
        if review.criterion_value is None and found.criterion:
            review.criterion_value = found.criterion[-1].value
        review.version_number = current_version_number(charter)
        review.carried_actions = open_actions_before(review)
        survey.prefill(review)  # the survey's averages, editable at the meeting
    if review.status != ReviewStatus.IN_PROGRESS:
        review.transition(ReviewStatus.IN_PROGRESS)
    review.updated_at = now
    db.session.flush()
    return review


def open_actions_before(review: Review) -> list[ActionItem]:
    """The charter's actions not done, decided before ``review``: its meeting's first rows."""
    return list(
        db.session.scalars(
            select(ActionItem)
            .where(
                ActionItem.charter_id == review.charter_id,
                ActionItem.status != ActionStatus.DONE,
                or_(ActionItem.review_id.is_(None), ActionItem.review_id != review.id),
            )
            .order_by(ActionItem.due_on, ActionItem.id)
        )
    )


def close_review(actor: User, review: Review, now: datetime, *, send_minutes: bool = True) -> None:
    """Close a review in progress and act on its decision; the minutes go out unless told not.

    Continue plans the next review (held date + cadence); amend reopens the charter as a
    draft; end ends the charter.
    """
    charter = review.charter
    review.transition(ReviewStatus.CLOSED)
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
        # The one way a charter ends: audited, both heads told, CHARTER_ENDED published.
        reason = _("Ended at the review of %(date)s.", date=formats.day(now))
        end_charter(actor, charter, reason, now=now)
    elif review.decision == ReviewDecision.AMEND:
        open_amendment(actor, charter, now=now)
    else:
        plan_review(charter, now, due_on=next_due, version_number=review.version_number)
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


def minutes_pdf(review: Review, locale: str = "fr") -> bytes:
    """The minutes of a closed review as a PDF, in ``locale``: the stored copy while current.

    Ends the caller's transaction (see ``minutes_store.stored_minutes_pdf``).
    """
    return stored_minutes_pdf(review, locale)


def minutes_file_name(review: Review, locale: str | None = None) -> str:
    """The minutes' file name in the reader's language: "revue-3-logistique-compte-rendu.pdf"."""
    with force_locale(locale) if locale else nullcontext():
        return formats.file_name(_("review"), review.id, review.charter.title, _("minutes"))


def _send_minutes(review: Review, now: datetime) -> None:
    people = {a.user_id: a.user for a in review.attendees}
    for user in heads_of(review.charter.department_ids):
        people.setdefault(user.id, user)
    pdfs: dict[str, bytes | None] = {}
    for user in people.values():
        locale = user.locale if user.locale in ("fr", "en") else "fr"
        if locale not in pdfs:
            # Rendered in the closing transaction (as before) and stored with it.
            pdfs[locale] = keep_rendered_minutes(review, locale)
        pdf = pdfs[locale]
        notifications.notify(
            "review_closed",
            recipients=[user],
            obj=("review", review.id),
            link=f"/reviews/{review.id}",
            params={
                "title": review.charter.title,
                "decision": review.decision.value if review.decision else None,
            },
            key=f"review:{review.id}:minutes",
            attachment_name=minutes_file_name(review, locale) if pdf else None,
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
