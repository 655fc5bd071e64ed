"""Reviews, assessments, action items and reminders."""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import (
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..errors import ReviewStateError
from ..extensions import db
from ..timeutil import UTCDateTime, utcnow
from .charters import Charter
from .directory import Department, User, enum_column


class ReviewStatus(enum.StrEnum):
    PLANNED = "planned"
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"
    CANCELLED = "cancelled"


OPEN_REVIEW_STATUSES = (ReviewStatus.PLANNED, ReviewStatus.SCHEDULED, ReviewStatus.IN_PROGRESS)

# The one table of allowed status changes. Planned → scheduled (a meeting is set) and back
# (the meeting is called off); either starts; only a review in progress closes; an open
# review is cancelled when its charter ends. Closed and cancelled are final.
REVIEW_TRANSITIONS: dict[ReviewStatus, frozenset[ReviewStatus]] = {
    ReviewStatus.PLANNED: frozenset(
        {ReviewStatus.SCHEDULED, ReviewStatus.IN_PROGRESS, ReviewStatus.CANCELLED}
    ),
    ReviewStatus.SCHEDULED: frozenset(
        {ReviewStatus.PLANNED, ReviewStatus.IN_PROGRESS, ReviewStatus.CANCELLED}
    ),
    ReviewStatus.IN_PROGRESS: frozenset({ReviewStatus.CLOSED, ReviewStatus.CANCELLED}),
    ReviewStatus.CLOSED: frozenset(),
    ReviewStatus.CANCELLED: frozenset(),
}


def _refusal(current: ReviewStatus, new: ReviewStatus | None) -> str:
    """Why a review in ``current`` cannot move to ``new`` (None: cannot change at all)."""
    if current == ReviewStatus.CLOSED:
        return _("This review is closed: it can no longer be changed.")
    if current == ReviewStatus.CANCELLED:
        return _("This review was cancelled.")
    if new == ReviewStatus.CLOSED:
        return _("Only a review in progress can be closed.")
    if new == ReviewStatus.PLANNED:
        return _("No meeting is scheduled.")
    return _("This change is not possible at this stage of the review.")


class ReviewDecision(enum.StrEnum):
    CONTINUE = "continue"
    AMEND = "amend"
    END = "end"


class AssessmentResult(enum.StrEnum):
    MET = "met"
    PARTLY_MET = "partly_met"
    MISSED = "missed"
    NOT_MEASURED = "not_measured"


class AssessmentCause(enum.StrEnum):
    """Whose miss it is: the providing side's, a prerequisite the other side did not deliver,
    or a cause outside both."""

    OWN_SIDE = "own_side"
    OTHER_SIDE_PREREQUISITE = "other_side_prerequisite"
    OUTSIDE = "outside"


# The results that ask "whose miss?".
MISSED_RESULTS = (AssessmentResult.MISSED, AssessmentResult.PARTLY_MET)


class ActionStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"


class Review(db.Model):
    """One periodic review of a charter: planned from the cadence, then held and closed."""

    __tablename__ = "reviews"
    __table_args__ = (
        CheckConstraint(
            "satisfaction_a_of_b IS NULL OR satisfaction_a_of_b BETWEEN 1 AND 5",
            name="satisfaction_a_of_b",
        ),
        CheckConstraint(
            "satisfaction_b_of_a IS NULL OR satisfaction_b_of_a BETWEEN 1 AND 5",
            name="satisfaction_b_of_a",
        ),
        # At most one open review per charter, even with two schedulers planning at once.
        Index(
            "uq_reviews_open_per_charter",
            "charter_id",
            unique=True,
            sqlite_where=text("status IN ('planned', 'scheduled', 'in_progress')"),
            postgresql_where=text("status IN ('planned', 'scheduled', 'in_progress')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    charter_id: Mapped[int] = mapped_column(
        ForeignKey("charters.id", ondelete="CASCADE"), index=True
    )
    # The signed version reviewed (a FK to charter_versions once signing has landed).
    version_number: Mapped[int | None] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=60)
    location: Mapped[str] = mapped_column(String(300), default="")
    video_link: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[ReviewStatus] = mapped_column(
        enum_column(ReviewStatus, "review_status"), default=ReviewStatus.PLANNED, index=True
    )
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    criterion_value: Mapped[float | None] = mapped_column(Float)
    # How satisfied side A is with what B delivered, and the reverse (1 to 5).
    satisfaction_a_of_b: Mapped[int | None] = mapped_column(Integer)
    satisfaction_b_of_a: Mapped[int | None] = mapped_column(Integer)
    irritants: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[ReviewDecision | None] = mapped_column(
        enum_column(ReviewDecision, "review_decision")
    )
    minutes: Mapped[str] = mapped_column(Text, default="")
    ics_uid: Mapped[str | None] = mapped_column(String(200))
    ics_sequence: Mapped[int] = mapped_column(Integer, default=0)
    # Optimistic locking for the live meeting page (several people may have it open).
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    # Set by the mark_overdue job: the day the review became overdue, None otherwise.
    overdue_since: Mapped[date | None] = mapped_column(Date)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Who scheduled the meeting first: the ORGANIZER of every .ics of this meeting (iTIP keeps
    # one organiser per UID, so moving the meeting does not change it).
    organizer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    charter: Mapped[Charter] = relationship()
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    organizer: Mapped[User | None] = relationship(foreign_keys=[organizer_id])
    attendees: Mapped[list[ReviewAttendee]] = relationship(
        back_populates="review", cascade="all, delete-orphan"
    )
    assessments: Mapped[list[Assessment]] = relationship(
        back_populates="review", cascade="all, delete-orphan", order_by="Assessment.position"
    )
    actions: Mapped[list[ActionItem]] = relationship(
        back_populates="review", order_by="ActionItem.id"
    )
    # The charter's actions still open when this review started, decided at earlier reviews:
    # the meeting's first rows, the same rows updated (not copies).
    carried_actions: Mapped[list[ActionItem]] = relationship(
        secondary="review_carried_actions",
        order_by="[ActionItem.due_on, ActionItem.id]",
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REVIEW_STATUSES

    def transition(self, new_status: ReviewStatus) -> None:
        """Move to ``new_status`` if the transition table allows it (ReviewStateError if not)."""
        if new_status not in REVIEW_TRANSITIONS[self.status]:
            raise ReviewStateError(
                _refusal(self.status, new_status),
                details={"from": self.status.value, "to": new_status.value},
            )
        self.status = new_status

    def ensure_open(self) -> None:
        """Refuse any change to a closed or cancelled review (ReviewStateError, 409)."""
        if not self.is_open:
            raise ReviewStateError(_refusal(self.status, None), details={"from": self.status.value})

    @property
    def is_closed(self) -> bool:
        return self.status == ReviewStatus.CLOSED

    @property
    def meeting_actions(self) -> list[ActionItem]:
        """The meeting's action plan: the actions carried over first, then its own."""
        own = {a.id for a in self.actions}
        return [a for a in self.carried_actions if a.id not in own] + list(self.actions)

    @property
    def meeting_on(self) -> date:
        """The day the review is expected: the meeting's day if scheduled, else the due date."""
        if self.scheduled_at is not None:
            return self.scheduled_at.date()
        return self.due_on

    @property
    def satisfaction_gap(self) -> int | None:
        if self.satisfaction_a_of_b is None or self.satisfaction_b_of_a is None:
            return None
        return abs(self.satisfaction_a_of_b - self.satisfaction_b_of_a)

    @property
    def is_satisfaction_gap_large(self) -> bool:
        gap = self.satisfaction_gap
        return gap is not None and gap >= 2

    @property
    def share_met(self) -> float | None:
        """Share of assessed commitments met (partly met counts half), None if none measured."""
        measured = [
            a for a in self.assessments if a.result and a.result != AssessmentResult.NOT_MEASURED
        ]
        if not measured:
            return None
        score = sum(
            1.0
            if a.result == AssessmentResult.MET
            else 0.5
            if a.result == AssessmentResult.PARTLY_MET
            else 0.0
            for a in measured
        )
        return score / len(measured)


class ReviewAttendee(db.Model):
    __tablename__ = "review_attendees"
    __table_args__ = (UniqueConstraint("review_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    review: Mapped[Review] = relationship(back_populates="attendees")
    user: Mapped[User] = relationship()


class Assessment(db.Model):
    """One commitment's result at a review, with a copy of what was promised at the time."""

    __tablename__ = "assessments"
    __table_args__ = (UniqueConstraint("review_id", "commitment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    commitment_id: Mapped[int | None] = mapped_column(
        ForeignKey("commitments.id", ondelete="SET NULL"), index=True
    )
    provider_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Copied when the review starts: a later amendment must not change what was reviewed.
    title: Mapped[str] = mapped_column(String(200))
    indicator: Mapped[str] = mapped_column(String(200), default="")
    target: Mapped[str] = mapped_column(String(64), default="")
    unit: Mapped[str] = mapped_column(String(32), default="")
    result: Mapped[AssessmentResult | None] = mapped_column(
        enum_column(AssessmentResult, "assessment_result")
    )
    measured_value: Mapped[str] = mapped_column(String(64), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    # Whose miss (missed or partly met only): with the other side's prerequisite not delivered,
    # which commitment of theirs; with an outside cause, what it was.
    cause: Mapped[AssessmentCause | None] = mapped_column(
        enum_column(AssessmentCause, "assessment_cause")
    )
    prerequisite_commitment_id: Mapped[int | None] = mapped_column(
        ForeignKey("commitments.id", ondelete="SET NULL"), index=True
    )
    cause_note: Mapped[str] = mapped_column(Text, default="")
    # What the readings said when the review started (issue 13): the result computed from the
    # latest reading of the period under review, its value and period. The meeting may change
    # ``result``; the computed one stays shown beside it. None: no reading, or not measured.
    computed_result: Mapped[AssessmentResult | None] = mapped_column(
        enum_column(AssessmentResult, "assessment_computed_result")
    )
    computed_value: Mapped[float | None] = mapped_column(Float)
    computed_period: Mapped[str | None] = mapped_column(String(8))

    review: Mapped[Review] = relationship(back_populates="assessments")
    provider_department: Mapped[Department] = relationship()

    @property
    def is_miss(self) -> bool:
        return self.result in MISSED_RESULTS


review_carried_actions = db.Table(
    "review_carried_actions",
    db.Column("review_id", ForeignKey("reviews.id", ondelete="CASCADE"), primary_key=True),
    db.Column(
        "action_id",
        ForeignKey("action_items.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class ActionItem(db.Model):
    """One line of a review's action plan, owned by a person of either side (and so by their
    department; actions from before people owned them name only the department)."""

    __tablename__ = "action_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    charter_id: Mapped[int] = mapped_column(
        ForeignKey("charters.id", ondelete="CASCADE"), index=True
    )
    review_id: Mapped[int | None] = mapped_column(
        ForeignKey("reviews.id", ondelete="SET NULL"), index=True
    )
    owner_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    owner_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[ActionStatus] = mapped_column(
        enum_column(ActionStatus, "action_status"), default=ActionStatus.OPEN, index=True
    )
    overdue_since: Mapped[date | None] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    charter: Mapped[Charter] = relationship()
    review: Mapped[Review | None] = relationship(back_populates="actions")
    owner_department: Mapped[Department] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_user_id])
    done_by: Mapped[User | None] = relationship(foreign_keys=[done_by_id])

    @property
    def is_done(self) -> bool:
        return self.status == ActionStatus.DONE

    def is_overdue_on(self, today: date) -> bool:
        return self.status == ActionStatus.OPEN and self.due_on < today


class Reminder(db.Model):
    """A reminder that was planned; the unique key is what makes concurrent planners send once."""

    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    # e.g. review:12:2026-03-01:before:14, review:12:overdue:2, action:7:due_soon
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    charter_id: Mapped[int | None] = mapped_column(
        ForeignKey("charters.id", ondelete="CASCADE"), index=True
    )
    planned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


DEFAULT_REMINDER_OFFSETS = (14, 3, 0)


class ReminderSettings(db.Model):
    """The administrator's reminder offsets (one row; defaults when absent)."""

    __tablename__ = "reminder_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Days before a review, comma-separated, e.g. "14,3,0".
    review_offsets: Mapped[str] = mapped_column(String(100), default="14,3,0")
    action_due_soon_days: Mapped[int] = mapped_column(Integer, default=3)
    overdue_every_days: Mapped[int] = mapped_column(Integer, default=7)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    @property
    def offsets(self) -> list[int]:
        return sorted({int(x) for x in self.review_offsets.split(",") if x.strip()}, reverse=True)
