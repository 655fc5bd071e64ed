"""The demo's reader of the monthly report: a managing director given the leadership role
(issue 14) through the directory's own service, so the report has someone to go to."""

from __future__ import annotations

from ..directory import operations as directory
from ..models import User
from . import data

LEADERSHIP = {"email": f"claire.fontaine@{data.EMAIL_DOMAIN}", "name": "Claire Fontaine"}


def seed_leadership(admin: User, user: User) -> User:
    """Give ``user`` (the managing director) the leadership role, once."""
    if not user.is_leadership:
        directory.update_user(
            admin, user, email=user.email, name=user.name, is_admin=False, is_leadership=True
        )
    return user
