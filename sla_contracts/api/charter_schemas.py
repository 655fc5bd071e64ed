"""The shapes of the charter API (``charters.py``): what is answered, what is sent, examples.

One declaration per shape: the same schema validates the request, serialises the answer
and writes the OpenAPI document. Computed values (``status``, ``balance``, ``can_edit``,
the signed versions…) are fields with ``source=``, read from the ORM object answered.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from sqlalchemy import select

from ..charters import history, negotiation, terms
from ..charters import operations as ops
from ..charters.operations import COMMENT_MAX, COMMITMENT_LIMITS, TITLE_MAX
from ..extensions import db
from ..models import (
    CHARTER_TERMS,
    REVIEW_CADENCES,
    Charter,
    CharterStatus,
    Commitment,
    Revision,
    pending_version,
    standing,
    version_in_force,
)
from ..permissions import can_edit
from .auth import require_api_user
from .directory import CRITERION_EXAMPLE, CriterionSchema, DepartmentRefSchema
from .negotiation_schemas import (
    EXPECTATION_EXAMPLE,
    READINESS_EXAMPLE,
    ExpectationSchema,
    ReadinessSchema,
)
from .reading_schemas import (
    MEASURE_EXAMPLE,
    MEASURE_FIELDS,
    MeasuredCommitment,
    measured_commitments,
)
from .schemas import (
    Bool,
    Day,
    Dict,
    Id,
    Int,
    List,
    Nested,
    Number,
    PageArgs,
    PersonSchema,
    Raw,
    Schema,
    Text,
    When,
    page_of,
)
from .version_schemas import VersionSummarySchema

CHARTER_STATUSES = tuple(s.value for s in CharterStatus)
PREREQUISITES = (
    "The other side's commitments of this charter that this one depends on (ids); a change "
    "clears the other side's agreement"
)
AMENDMENT_STATUSES = (CharterStatus.DRAFT.value, CharterStatus.AWAITING_SIGNATURES.value)

# ---------------------------------------------------------------- what is answered


def _can_edit(charter: Charter) -> bool:
    return can_edit(require_api_user(), charter) and charter.is_editable


def _amendment(charter: Charter) -> dict[str, Any] | None:
    where = standing(charter)
    if not where.is_amending:
        return None
    return {
        "amendment": where.amendment,
        "amendment_status": where.amendment_status,
        "in_force": where.in_force,
        "is_renewal": charter.renewal_of is not None,
    }


def _beneficiary(commitment: Commitment) -> int:
    return commitment.charter.other_department_id(commitment.provider_department_id)


def _ordered_commitments(charter: Charter) -> list[MeasuredCommitment]:
    """A's commitments first, then B's, each side in its order, their standings computed once."""
    side = {charter.department_a_id: 0, charter.department_b_id: 1}
    ordered = sorted(
        charter.commitments, key=lambda c: (side[c.provider_department_id], c.position, c.id)
    )
    return measured_commitments(charter, ordered)


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
        metadata={
            "description": "The signed version that binds meanwhile (that bound until the end, "
            "when the charter has expired)"
        },
    )
    renewal = Bool(
        required=True,
        attribute="is_renewal",
        metadata={
            "description": "A renewal (`POST /charters/{id}/renew`): signed, it starts a new "
            "term; an amendment keeps the current end"
        },
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
    target_value = MEASURE_FIELDS["target_value"]
    target_direction = MEASURE_FIELDS["target_direction"]
    tolerance = MEASURE_FIELDS["tolerance"]
    status_computed = MEASURE_FIELDS["status_computed"]
    last_reading = MEASURE_FIELDS["last_reading"]
    measurement_method = Text(required=True)
    measurement_frequency = Text(required=True)
    customer_impact = Text(required=True)
    agreed_by = List(
        Id(),
        required=True,
        metadata={
            "description": "The sides (department ids) that agreed to the current text; a "
            "change clears the other side's agreement"
        },
    )
    open_proposals = List(
        Id(),
        required=True,
        source=lambda c: [p.id for p in c.open_proposals],
        metadata={"description": "Changes proposed by the other side, awaiting the owner (ids)"},
    )
    prerequisite_ids = List(
        Id(),
        required=True,
        metadata={"description": PREREQUISITES},
    )
    created_by = Nested(PersonSchema, required=True, allow_none=True)
    updated_by = Nested(
        PersonSchema,
        required=True,
        allow_none=True,
        metadata={"description": "Who last changed its text"},
    )
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
            "amendment is drafted or awaits signatures (see `amendment`); `expired` past "
            "`valid_until` without a renewal signed (also while a renewal is drafted or awaits "
            "signatures)"
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
    term_months = Int(
        required=True,
        choices=CHARTER_TERMS,
        metadata={"description": "How many months a signed version is in force (12 by default)"},
    )
    valid_until = Day(
        required=True,
        source=terms.valid_until,
        metadata={
            "description": "The last day in force: the second signature's day + `term_months`; "
            "an amendment keeps it, a renewal adds a term to it (or to its signature day if "
            "signed after it). A draft never signed: the day it would be if signed today"
        },
    )
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
    expectations = List(
        Nested(ExpectationSchema),
        required=True,
        metadata={"description": "What each side expects of the other, in order (withdrawn too)"},
    )
    readiness = Nested(
        ReadinessSchema,
        required=True,
        source=negotiation.readiness,
        metadata={"description": "What still blocks submitting the draft"},
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
            "amendment in progress; empty: every status",
            "enum": [*CHARTER_STATUSES, ""],
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
    term_months = Int(
        choices=CHARTER_TERMS,
        metadata={"description": "Months in force once signed; 12 when not given"},
    )


class CharterUpdateSchema(Schema):
    lock_version = _lock_version()
    title = Text(max_length=TITLE_MAX)
    criterion_id = Id()
    review_cadence_months = Int(choices=REVIEW_CADENCES)
    term_months = Int(choices=CHARTER_TERMS)


def _measure_choices() -> dict[str, Any]:
    """How readings compare with the target, as co-writing chooses them (None: the default)."""
    return {
        "chosen_direction": Text(
            data_key="target_direction",
            allow_none=True,
            choices=("at_least", "at_most"),
            metadata={"description": "Chosen direction; null: taken from the target's text"},
        ),
        "tolerance": Number(
            allow_none=True,
            metadata={
                "minimum": 0,
                "description": "How far from the target still counts as partly met, in its "
                "unit; null: 5 % of the target",
            },
        ),
    }


CommitmentCreateSchema = Schema.from_dict(
    {
        "provider_department_id": Id(
            required=True, metadata={"description": "The side that commits (one of the two)"}
        ),
        **{
            name: Text(required=required, max_length=max_length)
            for name, (required, max_length) in COMMITMENT_LIMITS.items()
        },
        "prerequisite_ids": List(Id(), metadata={"description": PREREQUISITES}),
        **_measure_choices(),
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
        "prerequisite_ids": List(
            Id(), metadata={"description": f"{PREREQUISITES}: the whole list, [] for none"}
        ),
        **_measure_choices(),
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
    **MEASURE_EXAMPLE,
    "agreed_by": [1],
    "open_proposals": [9],
    "prerequisite_ids": [],
    "created_by": {"id": 4, "name": "Claire Dubois"},
    "updated_by": {"id": 4, "name": "Claire Dubois"},
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
    "term_months": 12,
    "valid_until": "2027-11-05",
    "next_review_on": None,
    "balance": {"department_a": 1, "department_b": 0, "is_signable": False, "is_lopsided": False},
    "can_edit": True,
    "created_at": "2026-11-02T09:00:00+00:00",
    "updated_at": "2026-11-05T16:40:00+00:00",
}
CHARTER_EXAMPLE = {
    **CHARTER_SUMMARY_EXAMPLE,
    "commitments": [COMMITMENT_EXAMPLE],
    "expectations": [EXPECTATION_EXAMPLE],
    "readiness": READINESS_EXAMPLE,
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
