"""The shapes of the co-writing API (``negotiation.py``): expectations, proposals, readiness.

``ExpectationSchema`` and ``ReadinessSchema`` are also part of the charter detail
(``charter_schemas.CharterSchema``); the commitment's own additions (``agreed_by``,
``open_proposals``, ``created_by``, ``updated_by``) are in ``CommitmentSchema``.
"""

from __future__ import annotations

import marshmallow as ma
from flask_babel import gettext as _

from ..charters.negotiation import REASON_MAX
from ..charters.operations import COMMITMENT_LIMITS, TEXT_MAX
from ..models import ExpectationStatus, ProposalStatus
from .schemas import (
    Bool,
    Id,
    Int,
    List,
    Nested,
    PageArgs,
    PersonSchema,
    Schema,
    Text,
    When,
    page_of,
)

EXPECTATION_STATUSES = tuple(s.value for s in ExpectationStatus)
PROPOSAL_STATUSES = tuple(s.value for s in ProposalStatus)
DECISIONS = ("answered", "declined", "withdrawn")
# An expectation is answered by a handful of commitments, not by hundreds.
ANSWERS_MAX = 100

# ---------------------------------------------------------------- what is answered


class ExpectationSchema(Schema):
    """What one department expects of the other, and how the other side answered."""

    id = Id(required=True)
    charter_id = Id(required=True)
    from_department_id = Id(required=True, metadata={"description": "The side that expects"})
    to_department_id = Id(required=True, metadata={"description": "The side asked"})
    text = Text(required=True)
    customer_reason = Text(
        required=True, metadata={"description": "Why it matters for the end customer"}
    )
    status = Text(
        required=True,
        choices=EXPECTATION_STATUSES,
        metadata={
            "description": "`open` until the side asked answers it (with commitments) or "
            "declines it (with a reason), or the asking side withdraws it"
        },
    )
    commitment_ids = List(
        Id(),
        required=True,
        attribute="answer_ids",
        metadata={"description": "The commitments of the side asked that answer it"},
    )
    decline_reason = Text(
        required=True, allow_none=True, metadata={"description": "Why it was declined, or null"}
    )
    position = Int(required=True, metadata={"description": "Order within the charter"})
    lock_version = Int(required=True, metadata={"description": "Send it back to change it"})
    created_by = Nested(PersonSchema, required=True, allow_none=True)
    created_at = When(required=True)
    updated_at = When(required=True)
    decided_by = Nested(
        PersonSchema,
        required=True,
        allow_none=True,
        metadata={"description": "Who answered, declined or withdrew it last"},
    )
    decided_at = When(required=True, allow_none=True)
    decided_as_admin = Bool(
        required=True, metadata={"description": "An administrator decided for the side"}
    )


class _SomeFields(Schema):
    @ma.validates_schema
    def _not_empty(self, data, **_kwargs):
        if not data:
            raise ma.ValidationError(_("Say which fields you propose to change."))


# Some of a commitment's fields, each with a value (at least one).
CommitmentFieldsSchema = _SomeFields.from_dict(
    {name: Text(max_length=max_length) for name, (_req, max_length) in COMMITMENT_LIMITS.items()},
    name="CommitmentFields",
)


class ProposalSchema(Schema):
    """A change to a commitment proposed by the side that does not provide it."""

    id = Id(required=True)
    commitment_id = Id(required=True)
    charter_id = Id(required=True)
    from_department_id = Id(required=True, metadata={"description": "The side that proposes"})
    author = Nested(PersonSchema, required=True, allow_none=True)
    author_as_admin = Bool(
        required=True, metadata={"description": "An administrator proposed for the side"}
    )
    changes = Nested(
        CommitmentFieldsSchema,
        required=True,
        metadata={"description": "The values proposed, by field"},
    )
    base = Nested(
        CommitmentFieldsSchema,
        required=True,
        metadata={"description": "The values they were proposed against, by field"},
    )
    status = Text(
        required=True,
        choices=PROPOSAL_STATUSES,
        metadata={
            "description": "`open` until the owner accepts or rejects it or the proposer "
            "withdraws it; `superseded` when the owner edited the commitment instead (a "
            "counter-proposal) or the proposer proposed again"
        },
    )
    reason = Text(
        required=True, allow_none=True, metadata={"description": "Why it was rejected, or null"}
    )
    created_at = When(required=True)
    decided_by = Nested(PersonSchema, required=True, allow_none=True)
    decided_at = When(required=True, allow_none=True)
    decided_as_admin = Bool(required=True)


