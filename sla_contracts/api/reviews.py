"""Reviews over the API: list and plan a charter's reviews, read and fill one (409 once closed).

Same rules as the pages: people outside both departments get 404, members read, heads (and
admins) write; PATCH carries the ``lock_version`` read (409 ``conflict`` if stale) and a closed
review answers 409 ``invalid_state``. Only the fields sent change; ``close: true`` checks the
review is complete, then closes it.
"""

from __future__ import annotations

from datetime import datetime
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
)
from ..permissions import get_charter as load_charter
from ..reviews import access, meeting, scheduling
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
from . import openapi
from .auth import location, require_api_user
from .blueprint import bp
from .validation import Field, body_schema, check_value, json_object, path_id

# ---------------------------------------------------------------- JSON shapes


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def review_json(review: Review) -> dict[str, Any]:
    """The review with its assessments, actions and attendees."""
    return {
        "id": review.id,
        "charter_id": review.charter_id,
        "version_number": review.version_number,
        "status": review.status.value,
        "lock_version": review.lock_version,
        "due_on": review.due_on.isoformat(),
        "scheduled_at": _iso(review.scheduled_at),
        "duration_minutes": review.duration_minutes,
        "location": review.location,
        "video_link": review.video_link,
        "attendees": [{"id": a.user.id, "name": a.user.name} for a in review.attendees],
        "held_at": _iso(review.held_at),
        "criterion_value": review.criterion_value,
        "satisfaction_a_of_b": review.satisfaction_a_of_b,
        "satisfaction_b_of_a": review.satisfaction_b_of_a,
        "satisfaction_gap": review.satisfaction_gap,
        "share_met": review.share_met,
        "irritants": review.irritants,
        "minutes": review.minutes,
        "decision": review.decision.value if review.decision else None,
        "overdue_since": _iso(review.overdue_since),
        "assessments": [
            {
                "id": a.id,
                "commitment_id": a.commitment_id,
                "provider_department_id": a.provider_department_id,
                "title": a.title,
                "indicator": a.indicator,
                "target": a.target,
                "unit": a.unit,
                "result": a.result.value if a.result else None,
                "measured_value": a.measured_value,
                "comment": a.comment,
            }
            for a in review.assessments
        ],
        "actions": [
            {
                "id": a.id,
                "title": a.title,
                "owner_department_id": a.owner_department_id,
                "due_on": a.due_on.isoformat(),
                "status": a.status.value,
                "done_at": _iso(a.done_at),
            }
            for a in review.actions
        ],
    }


def _load(review_id: int) -> Review:
    return db.session.scalars(
        select(Review)
        .where(Review.id == review_id)
        .options(
            selectinload(Review.assessments),
            selectinload(Review.actions),
            selectinload(Review.attendees).selectinload(ReviewAttendee.user),
        )
        .execution_options(populate_existing=True)
    ).one()


def _review(review_id: int, *, write: bool = False) -> Review:
    user = require_api_user()
    path_id(review_id, _("No such review."))
    return access.get_review(user, review_id, write=write)


# ---------------------------------------------------------------- endpoints


@bp.get("/charters/<int:charter_id>/reviews")
def list_reviews(charter_id: int):
    user = require_api_user()
    path_id(charter_id, _("No such charter."))
    charter = load_charter(user, charter_id)
    reviews = db.session.scalars(
        select(Review)
        .where(Review.charter_id == charter.id)
        .options(
            selectinload(Review.assessments),
            selectinload(Review.actions),
            selectinload(Review.attendees).selectinload(ReviewAttendee.user),
        )
        .order_by(Review.id)
    ).all()
    return {"reviews": [review_json(r) for r in reviews]}


PLAN_FIELDS = {
    "scheduled_at": Field(
        "string", nullable=True, description="ISO 8601 date-time with offset: schedules it"
    ),
    "duration_minutes": Field("integer", description="15 to 480 (default 60)"),
    "location": Field("string", max_length=scheduling.LOCATION_MAX),
    "video_link": Field("string", max_length=scheduling.LINK_MAX),
}
PLAN_ATTENDEES = {"type": "array", "items": {"type": "integer"}, "description": "User ids"}


