"""Charters, commitments, comments and history over the API, each shape declared once.

People outside both departments get 404 on every charter, commitment and comment URL
(the object might as well not exist), whatever they send: ``_loads`` finds the object of
the path for the caller before the body or the query string is read. Members of either
side read, and get 403 on writes; heads of either side (or an administrator) write.

The charter JSON carries ``current_version`` and ``pending_version`` (the signed versions,
``version_schemas.py``) as fields of ``CharterSchema``, like every other key.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import marshmallow as ma
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..charters import history
from ..charters import operations as ops
from ..charters.operations import COMMENT_MAX, COMMITMENT_LIMITS, TITLE_MAX
from ..errors import ConflictError, NotFound, ValidationError
from ..extensions import db
from ..models import (
    REVIEW_CADENCES,
    Charter,
    CharterStatus,
    Comment,
    Commitment,
    Department,
    Revision,
    User,
    has_public_status,
    pending_version,
    standing,
    standings,
    version_in_force,
)
from ..permissions import can_edit, readable_charters
from ..permissions import get_charter as load_charter
from ..transaction import atomic
from .auth import location, require_api_user
from .blueprint import bp, operation
from .directory import CRITERION_EXAMPLE, CriterionSchema, DepartmentRefSchema
from .etags import if_match, require_change, seen_version, versioned
from .pages import page_query
from .schemas import (
    Bool,
    Day,
    Dict,
    Id,
    Int,
    List,
    Nested,
    PageArgs,
    PersonSchema,
    Raw,
    Schema,
    Text,
    When,
    page_of,
)
from .validation import path_id
from .version_schemas import VersionSummarySchema

CHARTER_STATUSES = tuple(s.value for s in CharterStatus)
AMENDMENT_STATUSES = (CharterStatus.DRAFT.value, CharterStatus.AWAITING_SIGNATURES.value)

WHO_READS = "members of either department (or an administrator); others get 404"
WHO_WRITES = (
    "heads of either department (or an administrator); members of either department "
    "get 403; others get 404"
)


# ---------------------------------------------------------------- what is answered


def _can_edit(charter: Charter) -> bool:
    return can_edit(require_api_user(), charter) and charter.is_editable


def _amendment(charter: Charter):
    where = standing(charter)
    return where if where.is_amending else None


def _beneficiary(commitment: Commitment) -> int:
    return commitment.charter.other_department_id(commitment.provider_department_id)


def _ordered_commitments(charter: Charter) -> list[Commitment]:
    """A's commitments first, then B's, each side in its order."""
    side = {charter.department_a_id: 0, charter.department_b_id: 1}
    return sorted(
        charter.commitments, key=lambda c: (side[c.provider_department_id], c.position, c.id)
    )


def _changes_since_previous(revision: Revision):
    previous = db.session.scalar(
        select(Revision).where(
            Revision.charter_id == revision.charter_id, Revision.number == revision.number - 1
        )
    )
    if previous is None:
        return None
    return history.diff_snapshots(previous.snapshot, revision.snapshot)


class BalanceSchema(Schema):
    department_a = Int(
        required=True, minimum=0, attribute="count_a", metadata={"description": "A's commitments"}
    )
    department_b = Int(
        required=True, minimum=0, attribute="count_b", metadata={"description": "B's commitments"}
    )
    is_signable = Bool(required=True, metadata={"description": "Both sides commit to something"})
    is_lopsided = Bool(required=True, metadata={"description": "One side commits far more"})


class AmendmentSchema(Schema):
    """The amendment in progress on a charter in force."""

    version = Int(
        required=True,
        attribute="amendment",
        metadata={"description": "The number it has (or will have once submitted)"},
    )
    status = Text(required=True, choices=AMENDMENT_STATUSES, attribute="amendment_status")
    version_in_force = Int(
        required=True,
        attribute="in_force",
        metadata={"description": "The signed version that binds meanwhile"},
    )


class CommitmentSchema(Schema):
    id = Id(required=True)
    charter_id = Id(required=True)
    provider_department_id = Id(required=True, metadata={"description": "The side that commits"})
    beneficiary_department_id = Id(
        required=True, source=_beneficiary, metadata={"description": "The other side"}
    )
    position = Int(required=True, metadata={"description": "Order within its side, from 1"})
    lock_version = Int(required=True, metadata={"description": "Send it back to change it"})
    title = Text(required=True)
    service_standard = Text(required=True)
    indicator = Text(required=True)
    target = Text(required=True)
    unit = Text(required=True)
    measurement_method = Text(required=True)
    measurement_frequency = Text(required=True)
    customer_impact = Text(required=True)
    created_at = When(required=True)
    updated_at = When(required=True)


class CharterSummarySchema(Schema):
    """A charter without its commitments (in lists)."""

    id = Id(required=True)
    title = Text(required=True)
    status = Text(
        required=True,
        choices=CHARTER_STATUSES,
        source=lambda c: standing(c).public_status,
        metadata={
            "description": "`active` while a signed version binds both sides, also while an "
            "amendment is drafted or awaits signatures (see `amendment`)"
        },
    )
    amendment = Nested(
        AmendmentSchema,
        required=True,
        allow_none=True,
        source=_amendment,
        metadata={"description": "The amendment in progress on a charter in force, or null"},
    )
    lock_version = Int(required=True, metadata={"description": "Send it back to change it"})
    department_a_id = Id(required=True)
    department_b_id = Id(required=True)
    criterion_id = Id(required=True)
    department_a = Nested(DepartmentRefSchema, required=True)
    department_b = Nested(DepartmentRefSchema, required=True)
    criterion = Nested(CriterionSchema, required=True)
    review_cadence_months = Int(required=True, choices=REVIEW_CADENCES)
    next_review_on = Day(required=True, allow_none=True)
    balance = Nested(BalanceSchema, required=True, source=ops.balance)
    can_edit = Bool(
        required=True,
        source=_can_edit,
        metadata={"description": "The caller may change this draft now"},
    )
    created_at = When(required=True)
    updated_at = When(required=True)


class CharterSchema(CharterSummarySchema):
    """A charter with its commitments in both directions and its signed versions."""

    commitments = List(
        Nested(CommitmentSchema),
        required=True,
        source=_ordered_commitments,
        metadata={"description": "A's commitments first, then B's, each side in order"},
    )
    current_version = Nested(
        VersionSummarySchema,
        required=True,
        allow_none=True,
        source=lambda c: version_in_force(c),
        metadata={
            "description": "The signed version in force (null until one is signed); it stays "
            "in force while an amendment is drafted"
        },
    )
    pending_version = Nested(
        VersionSummarySchema,
        required=True,
        allow_none=True,
        source=lambda c: pending_version(c),
        metadata={"description": "The version awaiting signatures, if any"},
    )


class CommentSchema(Schema):
    id = Id(required=True)
    charter_id = Id(required=True)
    commitment_id = Id(
        required=True, allow_none=True, metadata={"description": "Its commitment, or null"}
    )
    body = Text(required=True)
    author = Nested(PersonSchema, required=True, allow_none=True)
    created_at = When(required=True)
    resolved = Bool(required=True, attribute="is_resolved")
    resolved_at = When(required=True, allow_none=True)
    resolved_by = Nested(PersonSchema, required=True, allow_none=True)


class FieldChangeSchema(Schema):
    field = Text(required=True)
    before = Raw(required=True, allow_none=True)
    after = Raw(required=True, allow_none=True)


class CommitmentChangeSchema(Schema):
    kind = Text(required=True, choices=("added", "removed", "changed"))
    commitment_id = Int(required=True)
    title = Text(required=True)
    provider_department_id = Int(required=True)
    fields = List(Nested(FieldChangeSchema), required=True)


class ChangesSchema(Schema):
    charter_fields = List(Nested(FieldChangeSchema), required=True)
    commitments = List(Nested(CommitmentChangeSchema), required=True)


class RevisionSummarySchema(Schema):
    """A saved change (who, when, what), without the content after it."""

    number = Int(required=True, minimum=1)
    action = Text(
        required=True,
        metadata={
            "description": "created, charter_updated, commitment_added, commitment_updated, "
            "commitment_removed, commitment_moved, …"
        },
    )
    summary = Text(required=True)
    author = Nested(PersonSchema, required=True, allow_none=True)
    created_at = When(required=True)


class RevisionSchema(RevisionSummarySchema):
    snapshot = Dict(required=True, metadata={"description": "The charter's content after it"})
    changes_since_previous = Nested(
        ChangesSchema,
        required=True,
        allow_none=True,
        source=_changes_since_previous,
        metadata={"description": "What changed since the previous revision (null for the first)"},
    )


CharterPage = page_of(CharterSummarySchema, "charters", "CharterPage")
CommentPage = page_of(CommentSchema, "comments", "CommentPage")
RevisionPage = page_of(RevisionSummarySchema, "revisions", "RevisionPage")


# ---------------------------------------------------------------- what is sent


def _lock_version() -> Int:
    return Int(
        minimum=1,
        metadata={"description": "The lock_version you read (409 if stale), or send If-Match"},
    )


class CharterArgs(PageArgs):
    status = Text(
        choices=CHARTER_STATUSES,
        metadata={
            "description": "Only this status; `active` includes charters in force with an "
            "amendment in progress"
        },
    )
    department = Text(
        max_length=32, metadata={"description": "Only charters of this department: id or code"}
    )

    @ma.pre_load
    def _empty_is_absent(self, data, **_kwargs):
        return {key: value for key, value in data.items() if value != ""}


class CharterCreateSchema(Schema):
    title = Text(required=True, max_length=TITLE_MAX)
    department_a_id = Id(required=True, metadata={"description": "A side (you head it)"})
    department_b_id = Id(required=True, metadata={"description": "The other side"})
    criterion_id = Id(required=True, metadata={"description": "Shared end-customer criterion"})
    review_cadence_months = Int(required=True, choices=REVIEW_CADENCES)


class CharterUpdateSchema(Schema):
    lock_version = _lock_version()
    title = Text(max_length=TITLE_MAX)
    criterion_id = Id()
    review_cadence_months = Int(choices=REVIEW_CADENCES)


CommitmentCreateSchema = Schema.from_dict(
    {
        "provider_department_id": Id(
            required=True, metadata={"description": "The side that commits (one of the two)"}
        ),
        **{
            name: Text(required=required, max_length=max_length)
            for name, (required, max_length) in COMMITMENT_LIMITS.items()
        },
    },
    name="CommitmentCreate",
)
CommitmentUpdateSchema = Schema.from_dict(
    {
        "lock_version": _lock_version(),
        **{
            name: Text(max_length=max_length)
            for name, (_required, max_length) in COMMITMENT_LIMITS.items()
        },
    },
    name="CommitmentUpdate",
)


class VersionBodySchema(Schema):
    lock_version = _lock_version()


class MoveSchema(Schema):
    direction = Text(
        required=True, choices=("up", "down"), metadata={"description": "Earlier or later"}
    )


class CommentCreateSchema(Schema):
    body = Text(required=True, max_length=COMMENT_MAX)
    commitment_id = Id(
        allow_none=True, metadata={"description": "A commitment of this charter, or null"}
    )


class CommentUpdateSchema(Schema):
    resolved = Bool(required=True)


# ---------------------------------------------------------------- examples

_DEPT_A = {"id": 1, "name": "Logistique", "code": "LOG", "archived": False}
_DEPT_B = {"id": 2, "name": "Magasins", "code": "MAG", "archived": False}
COMMITMENT_EXAMPLE = {
    "id": 7,
    "charter_id": 3,
    "provider_department_id": 1,
    "beneficiary_department_id": 2,
    "position": 1,
    "lock_version": 2,
    "title": "Livrer les magasins avant l'ouverture",
    "service_standard": "Toute commande validée avant 14 h est livrée le lendemain avant 7 h.",
    "indicator": "Part des livraisons arrivées avant 7 h",
    "target": "98",
    "unit": "%",
    "measurement_method": "Heure de réception scannée au quai du magasin",
    "measurement_frequency": "Mensuelle",
    "customer_impact": "Les rayons sont remplis avant l'arrivée des premiers clients.",
    "created_at": "2026-11-02T09:15:00+00:00",
    "updated_at": "2026-11-05T16:40:00+00:00",
}
CHARTER_SUMMARY_EXAMPLE = {
    "id": 3,
    "title": "Logistique ⇄ Magasins",
    "status": "draft",
    "amendment": None,
    "lock_version": 4,
    "department_a_id": 1,
    "department_b_id": 2,
    "criterion_id": 1,
    "department_a": _DEPT_A,
    "department_b": _DEPT_B,
    "criterion": CRITERION_EXAMPLE,
    "review_cadence_months": 3,
    "next_review_on": None,
    "balance": {"department_a": 1, "department_b": 0, "is_signable": False, "is_lopsided": False},
    "can_edit": True,
    "created_at": "2026-11-02T09:00:00+00:00",
    "updated_at": "2026-11-05T16:40:00+00:00",
}
CHARTER_EXAMPLE = {
    **CHARTER_SUMMARY_EXAMPLE,
    "commitments": [COMMITMENT_EXAMPLE],
    "current_version": None,
    "pending_version": None,
}
COMMENT_EXAMPLE = {
    "id": 12,
    "charter_id": 3,
    "commitment_id": 7,
    "body": "7 h, c'est tenable le samedi ?",
    "author": {"id": 5, "name": "Bruno Lefèvre"},
    "created_at": "2026-11-05T17:02:00+00:00",
    "resolved": False,
    "resolved_at": None,
    "resolved_by": None,
}
REVISION_EXAMPLE = {
    "number": 2,
    "action": "charter_updated",
    "summary": "title",
    "author": {"id": 4, "name": "Claire Dubois"},
    "created_at": "2026-11-02T09:15:00+00:00",
}
COMMITMENT_TEXT_EXAMPLE = {name: COMMITMENT_EXAMPLE[name] for name in COMMITMENT_LIMITS}


# ---------------------------------------------------------------- loading with permissions


def _charter_options():
    # Statements per page stay the same for any number of charters.
    return (
        selectinload(Charter.commitments),
        joinedload(Charter.department_a),
        joinedload(Charter.department_b),
        joinedload(Charter.criterion),
    )


def _charter(user: User, charter_id: int, *, write: bool = False) -> Charter:
    """Load a charter: 404 to outsiders, 403 to readers when ``write``."""
    path_id(charter_id, _("No such charter."))
    return load_charter(user, charter_id, write=write)


def _full(charter: Charter) -> Charter:
    return db.session.scalars(
        select(Charter)
        .where(Charter.id == charter.id)
        .options(*_charter_options())
        .execution_options(populate_existing=True)
    ).one()


def _commitment(user: User, commitment_id: int, *, write: bool = False) -> Commitment:
    """Load a commitment through its charter's permissions (404 to outsiders)."""
    message = _("No such commitment.")
    path_id(commitment_id, message)
    commitment = db.session.get(Commitment, commitment_id)
    if commitment is None:
        raise NotFound(message)
    try:
        load_charter(user, commitment.charter_id, write=write)
    except NotFound:
        raise NotFound(message) from None
    return commitment


