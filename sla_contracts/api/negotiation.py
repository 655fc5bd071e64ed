"""Co-writing a draft over the API: expectations, proposed changes, line-by-line agreement.

Each department says what it expects of the other (``/charters/{id}/expectations``); the side
asked answers each one with its commitments or declines it with a reason, the asking side may
withdraw it (``PATCH /expectations/{id}``). A head changes the other side's commitment only by
proposing a change (``/commitments/{id}/proposals``), which the owner accepts or rejects
(``/proposals/{id}/accept|reject``) and the proposer may withdraw. Each side agrees to each
commitment's current text (``/commitments/{id}/agree``, taken back with ``…/disagree``).

The rules are those of ``charters.negotiation``, called once per request inside ``atomic()``;
outsiders of the charter get 404 on every URL here (``auth.loads``), members 403 on writes.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..charters import negotiation
from ..charters.operations import COMMITMENT_LIMITS
from ..errors import ConflictError, NotFound, ValidationError
from ..extensions import db
from ..models import Commitment, Expectation, Proposal
from ..permissions import get_charter as load_charter
from ..transaction import atomic
from .auth import loads, location, require_api_user
from .blueprint import bp, links, operation
from .charter_schemas import COMMITMENT_EXAMPLE, CommitmentSchema
from .charters import WHO_READS, _charter, _commitment
from .etags import if_match, require_change, seen_version, versioned
from .negotiation_schemas import (
    ANSWERED_EXAMPLE,
    DECIDED_EXAMPLE,
    EXPECTATION_EXAMPLE,
    PROPOSAL_EXAMPLE,
    AgreeSchema,
    ExpectationArgs,
    ExpectationCreateSchema,
    ExpectationPage,
    ExpectationSchema,
    ExpectationUpdateSchema,
    ProposalArgs,
    ProposalCreateSchema,
    ProposalPage,
    ProposalSchema,
    RejectSchema,
)
from .pages import page_query
from .schemas import path_id

TAG = "negotiation"
WHO_HEADS = (
    "heads of either department (or an administrator, recorded as such); members of either "
    "department get 403; others get 404"
)
WRONG_SIDE = {403: "code forbidden also when the caller's side may not do this"}

_NEW_EXPECTATION = {"expectation_id": "$response.body#/id"}
_NEW_PROPOSAL = {"proposal_id": "$response.body#/id"}


# ---------------------------------------------------------------- loading with permissions


def _of_charter(model, object_id: int, message: str, user, write: bool):
    """A row of ``model`` whose charter the caller may read (404 otherwise, with ``message``)."""
    path_id(object_id, message)
    row = db.session.get(model, object_id)
    if row is None:
        raise NotFound(message)
    try:
        load_charter(user, row.charter_id, write=write)
    except NotFound:
        raise NotFound(message) from None
    return row


def _expectation(user, expectation_id: int, *, write: bool = False) -> Expectation:
    return _of_charter(Expectation, expectation_id, _("No such expectation."), user, write)


def _proposal(user, proposal_id: int, *, write: bool = False) -> Proposal:
    return _of_charter(Proposal, proposal_id, _("No such proposal."), user, write)


def _version_sent(data: dict[str, Any]) -> bool:
    return "lock_version" in data or bool(request.if_match and not request.if_match.star_tag)


# ---------------------------------------------------------------- expectations


@bp.get("/charters/<int:charter_id>/expectations")
@operation(
    "What each side of a charter expects of the other, in order",
    who=WHO_READS,
    tag=TAG,
    errors=(404, 422),
    description="Withdrawn expectations too, unless `status` says otherwise.",
)
@loads("charter", _charter)
@bp.arguments(ExpectationArgs, location="query")
@bp.response(
    200,
    ExpectationPage,
    example={"expectations": [EXPECTATION_EXAMPLE], "next": None, "total": 1},
)
def list_expectations(args, charter):
    query = (
        select(Expectation)
        .where(Expectation.charter_id == charter.id)
        .options(
            selectinload(Expectation.answers),
            joinedload(Expectation.created_by),
            joinedload(Expectation.decided_by),
        )
    )
    if args.get("status"):
        query = query.where(Expectation.status == args["status"])
    return page_query(query, Expectation.id, args, "expectations", newest_first=False)


@bp.post("/charters/<int:charter_id>/expectations")
@operation(
    "Say what the caller's department expects of the other side",
    who=WHO_HEADS,
    tag=TAG,
    errors=(400, 403, 404, 409, 422),
    description="The asking side is the caller's department; an administrator or a head of "
    "both sides names it (from_department_id, 422 without). It stays open until the other side "
    "answers or declines it, and an open expectation blocks submitting the draft. 409 "
    "invalid_state unless the charter is a draft (or awaits signatures: the change sends it "
    "back to draft).",
)
@versioned
@loads("charter", _charter, write=True)
@bp.arguments(
    ExpectationCreateSchema,
    example={
        "text": EXPECTATION_EXAMPLE["text"],
        "customer_reason": EXPECTATION_EXAMPLE["customer_reason"],
    },
)
@bp.response(
    201,
    ExpectationSchema,
    description="The new expectation, open (Location: its URL)",
    example=EXPECTATION_EXAMPLE,
)
@links(
    201,
    GetExpectation={"operationId": "get_expectation", "parameters": _NEW_EXPECTATION},
    UpdateExpectation={
        "operationId": "update_expectation",
        "parameters": _NEW_EXPECTATION,
        "requestBody": {"lock_version": "$response.body#/lock_version"},
    },
)
def add_expectation(data, charter):
    user = require_api_user()
    with atomic():
        try:
            expectation = negotiation.add_expectation(user, charter, **data)
        except ValidationError as error:
            if error.field == "department_id":  # the service's name for the side
                error.field = "from_department_id"
            raise
    url = location("get_expectation", expectation_id=expectation.id)
    return expectation, 201, {"Location": url}


@bp.get("/expectations/<int:expectation_id>")
@operation("An expectation and its answer", who=WHO_READS, tag=TAG, errors=(404,))
@versioned
@loads("expectation", _expectation)
@bp.response(200, ExpectationSchema, example=EXPECTATION_EXAMPLE)
def get_expectation(expectation):
    return expectation


@bp.patch("/expectations/<int:expectation_id>")
@operation(
    "Answer, decline or withdraw an expectation, or reword it",
    who="the side asked answers (status answered, commitment_ids: its commitments) or "
    "declines (status declined, reason); the asking side withdraws (status withdrawn) or "
    "rewords (text, customer_reason); an administrator may act for either side; heads of the "
    "wrong side get 403; members 403; others 404",
    tag=TAG,
    errors=(400, 403, 404, 409, 422, 428),
    codes={
        403: "code forbidden also when the caller's side may not make this change",
        422: "commitment_ids not of the side asked: details.unknown_commitment_ids",
    },
    description="Send either a status or a new wording. A status may come without a version "
    "(the lock_version or If-Match is checked when sent: 409 conflict if stale); a new "
    "wording needs one (428 without) and opens the expectation again. 409 invalid_state if "
    "it was withdrawn or the charter is not a draft.",
)
@versioned
@if_match
@loads("expectation", _expectation, write=True)
@bp.arguments(
    ExpectationUpdateSchema,
    example={"status": "answered", "commitment_ids": [7], "lock_version": 1},
)
@bp.response(
    200, ExpectationSchema, description="The expectation after it", example=ANSWERED_EXAMPLE
)
def update_expectation(data, expectation):
    user = require_api_user()
    require_change(
        {k: v for k, v in data.items() if k != "lock_version"},
        ["status", "text", "customer_reason"],
    )
    status = data.pop("status", None)

    def current() -> dict[str, Any]:
        return ExpectationSchema().dump(expectation)

    seen = seen_version(data, current=current) if status is None or _version_sent(data) else None
    with atomic():
        try:
            if status is None:
                negotiation.update_expectation(user, expectation, data, seen)
            else:
                negotiation.decide_expectation(
                    user,
                    expectation,
                    status,
                    commitment_ids=data.get("commitment_ids"),
                    reason=data.get("reason"),
                    seen_lock_version=seen,
                )
        except ConflictError as error:
            error.details["current"] = current()
            raise
    return expectation


# ---------------------------------------------------------------- proposals


def _in_changes(error: ValidationError) -> ValidationError:
    """A commitment field's message, named where it was sent: ``changes.target``."""
    if error.field in COMMITMENT_LIMITS:
        error.field = f"changes.{error.field}"
    return error


