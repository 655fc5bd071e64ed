"""A review's status moves only along its transition table; charter events plan and cancel."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import force_locale
from icalendar import Calendar
from sqlalchemy import select

from sla_contracts import events
from sla_contracts.errors import ReviewStateError
from sla_contracts.extensions import db
from sla_contracts.models import (
    REVIEW_TRANSITIONS,
    CharterStatus,
    CharterVersion,
    OutboxEmail,
    Review,
    ReviewDecision,
    ReviewStatus,
)
from sla_contracts.reviews import operations as ops
from sla_contracts.reviews import scheduling

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
S = ReviewStatus


@pytest.fixture(autouse=True)
def _english(app):
    with force_locale("en"):
        yield


@pytest.fixture
def active(make_charter):
    charter = make_charter(status=CharterStatus.ACTIVE, commitments=(1, 1))
    charter.next_review_on = date(2027, 1, 20)
    db.session.commit()
    return charter


ALLOWED = {
    (S.PLANNED, S.SCHEDULED),
    (S.PLANNED, S.IN_PROGRESS),
    (S.PLANNED, S.CANCELLED),
    (S.SCHEDULED, S.PLANNED),
    (S.SCHEDULED, S.IN_PROGRESS),
    (S.SCHEDULED, S.CANCELLED),
    (S.IN_PROGRESS, S.CLOSED),
    (S.IN_PROGRESS, S.CANCELLED),
}


@pytest.mark.parametrize("current", list(ReviewStatus))
@pytest.mark.parametrize("new", list(ReviewStatus))
def test_review_moves_only_along_the_transition_table(current, new):
    review = Review(status=current)
    assert (new in REVIEW_TRANSITIONS[current]) == ((current, new) in ALLOWED)
    if (current, new) in ALLOWED:
        review.transition(new)
        assert review.status == new
    else:
        with pytest.raises(ReviewStateError) as caught:
            review.transition(new)
        assert caught.value.code == "invalid_state" and caught.value.status == 409
        assert caught.value.details == {"from": current.value, "to": new.value}
        assert review.status == current


@pytest.mark.parametrize(
    ("current", "new", "message"),
    [
        (S.CLOSED, S.IN_PROGRESS, "This review is closed: it can no longer be changed."),
        (S.CANCELLED, S.SCHEDULED, "This review was cancelled."),
        (S.PLANNED, S.CLOSED, "Only a review in progress can be closed."),
    ],
)
def test_refused_transition_says_why_in_the_readers_language(current, new, message):
    with pytest.raises(ReviewStateError) as caught:
        Review(status=current).transition(new)
    assert caught.value.message == message
    with force_locale("fr"), pytest.raises(ReviewStateError) as caught:
        Review(status=S.CLOSED).transition(S.IN_PROGRESS)
    assert caught.value.message == "Cette revue est clôturée : elle ne peut plus être modifiée."


def test_cancelling_a_meeting_that_is_not_scheduled_is_refused(active, org):
    review = ops.plan_review(active, NOW)
    with pytest.raises(ReviewStateError, match="No meeting is scheduled"):
        scheduling.cancel_meeting(org.head_a, review, now=NOW)


# ---------------------------------------------------------------- charter events


def _version(charter, number: int = 1) -> CharterVersion:
    version = CharterVersion(
        charter_id=charter.id, number=number, content="{}", fingerprint=f"{number:064d}"
    )
    db.session.add(version)
    db.session.flush()
    return version


def test_activation_event_plans_the_first_review(make_charter, org):
    charter = make_charter(status=CharterStatus.ACTIVE, commitments=(1, 1))
    charter.next_review_on = date(2027, 4, 4)
    version = _version(charter)
    events.publish(events.CHARTER_ACTIVATED, charter=charter, version=version, actor=org.head_a,
                   now=NOW)  # fmt: skip
    db.session.commit()
    review = ops.open_review(charter)
    assert review.status == S.PLANNED and review.due_on == date(2027, 4, 4)
    assert review.version_number == 1
    # Told twice (a retried job, say), it still plans one review.
    events.publish(events.CHARTER_ACTIVATED, charter=charter, version=version, actor=org.head_a,
                   now=NOW)  # fmt: skip
    assert db.session.scalars(select(Review).where(Review.charter_id == charter.id)).all() == [
        review
    ]


def test_ending_a_charter_cancels_its_open_review_and_the_meeting(active, org):
    review = ops.plan_review(active, NOW)
    scheduling.schedule_meeting(org.head_a, review, start=NOW + timedelta(days=10),
                                location="Salle Rivoli",
                                attendee_ids=[org.head_a.id, org.head_b.id], now=NOW)  # fmt: skip
    db.session.commit()
    active.transition(CharterStatus.ENDED)
    events.publish(events.CHARTER_ENDED, charter=active, actor=org.head_b, now=NOW)
    db.session.commit()
    assert review.status == S.CANCELLED
    assert ops.open_review(active) is None
    last = db.session.scalars(
        select(OutboxEmail)
        .where(OutboxEmail.recipient == org.head_a.email)
        .order_by(OutboxEmail.id.desc())
    ).first()
    assert str(Calendar.from_ical(last.ics)["METHOD"]) == "CANCEL"


def test_cancellation_belongs_to_the_ending_transaction(active, org):
    review = ops.plan_review(active, NOW)
    db.session.commit()
    events.publish(events.CHARTER_ENDED, charter=active, actor=org.head_b, now=NOW)
    db.session.rollback()  # the end was refused: the review stays open
    assert db.session.get(Review, review.id).status == S.PLANNED


def test_a_cancelled_review_cannot_be_saved_or_scheduled(active, org):
    review = ops.plan_review(active, NOW)
    events.publish(events.CHARTER_ENDED, charter=active, actor=org.head_b, now=NOW)
    with pytest.raises(ReviewStateError, match="cancelled"):
        ops.start_review(org.head_a, review, now=NOW)
    with pytest.raises(ReviewStateError, match="cancelled"):
        scheduling.schedule_meeting(org.head_a, review, start=NOW + timedelta(days=3),
                                    location="x", attendee_ids=[org.head_a.id],
                                    now=NOW)  # fmt: skip


def test_closing_with_continue_plans_the_next_review_from_the_held_date(active, org):
    review = ops.plan_review(active, NOW)
    ops.start_review(org.head_a, review, now=NOW)
    review.decision = ReviewDecision.CONTINUE
    ops.close_review(org.head_a, review, datetime(2027, 1, 20, 15, 0, tzinfo=UTC),
                     send_minutes=False)  # fmt: skip
    assert review.status == S.CLOSED
    following = ops.open_review(active)
    assert following.status == S.PLANNED and following.due_on == date(2027, 4, 20)
    with pytest.raises(ReviewStateError):
        ops.close_review(org.head_a, following, NOW, send_minutes=False)  # not started


def test_ending_through_signing_cancels_the_open_review_in_the_same_commit(active, org):
    from sla_contracts.models import AuditEvent
    from sla_contracts.signing import amendments

    review = ops.plan_review(active, NOW)
    db.session.commit()
    amendments.end_charter(org.head_a, active, "Reorganisation", now=NOW)
    db.session.commit()
    assert active.status == CharterStatus.ENDED
    assert db.session.get(Review, review.id).status == S.CANCELLED
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.charter_id == active.id)
    ).all()
    assert actions[-2:] == ["ended", "review_cancelled"]


def test_decision_end_ends_the_charter_through_the_audited_path(active, org):
    from sla_contracts.models import AuditEvent, Notification

    review = ops.plan_review(active, NOW)
    ops.start_review(org.head_a, review, now=NOW)
    review.decision = ReviewDecision.END
    ops.close_review(org.head_a, review, NOW, send_minutes=False)
    db.session.commit()
    assert active.status == CharterStatus.ENDED and active.end_reason
    assert ops.open_review(active) is None
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.charter_id == active.id)
    ).all()
    assert "ended" in actions
    told = db.session.scalars(
        select(Notification.user_id).where(Notification.kind == "charter_ended")
    ).all()
    assert org.head_b.id in told and org.head_a.id not in told


def test_a_cancelled_review_page_says_cancelled_not_not_started(active, org, login_as):
    review = ops.plan_review(active, NOW)
    active.transition(CharterStatus.ENDED)
    events.publish(events.CHARTER_ENDED, charter=active, actor=org.head_b, now=NOW)
    db.session.commit()
    page = login_as(org.head_a).get(f"/reviews/{review.id}").get_data(as_text=True)
    assert "This review was cancelled: the charter ended before it was held." in page
    assert "not started" not in page and "Start the review" not in page