def _comment(user: User, comment_id: int, *, write: bool = False) -> Comment:
    """Load a comment for a reader of its charter (who may resolve it: the service says)."""
    message = _("No such comment.")
    path_id(comment_id, message)
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(message)
    try:
        load_charter(user, comment.charter_id)
    except NotFound:
        raise NotFound(message) from None
    return comment


def _loads(name: str, load: Callable[..., Any], *, write: bool = False) -> Callable:
    """Load the path's ``<name>_id`` for the caller before the body or query is read.

    Outsiders get 404 (readers 403 when ``write``) whatever they send; the view receives
    the object as ``<name>``. Put it just above ``@bp.arguments``.
    """

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            kwargs[name] = load(require_api_user(), kwargs.pop(f"{name}_id"), write=write)
            return view(*args, **kwargs)

        return wrapped

    return decorate


def _charter_dump(charter: Charter) -> dict[str, Any]:
    """The charter as ``GET /charters/{id}`` answers it (to compare with If-Match)."""
    return CharterSchema().dump(_full(charter))


def _changes(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key != "lock_version"}


# ---------------------------------------------------------------- charters


def _department_filter(raw: str) -> int:
    """Resolve ``?department=`` given as an id or a short code."""
    department = None
    raw = raw.strip()
    if raw.isascii() and raw.isdigit():
        if len(raw) <= 10 and int(raw) < 2**31:
            department = db.session.get(Department, int(raw))
    elif len(raw) <= 16 and raw.isascii() and raw.replace("-", "").replace("_", "").isalnum():
        department = db.session.scalar(select(Department).where(Department.code == raw.upper()))
    if department is None:
        message = _("This department does not exist.")
        raise ValidationError(
            message, field="department", details={"errors": {"department": [message]}}
        )
    return department.id