@bp.get("/commitments/<int:commitment_id>/proposals")
@operation(
    "The changes proposed to a commitment, oldest first",
    who=WHO_READS,
    tag=TAG,
    errors=(404, 422),
)
@loads("commitment", _commitment)
@bp.arguments(ProposalArgs, location="query")
@bp.response(200, ProposalPage, example={"proposals": [PROPOSAL_EXAMPLE], "next": None, "total": 1})
def list_proposals(args, commitment):
    query = (
        select(Proposal)
        .where(Proposal.commitment_id == commitment.id)
        .options(joinedload(Proposal.author), joinedload(Proposal.decided_by))
    )
    if args.get("status"):
        query = query.where(Proposal.status == args["status"])
    return page_query(query, Proposal.id, args, "proposals", newest_first=False)


@bp.post("/commitments/<int:commitment_id>/proposals")
@operation(
    "Propose new values for some fields of the other side's commitment",
    who="heads of the side that does not provide the commitment (or an administrator); heads "
    "of the providing side get 403 (they change it directly); members 403; others 404",
    tag=TAG,
    errors=(400, 403, 404, 409, 422),
    codes=WRONG_SIDE,
    description="Proposing takes back the proposing side's agreement to the commitment and "
    "replaces its earlier open proposal on it. 422 if nothing would change.",
)
@loads("commitment", _commitment, write=True)
@bp.arguments(ProposalCreateSchema, example={"changes": {"target": "99"}})
@bp.response(
    201,
    ProposalSchema,
    description="The proposal, open (Location: its URL)",
    example=PROPOSAL_EXAMPLE,
)
@links(
    201,
    GetProposal={"operationId": "get_proposal", "parameters": _NEW_PROPOSAL},
    AcceptProposal={"operationId": "accept_proposal", "parameters": _NEW_PROPOSAL},
    RejectProposal={"operationId": "reject_proposal", "parameters": _NEW_PROPOSAL},
    WithdrawProposal={"operationId": "withdraw_proposal", "parameters": _NEW_PROPOSAL},
)
def propose_change(data, commitment):
    user = require_api_user()
    with atomic():
        try:
            proposal = negotiation.propose_change(user, commitment, data["changes"])
        except ValidationError as error:
            raise _in_changes(error) from None
    return proposal, 201, {"Location": location("get_proposal", proposal_id=proposal.id)}