def _ids(items) -> list[int]:
    return [item.id for item in items]


class ReadinessSchema(Schema):
    """What still stands between a draft and its submission, from the negotiation's side."""

    ready = Bool(
        required=True,
        attribute="is_ready",
        metadata={"description": "No expectation is open and both sides agreed to every line"},
    )
    open_expectations = List(
        Id(),
        required=True,
        source=lambda r: _ids(r.open_expectations),
        metadata={"description": "Expectations still awaiting an answer (ids)"},
    )
    unagreed_commitments = List(
        Id(),
        required=True,
        source=lambda r: _ids(r.unagreed_commitments),
        metadata={"description": "Commitments not agreed by both sides (ids)"},
    )
    open_proposals = List(
        Id(),
        required=True,
        source=lambda r: _ids(r.open_proposals),
        metadata={"description": "Proposed changes awaiting the owner (ids; they do not block)"},
    )


ExpectationPage = page_of(ExpectationSchema, "expectations", "ExpectationPage")
ProposalPage = page_of(ProposalSchema, "proposals", "ProposalPage")


# ---------------------------------------------------------------- what is sent


class _StatusArgs(PageArgs):
    @ma.pre_load
    def _empty_is_absent(self, data, **_kwargs):
        return {key: value for key, value in data.items() if value != ""}


class ExpectationArgs(_StatusArgs):
    status = Text(
        choices=EXPECTATION_STATUSES,
        metadata={
            "description": "Only this status; empty: every status",
            "enum": [*EXPECTATION_STATUSES, ""],
        },
    )


class ProposalArgs(_StatusArgs):
    status = Text(
        choices=PROPOSAL_STATUSES,
        metadata={
            "description": "Only this status; empty: every status",
            "enum": [*PROPOSAL_STATUSES, ""],
        },
    )


class ExpectationCreateSchema(Schema):
    text = Text(required=True, max_length=TEXT_MAX)
    customer_reason = Text(
        required=True,
        max_length=TEXT_MAX,
        metadata={"description": "Why it matters for the shared end-customer criterion"},
    )
    from_department_id = Id(
        metadata={
            "description": "The side that expects: only for an administrator or a head of both "
            "sides (required then); a head of one side asks for it"
        }
    )


class ExpectationUpdateSchema(Schema):
    """Either a decision (``status`` and what goes with it) or a new wording, not both."""

    lock_version = Int(
        minimum=1,
        metadata={
            "description": "The lock_version you read (409 if stale), or send If-Match: "
            "required to reword, checked when sent with a status"
        },
    )
    status = Text(
        choices=DECISIONS,
        metadata={
            "description": "answered (with commitment_ids) or declined (with reason) by the "
            "side asked; withdrawn by the asking side"
        },
    )
    commitment_ids = List(
        Id(),
        validate=ma.validate.Length(min=1, max=ANSWERS_MAX),
        metadata={
            "description": "With status answered: commitments of the side asked",
            "minItems": 1,
            "maxItems": ANSWERS_MAX,
        },
    )
    reason = Text(
        max_length=REASON_MAX, metadata={"description": "With status declined: why, for both"}
    )
    text = Text(max_length=TEXT_MAX, metadata={"description": "A new wording (asking side)"})
    customer_reason = Text(max_length=TEXT_MAX, metadata={"description": "A new wording"})

    @ma.validates_schema
    def _one_kind_of_change(self, data, **_kwargs):
        status = data.get("status")
        errors: dict[str, list[str]] = {}
        if status is not None:
            for name in ("text", "customer_reason"):
                if name in data:
                    errors[name] = [_("Send either a status or a new wording, not both.")]
        if "commitment_ids" in data and status != "answered":
            errors["commitment_ids"] = [_("Commitments answer an expectation: status answered.")]
        if "reason" in data and status != "declined":
            errors["reason"] = [_("A reason goes with status declined.")]
        if status == "answered" and "commitment_ids" not in data:
            errors["commitment_ids"] = [
                _("Choose at least one of your commitments that answers this expectation.")
            ]
        if status == "declined" and "reason" not in data:
            errors["reason"] = [_("Say why you decline this expectation.")]
        if errors:
            raise ma.ValidationError(errors)