@bp.get("/charters")
@operation(
    "The charters the caller may see, newest first",
    who="anyone signed in: administrators see every charter, others the charters of their "
    "departments",
    tag="charters",
    errors=(422,),
)
@bp.arguments(CharterArgs, location="query")
@bp.response(
    200, CharterPage, example={"charters": [CHARTER_SUMMARY_EXAMPLE], "next": None, "total": 1}
)
def list_charters(args):
    user = require_api_user()
    query = readable_charters(user).options(*_charter_options())
    if args.get("status"):
        query = query.where(has_public_status(CharterStatus(args["status"])))
    if args.get("department"):
        department_id = _department_filter(args["department"])
        query = query.where(
            or_(Charter.department_a_id == department_id, Charter.department_b_id == department_id)
        )
    page = page_query(query, Charter.id, args, "charters")
    standings(page["charters"])  # one query for the page's statuses
    return page


@bp.post("/charters")
@operation(
    "Open a draft between two departments",
    who="a head of one of the two departments (or an administrator); others get 403",
    tag="charters",
    errors=(400, 403, 422),
)
@bp.arguments(
    CharterCreateSchema,
    example={
        "title": "Logistique ⇄ Magasins",
        "department_a_id": 1,
        "department_b_id": 2,
        "criterion_id": 1,
        "review_cadence_months": 3,
    },
)
@bp.response(
    201,
    CharterSchema,
    description="The new draft (Location: its URL)",
    example={**CHARTER_EXAMPLE, "commitments": [], "lock_version": 1},
)
def create_charter(data):
    user = require_api_user()
    with atomic():
        charter = ops.create_charter(user, **data)
    return _full(charter), 201, {"Location": location("get_charter", charter_id=charter.id)}