def _datetime(value: str, name: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as error:
        raise ValidationError(_("Give an ISO 8601 date-time."), field=name) from error
    if parsed.tzinfo is None:
        raise ValidationError(_("Give the time zone offset (e.g. +01:00 or Z)."), field=name)
    return parsed


def _int_list(value: Any, name: str) -> list[int]:
    if not isinstance(value, list) or any(
        isinstance(v, bool) or not isinstance(v, int) for v in value
    ):
        raise ValidationError(_("Give a list of ids."), field=name)
    return value


def _schedule(user, review: Review, values: dict[str, Any], data: dict[str, Any]) -> None:
    try:
        scheduling.schedule_meeting(
            user,
            review,
            start=_datetime(values["scheduled_at"], "scheduled_at"),
            duration_minutes=values.get("duration_minutes", 60),
            location=values.get("location", ""),
            video_link=values.get("video_link", ""),
            attendee_ids=_int_list(data.get("attendee_ids", []), "attendee_ids"),
        )
    except ValidationError as error:
        if error.field != "date":
            raise
        # The service names the page's date input; this API has scheduled_at.
        raise ValidationError(error.message, field="scheduled_at", details=error.details) from None


@bp.post("/charters/<int:charter_id>/reviews")
def plan_review(charter_id: int):
    user = require_api_user()
    path_id(charter_id, _("No such charter."))
    charter = load_charter(user, charter_id, write=True)
    data = json_object()
    allowed = {*PLAN_FIELDS, "attendee_ids"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValidationError(
            _(
                "Unknown fields: %(names)s. Allowed fields are documented in openapi.json.",
                names=", ".join(unknown),
            ),
            field=unknown[0],
        )
    values = {k: check_value(k, v, PLAN_FIELDS[k]) for k, v in data.items() if k in PLAN_FIELDS}
    existed = ops.open_review(charter) is not None
    with atomic():
        review = ops.plan_review(charter, utcnow())
        if values.get("scheduled_at"):
            _schedule(user, review, values, data)
    body = review_json(_load(review.id))
    if existed:
        return body, 200
    return body, 201, {"Location": location("get_review", review_id=review.id)}


@bp.get("/reviews/<int:review_id>")
def get_review(review_id: int):
    review = _review(review_id)
    return review_json(_load(review.id))


UPDATE_FIELDS = {
    "lock_version": Field("integer", required=True, description="The lock_version you read"),
    "criterion_value": Field("number", nullable=True),
    "satisfaction_a_of_b": Field("integer", nullable=True, description="1 to 5"),
    "satisfaction_b_of_a": Field("integer", nullable=True, description="1 to 5"),
    "irritants": Field("string", max_length=meeting.TEXT_MAX),
    "minutes": Field("string", max_length=meeting.TEXT_MAX * 4),
    "decision": Field("string", nullable=True, enum=tuple(d.value for d in ReviewDecision)),
    "close": Field("boolean", description="Check completeness, then close (read-only after)"),
}
ASSESSMENT_SCHEMA = {
    "type": "object",
    "required": ["id"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "integer"},
        "result": {
            "type": ["string", "null"],
            "enum": [r.value for r in AssessmentResult] + [None],
        },
        "measured_value": {"type": "string"},
        "comment": {"type": "string"},
    },
}
ACTION_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "id": {"type": "integer", "description": "Omit to add an action"},
        "title": {"type": "string"},
        "owner_department_id": {"type": "integer"},
        "due_on": {"type": "string", "format": "date"},
        "status": {"type": "string", "enum": [s.value for s in ActionStatus]},
    },
}


def _text(value: Any) -> str:
    """A JSON value as the meeting service reads it ("" for null; 2.0 as "2")."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _sent(item: dict[str, Any], name: str) -> str | None:
    return _text(item[name]) if name in item else None


def _meeting_values(review: Review, data: dict[str, Any]) -> MeetingValues:
    """What the request sends, as the meeting service's values (a field not sent is None)."""
    assessments: dict[int, AssessmentValues] = {}
    for index, item in enumerate(data.get("assessments", [])):
        if not isinstance(item, dict) or not isinstance(item.get("id"), int):
            raise ValidationError(_("Each assessment needs its id."), field=f"assessments[{index}]")
        assessments[item["id"]] = AssessmentValues(
            **{name: _sent(item, name) for name in ASSESSMENT_FIELDS}
        )
    if set(assessments) - {a.id for a in review.assessments}:
        raise ValidationError(_("No such assessment."), field="assessments")
    actions = []
    known_actions = {a.id for a in review.actions}
    for index, item in enumerate(data.get("actions", [])):
        if not isinstance(item, dict):
            raise ValidationError(_("Each action is an object."), field=f"actions[{index}]")
        if "id" in item and item["id"] not in known_actions:
            raise ValidationError(_("No such action."), field="actions")
        actions.append(
            ActionValues(id=item.get("id"), **{name: _sent(item, name) for name in ACTION_FIELDS})
        )
    return MeetingValues(
        **{name: _sent(data, name) for name in SCALAR_FIELDS},
        assessments=assessments,
        actions=tuple(actions),
    )


