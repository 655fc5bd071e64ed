"""Reviews over the API: list and plan a charter's reviews, read and fill one (409 once closed).

Same rules as the pages: people outside both departments get 404, members read, heads (and
admins) write. PATCH carries the version read (``lock_version`` in the body or ``If-Match``:
409 ``conflict`` if stale, 428 ``version_required`` if neither) and a closed review answers
409 ``invalid_state``. Only the fields sent change; ``close: true`` checks the review is
complete, then closes it.

Each shape is declared once below (marshmallow): it validates the request, serialises the
answer and is the OpenAPI document. The checks of the meeting itself (results, satisfaction
scores, actions' owners, completeness before closing) stay in ``reviews/meeting.py``.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..errors import ConflictError, ValidationError
from ..extensions import db
from ..models import (
    ActionStatus,
    AssessmentResult,
    Review,
    ReviewAttendee,
    ReviewDecision,
    ReviewStatus,
    User,
)
from ..reviews import access, meeting, scheduling, survey
from ..reviews import operations as ops
from ..reviews.meeting import save_meeting
from ..reviews.meeting_input import (
    ACTION_FIELDS,
    ASSESSMENT_FIELDS,
    SCALAR_FIELDS,
    ActionValues,
    AssessmentValues,
    FieldPath,
    MeetingInvalid,
    MeetingSave,
    MeetingValues,
)
from ..timeutil import utcnow
from ..transaction import atomic
from .auth import loads, location, require_api_user
from .blueprint import bp, operation, validation_error
from .cause_schemas import CauseAnswer, CauseInput
from .charters import _charter
from .etags import if_match, require_change, seen_version, versioned
from .pages import page_query
from .schemas import (
    Bool,
    Day,
    Id,
    Int,
    List,
    Nested,
    Number,
    PageArgs,
    PersonSchema,
    Schema,
    Text,
    When,
    page_of,
    path_id,
)

REVIEW_STATUSES = tuple(s.value for s in ReviewStatus)
RESULTS = tuple(r.value for r in AssessmentResult)
DECISIONS = tuple(d.value for d in ReviewDecision)
ACTION_STATUSES = tuple(s.value for s in ActionStatus)
SATISFACTION = {"minimum": 1, "maximum": 5}

# ---------------------------------------------------------------- answers


def _attendees(review: Review) -> list:
    return [a.user for a in review.attendees]


class AssessmentSchema(CauseAnswer):
    """One commitment's result at the review, with what was promised (copied at the start)."""

    id = Id(required=True)
    commitment_id = Int(required=True, allow_none=True)
    provider_department_id = Id(required=True)
    title = Text(required=True)
    indicator = Text(required=True)
    target = Text(required=True)
    unit = Text(required=True)
    result = Text(
        required=True, allow_none=True, choices=RESULTS, metadata={"enum": [*RESULTS, None]}
    )
    measured_value = Text(required=True)
    comment = Text(required=True)


class ActionItemSchema(Schema):
    """One line of the review's action plan (those carried over from earlier reviews first)."""

    id = Id(required=True)
    review_id = Int(
        required=True,
        allow_none=True,
        metadata={
            "description": "The review that decided it: another one for an action carried "
            "over, still open when this review started"
        },
    )
    title = Text(required=True)
    owner_department_id = Id(
        required=True, metadata={"description": "The owner's department (follows from them)"}
    )
    owner_user_id = Int(
        required=True,
        allow_none=True,
        metadata={
            "description": "The person who owns it, a member of either department (null for "
            "actions from before people owned them)"
        },
    )
    due_on = Day(required=True)
    status = Text(required=True, choices=ACTION_STATUSES)
    done_at = When(required=True, allow_none=True)


