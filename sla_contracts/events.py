"""Domain events: one feature says what happened; others react, without importing each other.

Signing says "this charter is now active" or "this charter has ended"; reviews listens and plans
the first review, or cancels the open one. Drafting says "someone edits a charter awaiting
signatures"; signing listens and voids the frozen version. Handlers run in the caller's
transaction (they flush, never commit), so a rolled-back signature plans nothing. The wiring
is done once, in ``create_app`` (``register_event_handlers``), not by import side effects.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

CHARTER_ACTIVATED = "charter_activated"  # charter, version, actor, now
CHARTER_ENDED = "charter_ended"  # charter, actor, now
# Past its end without a renewal signed (``signing.expiry``): actor is None (the scheduler).
CHARTER_EXPIRED = "charter_expired"  # charter, actor, now
# Someone edits a charter awaiting signatures: it goes back to draft, its version is voided.
SUBMITTED_CHARTER_EDITED = "submitted_charter_edited"  # charter, actor, now

Handler = Callable[..., None]
_handlers: dict[str, list[Handler]] = defaultdict(list)


def subscribe(event: str, handler: Handler) -> None:
    """Call ``handler(**data)`` whenever ``event`` is published (once, however often asked)."""
    if handler not in _handlers[event]:
        _handlers[event].append(handler)


def publish(event: str, **data: Any) -> None:
    """Tell every handler of ``event``, in the order they subscribed."""
    for handler in list(_handlers[event]):
        handler(**data)
