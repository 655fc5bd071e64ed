"""Who acts for which side of a charter, who owns a commitment, and who agreed to its text.

Each side owns the commitments it provides: only its heads write them (administrators may act
for either side, and that is recorded). The side that changes a commitment's text agrees to the
new text; the other side's agreement is cleared, so "agreed by both" always means both sides
agreed to the text as it is now.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from ..errors import Forbidden, NotOwner, ValidationError
from ..models import Agreement, Charter, Commitment, User
from ..permissions import is_head_of


def sides_headed(actor: User, charter: Charter) -> list[int]:
    """The sides of ``charter`` that ``actor`` heads, in stored order."""
    return [d for d in charter.department_ids if is_head_of(actor, d)]


def may_act_for(actor: User, department_id: int) -> tuple[bool, bool]:
    """(may act for this side, only as an administrator)."""
    if is_head_of(actor, department_id):
        return True, False
    return actor.is_admin, actor.is_admin


def acting_for(actor: User, charter: Charter, department_id: Any = None) -> tuple[int, bool]:
    """The side ``actor`` acts for, and whether only as an administrator.

    A head of one side acts for it; an administrator (or the head of both sides) names the side.
    """
    if department_id is not None:
        if isinstance(department_id, bool) or department_id not in charter.department_ids:
            raise ValidationError(
                _("Choose one of the charter's two departments."), field="department_id"
            )
        allowed, as_admin = may_act_for(actor, department_id)
        if not allowed:
            raise Forbidden(_("You do not head this department."))
        return department_id, as_admin
    headed = sides_headed(actor, charter)
    if len(headed) == 1:
        return headed[0], False
    if headed or actor.is_admin:
        raise ValidationError(
            _("Say which of the two departments you act for."), field="department_id"
        )
    raise Forbidden(_("Only the heads of the two departments can change this charter."))


def ensure_owner(actor: User, commitment: Commitment) -> bool:
    """Refuse unless ``actor`` may write for the side providing ``commitment``; as admin?"""
    allowed, as_admin = may_act_for(actor, commitment.provider_department_id)
    if not allowed:
        raise NotOwner(
            _(
                "This commitment is the other department's: only its heads change it. "
                "Propose a change instead."
            ),
            details={"provider_department_id": commitment.provider_department_id},
        )
    return as_admin


def agree_as_author(
    commitment: Commitment, actor: User, side: int, as_admin: bool, now: datetime
) -> None:
    """After ``side`` changed the text: it agrees to it, the other side's agreement is cleared."""
    for agreement in list(commitment.agreements):
        if agreement.department_id != side:
            commitment.agreements.remove(agreement)
    set_agreement(commitment, actor, side, as_admin, now)


def set_agreement(
    commitment: Commitment, actor: User | None, side: int, as_admin: bool, now: datetime
) -> None:
    """Record that ``side`` agrees to the commitment's current text."""
    current = next((a for a in commitment.agreements if a.department_id == side), None)
    if current is None:
        current = Agreement(department_id=side)
        commitment.agreements.append(current)
    current.user_id = actor.id if actor else None
    current.as_admin = as_admin
    current.lock_version = commitment.lock_version
    current.agreed_at = now


def clear_agreement(commitment: Commitment, side: int) -> bool:
    """Remove ``side``'s agreement; whether there was one."""
    for agreement in list(commitment.agreements):
        if agreement.department_id == side:
            commitment.agreements.remove(agreement)
            return True
    return False