@bp.get("/proposals/<int:proposal_id>")
@operation("A proposed change to a commitment", who=WHO_READS, tag=TAG, errors=(404,))
@loads("proposal", _proposal)
@bp.response(200, ProposalSchema, example=PROPOSAL_EXAMPLE)
def get_proposal(proposal):
    return proposal


_OWNER = (
    "heads of the side that provides the commitment (or an administrator); heads of the "
    "other side get 403 not_owner; members 403; others 404"
)
_DECIDED = "409 invalid_state if the proposal is no longer open or the charter not a draft."


@bp.post("/proposals/<int:proposal_id>/accept")
@operation(
    "Accept a proposed change: the commitment takes its values",
    who=_OWNER,
    tag=TAG,
    errors=(403, 404, 409),
    codes={403: "code not_owner: the commitment is the other department's"},
    description="Both sides then agree to the new text. 409 conflict if a proposed field "
    f"changed since the proposal was made (details.fields). {_DECIDED}",
)
@loads("proposal", _proposal, write=True)
@bp.response(
    200,
    ProposalSchema,
    description="The proposal, accepted",
    example={**PROPOSAL_EXAMPLE, **DECIDED_EXAMPLE, "status": "accepted"},
)
def accept_proposal(proposal):
    user = require_api_user()
    with atomic():
        negotiation.accept_proposal(user, proposal)
    return proposal