@bp.get("/charters/<int:charter_id>")
@operation(
    "A charter with its commitments in both directions",
    who=WHO_READS,
    tag="charters",
    errors=(404,),
)
@versioned
@_loads("charter", _charter)
@bp.response(200, CharterSchema, example=CHARTER_EXAMPLE)
def get_charter(charter):
    return _full(charter)


@bp.patch("/charters/<int:charter_id>")
@operation(
    "Change a draft's title, criterion or review cadence",
    who=WHO_WRITES,
    tag="charters",
    errors=(400, 403, 404, 409, 422, 428),
    description="Send the lock_version you read (or its ETag as If-Match): if someone saved "
    "since, 409 conflict with details.current_lock_version and details.current; nothing is "
    "changed.",
)
@versioned
@if_match
@_loads("charter", _charter, write=True)
@bp.arguments(CharterUpdateSchema, example={"lock_version": 4, "title": "Nouveau titre"})
@bp.response(
    200,
    CharterSchema,
    description="The charter after the change",
    example={**CHARTER_EXAMPLE, "title": "Nouveau titre", "lock_version": 5},
)
def update_charter(data, charter):
    user = require_api_user()
    require_change(_changes(data), ["title", "criterion_id", "review_cadence_months"])
    seen = seen_version(data, current=lambda: _charter_dump(charter))
    with atomic():
        try:
            ops.update_charter(user, charter, seen, data)
        except ConflictError as error:
            error.details["current"] = _charter_dump(charter)
            raise
    return _full(charter)


