"""Directory workflows (admin only): departments and the end-customer criteria catalogue."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..charters.operations import clean_text
from ..errors import Forbidden, ValidationError
from ..extensions import db
from ..models import CustomerCriterion, Department, Direction, User
from ..timeutil import utcnow

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,15}$")


def require_admin(actor: User) -> None:
    """Refuse unless ``actor`` is an administrator."""
    if not actor.is_admin:
        raise Forbidden(_("Only an administrator can change the directory."))


def _clean_code(code: Any) -> str:
    code = clean_text(code, field_name="code", required=True, max_length=16).upper()
    if not CODE_RE.match(code):
        raise ValidationError(_("Use 1 to 16 capital letters, digits, '-' or '_'."), field="code")
    return code


def _unique(model, column, value, field_name: str, exclude_id: int | None = None) -> None:
    query = select(model.id).where(func.lower(column) == value.lower())
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    if db.session.scalar(query) is not None:
        raise ValidationError(_("This value is already used."), field=field_name)


def create_department(actor: User, *, name: Any, code: Any) -> Department:
    """Add a department to the directory."""
    require_admin(actor)
    name = clean_text(name, field_name="name", required=True, max_length=120)
    code = _clean_code(code)
    _unique(Department, Department.name, name, "name")
    _unique(Department, Department.code, code, "code")
    department = Department(name=name, code=code)
    db.session.add(department)
    db.session.flush()
    return department


def update_department(actor: User, department: Department, *, name: Any, code: Any) -> Department:
    """Rename a department or change its code (old charters show the new name)."""
    require_admin(actor)
    name = clean_text(name, field_name="name", required=True, max_length=120)
    code = _clean_code(code)
    _unique(Department, Department.name, name, "name", exclude_id=department.id)
    _unique(Department, Department.code, code, "code", exclude_id=department.id)
    department.name, department.code = name, code
    db.session.flush()
    return department


def set_department_archived(
    actor: User, department: Department, archived: bool, now: datetime | None = None
) -> Department:
    """Archive (no new charters, still readable in old ones) or restore a department."""
    require_admin(actor)
    department.archived_at = (now or utcnow()) if archived else None
    db.session.flush()
    return department


def _clean_criterion(data: dict[str, Any]) -> dict[str, Any]:
    cleaned = {
        "name": clean_text(data.get("name"), field_name="name", required=True, max_length=120),
        "definition": clean_text(
            data.get("definition"), field_name="definition", required=True, max_length=4000
        ),
        "unit": clean_text(data.get("unit"), field_name="unit", required=True, max_length=32),
    }
    direction = data.get("direction")
    if direction not in {d.value for d in Direction}:
        raise ValidationError(_("Choose whether higher or lower is better."), field="direction")
    cleaned["direction"] = Direction(direction)
    target = data.get("target")
    if isinstance(target, str):
        try:
            target = float(target.replace(",", ".").strip())
        except ValueError:
            target = None
    if isinstance(target, bool) or not isinstance(target, int | float):
        raise ValidationError(_("The target must be a number."), field="target")
    cleaned["target"] = float(target)
    return cleaned


def create_criterion(actor: User, data: dict[str, Any]) -> CustomerCriterion:
    """Add an end-customer criterion to the catalogue."""
    require_admin(actor)
    cleaned = _clean_criterion(data)
    _unique(CustomerCriterion, CustomerCriterion.name, cleaned["name"], "name")
    criterion = CustomerCriterion(**cleaned)
    db.session.add(criterion)
    db.session.flush()
    return criterion


def update_criterion(
    actor: User, criterion: CustomerCriterion, data: dict[str, Any]
) -> CustomerCriterion:
    """Change a criterion (its target moves with the company's ambitions)."""
    require_admin(actor)
    cleaned = _clean_criterion(data)
    _unique(
        CustomerCriterion, CustomerCriterion.name, cleaned["name"], "name", exclude_id=criterion.id
    )
    for key, value in cleaned.items():
        setattr(criterion, key, value)
    db.session.flush()
    return criterion


def set_criterion_archived(
    actor: User, criterion: CustomerCriterion, archived: bool, now: datetime | None = None
) -> CustomerCriterion:
    """Archive (not offered for new charters) or restore a criterion."""
    require_admin(actor)
    criterion.archived_at = (now or utcnow()) if archived else None
    db.session.flush()
    return criterion
