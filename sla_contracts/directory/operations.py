"""Directory workflows (admin only): departments and the end-customer criteria catalogue."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from ..audit.operations import record_event
from ..auth.passwords import hash_password
from ..auth.service import normalise_email
from ..auth.sessions import end_all_sessions
from ..errors import Forbidden, NotFound, ValidationError
from ..extensions import db
from ..formats import parse_number
from ..models import (
    CustomerCriterion,
    Department,
    Direction,
    Membership,
    Role,
    User,
)
from ..timeutil import utcnow
from ..validation import clean_text

LOCALES = ("fr", "en")
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
    # SQLite's lower() folds ASCII only: the exact value is compared too ("Æther" twice).
    query = select(model.id).where(or_(column == value, func.lower(column) == value.lower()))
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
    record_event(
        "department_created",
        actor=actor,
        object_type="department",
        object_id=department.id,
        data={"name": name, "code": code},
    )
    return department


def update_department(actor: User, department: Department, *, name: Any, code: Any) -> Department:
    """Rename a department or change its code (old charters show the new name)."""
    require_admin(actor)
    name = clean_text(name, field_name="name", required=True, max_length=120)
    code = _clean_code(code)
    _unique(Department, Department.name, name, "name", exclude_id=department.id)
    _unique(Department, Department.code, code, "code", exclude_id=department.id)
    before = {"name": department.name, "code": department.code}
    department.name, department.code = name, code
    db.session.flush()
    if before != {"name": name, "code": code}:
        record_event(
            "department_updated",
            actor=actor,
            object_type="department",
            object_id=department.id,
            data={"before": before, "after": {"name": name, "code": code}},
        )
    return department


def set_department_archived(
    actor: User, department: Department, archived: bool, now: datetime | None = None
) -> Department:
    """Archive (no new charters, still readable in old ones) or restore a department."""
    require_admin(actor)
    department.archived_at = (now or utcnow()) if archived else None
    db.session.flush()
    record_event(
        "department_archived" if archived else "department_restored",
        actor=actor,
        object_type="department",
        object_id=department.id,
        now=now,
    )
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
    target = parse_number(target) if isinstance(target, str | int | float) else None
    if target is None:
        raise ValidationError(_("The target must be a number."), field="target")
    cleaned["target"] = target
    return cleaned


def create_criterion(actor: User, data: dict[str, Any]) -> CustomerCriterion:
    """Add an end-customer criterion to the catalogue."""
    require_admin(actor)
    cleaned = _clean_criterion(data)
    _unique(CustomerCriterion, CustomerCriterion.name, cleaned["name"], "name")
    criterion = CustomerCriterion(**cleaned)
    db.session.add(criterion)
    db.session.flush()
    record_event(
        "criterion_created",
        actor=actor,
        object_type="criterion",
        object_id=criterion.id,
        data={"name": criterion.name, "target": criterion.target},
    )
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
    record_event(
        "criterion_updated",
        actor=actor,
        object_type="criterion",
        object_id=criterion.id,
        data={"name": criterion.name, "target": criterion.target},
    )
    return criterion


def set_criterion_archived(
    actor: User, criterion: CustomerCriterion, archived: bool, now: datetime | None = None
) -> CustomerCriterion:
    """Archive (not offered for new charters) or restore a criterion."""
    require_admin(actor)
    criterion.archived_at = (now or utcnow()) if archived else None
    db.session.flush()
    record_event(
        "criterion_archived" if archived else "criterion_restored",
        actor=actor,
        object_type="criterion",
        object_id=criterion.id,
        now=now,
    )
    return criterion


# ---------------------------------------------------------------- people

PASSWORD_MIN = 8
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _clean_email(email: Any, exclude_id: int | None = None) -> str:
    email = normalise_email(clean_text(email, field_name="email", required=True, max_length=254))
    if not EMAIL_RE.match(email):
        raise ValidationError(_("This is not a valid e-mail address."), field="email")
    query = select(User.id).where(func.lower(User.email) == email)
    if exclude_id is not None:
        query = query.where(User.id != exclude_id)
    if db.session.scalar(query) is not None:
        raise ValidationError(_("Someone already has this e-mail address."), field="email")
    return email


def _clean_password(password: Any) -> str:
    if not isinstance(password, str) or len(password) < PASSWORD_MIN:
        raise ValidationError(
            _("The password needs at least %(min)d characters.", min=PASSWORD_MIN),
            field="password",
        )
    if len(password) > 200:
        raise ValidationError(_("At most %(max)d characters.", max=200), field="password")
    return password


def _clean_locale(locale: Any) -> str:
    if locale not in LOCALES:
        raise ValidationError(_("Choose French or English."), field="locale")
    return locale


def create_user(
    actor: User,
    *,
    email: Any,
    name: Any,
    password: Any,
    is_admin: bool = False,
    locale: Any = "fr",
    now: datetime | None = None,
) -> User:
    """Add a person to the directory (e-mails are unique whatever their case)."""
    require_admin(actor)
    name = clean_text(name, field_name="name", required=True, max_length=120)
    email = _clean_email(email)
    password = _clean_password(password)
    user = User(
        email=email,
        name=name,
        password_hash=hash_password(password),
        is_admin=bool(is_admin),
        locale=_clean_locale(locale),
    )
    db.session.add(user)
    db.session.flush()
    record_event(
        "user_created",
        actor=actor,
        object_type="user",
        object_id=user.id,
        data={"email": email, "is_admin": user.is_admin},
        now=now,
    )
    return user


def create_account(
    *,
    email: Any,
    name: Any,
    password: Any,
    is_admin: bool = False,
    locale: Any = "fr",
    department_code: str | None = None,
    role: Any = Role.MEMBER.value,
) -> User:
    """Add a person from the command line, optionally head or member of one department.

    No actor: this is how the first administrator comes to be. The operator chooses the
    password, which only has to be non-empty (the directory pages ask for PASSWORD_MIN).
    """
    name = clean_text(name, field_name="name", required=True, max_length=120)
    email = _clean_email(email)
    department = None
    if department_code:
        department = db.session.scalar(
            select(Department).where(func.upper(Department.code) == department_code.upper())
        )
        if department is None:
            raise NotFound(
                _("No department with code %(code)s.", code=department_code), field="department"
            )
    if not isinstance(password, str) or not password:
        raise ValidationError(_("The password cannot be empty."), field="password")
    if role not in {r.value for r in Role}:
        raise ValidationError(_("Choose head or member."), field="role")
    user = User(
        email=email,
        name=name,
        password_hash=hash_password(password),
        is_admin=bool(is_admin),
        locale=_clean_locale(locale),
    )
    db.session.add(user)
    if department is not None:
        db.session.add(Membership(user=user, department=department, role=Role(role)))
    db.session.flush()
    return user


def update_user(
    actor: User,
    user: User,
    *,
    email: Any,
    name: Any,
    is_admin: bool,
    locale: Any | None = None,
    is_leadership: bool | None = None,
    now: datetime | None = None,
) -> User:
    """Change a person's name, e-mail, admin flag (and language, leadership role)."""
    require_admin(actor)
    name = clean_text(name, field_name="name", required=True, max_length=120)
    email = _clean_email(email, exclude_id=user.id)
    if user.id == actor.id and not is_admin:
        raise ValidationError(
            _("You cannot remove your own administrator rights."), field="is_admin"
        )
    before = {
        "email": user.email,
        "name": user.name,
        "is_admin": user.is_admin,
        "is_leadership": user.is_leadership,
    }
    user.name, user.email, user.is_admin = name, email, bool(is_admin)
    if is_leadership is not None:
        user.is_leadership = bool(is_leadership)
    if locale is not None:
        user.locale = _clean_locale(locale)
    db.session.flush()
    after = {
        "email": user.email,
        "name": user.name,
        "is_admin": user.is_admin,
        "is_leadership": user.is_leadership,
    }
    changed = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if changed:
        record_event(
            "user_updated",
            actor=actor,
            object_type="user",
            object_id=user.id,
            data=changed,
            now=now,
        )
    return user