# ---------------------------------------------------------------- commitments


@bp.post("/charters/<int:charter_id>/commitments")
@operation(
    "Add a commitment on one side of a draft",
    who=WHO_WRITES,
    tag="charters",
    errors=(400, 403, 404, 409, 422),
    description="provider_department_id is the side that commits.",
)
@_loads("charter", _charter, write=True)
@bp.arguments(
    CommitmentCreateSchema, example={"provider_department_id": 1, **COMMITMENT_TEXT_EXAMPLE}
)
@bp.response(
    201,
    CommitmentSchema,
    description="The new commitment (Location: its URL)",
    example={**COMMITMENT_EXAMPLE, "lock_version": 1},
)
def add_commitment(data, charter):
    user = require_api_user()
    provider = data.pop("provider_department_id")
    with atomic():
        commitment = ops.add_commitment(user, charter, provider, data)
    url = location("get_commitment", commitment_id=commitment.id)
    return commitment, 201, {"Location": url}


@bp.get("/commitments/<int:commitment_id>")
@operation("A commitment", who=WHO_READS, tag="charters", errors=(404,))
@versioned
@_loads("commitment", _commitment)
@bp.response(200, CommitmentSchema, example=COMMITMENT_EXAMPLE)
def get_commitment(commitment):
    return commitment


