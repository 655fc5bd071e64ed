"""Cursor pagination for every list endpoint (``limit``, ``cursor`` → ``next``, ``total``).

The cursor is the position after the last item answered (its sort key and id), not an
offset, so walking ``next`` to the end gives every item once even while others insert:
a new row falls before or after the position, never shifts the pages.

``page_query`` pages a SQL query in id order (large lists: charters, reviews, the inbox);
``page_by_name`` pages a list sorted in Python (the directory, collated by name).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable
from typing import Any

from flask import current_app, request, url_for
from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from ..errors import ValidationError
from ..extensions import db
from ..formats import sort_key
from .schemas import MAX_INT


def _encode(position: list[Any]) -> str:
    raw = json.dumps(position, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str | None) -> list[Any] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        position = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        position = None
    if not isinstance(position, list) or not position:
        _refuse_cursor()
    return position


def _refuse_cursor() -> None:
    raise ValidationError(
        _("This cursor is not valid: follow the next link of the previous page."),
        field="cursor",
        details={"errors": {"cursor": [_("This cursor is not valid.")]}},
    )


def _next_url(position: list[Any]) -> str:
    # At the app's public address (BASE_URL, as in e-mails), whatever Host the request had.
    args = {key: value for key, value in request.args.items() if key != "cursor"}
    path = url_for(request.endpoint, **(request.view_args or {}), **args, cursor=_encode(position))
    return current_app.config["BASE_URL"].rstrip("/") + path


def page_query(
    query: Select, id_column, args: dict[str, Any], key: str, *, newest_first: bool = True
) -> dict[str, Any]:
    """One page of ``query`` (a ``select`` of one entity) in id order.

    Returns ``{key: [rows], "next": url or None, "total": n}`` for the response schema.
    """
    limit = args["limit"]
    position = _decode(args.get("cursor"))
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    if position is not None:
        last = position[0]
        if isinstance(last, bool) or not isinstance(last, int) or not 0 < last <= MAX_INT:
            _refuse_cursor()  # not a cursor of this list
        query = query.where(id_column < last if newest_first else id_column > last)
    order = id_column.desc() if newest_first else id_column.asc()
    rows = db.session.scalars(query.order_by(None).order_by(order).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        key: rows,
        "next": _next_url([rows[-1].id]) if more else None,
        "total": total or 0,
    }


def page_by_name(
    items: Iterable[Any], name_of: Callable[[Any], str], args: dict[str, Any], key: str
) -> dict[str, Any]:
    """One page of ``items`` in the collation order of their names (then by id).

    The cursor carries the last item's name and id, so it stays right when items are added.
    """
    limit = args["limit"]
    position = _decode(args.get("cursor"))
    ordered = sorted(items, key=lambda item: (sort_key(name_of(item)), item.id))
    total = len(ordered)
    if position is not None:
        if (
            len(position) != 2
            or not isinstance(position[0], str)
            or not (isinstance(position[1], int) and not isinstance(position[1], bool))
            or not 0 < position[1] <= MAX_INT
        ):
            _refuse_cursor()  # not a cursor of this list
        after = (sort_key(position[0]), position[1])
        ordered = [item for item in ordered if (sort_key(name_of(item)), item.id) > after]
    page = ordered[:limit]
    more = len(ordered) > limit
    return {
        key: page,
        "next": _next_url([name_of(page[-1]), page[-1].id]) if more else None,
        "total": total,
    }


def page_keyset(
    fetch: Callable[[list[Any] | None, int], list[Any]],
    count: Callable[[], int],
    args: dict[str, Any],
    key: str,
    *,
    read_position: Callable[[list[Any]], list[Any] | None],
) -> dict[str, Any]:
    """One page of a feed ordered by a composite key (time, then a tie-breaker), newest first.

    ``fetch(position, n)`` returns up to ``n`` items after ``position`` (None: from the
    start), each with a JSON-able ``position``; ``read_position`` turns a cursor's position
    back into one, or None when it is not a position of this feed.
    """
    limit = args["limit"]
    raw = _decode(args.get("cursor"))
    position = None
    if raw is not None:
        position = read_position(raw)
        if position is None:
            _refuse_cursor()  # not a cursor of this list
    rows = fetch(position, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        key: rows,
        "next": _next_url(rows[-1].position) if more else None,
        "total": count(),
    }
