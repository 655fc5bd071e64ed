"""The directory over the API: departments and the end-customer criteria catalogue."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..directory import operations as directory_ops
from ..extensions import db
from ..formats import collate
from ..models import CustomerCriterion, Department, Direction, Membership, Role
from ..transaction import atomic
from . import openapi
from .auth import require_api_user
from .blueprint import bp
from .validation import Field, body_schema, query_flag, read_json


def department_ref(department: Department) -> dict[str, Any]:
    """Describe a department briefly (inside a charter)."""
    return {
        "id": department.id,
        "name": department.name,
        "code": department.code,
        "archived": department.is_archived,
    }


def department_json(department: Department) -> dict[str, Any]:
    """Describe a department with its heads."""
    return {
        **department_ref(department),
        "archived_at": department.archived_at.isoformat() if department.archived_at else None,
        "heads": [
            {"id": m.user.id, "name": m.user.name}
            for m in collate(department.memberships, key=lambda m: m.user.name)
            if m.role == Role.HEAD and m.user.is_active
        ],
    }


def criterion_json(criterion: CustomerCriterion) -> dict[str, Any]:
    """Describe an end-customer criterion."""
    return {
        "id": criterion.id,
        "name": criterion.name,
        "definition": criterion.definition,
        "unit": criterion.unit,
        "direction": criterion.direction.value,
        "target": criterion.target,
        "archived": criterion.is_archived,
        "archived_at": criterion.archived_at.isoformat() if criterion.archived_at else None,
    }


DEPARTMENT_FIELDS = {
    "name": Field("string", required=True, max_length=120),
    "code": Field("string", required=True, max_length=16, description="1 to 16 A-Z, 0-9, - or _"),
}
CRITERION_FIELDS = {
    "name": Field("string", required=True, max_length=120),
    "definition": Field("string", required=True, max_length=4000),
    "unit": Field("string", required=True, max_length=32),
    "direction": Field("string", required=True, enum=tuple(d.value for d in Direction)),
    "target": Field("number", required=True),
}


@bp.get("/departments")
def list_departments():
    query = select(Department).options(
        selectinload(Department.memberships).selectinload(Membership.user)
    )
    if not query_flag("include_archived"):
        query = query.where(Department.archived_at.is_(None))
    departments = collate(db.session.scalars(query), key=lambda d: d.name)
    return {"departments": [department_json(d) for d in departments]}


@bp.post("/departments")
def create_department():
    actor = require_api_user()
    directory_ops.require_admin(actor)
    data = read_json(DEPARTMENT_FIELDS)
    with atomic():
        department = directory_ops.create_department(actor, name=data["name"], code=data["code"])
    return department_json(department), 201


@bp.get("/criteria")
def list_criteria():
    query = select(CustomerCriterion)
    if not query_flag("include_archived"):
        query = query.where(CustomerCriterion.archived_at.is_(None))
    criteria = collate(db.session.scalars(query), key=lambda c: c.name)
    return {"criteria": [criterion_json(c) for c in criteria]}


@bp.post("/criteria")
def create_criterion():
    actor = require_api_user()
    directory_ops.require_admin(actor)
    data = read_json(CRITERION_FIELDS)
    with atomic():
        criterion = directory_ops.create_criterion(actor, data)
    return criterion_json(criterion), 201


# ---------------------------------------------------------------- documentation

_REF = {
    "type": "object",
    "required": ["id", "name", "code", "archived"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "code": {"type": "string"},
        "archived": {"type": "boolean"},
    },
}
openapi.add_schema("DepartmentRef", _REF)
openapi.add_schema(
    "Department",
    {
        "type": "object",
        "required": [*_REF["required"], "archived_at", "heads"],
        "properties": {
            **_REF["properties"],
            "archived_at": {"type": ["string", "null"], "format": "date-time"},
            "heads": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "name"],
                    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
                },
            },
        },
    },
)
openapi.add_schema(
    "Criterion",
    {
        "type": "object",
        "required": [
            "id",
            "name",
            "definition",
            "unit",
            "direction",
            "target",
            "archived",
            "archived_at",
        ],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "definition": {"type": "string"},
            "unit": {"type": "string"},
            "direction": {"type": "string", "enum": [d.value for d in Direction]},
            "target": {"type": "number"},
            "archived": {"type": "boolean"},
            "archived_at": {"type": ["string", "null"], "format": "date-time"},
        },
    },
)

DEPARTMENT_EXAMPLE = {
    "id": 1,
    "name": "Logistique",
    "code": "LOG",
    "archived": False,
    "archived_at": None,
    "heads": [{"id": 4, "name": "Claire Dubois"}],
}
CRITERION_EXAMPLE = {
    "id": 1,
    "name": "Taux de rupture en rayon",
    "definition": "Part des références absentes du rayon à l'ouverture du magasin.",
    "unit": "%",
    "direction": "lower_is_better",
    "target": 2.0,
    "archived": False,
    "archived_at": None,
}
_INCLUDE_ARCHIVED = openapi.query_param(
    "include_archived", "1 to list archived ones too (flagged archived: true)", {"type": "string"}
)

openapi.add_path(
    "/departments",
    "get",
    {
        "summary": "The directory of departments",
        "tags": ["directory"],
        "parameters": [_INCLUDE_ARCHIVED],
        "responses": {
            "200": openapi.json_response(
                "Departments by name",
                {
                    "type": "object",
                    "required": ["departments"],
                    "properties": {
                        "departments": {"type": "array", "items": openapi.ref("Department")}
                    },
                },
                {"departments": [DEPARTMENT_EXAMPLE]},
            ),
            **openapi.errors(401, 422),
        },
    },
)
openapi.add_path(
    "/departments",
    "post",
    {
        "summary": "Add a department (administrators)",
        "tags": ["directory"],
        "requestBody": openapi.json_body(
            body_schema(DEPARTMENT_FIELDS), {"name": "Logistique", "code": "LOG"}
        ),
        "responses": {
            "201": openapi.json_response(
                "The new department", openapi.ref("Department"), {**DEPARTMENT_EXAMPLE, "heads": []}
            ),
            **openapi.errors(400, 401, 403, 422),
        },
    },
)
openapi.add_path(
    "/criteria",
    "get",
    {
        "summary": "The catalogue of end-customer criteria",
        "tags": ["directory"],
        "parameters": [_INCLUDE_ARCHIVED],
        "responses": {
            "200": openapi.json_response(
                "Criteria by name",
                {
                    "type": "object",
                    "required": ["criteria"],
                    "properties": {
                        "criteria": {"type": "array", "items": openapi.ref("Criterion")}
                    },
                },
                {"criteria": [CRITERION_EXAMPLE]},
            ),
            **openapi.errors(401, 422),
        },
    },
)
openapi.add_path(
    "/criteria",
    "post",
    {
        "summary": "Add an end-customer criterion (administrators)",
        "tags": ["directory"],
        "requestBody": openapi.json_body(
            body_schema(CRITERION_FIELDS),
            {k: v for k, v in CRITERION_EXAMPLE.items() if k in CRITERION_FIELDS},
        ),
        "responses": {
            "201": openapi.json_response(
                "The new criterion", openapi.ref("Criterion"), CRITERION_EXAMPLE
            ),
            **openapi.errors(400, 401, 403, 422),
        },
    },
)