@bp.post("/proposals/<int:proposal_id>/reject")
@operation(
    "Reject a proposed change, saying why",
    who=_OWNER,
    tag=TAG,
    errors=(400, 403, 404, 409, 422),
    codes={403: "code not_owner: the commitment is the other department's"},
    description=f"The commitment keeps its text; both sides see the reason. {_DECIDED}",
)
@loads("proposal", _proposal, write=True)
@bp.arguments(RejectSchema, example={"reason": "99 % n'est pas tenable les jours de grève."})
@bp.response(
    200,
    ProposalSchema,
    description="The proposal, rejected",
    example={**PROPOSAL_EXAMPLE, **DECIDED_EXAMPLE, "status": "rejected", "reason": "Pas tenable."},
)
def reject_proposal(data, proposal):
    user = require_api_user()
    with atomic():
        negotiation.reject_proposal(user, proposal, data["reason"])
    return proposal


@bp.post("/proposals/<int:proposal_id>/withdraw")
@operation(
    "Withdraw a change your side proposed",
    who="heads of the side that proposed it (or an administrator); heads of the other side "
    "get 403; members 403; others 404",
    tag=TAG,
    errors=(403, 404, 409),
    description=_DECIDED,
)
@loads("proposal", _proposal, write=True)
@bp.response(
    200,
    ProposalSchema,
    description="The proposal, withdrawn",
    example={**PROPOSAL_EXAMPLE, "status": "withdrawn"},
)
def withdraw_proposal(proposal):
    user = require_api_user()
    with atomic():
        negotiation.withdraw_proposal(user, proposal)
    return proposal


# ---------------------------------------------------------------- agreement


def _agree(data: dict[str, Any], commitment: Commitment, *, agreed: bool) -> Commitment:
    user = require_api_user()
    with atomic():
        try:
            negotiation.agree(
                user,
                commitment,
                data["lock_version"],
                department_id=data.get("department_id"),
                agreed=agreed,
            )
        except ConflictError as error:
            error.details["current"] = CommitmentSchema().dump(commitment)
            raise
    return commitment


_AGREE_ERRORS = (400, 403, 404, 409, 422)
_AGREE_WHO = f"{WHO_HEADS}; an administrator or a head of both sides names the side (department_id)"


@bp.post("/commitments/<int:commitment_id>/agree")
@operation(
    "Agree, for the caller's side, to a commitment's current text",
    who=_AGREE_WHO,
    tag=TAG,
    errors=_AGREE_ERRORS,
    description="Send the commitment's lock_version you read: if its text changed since, 409 "
    "conflict with details.current. Any later change to the text clears the other side's "
    "agreement. Submitting needs every commitment agreed by both. 409 invalid_state unless "
    "the charter is a draft.",
)
@versioned
@loads("commitment", _commitment, write=True)
@bp.arguments(AgreeSchema, example={"lock_version": 2})
@bp.response(
    200,
    CommitmentSchema,
    description="The commitment, agreed_by the caller's side too",
    example={**COMMITMENT_EXAMPLE, "agreed_by": [1, 2]},
)
def agree_commitment(data, commitment):
    return _agree(data, commitment, agreed=True)


@bp.post("/commitments/<int:commitment_id>/disagree")
@operation(
    "Take back the caller's side's agreement to a commitment",
    who=_AGREE_WHO,
    tag=TAG,
    errors=_AGREE_ERRORS,
    description="Send the commitment's lock_version you read (409 conflict if it changed). "
    "Nothing happens if the side had not agreed. 409 invalid_state unless the charter is a "
    "draft.",
)
@versioned
@loads("commitment", _commitment, write=True)
@bp.arguments(AgreeSchema, example={"lock_version": 2})
@bp.response(
    200,
    CommitmentSchema,
    description="The commitment, without the caller's side in agreed_by",
    example={**COMMITMENT_EXAMPLE, "agreed_by": []},
)
def disagree_commitment(data, commitment):
    return _agree(data, commitment, agreed=False)
