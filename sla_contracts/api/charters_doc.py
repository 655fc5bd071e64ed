"""OpenAPI documentation of the charter endpoints (``charters.py``): schemas, examples, paths."""

from __future__ import annotations

from typing import Any

from ..models import COMMITMENT_FIELDS, REVIEW_CADENCES, CharterStatus
from . import openapi
from .charters import (
    CHARTER_CREATE_FIELDS,
    CHARTER_UPDATE_FIELDS,
    COMMENT_FIELDS,
    COMMENT_UPDATE_FIELDS,
    COMMITMENT_CREATE_FIELDS,
    COMMITMENT_UPDATE_FIELDS,
    MOVE_FIELDS,
)
from .directory import CRITERION_EXAMPLE
from .validation import body_schema

_ts = {"type": "string", "format": "date-time"}
_ts_or_null = {"type": ["string", "null"], "format": "date-time"}
_person_schema = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
}
_person_or_null = {"oneOf": [_person_schema, {"type": "null"}]}

openapi.add_schema(
    "Commitment",
    {
        "type": "object",
        "required": [
            "id",
            "charter_id",
            "provider_department_id",
            "beneficiary_department_id",
            "position",
            "lock_version",
            *COMMITMENT_FIELDS,
            "created_at",
            "updated_at",
        ],
        "properties": {
            "id": {"type": "integer"},
            "charter_id": {"type": "integer"},
            "provider_department_id": {"type": "integer", "description": "The side that commits"},
            "beneficiary_department_id": {"type": "integer", "description": "The other side"},
            "position": {"type": "integer", "description": "Order within its side, from 1"},
            "lock_version": {"type": "integer", "description": "Send it back to PATCH"},
            **{name: {"type": "string"} for name in COMMITMENT_FIELDS},
            "created_at": _ts,
            "updated_at": _ts,
        },
    },
)
openapi.add_schema(
    "Balance",
    {
        "type": "object",
        "required": ["department_a", "department_b", "is_signable", "is_lopsided"],
        "properties": {
            "department_a": {"type": "integer", "description": "Commitments A makes to B"},
            "department_b": {"type": "integer", "description": "Commitments B makes to A"},
            "is_signable": {"type": "boolean", "description": "Both sides commit to something"},
            "is_lopsided": {"type": "boolean", "description": "One side commits far more"},
        },
    },
)
_SUMMARY_PROPERTIES = {
    "id": {"type": "integer"},
    "title": {"type": "string"},
    "status": {
        "type": "string",
        "enum": [s.value for s in CharterStatus],
        "description": "`active` while a signed version binds both sides, also while an "
        "amendment is drafted or awaits signatures (see `amendment`)",
    },
    "amendment": {
        "type": ["object", "null"],
        "description": "The amendment in progress on a charter in force (null without one): "
        "the version number it has (or will have once submitted), where it stands, and the "
        "number of the signed version that binds meanwhile",
        "required": ["version", "status", "version_in_force"],
        "properties": {
            "version": {"type": "integer"},
            "status": {"type": "string", "enum": ["draft", "awaiting_signatures"]},
            "version_in_force": {"type": "integer"},
        },
    },
    "lock_version": {"type": "integer", "description": "Send it back to PATCH the charter"},
    "department_a_id": {"type": "integer"},
    "department_b_id": {"type": "integer"},
    "criterion_id": {"type": "integer"},
    "department_a": openapi.ref("DepartmentRef"),
    "department_b": openapi.ref("DepartmentRef"),
    "criterion": openapi.ref("Criterion"),
    "review_cadence_months": {"type": "integer", "enum": list(REVIEW_CADENCES)},
    "next_review_on": {"type": ["string", "null"], "format": "date"},
    "balance": openapi.ref("Balance"),
    "can_edit": {"type": "boolean", "description": "The caller may change this draft now"},
    "created_at": _ts,
    "updated_at": _ts,
}
openapi.add_schema(
    "CharterSummary",
    {"type": "object", "required": list(_SUMMARY_PROPERTIES), "properties": _SUMMARY_PROPERTIES},
)
openapi.add_schema(
    "Charter",
    {
        "type": "object",
        "required": [*_SUMMARY_PROPERTIES, "commitments", "current_version"],
        "properties": {
            **_SUMMARY_PROPERTIES,
            "commitments": {
                "type": "array",
                "items": openapi.ref("Commitment"),
                "description": "A's commitments first, then B's, each side in order",
            },
            "current_version": {
                "type": ["object", "null"],
                "description": "The version in force (null until one is signed)",
            },
        },
    },
)
openapi.add_schema(
    "Comment",
    {
        "type": "object",
        "required": [
            "id",
            "charter_id",
            "commitment_id",
            "body",
            "author",
            "created_at",
            "resolved",
            "resolved_at",
            "resolved_by",
        ],
        "properties": {
            "id": {"type": "integer"},
            "charter_id": {"type": "integer"},
            "commitment_id": {"type": ["integer", "null"]},
            "body": {"type": "string"},
            "author": _person_or_null,
            "created_at": _ts,
            "resolved": {"type": "boolean"},
            "resolved_at": _ts_or_null,
            "resolved_by": _person_or_null,
        },
    },
)
_REVISION_PROPERTIES = {
    "number": {"type": "integer"},
    "action": {
        "type": "string",
        "description": "created, charter_updated, commitment_added, commitment_updated, "
        "commitment_removed, commitment_moved, …",
    },
    "summary": {"type": "string"},
    "author": _person_or_null,
    "created_at": _ts,
}
openapi.add_schema(
    "RevisionSummary",
    {"type": "object", "required": list(_REVISION_PROPERTIES), "properties": _REVISION_PROPERTIES},
)
openapi.add_schema(
    "Revision",
    {
        "type": "object",
        "required": [*_REVISION_PROPERTIES, "snapshot", "changes_since_previous"],
        "properties": {
            **_REVISION_PROPERTIES,
            "snapshot": {"type": "object", "description": "The charter's content after it"},
            "changes_since_previous": {
                "type": ["object", "null"],
                "description": "Field-by-field differences from the previous revision "
                "(null for the first)",
                "properties": {
                    "charter_fields": {"type": "array"},
                    "commitments": {"type": "array"},
                },
            },
        },
    },
)

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
    "action": "commitment_added",
    "summary": "Livrer les magasins avant l'ouverture",
    "author": {"id": 4, "name": "Claire Dubois"},
    "created_at": "2026-11-02T09:15:00+00:00",
}