@bp.patch("/commitments/<int:commitment_id>")
@operation(
    "Change a commitment of a draft",
    who=WHO_WRITES,
    tag="charters",
    errors=(400, 403, 404, 409, 422, 428),
    description="Send the commitment's lock_version you read (or its ETag as If-Match): if "
    "someone saved since, 409 conflict with details.current_lock_version and details.current.",
)
@versioned
@if_match
@_loads("commitment", _commitment, write=True)
@bp.arguments(CommitmentUpdateSchema, example={"lock_version": 2, "target": "99"})
@bp.response(
    200,
    CommitmentSchema,
    description="The commitment after the change",
    example={**COMMITMENT_EXAMPLE, "target": "99", "lock_version": 3},
)
def update_commitment(data, commitment):
    user = require_api_user()
    require_change(_changes(data), list(COMMITMENT_LIMITS))
    seen = seen_version(data, current=lambda: CommitmentSchema().dump(commitment))
    with atomic():
        try:
            ops.update_commitment(user, commitment, seen, data)
        except ConflictError as error:
            error.details["current"] = CommitmentSchema().dump(commitment)
            raise
    return commitment


@bp.delete("/commitments/<int:commitment_id>")
@operation(
    "Remove a commitment from a draft",
    who=WHO_WRITES,
    tag="charters",
    errors=(400, 403, 404, 409, 422, 428),
    description="Send the commitment's lock_version you read (or its ETag as If-Match): "
    "if someone saved it since, 409 conflict and nothing is removed.",
)
@if_match
@_loads("commitment", _commitment, write=True)
@bp.arguments(VersionBodySchema, required=False, example={"lock_version": 2})
@bp.response(204, description="Removed")
def delete_commitment(data, commitment):
    user = require_api_user()
    seen = seen_version(data, current=lambda: CommitmentSchema().dump(commitment))
    with atomic():
        try:
            ops.delete_commitment(user, commitment, seen)
        except ConflictError as error:
            error.details["current"] = CommitmentSchema().dump(commitment)
            raise
    return ""


@bp.post("/commitments/<int:commitment_id>/move")
@operation(
    "Move a commitment up or down within its side of a draft",
    who=WHO_WRITES,
    tag="charters",
    errors=(400, 403, 404, 409, 422),
    description="At either end it stays where it is. Moved commitments get a new lock_version.",
)
@_loads("commitment", _commitment, write=True)
@bp.arguments(MoveSchema, example={"direction": "up"})
@bp.response(
    200,
    CharterSchema,
    description="The charter, commitments in their new order",
    example=CHARTER_EXAMPLE,
)
def move_commitment(data, commitment):
    user = require_api_user()
    charter_id = commitment.charter_id
    with atomic():
        ops.move_commitment(user, commitment, -1 if data["direction"] == "up" else 1)
    return _full(db.session.get(Charter, charter_id))


