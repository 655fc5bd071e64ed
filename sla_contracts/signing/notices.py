"""Telling the heads what happened to a charter (through the one notifications entry point)."""

from __future__ import annotations

from datetime import datetime

from .. import notifications
from ..directory.queries import heads_of
from ..models import Charter, User


def _tell(
    users: list[User], kind: str, charter: Charter, actor: User, now: datetime, key: str, **params
) -> None:
    """Tell ``users`` about ``charter`` (message ``kind`` with ``params``), once per ``key``."""
    notifications.notify(
        kind,
        recipients=users,
        actor=actor,
        obj=("charter", charter.id),
        link=_charter_link(charter),
        params=params,
        key=key,
        now=now,
    )


def _charter_link(charter: Charter) -> str:
    return f"/charters/{charter.id}"


def heads(charter: Charter) -> list[User]:
    """Every active head of either side."""
    return heads_of(charter.department_ids)