class SurveySideSchema(Schema):
    """What one side answered about the other in the survey before the meeting."""

    department_id = Id(required=True, source=lambda s: s.rater.id)
    rated_department_id = Id(required=True, source=lambda s: s.rated.id)
    asked = Int(required=True, minimum=0, metadata={"description": "People of this side asked"})
    answered = Int(required=True, minimum=0)
    counts = List(
        Int(minimum=0),
        required=True,
        source=lambda s: [s.counts[n] for n in sorted(s.counts)],
        metadata={"description": "Answers per score, from 1 to 5", "minItems": 5, "maxItems": 5},
    )
    average = Number(required=True, allow_none=True, metadata={"minimum": 1, "maximum": 5})
    irritants = List(Text(), required=True)


class SurveySchema(Schema):
    """The satisfaction survey asked before the meeting: shown once the review has started."""

    sides = List(Nested(SurveySideSchema), required=True)
    gap = Number(
        required=True, allow_none=True, metadata={"minimum": 0, "description": "Between averages"}
    )
    gap_flagged = Bool(required=True, source=lambda s: s.is_gap_large)


class ReviewSchema(Schema):
    """A review with its meeting, assessments and actions."""

    id = Id(required=True)
    charter_id = Id(required=True)
    version_number = Int(
        required=True, allow_none=True, metadata={"description": "The signed version reviewed"}
    )
    status = Text(required=True, choices=REVIEW_STATUSES)
    lock_version = Int(
        required=True, metadata={"description": "Send it back to PATCH (or the ETag as If-Match)"}
    )
    due_on = Day(required=True)
    scheduled_at = When(required=True, allow_none=True)
    duration_minutes = Int(required=True)
    location = Text(required=True)
    video_link = Text(required=True)
    attendees = List(Nested(PersonSchema), required=True, source=_attendees)
    held_at = When(required=True, allow_none=True)
    criterion_value = Number(required=True, allow_none=True)
    satisfaction_a_of_b = Int(
        required=True,
        allow_none=True,
        metadata={**SATISFACTION, "description": "How satisfied side A is with B (1 to 5)"},
    )
    satisfaction_b_of_a = Int(
        required=True,
        allow_none=True,
        metadata={**SATISFACTION, "description": "How satisfied side B is with A (1 to 5)"},
    )
    satisfaction_gap = Int(
        required=True, allow_none=True, minimum=0, metadata={"description": "≥ 2 is flagged"}
    )
    share_met = Number(
        required=True,
        allow_none=True,
        metadata={"minimum": 0, "maximum": 1, "description": "0 to 1, partly met counts ½"},
    )
    irritants = Text(required=True)
    minutes = Text(required=True)
    decision = Text(
        required=True, allow_none=True, choices=DECISIONS, metadata={"enum": [*DECISIONS, None]}
    )
    overdue_since = Day(required=True, allow_none=True)
    assessments = List(Nested(AssessmentSchema), required=True)
    actions = List(
        Nested(ActionItemSchema), required=True, source=lambda review: review.meeting_actions
    )
    survey = Nested(
        SurveySchema,
        required=True,
        allow_none=True,
        source=survey.results,
        metadata={"description": "null until the review starts: answers stay hidden before"},
    )


ReviewPage = page_of(ReviewSchema, "reviews", "ReviewPage")

# ---------------------------------------------------------------- requests


class ReviewCreateSchema(Schema):
    """Plan the next review; with ``scheduled_at``, schedule its meeting too."""

    scheduled_at = When(
        allow_none=True,
        metadata={"description": "ISO 8601 date-time with its offset: schedules the meeting"},
    )
    duration_minutes = Int(minimum=15, maximum=480, metadata={"description": "60 by default"})
    location = Text(max_length=scheduling.LOCATION_MAX)
    video_link = Text(max_length=scheduling.LINK_MAX, metadata={"description": "https://…"})
    attendee_ids = List(Id(), metadata={"description": "Users of either department"})


class AssessmentInputSchema(CauseInput):
    """One assessment to fill, named by its id; only the keys sent change."""

    id = Id(required=True)
    result = Text(allow_none=True, choices=RESULTS, metadata={"enum": [*RESULTS, None]})
    measured_value = Text(max_length=meeting.MEASURED_MAX)
    comment = Text(max_length=meeting.TEXT_MAX)