def _api_field(path: FieldPath, data: dict[str, Any]) -> str:
    """A domain path in this API's terms.

    An assessment is named by its place in the request, or ``assessments[id=61].result`` when
    the request did not send it; actions are named by their place in the request already.
    """
    if path.assessment_id is None:
        return str(path)
    sent = [item.get("id") for item in data.get("assessments", [])]
    if path.assessment_id in sent:
        return f"assessments[{sent.index(path.assessment_id)}].{path.field}"
    return f"assessments[id={path.assessment_id}].{path.field}"


@bp.patch("/reviews/<int:review_id>")
def update_review(review_id: int):
    user = require_api_user()
    review = _review(review_id, write=True)
    data = json_object()
    allowed = {*UPDATE_FIELDS, "assessments", "actions"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValidationError(
            _(
                "Unknown fields: %(names)s. Allowed fields are documented in openapi.json.",
                names=", ".join(unknown),
            ),
            field=unknown[0],
        )
    if "lock_version" not in data:
        raise ValidationError(_("lock_version is required."), field="lock_version")
    for name, value in data.items():
        if name in UPDATE_FIELDS:
            check_value(name, value, UPDATE_FIELDS[name])
    for name in ("assessments", "actions"):
        if name in data and not isinstance(data[name], list):
            raise ValidationError(_("Give a list."), field=name)
    review.ensure_open()  # a closed review: 409 invalid_state
    save = MeetingSave(
        lock_version=data["lock_version"],
        sent=_meeting_values(review, data),
        close=bool(data.get("close", False)),
    )
    try:
        with atomic():
            save_meeting(user, review, save)
    except ConflictError as error:
        error.details["current"] = review_json(_load(review_id))
        raise
    except MeetingInvalid as error:
        # Fields named as in this API (assessments[0].result, actions[1].due_on).
        errors = {_api_field(path, data): message for path, message in error.issues.items()}
        first = next(iter(errors))
        raise ValidationError(errors[first], field=first, details={"errors": errors}) from None
    return review_json(_load(review_id))


# ---------------------------------------------------------------- documentation

_date = {"type": "string", "format": "date"}
_ts_or_null = {"type": ["string", "null"], "format": "date-time"}

openapi.add_schema(
    "Review",
    {
        "type": "object",
        "required": [
            "id",
            "charter_id",
            "status",
            "lock_version",
            "due_on",
            "assessments",
            "actions",
        ],  # fmt: skip
        "properties": {
            "id": {"type": "integer"},
            "charter_id": {"type": "integer"},
            "version_number": {"type": ["integer", "null"], "description": "Signed version"},
            "status": {"type": "string", "enum": [s.value for s in ReviewStatus]},
            "lock_version": {"type": "integer", "description": "Send it back to PATCH"},
            "due_on": _date,
            "scheduled_at": _ts_or_null,
            "duration_minutes": {"type": "integer"},
            "location": {"type": "string"},
            "video_link": {"type": "string"},
            "attendees": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
                },
            },
            "held_at": _ts_or_null,
            "criterion_value": {"type": ["number", "null"]},
            "satisfaction_a_of_b": {"type": ["integer", "null"]},
            "satisfaction_b_of_a": {"type": ["integer", "null"]},
            "satisfaction_gap": {"type": ["integer", "null"], "description": "≥ 2 is flagged"},
            "share_met": {"type": ["number", "null"], "description": "0 to 1, partly met = ½"},
            "irritants": {"type": "string"},
            "minutes": {"type": "string"},
            "decision": {
                "type": ["string", "null"],
                "enum": [d.value for d in ReviewDecision] + [None],
            },
            "overdue_since": {"type": ["string", "null"], "format": "date"},
            "assessments": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "commitment_id": {"type": ["integer", "null"]},
                        "provider_department_id": {"type": "integer"},
                        "title": {"type": "string"},
                        "indicator": {"type": "string"},
                        "target": {"type": "string"},
                        "unit": {"type": "string"},
                        "result": ASSESSMENT_SCHEMA["properties"]["result"],
                        "measured_value": {"type": "string"},
                        "comment": {"type": "string"},
                    },
                },
            },
            "actions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "title": {"type": "string"},
                        "owner_department_id": {"type": "integer"},
                        "due_on": _date,
                        "status": {"type": "string", "enum": [s.value for s in ActionStatus]},
                        "done_at": _ts_or_null,
                    },
                },
            },
        },
    },
)

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
    "assessments": [
        {
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
        },
    ],  # fmt: skip
    "actions": [
        {
            "id": 5,
            "title": "Réserver un second quai",
            "owner_department_id": 1,
            "due_on": "2027-04-01",
            "status": "open",
            "done_at": None,
        },
    ],  # fmt: skip
}

