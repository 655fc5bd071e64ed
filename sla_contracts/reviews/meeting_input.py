"""What a save of the review meeting carries, and how its fields are named in errors.

The page and the API both fill a :class:`MeetingSave`: the values the person sent, the values
their page showed when they opened it (``seen``; the API has none) and the lock version they
read. Values are text as people typed them ("3,5", "4", "met"); ``None`` means "not sent":
the recorded value stays. Errors and conflicts name fields by domain path
(:class:`FieldPath`): ``criterion_value``, ``assessments[<id>].result``,
``actions[<index in the input>].owner_user_id``. The actions are the meeting's: those carried
over from earlier reviews first, then its own (``Review.meeting_actions``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from ..errors import ConflictError, ValidationError
from ..models import Review

SCALAR_FIELDS = (
    "criterion_value",
    "satisfaction_a_of_b",
    "satisfaction_b_of_a",
    "irritants",
    "minutes",
    "decision",
)
ASSESSMENT_FIELDS = (
    "result",
    "measured_value",
    "comment",
    # Whose miss (see ``attribution``).
    "cause",
    "prerequisite_commitment_id",
    "cause_note",
)
ACTION_FIELDS = ("title", "owner_department_id", "owner_user_id", "due_on", "status")


@dataclass(frozen=True)
class AssessmentValues:
    """One commitment's result at the review, as text (None: not sent)."""

    result: str | None = None
    measured_value: str | None = None
    comment: str | None = None
    cause: str | None = None
    prerequisite_commitment_id: str | None = None
    cause_note: str | None = None


@dataclass(frozen=True)
class ActionValues:
    """One line of the action plan; ``id`` None for a new action.

    The owner is a person (``owner_user_id``); their department follows from them (it is only
    read to choose between the two sides of a person who belongs to both).
    """

    id: int | None = None
    title: str | None = None
    owner_department_id: str | None = None
    owner_user_id: str | None = None
    due_on: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class MeetingValues:
    """The meeting's fields as text, as a page shows them or a person sends them."""

    criterion_value: str | None = None
    satisfaction_a_of_b: str | None = None
    satisfaction_b_of_a: str | None = None
    irritants: str | None = None
    minutes: str | None = None
    decision: str | None = None
    assessments: Mapping[int, AssessmentValues] = field(default_factory=dict)
    actions: tuple[ActionValues, ...] = ()

    @classmethod
    def recorded(cls, review: Review) -> MeetingValues:
        """What is saved now, every field filled (numbers written exactly, not rounded)."""
        return cls(
            criterion_value="" if review.criterion_value is None else str(review.criterion_value),
            satisfaction_a_of_b=_number_text(review.satisfaction_a_of_b),
            satisfaction_b_of_a=_number_text(review.satisfaction_b_of_a),
            irritants=review.irritants or "",
            minutes=review.minutes or "",
            decision=review.decision.value if review.decision else "",
            assessments={
                a.id: AssessmentValues(
                    result=a.result.value if a.result else "",
                    measured_value=a.measured_value or "",
                    comment=a.comment or "",
                    cause=a.cause.value if a.cause else "",
                    prerequisite_commitment_id=_number_text(a.prerequisite_commitment_id),
                    cause_note=a.cause_note or "",
                )
                for a in review.assessments
            },
            actions=tuple(
                ActionValues(
                    id=a.id,
                    title=a.title,
                    owner_department_id=str(a.owner_department_id),
                    owner_user_id=_number_text(a.owner_user_id),
                    due_on=a.due_on.isoformat(),
                    status=a.status.value,
                )
                for a in review.meeting_actions
            ),
        )

    def action(self, action_id: int | None) -> ActionValues | None:
        """The existing action ``action_id`` among these values, if present."""
        if action_id is None:
            return None
        return next((a for a in self.actions if a.id == action_id), None)

    def value(self, path: FieldPath) -> str | None:
        """The text at ``path`` (None if absent)."""
        if path.assessment_id is not None:
            item = self.assessments.get(path.assessment_id)
            return None if item is None else getattr(item, path.field)
        if path.action_index is not None:
            if path.action_index >= len(self.actions):
                return None
            return getattr(self.actions[path.action_index], path.field)
        return getattr(self, path.field)


def _number_text(value: int | None) -> str:
    return "" if value is None else str(value)


@dataclass(frozen=True)
class MeetingSave:
    """One save of the meeting: what was sent, what the page showed, the version read."""

    lock_version: Any
    sent: MeetingValues
    seen: MeetingValues | None = None
    close: bool = False


@dataclass(frozen=True)
class FieldPath:
    """A field of the meeting: top level, of one assessment (by id) or one action (by place)."""

    field: str
    assessment_id: int | None = None
    action_index: int | None = None

    def __str__(self) -> str:
        if self.assessment_id is not None:
            return f"assessments[{self.assessment_id}].{self.field}"
        if self.action_index is not None:
            return f"actions[{self.action_index}].{self.field}"
        return self.field


class MeetingInvalid(ValidationError):
    """Some values are refused; ``issues`` says which, by domain path. Nothing was saved."""

    def __init__(self, issues: dict[FieldPath, str]):
        first = next(iter(issues))
        super().__init__(
            _("Some fields need attention: nothing was saved yet, your text is kept."),
            field=str(first),
            details={"errors": {str(p): m for p, m in issues.items()}, "first": issues[first]},
        )
        self.issues = issues


class MeetingConflict(ConflictError):
    """Someone saved the review since the person read it, and changed the same fields.

    ``conflicts`` maps each field both changed (to different values) to the value saved now;
    ``merged`` is what the person's form should show again: their entries wherever they
    changed something, what is saved now elsewhere. Nothing was saved.
    """

    def __init__(
        self,
        *,
        conflicts: dict[FieldPath, str],
        merged: MeetingValues,
        current_lock_version: int,
        saved_by: str | None,
    ):
        if saved_by:
            message = _(
                "%(name)s saved this review while you were filling it in. Nothing of yours "
                "is saved yet and nothing is lost: check the fields you both changed, "
                "then save again.",
                name=saved_by,
            )
        else:
            message = _(
                "Someone else saved this review while you were filling it in. Nothing of "
                "yours is saved yet and nothing is lost: check the fields you both changed, "
                "then save again."
            )
        super().__init__(
            message,
            details={
                "current_lock_version": current_lock_version,
                "conflicts": [str(p) for p in conflicts],
            },
        )
        self.conflicts = conflicts
        self.merged = merged
        self.saved_by = saved_by
