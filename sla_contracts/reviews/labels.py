"""Translated labels for review enums."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..models import ActionStatus, AssessmentResult, ReviewDecision, ReviewStatus

REVIEW_STATUS_LABELS = {
    ReviewStatus.PLANNED: _l("Planned"),
    ReviewStatus.SCHEDULED: _l("Scheduled"),
    ReviewStatus.IN_PROGRESS: _l("In progress"),
    ReviewStatus.CLOSED: _l("Closed"),
    ReviewStatus.CANCELLED: _l("Cancelled"),
}

RESULT_LABELS = {
    AssessmentResult.MET: _l("Met"),
    AssessmentResult.PARTLY_MET: _l("Partly met"),
    AssessmentResult.MISSED: _l("Missed"),
    AssessmentResult.NOT_MEASURED: _l("Not measured"),
}

DECISION_LABELS = {
    ReviewDecision.CONTINUE: _l("Continue"),
    ReviewDecision.AMEND: _l("Amend the charter"),
    ReviewDecision.END: _l("End the charter"),
}

ACTION_STATUS_LABELS = {ActionStatus.OPEN: _l("Open"), ActionStatus.DONE: _l("Done")}


def review_status_label(status: ReviewStatus | str) -> str:
    return str(REVIEW_STATUS_LABELS[ReviewStatus(status)])


def result_label(result: AssessmentResult | str | None) -> str:
    return str(RESULT_LABELS[AssessmentResult(result)]) if result else "—"


def decision_label(decision: ReviewDecision | str | None) -> str:
    return str(DECISION_LABELS[ReviewDecision(decision)]) if decision else "—"


def action_status_label(status: ActionStatus | str) -> str:
    return str(ACTION_STATUS_LABELS[ActionStatus(status)])
