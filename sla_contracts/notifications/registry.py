"""The registry of messages: a message key (``kind``) to its inbox line and e-mail.

Register a function of the stored parameters returning the inbox line with ``@message``:

- ``subject`` (and optionally ``body``): it is e-mailed too (else inbox only);
- ``asks_action=True``: it asks the reader to do something (``notifications.mark_done`` marks
  it done once that is done);
- ``reminder=True``: it reminds the reader of something due (a review, an action, a charter's
  end). Its parameters must carry ``day``, the ISO date it is due; the reader may snooze it a
  day or a week, at most twice, and it escalates once to the administrators after the second
  snooze or once its day has passed after a snooze (``notifications.snooze``);
- ``label`` (a lazy text, ``_l``): what this kind of e-mail is called on the unsubscribe page
  and in the preferences ("Reminders of a charter's end");
- ``phrase`` (and ``count_by``): a charter's co-writing, e-mailed coalesced
  (``notifications.combined``), counted with this phrase ("changed 2 commitments"); the
  distinct values of ``count_by`` are counted, else each event counts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Params = dict[str, Any]
Render = Callable[[Params], str]
Phrase = Callable[[int], str]


@dataclass(frozen=True)
class Message:
    text: Render
    subject: Render | None = None  # None: inbox only, never e-mailed
    body: Render | None = None  # the e-mail's first paragraph; the inbox line by default
    asks_action: bool = False  # the reader is asked to do something: it can be marked done
    phrase: Phrase | None = None  # co-writing: e-mailed coalesced, counted with this phrase
    count_by: str | None = None  # the parameter whose distinct values the phrase counts
    reminder: bool = False  # reminds of something due on ``params["day"]``: can be snoozed
    label: Any = None  # what this kind of e-mail is called when a person mutes it (lazy text)

    @property
    def is_emailed(self) -> bool:
        return self.subject is not None or self.phrase is not None

    @property
    def coalesces(self) -> bool:
        return self.phrase is not None

    def count(self, params_list: list[Params]) -> int:
        """How many the phrase counts in these events' parameters."""
        if self.count_by is None:
            return len(params_list)
        return len({repr(p.get(self.count_by)) for p in params_list})


MESSAGES: dict[str, Message] = {}


def message(
    kind: str,
    *,
    subject: Render | None = None,
    body: Render | None = None,
    asks_action: bool = False,
    phrase: Phrase | None = None,
    count_by: str | None = None,
    reminder: bool = False,
    label: Any = None,
):
    """Register the inbox line of ``kind`` (decorator), with its e-mail if ``subject`` is given
    (or coalesced with others if ``phrase`` is); ``reminder=True`` makes it snoozable."""

    def register(text: Render) -> Render:
        if kind in MESSAGES:
            raise ValueError(f"message {kind!r} is registered twice")
        if subject is not None and phrase is not None:
            raise ValueError(f"message {kind!r} is e-mailed alone or coalesced, not both")
        MESSAGES[kind] = Message(
            text, subject, body, asks_action, phrase, count_by, reminder, label
        )
        return text

    return register


def actionable_kinds() -> list[str]:
    """The message keys that ask the reader to do something."""
    return sorted(kind for kind, entry in MESSAGES.items() if entry.asks_action)


def reminder_kinds() -> list[str]:
    """The message keys that remind of something due (they can be snoozed)."""
    return sorted(kind for kind, entry in MESSAGES.items() if entry.reminder)
