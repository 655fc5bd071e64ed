"""The directory over the API: departments and the end-customer criteria catalogue."""

from __future__ import annotations

from functools import wraps
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..directory import operations as directory_ops
from ..extensions import db
from ..formats import collate
from ..models import CustomerCriterion, Department, Direction, Membership, Role
from ..transaction import atomic
from .auth import require_api_user
from .blueprint import bp, operation
from .pages import page_by_name
from .schemas import (
    Bool,
    Flag,
    Id,
    List,
    Nested,
    Number,
    PageArgs,
    PersonSchema,
    Schema,
    Text,
    When,
    page_of,
)

DIRECTIONS = tuple(d.value for d in Direction)


def _heads(department: Department) -> list:
    return [
        m.user
        for m in collate(department.memberships, key=lambda m: m.user.name)
        if m.role == Role.HEAD and m.user.is_active
    ]


class DepartmentRefSchema(Schema):
    id = Id(required=True)
    name = Text(required=True)
    code = Text(required=True)
    archived = Bool(required=True, attribute="is_archived")


class DepartmentSchema(DepartmentRefSchema):
    archived_at = When(required=True, allow_none=True)
    heads = List(Nested(PersonSchema), required=True, source=_heads)


class CriterionSchema(Schema):
    id = Id(required=True)
    name = Text(required=True)
    definition = Text(required=True)
    unit = Text(required=True)
    direction = Text(required=True, choices=DIRECTIONS)
    target = Number(required=True)
    archived = Bool(required=True, attribute="is_archived")
    archived_at = When(required=True, allow_none=True)


class DepartmentCreateSchema(Schema):
    name = Text(required=True, max_length=120)
    code = Text(required=True, max_length=16, metadata={"description": "1 to 16 A-Z, 0-9, - or _"})


class CriterionCreateSchema(Schema):
    name = Text(required=True, max_length=120)
    definition = Text(required=True, max_length=4000)
    unit = Text(required=True, max_length=32)
    direction = Text(required=True, choices=DIRECTIONS)
    target = Number(required=True)


class DirectoryArgs(PageArgs):
    include_archived = Flag(metadata={"description": "1 to list archived ones too"})


DepartmentPage = page_of(DepartmentSchema, "departments", "DepartmentPage")
CriterionPage = page_of(CriterionSchema, "criteria", "CriterionPage")

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


def department_ref(department: Department) -> dict[str, Any]:
    """Describe a department briefly (inside a charter)."""
    return DepartmentRefSchema().dump(department)


def criterion_json(criterion: CustomerCriterion) -> dict[str, Any]:
    """Describe an end-customer criterion."""
    return CriterionSchema().dump(criterion)


def _administrators_first(view):
    """403 to non-administrators before their body is read (a 422 would say nothing useful)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        directory_ops.require_admin(require_api_user())
        return view(*args, **kwargs)

    return wrapped


@bp.get("/departments")
@operation(
    "The directory of departments, by name",
    who="anyone signed in",
    tag="directory",
    errors=(422,),
)
@bp.arguments(DirectoryArgs, location="query")
@bp.response(
    200, DepartmentPage, example={"departments": [DEPARTMENT_EXAMPLE], "next": None, "total": 1}
)
def list_departments(args):
    query = select(Department).options(
        selectinload(Department.memberships).selectinload(Membership.user)
    )
    if not args["include_archived"]:
        query = query.where(Department.archived_at.is_(None))
    return page_by_name(db.session.scalars(query), lambda d: d.name, args, "departments")


@bp.post("/departments")
@operation(
    "Add a department",
    who="administrators (others: 403)",
    tag="directory",
    errors=(400, 403, 422),
)
@_administrators_first
@bp.arguments(DepartmentCreateSchema, example={"name": "Logistique", "code": "LOG"})
@bp.response(201, DepartmentSchema, example={**DEPARTMENT_EXAMPLE, "heads": []})
def create_department(data):
    actor = require_api_user()
    directory_ops.require_admin(actor)
    with atomic():
        department = directory_ops.create_department(actor, name=data["name"], code=data["code"])
    return department


@bp.get("/criteria")
@operation(
    "The catalogue of end-customer criteria, by name",
    who="anyone signed in",
    tag="directory",
    errors=(422,),
)
@bp.arguments(DirectoryArgs, location="query")
@bp.response(
    200, CriterionPage, example={"criteria": [CRITERION_EXAMPLE], "next": None, "total": 1}
)
def list_criteria(args):
    query = select(CustomerCriterion)
    if not args["include_archived"]:
        query = query.where(CustomerCriterion.archived_at.is_(None))
    return page_by_name(db.session.scalars(query), lambda c: c.name, args, "criteria")


@bp.post("/criteria")
@operation(
    "Add an end-customer criterion",
    who="administrators (others: 403)",
    tag="directory",
    errors=(400, 403, 422),
)
@_administrators_first
@bp.arguments(
    CriterionCreateSchema,
    example={k: v for k, v in CRITERION_EXAMPLE.items() if k in CriterionCreateSchema().fields},
)
@bp.response(201, CriterionSchema, example=CRITERION_EXAMPLE)
def create_criterion(data):
    actor = require_api_user()
    directory_ops.require_admin(actor)
    with atomic():
        criterion = directory_ops.create_criterion(actor, data)
    return criterion