_review_id = [openapi.path_param("review_id")]
_charter_id = [openapi.path_param("charter_id")]

openapi.add_path(
    "/charters/{charter_id}/reviews",
    "get",
    {
        "summary": "A charter's reviews with their assessments and actions",
        "parameters": _charter_id,
        "responses": {
            "200": openapi.json_response(
                "The reviews, oldest first",
                {
                    "type": "object",
                    "required": ["reviews"],
                    "properties": {"reviews": {"type": "array", "items": openapi.ref("Review")}},
                },
                {"reviews": [REVIEW_EXAMPLE]},
            ),  # fmt: skip
            **openapi.errors(401, 404),
        },
    },
)
openapi.add_path(
    "/charters/{charter_id}/reviews",
    "post",
    {
        "summary": "Plan the charter's next review (or return the open one), optionally "
        "scheduling its meeting (invitations with .ics go out)",
        "parameters": _charter_id,
        "requestBody": openapi.json_body(
            {
                **body_schema(PLAN_FIELDS),
                "properties": {
                    **body_schema(PLAN_FIELDS)["properties"],
                    "attendee_ids": PLAN_ATTENDEES,
                },
            },
            {
                "scheduled_at": "2027-03-01T14:00:00+01:00",
                "location": "Salle Rivoli",
                "attendee_ids": [7, 8],
            },
        ),  # fmt: skip
        "responses": {
            "201": openapi.json_response("Planned", openapi.ref("Review"), REVIEW_EXAMPLE),
            "200": openapi.json_response(
                "The open review (scheduled if asked)", openapi.ref("Review"), REVIEW_EXAMPLE
            ),
            **openapi.errors(400, 401, 403, 404, 409, 422),
        },
    },
)
openapi.add_path(
    "/reviews/{review_id}",
    "get",
    {
        "summary": "A review with its assessments and actions",
        "parameters": _review_id,
        "responses": {
            "200": openapi.json_response("The review", openapi.ref("Review"), REVIEW_EXAMPLE),
            **openapi.errors(401, 404),
        },
    },
)
openapi.add_path(
    "/reviews/{review_id}",
    "patch",
    {
        "summary": "Fill the review (only the fields sent change); close it with close: true",
        "parameters": _review_id,
        "requestBody": openapi.json_body(
            {
                **body_schema(UPDATE_FIELDS),
                "properties": {
                    **body_schema(UPDATE_FIELDS)["properties"],
                    "assessments": {"type": "array", "items": ASSESSMENT_SCHEMA},
                    "actions": {"type": "array", "items": ACTION_SCHEMA},
                },
            },
            {
                "lock_version": 4,
                "satisfaction_a_of_b": 4,
                "assessments": [{"id": 40, "result": "met", "measured_value": "96"}],
                "actions": [
                    {
                        "title": "Réserver un second quai",
                        "owner_department_id": 1,
                        "due_on": "2027-04-01",
                    }
                ],
            },
        ),  # fmt: skip
        "responses": {
            "200": openapi.json_response("Saved", openapi.ref("Review"), REVIEW_EXAMPLE),
            **openapi.errors(400, 401, 403, 404, 409, 422),
        },
    },
)