class ProposalCreateSchema(Schema):
    changes = Nested(
        CommitmentFieldsSchema,
        required=True,
        metadata={"description": "The fields you propose to change and their new values"},
    )


class RejectSchema(Schema):
    reason = Text(
        required=True, max_length=REASON_MAX, metadata={"description": "Why, for both sides"}
    )


class AgreeSchema(Schema):
    lock_version = Int(
        required=True,
        minimum=1,
        metadata={"description": "The commitment's lock_version you read (409 if it changed)"},
    )
    department_id = Id(
        metadata={
            "description": "The side you agree for: only for an administrator or a head of "
            "both sides (required then)"
        }
    )


# ---------------------------------------------------------------- examples

_PERSON = {"id": 5, "name": "Bruno Lefèvre"}
EXPECTATION_EXAMPLE = {
    "id": 4,
    "charter_id": 3,
    "from_department_id": 2,
    "to_department_id": 1,
    "text": "Être prévenus la veille de tout retard de livraison.",
    "customer_reason": "Nous réorganisons les rayons avant l'ouverture au lieu de les "
    "laisser vides.",
    "status": "open",
    "commitment_ids": [],
    "decline_reason": None,
    "position": 1,
    "lock_version": 1,
    "created_by": _PERSON,
    "created_at": "2026-11-03T10:00:00+00:00",
    "updated_at": "2026-11-03T10:00:00+00:00",
    "decided_by": None,
    "decided_at": None,
    "decided_as_admin": False,
}
ANSWERED_EXAMPLE = {
    **EXPECTATION_EXAMPLE,
    "status": "answered",
    "commitment_ids": [7],
    "lock_version": 2,
    "decided_by": {"id": 4, "name": "Claire Dubois"},
    "decided_at": "2026-11-04T08:30:00+00:00",
    "updated_at": "2026-11-04T08:30:00+00:00",
}
PROPOSAL_EXAMPLE = {
    "id": 9,
    "commitment_id": 7,
    "charter_id": 3,
    "from_department_id": 2,
    "author": _PERSON,
    "author_as_admin": False,
    "changes": {"target": "99"},
    "base": {"target": "98"},
    "status": "open",
    "reason": None,
    "created_at": "2026-11-05T17:10:00+00:00",
    "decided_by": None,
    "decided_at": None,
    "decided_as_admin": False,
}
DECIDED_EXAMPLE = {
    "decided_by": {"id": 4, "name": "Claire Dubois"},
    "decided_at": "2026-11-06T08:00:00+00:00",
}
READINESS_EXAMPLE = {
    "ready": False,
    "open_expectations": [4],
    "unagreed_commitments": [7],
    "open_proposals": [9],
}
# What a new, empty draft answers (nothing to negotiate yet).
NEW_DRAFT_EXAMPLE = {
    "commitments": [],
    "expectations": [],
    "readiness": {
        "ready": True,
        "open_expectations": [],
        "unagreed_commitments": [],
        "open_proposals": [],
    },
}
