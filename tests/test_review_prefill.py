"""A meeting that prepares itself (issue 13, point 5): starting a review fills each result from
the readings of the period under review, the measured value and the criterion's value; the
computed result stays shown when the meeting changes it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sla_contracts.extensions import db
from sla_contracts.models import AssessmentResult, ReviewStatus
from sla_contracts.readings import operations as readings
from sla_contracts.reviews import operations as ops
from tests.plugins.reviews import REVIEW_NOW, plain

BEFORE = datetime(2027, 1, 3, 9, 0, tzinfo=UTC)


def _readings(charter, org):
    c1, c2, _c3, c4 = charter.commitments
    c4.target, c4.target_value = "selon planning", None
    db.session.commit()
    readings.enter_readings(
        org.member_a,
        charter,
        [
            {"commitment_id": c1.id, "period": "2026-12", "value": 80},
            {"commitment_id": c1.id, "period": "2027-01", "value": 96.5},
            {"commitment_id": c2.id, "period": "2026-12", "value": 91},
        ],
        now=BEFORE,
    )
    readings.enter_criterion_readings(
        org.admin,
        charter.criterion,
        [
            {"period": "2026-11", "value": 2.5},
            {"period": "2026-12", "value": 2.2},
            {"period": "2027-01", "value": 1.9},
        ],
        now=BEFORE,
    )
    db.session.commit()


def test_starting_fills_results_values_and_the_criterion(planned_review, active, org):
    _readings(active, org)
    ops.start_review(org.head_a, planned_review, now=REVIEW_NOW)
    db.session.commit()
    c1, c2, c3, c4 = active.commitments
    by_commitment = {a.commitment_id: a for a in planned_review.assessments}
    a1, a2, a3, a4 = (by_commitment[c.id] for c in (c1, c2, c3, c4))
    assert (a1.result, a1.computed_result, a1.computed_value, a1.computed_period) == (
        AssessmentResult.MET,
        AssessmentResult.MET,
        96.5,
        "2027-01",
    )
    assert a1.measured_value in ("96,5", "96.5")
    assert a2.result == AssessmentResult.PARTLY_MET and a2.computed_period == "2026-12"
    assert a3.result is None and a3.computed_result is None and a3.measured_value == ""
    assert a4.result is None and a4.computed_result is None  # free text: not measured
    assert planned_review.criterion_value == 1.9


def test_the_page_shows_the_computed_result_and_the_criterion_trend(
    planned_review, active, org, login_as
):
    _readings(active, org)
    ops.start_review(org.head_a, planned_review, now=REVIEW_NOW)
    first = next(
        a for a in planned_review.assessments if a.commitment_id == active.commitments[0].id
    )
    first.result = AssessmentResult.MISSED  # changed at the meeting
    db.session.commit()
    org.head_a.locale = "en"
    db.session.commit()
    page = plain(login_as(org.head_a).get(f"/reviews/{planned_review.id}").get_data(as_text=True))
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "From the readings: Met (96.5%, January 2027) · changed at the meeting" in text
    assert "From the readings: Partly met (91%, December 2026)" in text
    assert text.count("From the readings:") == 2
    assert "Company-wide values of the period:" in text
    assert "November 2026 2.5% · December 2026 2.2% · January 2027 1.9% — improving" in text
    org.head_b.locale = "fr"
    db.session.commit()
    french = plain(login_as(org.head_b).get(f"/reviews/{planned_review.id}").get_data(as_text=True))
    french = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", french))
    assert "D'après les mesures : Tenu (96,5 %, janvier 2027) · modifié en réunion" in french
    assert "en amélioration" in french


def test_the_next_review_looks_at_readings_since_the_last_one_was_held(planned_review, active, org):
    _readings(active, org)
    ops.start_review(org.head_a, planned_review, now=REVIEW_NOW)
    planned_review.decision = None
    held = datetime(2027, 1, 20, 15, 0, tzinfo=UTC)
    ops.close_review(org.head_a, planned_review, held, send_minutes=False)
    db.session.commit()
    assert planned_review.status == ReviewStatus.CLOSED
    following = ops.open_review(active)
    later = datetime(2027, 4, 25, 9, 0, tzinfo=UTC)
    c1 = active.commitments[0]
    readings.enter_readings(
        org.member_b,
        active,
        [{"commitment_id": c1.id, "period": "2027-03", "value": 70}],
        now=later,
    )
    db.session.commit()
    found = readings.period_under_review(following, later.date())
    assert found.since == held.date()
    assert set(found.latest) == {c1.id}  # December's and January's readings came before
    assert found.latest[c1.id].outcome.value == "missed"
    assert found.criterion == []
    # The closed review still reads its own period.
    assert readings.period_under_review(planned_review, later.date()).latest[c1.id].value == 96.5
