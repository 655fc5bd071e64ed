"""Past reviews for the demo organisation, recorded through the real services."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ..charters import prerequisites
from ..formats import parse_number
from ..models import AssessmentResult, Charter, CharterStatus, Role
from . import operations as ops
from .meeting import save_meeting
from .meeting_input import AssessmentValues, MeetingSave, MeetingValues

# A believable spread of results: mostly met, some partly, the odd miss.
_PATTERN = (
    AssessmentResult.MET,
    AssessmentResult.MET,
    AssessmentResult.PARTLY_MET,
    AssessmentResult.MET,
    AssessmentResult.MISSED,
    AssessmentResult.MET,
)


def _head(charter: Charter):
    for membership in charter.department_a.memberships:
        if membership.role == Role.HEAD:
            return membership.user
    raise LookupError("the demo department has no head")


def seed_reviews(charter: Charter, specs: list[dict[str, Any]], now: datetime) -> int:
    """Hold and close the reviews ``specs`` describe (oldest first); return how many."""
    if charter.status != CharterStatus.ACTIVE:
        return 0
    head = _head(charter)
    held = 0
    for number, spec in enumerate(sorted(specs, key=lambda s: -s["days_ago"])):
        when = now - timedelta(days=spec["days_ago"])
        review = ops.plan_review(charter, when)
        ops.start_review(head, review, now=when)
        assessments = {}
        declared = prerequisites.ids_by_commitment([a.commitment_id for a in review.assessments])
        for index, assessment in enumerate(review.assessments):
            if assessment.computed_result is not None:  # prepared from the readings: kept
                computed = assessment.computed_result
                # A miss is first asked "whose?": a prerequisite the other side did not
                # deliver when the commitment declared one, else our own side.
                depends_on = declared.get(assessment.commitment_id, [])
                missed = computed in (AssessmentResult.MISSED, AssessmentResult.PARTLY_MET)
                assessments[assessment.id] = AssessmentValues(
                    result=computed.value,
                    measured_value=assessment.measured_value,
                    comment="",
                    cause=(
                        ("other_side_prerequisite" if depends_on else "own_side")
                        if missed
                        else None
                    ),
                    prerequisite_commitment_id=(
                        str(depends_on[0]) if missed and depends_on else None
                    ),
                )
                continue
            result = _PATTERN[(index + number) % len(_PATTERN)]
            target = parse_number(assessment.target)
            measured = ""
            if target is not None:
                factor = {AssessmentResult.MET: 1.0, AssessmentResult.PARTLY_MET: 0.93}.get(
                    result, 0.8
                )
                measured = f"{target * factor:g}"
            assessments[assessment.id] = AssessmentValues(
                result=result.value, measured_value=measured, comment=""
            )
        values = MeetingValues(
            assessments=assessments,
            criterion_value=str(spec["criterion_value"]),
            satisfaction_a_of_b=str(spec["satisfaction_a"]),
            satisfaction_b_of_a=str(spec["satisfaction_b"]),
            irritants=spec.get("notes", ""),
            minutes=spec.get("notes", ""),
            decision=spec.get("decision", "continue"),
        )
        save = MeetingSave(lock_version=review.lock_version, sent=values, close=True)
        save_meeting(head, review, save, now=when, send_minutes=False)
        held += 1
    return held
