"""Build a company's month for the report's tests: charters in force, events, reviews, readings."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

from sla_contracts.audit.operations import record_event
from sla_contracts.extensions import db
from sla_contracts.measures import target_value
from sla_contracts.models import (
    Assessment,
    AssessmentCause,
    AssessmentResult,
    Charter,
    CharterStatus,
    CharterVersion,
    Commitment,
    CriterionReading,
    Reading,
    Review,
    ReviewStatus,
    SatisfactionAnswer,
)

MARCH = date(2026, 3, 1)


def at(day: int, month: int = 3, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


def in_force(
    org, title: str, activated_at: datetime, *, commitments=(), department_b=None, criterion=None
) -> Charter:
    """An active charter whose version 1 came into force at ``activated_at``; ``commitments``
    are (target text, [(period, value), ...]) provided by side A."""
    charter = Charter(
        title=title,
        department_a=org.logistics,
        department_b=department_b or org.stores,
        criterion=criterion or org.criterion,
        status=CharterStatus.ACTIVE,
        created_by_id=org.head_a.id,
    )
    db.session.add(charter)
    db.session.flush()
    digest = hashlib.sha256(f"{charter.id}-{title}".encode()).hexdigest()
    db.session.add(
        CharterVersion(
            charter_id=charter.id,
            number=1,
            content="{}",
            fingerprint=digest,
            activated_at=activated_at,
            created_at=activated_at,
        )
    )
    for position, (target, readings) in enumerate(commitments, start=1):
        commitment = Commitment(
            charter=charter,
            provider_department_id=org.logistics.id,
            title=f"Commitment {position}",
            position=position,
            service_standard="Deliver the stores on time",
            indicator="Share of orders delivered on time",
            target=target,
            target_value=target_value(target),
            unit="%",
            measurement_method="Delivery scans",
            measurement_frequency="Monthly",
            customer_impact="Fewer empty shelves for the customer",
        )
        db.session.add(commitment)
        db.session.flush()
        for period, value in readings:
            year, month = map(int, period.split("-"))
            db.session.add(
                Reading(
                    commitment_id=commitment.id,
                    charter_id=charter.id,
                    period=period,
                    period_start=date(year, month, 1),
                    value=value,
                )
            )
    db.session.commit()
    return charter


def event(charter: Charter, action: str, when: datetime) -> None:
    record_event(
        action,
        actor=None,
        object_type="charter",
        object_id=charter.id,
        charter_id=charter.id,
        now=when,
    )
    if action == "ended":
        charter.status = CharterStatus.ENDED
        charter.ended_at = when
    db.session.commit()


def review(
    charter: Charter,
    *,
    due_on: date,
    closed_at: datetime | None = None,
    a_of_b: int | None = None,
    b_of_a: int | None = None,
    irritants: str = "",
    status: ReviewStatus | None = None,
) -> Review:
    row = Review(
        charter_id=charter.id,
        due_on=due_on,
        status=status or (ReviewStatus.CLOSED if closed_at else ReviewStatus.PLANNED),
        closed_at=closed_at,
        held_at=closed_at,
        satisfaction_a_of_b=a_of_b,
        satisfaction_b_of_a=b_of_a,
        irritants=irritants,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    db.session.add(row)
    db.session.commit()
    return row


def survey_irritant(review_row: Review, user, department, text: str, when: datetime) -> None:
    db.session.add(
        SatisfactionAnswer(
            review_id=review_row.id,
            user_id=user.id,
            department_id=department.id,
            score=3,
            irritant=text,
            answered_at=when,
        )
    )
    db.session.commit()


def criterion_values(criterion, values: dict[str, float]) -> None:
    for period, value in values.items():
        year, month = map(int, period.split("-"))
        db.session.add(
            CriterionReading(
                criterion_id=criterion.id,
                period=period,
                period_start=date(year, month, 1),
                value=value,
            )
        )
    db.session.commit()


def march(org) -> dict:
    """A company's March 2026: what the report should say is in the comments."""
    old = in_force(
        org,
        "Logistique ⇄ Magasins",
        at(10, 1),
        commitments=[
            ("≥ 95 %", [("2026-02", 96.0), ("2026-03", 90.0)]),
            ("≥ 90 %", [("2026-03", 92.0)]),
        ],
    )  # in force since January; on March readings: one missed, one met
    new = in_force(org, "Magasins ⇄ Logistique", at(5), department_b=org.it)  # signed in March
    in_force(org, "Future", at(2, 4))  # signed in April: not in March's report
    ended = in_force(org, "Ended in March", at(1, 2))
    event(ended, "ended", at(20))
    renewed = in_force(org, "Renewed in March", at(1, 2))
    event(renewed, "renewed", at(21))
    expired = in_force(org, "Expired in March", at(1, 2))
    event(expired, "expired", at(22))
    # Reviews: one closed in March with a gap of 3 (A rates B 1, B rates A 4), one late.
    held = review(
        old,
        due_on=date(2026, 3, 15),
        closed_at=at(16),
        a_of_b=1,
        b_of_a=4,
        irritants="Late orders\nLate orders",
    )
    review(new, due_on=date(2026, 3, 25))  # open, due before the end of March: late
    review(renewed, due_on=date(2026, 4, 20))  # due in April: not late in March
    for result, cause in (
        (AssessmentResult.MISSED, AssessmentCause.OWN_SIDE),
        (AssessmentResult.PARTLY_MET, None),
        (AssessmentResult.MET, None),
    ):
        db.session.add(
            Assessment(
                review_id=held.id,
                provider_department_id=org.logistics.id,
                title="Commitment 1",
                result=result,
                cause=cause,
            )
        )
    db.session.commit()
    survey_irritant(held, org.member_a, org.logistics, "late   ORDERS", at(14))
    survey_irritant(held, org.member_b, org.stores, "<b>Rude</b> calls", at(14))
    criterion_values(
        org.criterion, {"2026-01": 3.0, "2026-02": 2.5, "2026-03": 2.1, "2026-04": 9.0}
    )
    return {"old": old, "new": new, "held": held}
