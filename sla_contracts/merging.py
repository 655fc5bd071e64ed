"""The three-way merge of a form two people may save at once, shared by every such page.

A save carries what the person sent and what their page showed when it was opened (``seen``,
the base). Against what is saved now, field by field:

- a field they left as their page showed it keeps what is saved now (a page opened before
  someone else's save never undoes it);
- a field only they changed takes their value, whoever saved in between;
- a field both they and someone else changed, to different values, is a conflict.

The page posts its base back as a signed snapshot (:func:`sign`, :func:`unsign`), so the
server knows what the person saw without trusting the browser. :func:`highlight` marks what
differs between two texts for a conflict screen.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

Same = Callable[[str | None, str | None], bool]


def same_text(a: str | None, b: str | None) -> bool:
    """Equal once browsers' line endings and outer spaces are set aside."""

    def norm(value: str | None) -> str:
        return ("" if value is None else str(value)).replace("\r\n", "\n").strip()

    return norm(a) == norm(b)


def pick(
    sent: str | None, seen: str | None, now: str, *, same: Same = same_text
) -> tuple[str, bool]:
    """Return the value to write for one field and whether both sides changed it differently.

    ``sent`` None: not sent (what is saved stays); ``seen`` None: the page's base is unknown,
    so any difference from what is saved counts as someone else's change.
    """
    if sent is None:
        return now, False
    if seen is not None and same(sent, seen):
        return now, False  # left as the page showed it: whatever was saved since wins
    they_changed = seen is None or not same(seen, now)
    return sent, they_changed and not same(sent, now)


def merge(
    sent: Mapping[str, str | None],
    seen: Mapping[str, str | None] | None,
    now: Mapping[str, str],
    *,
    same: Same = same_text,
) -> tuple[dict[str, str], list[str]]:
    """Merge every field of ``sent``; return the values to write and the conflicting fields."""
    values: dict[str, str] = {}
    conflicts: list[str] = []
    for name, mine in sent.items():
        values[name], clash = pick(
            mine, None if seen is None else seen.get(name), now[name], same=same
        )
        if clash:
            conflicts.append(name)
    return values, conflicts


# ---------------------------------------------------------------- showing a conflict


@dataclass(frozen=True)
class Segment:
    """A piece of text; ``changed`` if the other text does not have it at this place."""

    text: str
    changed: bool


_TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


def highlight(theirs: str, mine: str) -> tuple[list[Segment], list[Segment]]:
    """Split both texts into pieces, marking the words each has that the other lacks."""
    a, b = _TOKEN.findall(theirs or ""), _TOKEN.findall(mine or "")
    left: list[Segment] = []
    right: list[Segment] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if i2 > i1:
            left.append(Segment("".join(a[i1:i2]), op != "equal"))
        if j2 > j1:
            right.append(Segment("".join(b[j1:j2]), op != "equal"))
    return left, right


# ---------------------------------------------------------------- the page's base


def _serializer(salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=salt)


def sign(salt: str, key: Any, data: Mapping[str, Any]) -> str:
    """A signed copy of ``data`` for the object ``key``, for a form to post back."""
    return _serializer(salt).dumps({"key": key, "data": dict(data)})


def unsign(salt: str, key: Any, token: str | None) -> dict[str, Any] | None:
    """What :func:`sign` was given for ``key`` (None if absent, for another object or forged)."""
    if not token:
        return None
    try:
        payload = _serializer(salt).loads(token)
    except BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("key") != key:
        return None
    data = payload.get("data")
    return data if isinstance(data, dict) else None