_charter_id = openapi.path_param("charter_id", "The charter's id")
_commitment_id = openapi.path_param("commitment_id", "The commitment's id")
_HIDDEN = " People outside both departments get 404; members of either side get 403."


def _object_with(key: str, schema_name: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": [key],
        "properties": {key: {"type": "array", "items": openapi.ref(schema_name)}},
    }


openapi.add_path(
    "/charters",
    "get",
    {
        "summary": "The charters the caller may see",
        "description": "Admins see all; others the charters of their departments.",
        "tags": ["charters"],
        "parameters": [
            openapi.query_param(
                "status",
                "Only this status (422 if unknown); `active` includes charters in force "
                "with an amendment in progress",
                {"type": "string", "enum": [s.value for s in CharterStatus]},
            ),
            openapi.query_param(
                "department",
                "Only charters of this department: its id or its code",
                {"type": "string"},
            ),
        ],
        "responses": {
            "200": openapi.json_response(
                "Most recently changed first",
                _object_with("charters", "CharterSummary"),
                {"charters": [CHARTER_SUMMARY_EXAMPLE]},
            ),
            **openapi.errors(401, 422),
        },
    },
)
openapi.add_path(
    "/charters",
    "post",
    {
        "summary": "Open a draft between two departments",
        "description": "The caller must head one of the two departments (or be an admin).",
        "tags": ["charters"],
        "requestBody": openapi.json_body(
            body_schema(CHARTER_CREATE_FIELDS),
            {
                "title": "Logistique ⇄ Magasins",
                "department_a_id": 1,
                "department_b_id": 2,
                "criterion_id": 1,
                "review_cadence_months": 3,
            },
        ),
        "responses": {
            "201": openapi.json_response(
                "The new draft (Location: its URL)",
                openapi.ref("Charter"),
                {**CHARTER_EXAMPLE, "commitments": [], "lock_version": 1},
            ),
            **openapi.errors(400, 401, 403, 422),
        },
    },
)
openapi.add_path(
    "/charters/{charter_id}",
    "get",
    {
        "summary": "A charter with its commitments in both directions",
        "description": "People outside both departments get 404.",
        "tags": ["charters"],
        "parameters": [_charter_id],
        "responses": {
            "200": openapi.json_response("The charter", openapi.ref("Charter"), CHARTER_EXAMPLE),
            **openapi.errors(401, 404),
        },
    },
)
openapi.add_path(
    "/charters/{charter_id}",
    "patch",
    {
        "summary": "Change a draft's title, criterion or review cadence",
        "description": "Send the lock_version you read: if someone saved since, 409 conflict "
        "with details.current_lock_version and details.current (the current content); "
        "nothing is changed." + _HIDDEN,
        "tags": ["charters"],
        "parameters": [_charter_id],
        "requestBody": openapi.json_body(
            body_schema(CHARTER_UPDATE_FIELDS), {"lock_version": 4, "title": "Nouveau titre"}
        ),
        "responses": {
            "200": openapi.json_response(
                "The charter after the change",
                openapi.ref("Charter"),
                {**CHARTER_EXAMPLE, "title": "Nouveau titre", "lock_version": 5},
            ),
            **openapi.errors(400, 401, 403, 404, 409, 422),
        },
    },
)
openapi.add_path(
    "/charters/{charter_id}/commitments",
    "post",
    {
        "summary": "Add a commitment on one side of a draft",
        "description": "provider_department_id is the side that commits." + _HIDDEN,
        "tags": ["commitments"],
        "parameters": [_charter_id],
        "requestBody": openapi.json_body(
            body_schema(COMMITMENT_CREATE_FIELDS),
            {
                "provider_department_id": 1,
                **{name: COMMITMENT_EXAMPLE[name] for name in COMMITMENT_FIELDS},
            },
        ),
        "responses": {
            "201": openapi.json_response(
                "The new commitment",
                openapi.ref("Commitment"),
                {**COMMITMENT_EXAMPLE, "lock_version": 1},
            ),
            **openapi.errors(400, 401, 403, 404, 409, 422),
        },
    },
)
openapi.add_path(
    "/commitments/{commitment_id}",
    "patch",
    {
        "summary": "Change a commitment of a draft",
        "description": "Send the commitment's lock_version you read: if someone saved since, "
        "409 conflict with details.current_lock_version and details.current." + _HIDDEN,
        "tags": ["commitments"],
        "parameters": [_commitment_id],
        "requestBody": openapi.json_body(
            body_schema(COMMITMENT_UPDATE_FIELDS), {"lock_version": 2, "target": "99"}
        ),
        "responses": {
            "200": openapi.json_response(
                "The commitment after the change",
                openapi.ref("Commitment"),
                {**COMMITMENT_EXAMPLE, "target": "99", "lock_version": 3},
            ),
            **openapi.errors(400, 401, 403, 404, 409, 422),
        },
    },
)
openapi.add_path(
    "/commitments/{commitment_id}",
    "delete",
    {
        "summary": "Remove a commitment from a draft",
        "description": "Optional ?lock_version=N refuses (409) if it was saved since." + _HIDDEN,
        "tags": ["commitments"],
        "parameters": [
            _commitment_id,
            openapi.query_param("lock_version", "The lock_version you read", {"type": "integer"}),
        ],
        "responses": {
            "204": openapi.no_content("Removed"),
            **openapi.errors(400, 401, 403, 404, 409, 422),
        },
    },
)
openapi.add_path(
    "/commitments/{commitment_id}/move",
    "post",
    {
        "summary": "Move a commitment up or down within its side of a draft",
        "description": "At either end it stays where it is. Moved commitments get a new "
        "lock_version." + _HIDDEN,
        "tags": ["commitments"],
        "parameters": [_commitment_id],
        "requestBody": openapi.json_body(body_schema(MOVE_FIELDS), {"direction": "up"}),
        "responses": {
            "200": openapi.json_response(
                "The charter, commitments in their new order",
                openapi.ref("Charter"),
                CHARTER_EXAMPLE,
            ),
            **openapi.errors(400, 401, 403, 404, 409, 422),
        },
    },
)
openapi.add_path(
    "/charters/{charter_id}/revisions",
    "get",
    {
        "summary": "The history of a charter: every saved change, newest first",
        "tags": ["history"],
        "parameters": [_charter_id],
        "responses": {
            "200": openapi.json_response(
                "Revisions",
                _object_with("revisions", "RevisionSummary"),
                {"revisions": [REVISION_EXAMPLE]},
            ),
            **openapi.errors(401, 404),
        },
    },
)
openapi.add_path(
    "/charters/{charter_id}/revisions/{number}",
    "get",
    {
        "summary": "One revision: the content after it and what changed",
        "tags": ["history"],
        "parameters": [_charter_id, openapi.path_param("number", "The revision number")],
        "responses": {
            "200": openapi.json_response(
                "The revision",
                openapi.ref("Revision"),
                {
                    **REVISION_EXAMPLE,
                    "snapshot": {"title": "Logistique ⇄ Magasins", "commitments": []},
                    "changes_since_previous": {"charter_fields": [], "commitments": []},
                },
            ),
            **openapi.errors(401, 404),
        },
    },
)
openapi.add_path(
    "/charters/{charter_id}/comments",
    "get",
    {
        "summary": "The discussion on a charter and its commitments",
        "tags": ["comments"],
        "parameters": [_charter_id],
        "responses": {
            "200": openapi.json_response(
                "Oldest first", _object_with("comments", "Comment"), {"comments": [COMMENT_EXAMPLE]}
            ),
            **openapi.errors(401, 404),
        },
    },
)
openapi.add_path(
    "/charters/{charter_id}/comments",
    "post",
    {
        "summary": "Comment on a charter or one of its commitments",
        "description": "Anyone who may read the charter may comment.",
        "tags": ["comments"],
        "parameters": [_charter_id],
        "requestBody": openapi.json_body(
            body_schema(COMMENT_FIELDS),
            {"body": "7 h, c'est tenable le samedi ?", "commitment_id": 7},
        ),
        "responses": {
            "201": openapi.json_response("The comment", openapi.ref("Comment"), COMMENT_EXAMPLE),
            **openapi.errors(400, 401, 404, 422),
        },
    },
)
openapi.add_path(
    "/comments/{comment_id}",
    "patch",
    {
        "summary": "Mark a comment resolved, or open it again",
        "description": "Its author or a head of either side.",
        "tags": ["comments"],
        "parameters": [openapi.path_param("comment_id", "The comment's id")],
        "requestBody": openapi.json_body(body_schema(COMMENT_UPDATE_FIELDS), {"resolved": True}),
        "responses": {
            "200": openapi.json_response(
                "The comment",
                openapi.ref("Comment"),
                {
                    **COMMENT_EXAMPLE,
                    "resolved": True,
                    "resolved_at": "2026-11-06T08:00:00+00:00",
                    "resolved_by": {"id": 4, "name": "Claire Dubois"},
                },
            ),
            **openapi.errors(400, 401, 403, 404, 422),
        },
    },
)
