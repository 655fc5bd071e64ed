"""Who hears of what, and in which language: the recipient's preferences decide.

Besides the e-mail frequency (``User.email_frequency``), a person may mute kinds of e-mail one
by one (``MutedKind``, from the one-click link of every e-mail): those no longer come by
e-mail, the in-app inbox still gets them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import EmailFrequency, MutedKind, User
from .registry import MESSAGES
from .texts_reminders import ACTIVITY


def locale_of(user: User) -> str:
    """The language a person reads their messages in."""
    languages = current_app.config.get("LANGUAGES", ["fr", "en"])
    if user.locale in languages:
        return user.locale
    return current_app.config.get("BABEL_DEFAULT_LOCALE", "fr")


def muted_pairs(user_ids: Iterable[int]) -> set[tuple[int, str]]:
    """The (person, kind) pairs muted by e-mail among ``user_ids`` (one statement)."""
    ids = sorted(set(user_ids))
    if not ids:
        return set()
    rows = db.session.execute(
        select(MutedKind.user_id, MutedKind.kind).where(MutedKind.user_id.in_(ids))
    )
    return {(user_id, kind) for user_id, kind in rows}


def is_muted(user_id: int, kind: str, muted: Collection[tuple[int, str]]) -> bool:
    """Whether ``kind`` is muted for the person (a co-writing kind also by ``activity``)."""
    if (user_id, kind) in muted:
        return True
    entry = MESSAGES.get(kind)
    return entry is not None and entry.coalesces and (user_id, ACTIVITY) in muted


def wants_email(
    user: User, kind: str | None = None, *, muted: Collection[tuple[int, str]] | None = None
) -> bool:
    """Whether ``user`` gets e-mails (at once or in a digest), of ``kind`` if given: not when
    they chose the inbox only, nor once they left (archived), nor for a kind they muted
    (``muted``: pairs already loaded by ``muted_pairs``). The in-app inbox always gets it."""
    if not user.is_active or user.email_frequency == EmailFrequency.NEVER:
        return False
    if kind is None:
        return True
    if muted is None:
        muted = muted_pairs([user.id])
    return not is_muted(user.id, kind, muted)


def muted_kinds(user_id: int) -> list[str]:
    """The kinds the person muted, oldest first."""
    return list(
        db.session.scalars(
            select(MutedKind.kind)
            .where(MutedKind.user_id == user_id)
            .order_by(MutedKind.created_at, MutedKind.id)
        )
    )


def mute(user_id: int, kind: str, now: datetime) -> bool:
    """Stop e-mails of ``kind`` to the person (once; the inbox still gets them). True if new."""
    if (user_id, kind) in muted_pairs([user_id]):
        return False
    try:
        with db.session.begin_nested():  # a second click at the same moment: already muted
            db.session.add(MutedKind(user_id=user_id, kind=kind, created_at=now))
    except IntegrityError:
        return False
    return True


def unmute(user_id: int, kind: str) -> int:
    """E-mails of ``kind`` to the person again; return how many mutes were removed."""
    return db.session.execute(
        delete(MutedKind).where(MutedKind.user_id == user_id, MutedKind.kind == kind)
    ).rowcount