def set_user_archived(actor: User, user: User, archived: bool, now: datetime | None = None) -> User:
    """Archive a person (no more log-in, every session ended; still named in old charters)."""
    require_admin(actor)
    if archived and user.id == actor.id:
        raise ValidationError(_("You cannot archive yourself."), field="archived")
    if archived and user.archived_at is None:
        user.archived_at = now or utcnow()
        end_all_sessions(user, revoke_tokens=True)
    elif not archived:
        user.archived_at = None
    db.session.flush()
    record_event(
        "user_archived" if archived else "user_restored",
        actor=actor,
        object_type="user",
        object_id=user.id,
        now=now,
    )
    return user


def set_password(actor: User, user: User, password: Any, now: datetime | None = None) -> User:
    """Give a person a new password chosen by an admin; their sessions end."""
    require_admin(actor)
    user.password_hash = hash_password(_clean_password(password))
    end_all_sessions(user, revoke_tokens=True)
    db.session.flush()
    record_event("password_reset", actor=actor, object_type="user", object_id=user.id, now=now)
    return user


def find_membership(user: User, department: Department) -> Membership | None:
    return db.session.scalar(
        select(Membership).where(
            Membership.user_id == user.id, Membership.department_id == department.id
        )
    )


def set_membership(
    actor: User, user: User, department: Department, role: Any, now: datetime | None = None
) -> Membership:
    """Make ``user`` head or member of ``department`` (add or change the role)."""
    require_admin(actor)
    if role not in {r.value for r in Role}:
        raise ValidationError(_("Choose head or member."), field="role")
    role = Role(role)
    membership = find_membership(user, department)
    if membership is None:
        if department.is_archived:
            raise ValidationError(_("This department is archived."), field="department_id")
        if user.archived_at is not None:
            raise ValidationError(_("This person is archived."), field="user_id")
        membership = Membership(user=user, department=department, role=role)
        db.session.add(membership)
    else:
        membership.role = role
    db.session.flush()
    record_event(
        "membership_set",
        actor=actor,
        object_type="user",
        object_id=user.id,
        data={"department": department.code, "role": role.value},
        now=now,
    )
    return membership


def remove_membership(
    actor: User, user: User, department: Department, now: datetime | None = None
) -> None:
    """Take ``user`` out of ``department`` (their past signatures and comments stay)."""
    require_admin(actor)
    membership = find_membership(user, department)
    if membership is None:
        raise NotFound(_("This person is not in this department."))
    db.session.delete(membership)
    db.session.flush()
    record_event(
        "membership_removed",
        actor=actor,
        object_type="user",
        object_id=user.id,
        data={"department": department.code},
        now=now,
    )
