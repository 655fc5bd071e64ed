"""What changed on a charter, by whom and when: the feed of the page's banner and of the API.

One statement reads the feed: the charter's revisions (every saved change, with the action
and summary ``history.record_revision`` stored), its comments and the comments resolved,
as a ``UNION ALL`` newest first, bounded by ``limit``. Items are plain values: the banner and
the API answer them as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    and_,
    func,
    literal,
    or_,
    select,
    union_all,
)

from ..extensions import db
from ..models import Comment, Revision, User

SUMMARY_LENGTH = 200
# Which source an item comes from; with its id, it orders items of the same instant.
REVISION, COMMENT, RESOLUTION = 0, 1, 2


@dataclass(frozen=True)
class ActivityItem:
    """One change: when, who (id and name, or none), what (action, summary), on which object."""

    at: datetime
    actor_id: int | None
    actor_name: str | None
    action: str
    summary: str
    object_type: str
    object_id: int
    source: int
    source_id: int

    @property
    def actor(self) -> dict[str, Any] | None:
        if self.actor_id is None:
            return None
        return {"id": self.actor_id, "name": self.actor_name}

    @property
    def position(self) -> list[Any]:
        """Where the item stands in the feed (for a cursor): time, source, id."""
        return [self.at.isoformat(), self.source, self.source_id]


def _feed(charter_id: int):
    """The charter's items as one selectable (at, actor, action, summary, object, source, id)."""
    revisions = (
        select(
            Revision.created_at.label("at"),
            Revision.author_id.label("actor_id"),
            User.name.label("actor_name"),
            Revision.action.label("action"),
            Revision.summary.label("summary"),
            func.coalesce(Revision.object_type, "charter").label("object_type"),
            func.coalesce(Revision.object_id, Revision.charter_id).label("object_id"),
            literal(REVISION, Integer).label("source"),
            Revision.id.label("source_id"),
        )
        .outerjoin(User, User.id == Revision.author_id)
        .where(Revision.charter_id == charter_id)
    )
    comments = (
        select(
            Comment.created_at,
            Comment.author_id,
            User.name,
            literal("comment_added", String),
            func.substr(Comment.body, 1, SUMMARY_LENGTH),
            literal("comment", String),
            Comment.id,
            literal(COMMENT, Integer),
            Comment.id,
        )
        .join(User, User.id == Comment.author_id)
        .where(Comment.charter_id == charter_id)
    )
    resolutions = (
        select(
            Comment.resolved_at,
            Comment.resolved_by_id,
            User.name,
            literal("comment_resolved", String),
            func.substr(Comment.body, 1, SUMMARY_LENGTH),
            literal("comment", String),
            Comment.id,
            literal(RESOLUTION, Integer),
            Comment.id,
        )
        .outerjoin(User, User.id == Comment.resolved_by_id)
        .where(Comment.charter_id == charter_id, Comment.resolved_at.is_not(None))
    )
    return union_all(revisions, comments, resolutions).subquery("feed")


def _items(rows) -> list[ActivityItem]:
    return [
        ActivityItem(
            at=row.at,
            actor_id=row.actor_id,
            actor_name=row.actor_name,
            action=row.action,
            summary=row.summary or "",
            object_type=row.object_type,
            object_id=row.object_id,
            source=row.source,
            source_id=row.source_id,
        )
        for row in rows
    ]


def _conditions(feed, since: datetime | None, after: list[Any] | None, exclude: int | None):
    conditions = []
    if since is not None:
        conditions.append(feed.c.at > since)
    if after is not None:
        at, source, source_id = after
        conditions.append(
            or_(
                feed.c.at < at,
                and_(feed.c.at == at, feed.c.source < source),
                and_(feed.c.at == at, feed.c.source == source, feed.c.source_id < source_id),
            )
        )
    if exclude is not None:
        conditions.append(or_(feed.c.actor_id.is_(None), feed.c.actor_id != exclude))
    return conditions


def activity(
    charter_id: int,
    *,
    since: datetime | None = None,
    limit: int = 20,
    after: list[Any] | None = None,
    exclude_actor: int | None = None,
) -> list[ActivityItem]:
    """The charter's changes after ``since``, newest first, at most ``limit`` (one statement).

    ``after`` is a position (``ActivityItem.position``: aware time, source, id) to continue
    from; ``exclude_actor`` leaves out a person's own changes (the banner tells of others').
    """
    feed = _feed(charter_id)
    query = (
        select(feed)
        .where(*_conditions(feed, since, after, exclude_actor))
        .order_by(feed.c.at.desc(), feed.c.source.desc(), feed.c.source_id.desc())
        .limit(limit)
    )
    return _items(db.session.execute(query))


def count_activity(charter_id: int, *, since: datetime | None = None) -> int:
    """How many items ``activity`` has after ``since`` in all."""
    feed = _feed(charter_id)
    query = select(func.count()).select_from(feed).where(*_conditions(feed, since, None, None))
    return db.session.scalar(query) or 0


def parse_position(position: list[Any]) -> list[Any] | None:
    """Read back a cursor's position, or None when it is not one of this feed's."""
    if len(position) != 3:
        return None
    at, source, source_id = position
    if not isinstance(at, str) or len(at) > 40:
        return None
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    for number in (source, source_id):
        if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number < 2**31:
            return None
    return [moment, source, source_id]
