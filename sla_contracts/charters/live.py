"""Presence and live updates of the charter page: who has it open, what changed since it loaded.

The page polls ``GET /charters/<id>/live`` every few seconds (``static/js/app.js``). With 200
pages open that is 40 polls a second, so a poll that finds nothing new costs at most two
statements and answers 304:

1. ``poll_state`` reads, in one statement, whether the person the session cookie claims may
   still be signed in and may read the charter, the charter's state (status and
   ``updated_at``, which every saved change of a draft moves: edits, comments, negotiation)
   and who has been present in the last ``PRESENT_WITHIN`` (one row per present person).
2. ``touch_presence`` rewrites the person's own presence row, but only when the row read in
   (1) is older than ``PRESENCE_REFRESH``: one write per open page every 20 s whatever the
   poll rate, an upsert (``INSERT … ON CONFLICT DO UPDATE``) safe across workers. Presence
   is in the database, not in a worker's memory, because gunicorn runs several workers.

The ETag is a digest of that state as the reader sees it (status, ``updated_at``, the others
present, and the page's ``since``); only when it differs does the poll read the feed
(``activity``) and answer 200 with what others changed since the page was loaded.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from flask import current_app
from sqlalchemy import Select, and_, bindparam, exists, select
from sqlalchemy.orm import aliased

from ..auth.sessions import claimed_user_is_valid
from ..extensions import db, upsert
from ..models import Charter, CharterPresence, CharterStatus, User
from ..permissions import reads_charter
from ..timeutil import UTCDateTime
from . import activity as feed

# A person is "here" while their page polled within this time; a hidden tab stops polling,
# so it drops out of the others' list within this time too.
PRESENT_WITHIN = timedelta(seconds=50)
# A poll rewrites its presence row only when it is older than this (writes stay rare).
PRESENCE_REFRESH = timedelta(seconds=20)
# How often the page polls (seconds, setting LIVE_POLL_SECONDS): drafts and charters
# awaiting signatures change under the reader's eyes; one in force or ended, six times less
# often (who is there, and an amendment opening).
POLL_SECONDS = 5
SLOW_STATUSES = (CharterStatus.ACTIVE, CharterStatus.ENDED, CharterStatus.EXPIRED)
BANNER_ITEMS = 20


class SignedOut(Exception):
    """The session cookie names a session that has ended."""


def poll_seconds(status: CharterStatus) -> float:
    """How often the page of a charter in ``status`` polls."""
    seconds = float(current_app.config.get("LIVE_POLL_SECONDS", POLL_SECONDS))
    return seconds * 6 if status in SLOW_STATUSES else seconds


@dataclass
class LiveState:
    """A charter's state as the poll reads it: status, last change, who else is here."""

    charter_id: int
    user_id: int
    status: CharterStatus
    updated_at: datetime
    present: list[dict[str, Any]] = field(default_factory=list)
    my_seen_at: datetime | None = None

    def etag(self, since: datetime | None) -> str:
        """A digest of what the page shows from this state (strong, quoted)."""
        others = ",".join(str(person["id"]) for person in self.present)
        text = (
            f"{self.charter_id}|{self.user_id}|{self.status.value}|"
            f"{self.updated_at.isoformat()}|{others}|{since.isoformat() if since else ''}"
        )
        return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'

    def presence_is_stale(self, now: datetime) -> bool:
        return self.my_seen_at is None or now - self.my_seen_at >= PRESENCE_REFRESH


@cache
def _poll_statement() -> Select:
    """The poll's one statement, built once (its values are bound at each poll)."""
    user_id, session_version = bindparam("user_id"), bindparam("session_version")
    present_user = aliased(User)
    return (
        select(
            Charter.status,
            Charter.updated_at,
            exists().where(claimed_user_is_valid(user_id, session_version)).label("signed_in"),
            reads_charter(user_id).label("reader"),
            CharterPresence.user_id,
            CharterPresence.seen_at,
            present_user.name,
        )
        .select_from(Charter)
        .outerjoin(
            CharterPresence,
            and_(
                CharterPresence.charter_id == Charter.id,
                CharterPresence.seen_at >= bindparam("cutoff", type_=UTCDateTime),
            ),
        )
        .outerjoin(present_user, present_user.id == CharterPresence.user_id)
        .where(Charter.id == bindparam("charter_id"))
        .order_by(CharterPresence.user_id)
    )


def poll_state(
    charter_id: int, user_id: int, session_version: int, now: datetime
) -> LiveState | None:
    """Read the charter's live state for the claimed person, or None if they may not read it.

    One statement: the charter row, left-joined to the people present (and their names),
    with the session and reader checks as columns. ``SignedOut`` when the session has ended
    (logged out elsewhere, password changed, person archived).
    """
    rows = db.session.execute(
        _poll_statement(),
        {
            "charter_id": charter_id,
            "user_id": user_id,
            "session_version": session_version,
            "cutoff": now - PRESENT_WITHIN,
        },
    ).all()
    if rows and not rows[0].signed_in:
        raise SignedOut()
    if not rows or not rows[0].reader:
        return None
    state = LiveState(charter_id, user_id, rows[0].status, rows[0].updated_at)
    for row in rows:
        if row.user_id is None:
            continue
        if row.user_id == user_id:
            state.my_seen_at = row.seen_at
        else:
            state.present.append({"id": row.user_id, "name": row.name})
    return state


def touch_presence(charter_id: int, user_id: int, now: datetime) -> None:
    """Record that ``user_id`` has the charter open now (one upsert; the caller commits)."""
    upsert(CharterPresence, ["charter_id", "user_id"], charter_id=charter_id, user_id=user_id,
           seen_at=now)  # fmt: skip


def present_others(charter: Charter, user: User, now: datetime) -> list[dict[str, Any]]:
    """Who else has the charter open now (for the page as it is first shown)."""
    rows = db.session.execute(
        select(User.id, User.name)
        .join(CharterPresence, CharterPresence.user_id == User.id)
        .where(
            CharterPresence.charter_id == charter.id,
            CharterPresence.user_id != user.id,
            CharterPresence.seen_at >= now - PRESENT_WITHIN,
        )
        .order_by(User.id)
    ).all()
    return [{"id": row.id, "name": row.name} for row in rows]


def changes_for(state: LiveState, since: datetime | None) -> tuple[list[feed.ActivityItem], bool]:
    """What others changed since ``since`` (newest first, bounded) and whether there is more."""
    if since is None:
        return [], False
    items = feed.activity(
        state.charter_id, since=since, limit=BANNER_ITEMS + 1, exclude_actor=state.user_id
    )
    return items[:BANNER_ITEMS], len(items) > BANNER_ITEMS
