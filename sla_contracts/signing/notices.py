"""Telling the heads what happened to a charter, each in their own language."""

from __future__ import annotations

from datetime import datetime

from flask_babel import force_locale

from ..directory.queries import heads_of
from ..models import Charter, User
from ..notifications.operations import notify


def _tell(users: list[User], kind: str, link: str, now: datetime, message, **values) -> None:
    """Notify each person in their own language; ``message`` is a callable returning text."""
    for user in users:
        with force_locale(user.locale or "fr"):
            notify(user, kind, message(**values), link, now=now)


def _charter_link(charter: Charter) -> str:
    return f"/charters/{charter.id}"


def heads(charter: Charter) -> list[User]:
    """Every active head of either side."""
    return heads_of(charter.department_ids)