# ---------------------------------------------------------------- history


@bp.get("/charters/<int:charter_id>/revisions")
@operation(
    "The history of a charter: every saved change, newest first",
    who=WHO_READS,
    tag="charters",
    errors=(404, 422),
)
@_loads("charter", _charter)
@bp.arguments(PageArgs, location="query")
@bp.response(200, RevisionPage, example={"revisions": [REVISION_EXAMPLE], "next": None, "total": 1})
def list_revisions(args, charter):
    query = (
        select(Revision)
        .where(Revision.charter_id == charter.id)
        .options(selectinload(Revision.author))
    )
    return page_query(query, Revision.id, args, "revisions")


@bp.get("/charters/<int:charter_id>/revisions/<int:number>")
@operation(
    "One revision: the content after it and what changed",
    who=WHO_READS,
    tag="charters",
    errors=(404,),
)
@_loads("charter", _charter)
@bp.response(
    200,
    RevisionSchema,
    example={
        **REVISION_EXAMPLE,
        "snapshot": {"title": "Nouveau titre", "commitments": []},
        "changes_since_previous": {
            "charter_fields": [
                {"field": "title", "before": "Logistique ⇄ Magasins", "after": "Nouveau titre"}
            ],
            "commitments": [],
        },
    },
)
def get_revision(charter, number: int):
    message = _("No such revision.")
    path_id(number, message)
    revision = db.session.scalar(
        select(Revision)
        .where(Revision.charter_id == charter.id, Revision.number == number)
        .options(selectinload(Revision.author))
    )
    if revision is None:
        raise NotFound(message)
    return revision


# ---------------------------------------------------------------- comments


@bp.get("/charters/<int:charter_id>/comments")
@operation(
    "The discussion on a charter and its commitments, oldest first",
    who=WHO_READS,
    tag="charters",
    errors=(404, 422),
)
@_loads("charter", _charter)
@bp.arguments(PageArgs, location="query")
@bp.response(200, CommentPage, example={"comments": [COMMENT_EXAMPLE], "next": None, "total": 1})
def list_comments(args, charter):
    query = (
        select(Comment)
        .where(Comment.charter_id == charter.id)
        .options(selectinload(Comment.author), selectinload(Comment.resolved_by))
    )
    return page_query(query, Comment.id, args, "comments", newest_first=False)


@bp.post("/charters/<int:charter_id>/comments")
@operation(
    "Comment on a charter or one of its commitments",
    who=WHO_READS,
    tag="charters",
    errors=(400, 404, 422),
)
@_loads("charter", _charter)
@bp.arguments(
    CommentCreateSchema, example={"body": "7 h, c'est tenable le samedi ?", "commitment_id": 7}
)
@bp.response(201, CommentSchema, example=COMMENT_EXAMPLE)
def add_comment(data, charter):
    user = require_api_user()
    with atomic():
        comment = ops.add_comment(user, charter, data["body"], data.get("commitment_id"))
    return comment, 201


@bp.patch("/comments/<int:comment_id>")
@operation(
    "Mark a comment resolved, or open it again",
    who="its author or a head of either department (or an administrator); other members "
    "get 403; others get 404",
    tag="charters",
    errors=(400, 403, 404, 422),
)
@_loads("comment", _comment)
@bp.arguments(CommentUpdateSchema, example={"resolved": True})
@bp.response(
    200,
    CommentSchema,
    example={
        **COMMENT_EXAMPLE,
        "resolved": True,
        "resolved_at": "2026-11-06T08:00:00+00:00",
        "resolved_by": {"id": 4, "name": "Claire Dubois"},
    },
)
def update_comment(data, comment):
    user = require_api_user()
    with atomic():
        ops.set_comment_resolved(user, comment, data["resolved"])
    return comment