class ActionItemInputSchema(Schema):
    """One action: with ``id`` it changes that action, without it adds one."""

    id = Id(metadata={"description": "Omit to add an action"})
    title = Text(max_length=meeting.ACTION_TITLE_MAX)
    owner_user_id = Id(
        metadata={
            "description": "The person who owns it, a member of either department (required "
            "for a new action); their department owns it"
        }
    )
    owner_department_id = Id(
        metadata={
            "description": "Which side the owner acts for, if they belong to both (else it "
            "follows from the owner)"
        }
    )
    due_on = Day()
    status = Text(choices=ACTION_STATUSES)


class ReviewUpdateSchema(Schema):
    """Fill the review: only the fields sent change."""

    lock_version = Int(
        metadata={"description": "The lock_version read (or send its ETag as If-Match)"}
    )
    criterion_value = Number(allow_none=True)
    satisfaction_a_of_b = Int(allow_none=True, minimum=1, maximum=5)
    satisfaction_b_of_a = Int(allow_none=True, minimum=1, maximum=5)
    irritants = Text(max_length=meeting.TEXT_MAX)
    minutes = Text(max_length=meeting.TEXT_MAX * 4)
    decision = Text(allow_none=True, choices=DECISIONS, metadata={"enum": [*DECISIONS, None]})
    close = Bool(metadata={"description": "Check completeness, then close (read-only after)"})
    assessments = List(Nested(AssessmentInputSchema))
    actions = List(Nested(ActionItemInputSchema))


CHANGEABLE = [name for name in ReviewUpdateSchema().fields if name != "lock_version"]

# ---------------------------------------------------------------- examples

ASSESSMENT_EXAMPLE = {
    "id": 40,
    "commitment_id": 9,
    "provider_department_id": 1,
    "title": "Livraisons avant 7 h",
    "indicator": "Part des livraisons à l'heure",
    "target": "95",
    "unit": "%",
    "result": "partly_met",
    "measured_value": "91",
    "comment": "",
    "cause": "other_side_prerequisite",
    "prerequisite_commitment_id": 12,
    "cause_note": "",
}
ACTION_EXAMPLE = {
    "id": 5,
    "review_id": 12,
    "title": "Réserver un second quai",
    "owner_department_id": 1,
    "owner_user_id": 7,
    "due_on": "2027-04-01",
    "status": "open",
    "done_at": None,
}
REVIEW_EXAMPLE = {
    "id": 12,
    "charter_id": 3,
    "version_number": 2,
    "status": "in_progress",
    "lock_version": 4,
    "due_on": "2027-03-01",
    "scheduled_at": "2027-03-01T13:00:00+00:00",
    "duration_minutes": 60,
    "location": "Salle Rivoli",
    "video_link": "",
    "attendees": [{"id": 7, "name": "Alice Martin"}],
    "held_at": None,
    "criterion_value": 2.4,
    "satisfaction_a_of_b": 4,
    "satisfaction_b_of_a": 2,
    "satisfaction_gap": 2,
    "share_met": 0.75,
    "irritants": "Quais encombrés le lundi",
    "minutes": "",
    "decision": None,
    "overdue_since": None,
    "assessments": [ASSESSMENT_EXAMPLE],
    "actions": [ACTION_EXAMPLE],
    "survey": {
        "sides": [
            {
                "department_id": 1,
                "rated_department_id": 2,
                "asked": 6,
                "answered": 5,
                "counts": [0, 0, 1, 3, 1],
                "average": 4.0,
                "irritants": [],
            },
            {
                "department_id": 2,
                "rated_department_id": 1,
                "asked": 9,
                "answered": 7,
                "counts": [1, 4, 2, 0, 0],
                "average": 2.14,
                "irritants": ["Quais encombrés le lundi"],
            },
        ],
        "gap": 1.86,
        "gap_flagged": False,
    },
}
PLANNED_EXAMPLE = {
    **REVIEW_EXAMPLE,
    "status": "scheduled",
    "lock_version": 1,
    "attendees": [{"id": 7, "name": "Alice Martin"}, {"id": 8, "name": "Bruno Leroy"}],
    "criterion_value": None,
    "satisfaction_a_of_b": None,
    "satisfaction_b_of_a": None,
    "satisfaction_gap": None,
    "share_met": None,
    "irritants": "",
    "assessments": [],
    "actions": [],
    "survey": None,
}
CREATE_EXAMPLE = {
    "scheduled_at": "2027-03-01T14:00:00+01:00",
    "location": "Salle Rivoli",
    "attendee_ids": [7, 8],
}
UPDATE_EXAMPLE = {
    "lock_version": 4,
    "satisfaction_a_of_b": 4,
    "assessments": [{"id": 40, "result": "met", "measured_value": "96"}],
    "actions": [{"title": "Réserver un second quai", "owner_user_id": 7, "due_on": "2027-04-01"}],
}

