"""Whose miss, in the review API: an assessment's cause, prerequisite and note (answered and sent).

The rules are the meeting service's (``reviews.attribution``); these are only the shapes.
"""

from __future__ import annotations

from ..models import AssessmentCause
from ..reviews import attribution
from .schemas import Id, Int, Schema, Text

CAUSES = tuple(c.value for c in AssessmentCause)
CAUSE_HELP = (
    "Whose miss, for a missed or partly met result only (422 with any other result: send null "
    "to clear it): own_side, other_side_prerequisite (name the commitment) or outside (say what)"
)
PREREQUISITE_HELP = (
    "The other side's commitment not delivered: one this commitment depends on, or any of the "
    "other side's commitments of the charter if it names none"
)


class CauseAnswer(Schema):
    """An assessment's cause as answered."""

    cause = Text(
        required=True,
        allow_none=True,
        choices=CAUSES,
        metadata={"enum": [*CAUSES, None], "description": CAUSE_HELP},
    )
    prerequisite_commitment_id = Int(
        required=True, allow_none=True, metadata={"description": PREREQUISITE_HELP}
    )
    cause_note = Text(required=True, metadata={"description": "What happened (outside cause)"})


class CauseInput(Schema):
    """An assessment's cause as sent: only the keys sent change."""

    cause = Text(
        allow_none=True,
        choices=CAUSES,
        metadata={"enum": [*CAUSES, None], "description": CAUSE_HELP},
    )
    prerequisite_commitment_id = Id(
        allow_none=True,
        metadata={"description": f"{PREREQUISITE_HELP}; kept only with other_side_prerequisite"},
    )
    cause_note = Text(
        max_length=attribution.NOTE_MAX,
        metadata={"description": "What happened: required with outside"},
    )