# ---------------------------------------------------------------- helpers


def _options():
    return (
        selectinload(Review.assessments),
        selectinload(Review.actions),
        selectinload(Review.carried_actions),
        selectinload(Review.attendees).selectinload(ReviewAttendee.user),
        selectinload(Review.survey_answers),
    )


def _load(review_id: int) -> Review:
    """The review as saved now, with what its answer shows."""
    return db.session.scalars(
        select(Review)
        .where(Review.id == review_id)
        .options(*_options())
        .execution_options(populate_existing=True)
    ).one()


def _review(user: User, review_id: int, *, write: bool = False) -> Review:
    path_id(review_id, _("No such review."))
    return access.get_review(user, review_id, write=write)


def _naming_every_field(error: ValidationError, rename: dict[str, str]) -> ValidationError:
    """A service's ValidationError (one field) in this API's terms, with details.errors."""
    name = rename.get(error.field or "", error.field)
    if name is None:
        return error
    details = {**error.details, "errors": {name: [error.message]}}
    return ValidationError(error.message, field=name, details=details)


def _schedule(user, review: Review, data: dict[str, Any]) -> None:
    try:
        scheduling.schedule_meeting(
            user,
            review,
            start=data["scheduled_at"],
            duration_minutes=data.get("duration_minutes", 60),
            location=data.get("location", ""),
            video_link=data.get("video_link", ""),
            attendee_ids=data.get("attendee_ids", []),
        )
    except ValidationError as error:
        # The service names the page's date input; this API has scheduled_at.
        raise _naming_every_field(error, {"date": "scheduled_at"}) from None


def _text(value: Any) -> str | None:
    """A JSON value as the meeting service reads it ("" for null; 2.0 as "2")."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _sent(item: dict[str, Any], name: str) -> str | None:
    return _text(item[name]) if name in item else None


def _meeting_values(data: dict[str, Any]) -> MeetingValues:
    """What the request sends, as the meeting service's values (a field not sent is None).

    Unknown assessment or action ids are the service's to refuse (``assessments[0].id``).
    """
    assessments = {
        item["id"]: AssessmentValues(**{name: _sent(item, name) for name in ASSESSMENT_FIELDS})
        for item in data.get("assessments", [])
    }
    actions = tuple(
        ActionValues(id=item.get("id"), **{name: _sent(item, name) for name in ACTION_FIELDS})
        for item in data.get("actions", [])
    )
    return MeetingValues(
        **{name: _sent(data, name) for name in SCALAR_FIELDS},
        assessments=assessments,
        actions=actions,
    )


def _api_field(path: FieldPath, data: dict[str, Any]) -> str:
    """A domain path in this API's terms.

    An assessment is named by its place in the request, or ``assessments[id=61].result`` when
    the request did not send it; actions are named by their place in the request already.
    """
    if path.assessment_id is None:
        return str(path)
    sent = [item["id"] for item in data.get("assessments", [])]
    if path.assessment_id in sent:
        return f"assessments[{sent.index(path.assessment_id)}].{path.field}"
    return f"assessments[id={path.assessment_id}].{path.field}"


# ---------------------------------------------------------------- endpoints


@bp.get("/charters/<int:charter_id>/reviews")
@operation(
    "A charter's reviews with their assessments and actions, newest first",
    who="heads and members of either department, and administrators (others: 404)",
    tag="reviews",
    errors=(404, 422),
)
@loads("charter", _charter)
@bp.arguments(PageArgs, location="query")
@bp.response(200, ReviewPage, example={"reviews": [REVIEW_EXAMPLE], "next": None, "total": 1})
def list_reviews(args, charter):
    query = select(Review).where(Review.charter_id == charter.id).options(*_options())
    return page_query(query, Review.id, args, "reviews")


@bp.post("/charters/<int:charter_id>/reviews")
@operation(
    "Plan the charter's next review (or answer the open one), optionally scheduling its "
    "meeting (invitations with an .ics file go out)",
    who="heads of either department and administrators (members: 403; others: 404)",
    tag="reviews",
    errors=(400, 403, 404, 409, 422),
    description="201 when a review is planned, 200 with the open review if there is one "
    "(its meeting scheduled or moved when `scheduled_at` is sent). 409 when the charter is "
    "not in force.",
)
@loads("charter", _charter, write=True)
@bp.arguments(ReviewCreateSchema, required=False, example=CREATE_EXAMPLE)
@bp.response(201, ReviewSchema, example=PLANNED_EXAMPLE)
@bp.alt_response(
    200,
    schema=ReviewSchema,
    description="The open review (its meeting scheduled if asked)",
    example=REVIEW_EXAMPLE,
    success=True,
)
def plan_review(data, charter):
    user = require_api_user()
    existed = ops.open_review(charter) is not None
    with atomic():
        review = ops.plan_review(charter, utcnow())
        if data.get("scheduled_at") is not None:
            _schedule(user, review, data)
    review = _load(review.id)
    if existed:
        return review, 200
    return review, 201, {"Location": location("get_review", review_id=review.id)}


@bp.get("/reviews/<int:review_id>")
@operation(
    "A review with its assessments and actions",
    who="heads and members of either department, and administrators (others: 404)",
    tag="reviews",
    errors=(404,),
)
@versioned
@loads("review", _review)
@bp.response(200, ReviewSchema, example=REVIEW_EXAMPLE)
def get_review(review):
    return _load(review.id)


@bp.patch("/reviews/<int:review_id>")
@operation(
    "Fill the review (only the fields sent change); close it with close: true",
    who="heads of either department and administrators (members: 403; others: 404)",
    tag="reviews",
    errors=(400, 403, 404, 409, 422, 428),
    description="A planned review starts with its first PATCH: it becomes in_progress and "
    "gets one assessment per commitment of the version in force. Assessments are named by "
    "id; an action with an id changes it (those carried over from earlier reviews too: the "
    "same action, not a copy), one without adds it (`owner_user_id` required). Errors name "
    "fields as sent (`assessments[0].result`, `actions[1].due_on`), or "
    "`assessments[id=40].result` for one not sent (closing needs every result). 409 "
    "`invalid_state` once the review is closed or cancelled.",
)
@versioned
@if_match
@loads("review", _review, write=True)
@bp.arguments(ReviewUpdateSchema, example=UPDATE_EXAMPLE)
@bp.response(200, ReviewSchema, example=REVIEW_EXAMPLE)
def update_review(data, review):
    user = require_api_user()
    review_id = review.id
    lock_version = seen_version(data, current=lambda: ReviewSchema().dump(_load(review_id)))
    require_change(data, CHANGEABLE)
    review.ensure_open()  # a closed review: 409 invalid_state
    save = MeetingSave(
        lock_version=lock_version,
        sent=_meeting_values(data),
        close=bool(data.get("close", False)),
    )
    try:
        with atomic():
            save_meeting(user, review, save)
    except ConflictError as error:
        error.details["current"] = ReviewSchema().dump(_load(review_id))
        raise
    except MeetingInvalid as error:
        # Fields named as in this API (assessments[0].result, actions[1].due_on).
        raise validation_error(
            {_api_field(path, data): [message] for path, message in error.issues.items()}
        ) from None
    return _load(review_id)
