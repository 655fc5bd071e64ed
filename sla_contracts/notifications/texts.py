"""The message texts: one registry from a message key (``kind``) to its inbox line and e-mail.

A notification stores its key and locale-neutral parameters (names, ids, numbers, ISO dates
and datetimes); the functions here turn them into words in the current locale, so the
caller chooses the language (the reader's page, or ``force_locale`` for an e-mail).

To add a message: register a function returning the inbox line with ``@message`` (see
``notifications.registry`` for its options: ``subject``, ``body``, ``asks_action``,
``reminder``); new messages go in a module of their own (``texts_reminders``).

A message of a charter's co-writing gives a ``phrase`` instead of a subject: it is e-mailed
coalesced (``notifications.combined``), one e-mail per person per charter at most every 15
minutes, whose summary counts what each person did with these phrases ("changed 2
commitments"); ``count_by`` names the parameter whose distinct values are counted (the same
commitment changed three times is one commitment changed), else each event counts.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from .. import formats
from ..labels import decision_label
from . import texts_reminders  # noqa: F401  (registers the reminders' own messages)
from .registry import MESSAGES, Message, Params, actionable_kinds, message, reminder_kinds

log = logging.getLogger(__name__)

__all__ = ["MESSAGES", "Message", "actionable_kinds", "message", "reminder_kinds"]

# An inbox row written before messages were stored as key + parameters keeps its old text here.
LEGACY_TEXT = "legacy_text"


def render_text(kind: str, params: Params) -> str:
    """The inbox line of a stored message in the current locale (old rows: their old text)."""
    if LEGACY_TEXT in params:
        return str(params[LEGACY_TEXT])
    entry = MESSAGES.get(kind)
    try:
        if entry is not None:
            return entry.text(params)
    except (KeyError, TypeError, ValueError):
        log.warning("cannot render message %r with %r", kind, params, exc_info=True)
    return kind


def activity(events: Iterable[Any]) -> list[tuple[str, str]]:
    """Who did what among co-writing events (rows with ``kind`` and ``params``), in the current
    locale: per person, in the order they first acted, their counted actions joined
    ("changed 2 commitments and answered 1 expectation"). Other kinds are left out."""
    by_actor: dict[str, dict[str, list[Params]]] = {}
    for event in events:
        entry = MESSAGES.get(event.kind)
        if entry is None or not entry.coalesces:
            continue
        params = event.params or {}
        by_actor.setdefault(params.get("name", ""), {}).setdefault(event.kind, []).append(params)
    return [
        (
            name,
            formats.and_list(MESSAGES[k].phrase(MESSAGES[k].count(ps)) for k, ps in kinds.items()),
        )
        for name, kinds in by_actor.items()
    ]


def activity_lines(events: Iterable[Any]) -> list[str]:
    """``activity`` as sentences without the charter ("Hélène Marchand changed 2 commitments")."""
    return [
        _("%(name)s %(actions)s", name=name, actions=actions) for name, actions in activity(events)
    ]


def render_email(kind: str, params: Params) -> tuple[str, str] | None:
    """(subject, first paragraph) of the e-mail of ``kind`` in the current locale, or None."""
    entry = MESSAGES[kind]
    if entry.subject is None:
        return None
    return entry.subject(params), (entry.body or entry.text)(params)


# ---------------------------------------------------------------- formatting for the reader


def _day(value: str) -> str:
    return formats.day(date.fromisoformat(value))


def _when(value: str) -> str:
    """A moment stored as ISO text, as the reader reads it (see ``formats.when``)."""
    return formats.when(datetime.fromisoformat(value))


# ---------------------------------------------------------------- done: what the request came to

# How a request was done (``Notification.done_reason``): a line by whom and on which day.
SIGNED = "signed"
VOIDED = "voided"
ANSWERED = "answered"


def render_done(reason: str | None, by: str | None, done_at: datetime) -> str:
    """The line under a done message: "Done — signed by Thomas Garnier on 1 March 2027"."""
    day = formats.day(done_at, "long")
    if reason == VOIDED:
        if by:
            return _(
                "Nothing left to sign — %(name)s withdrew the version on %(day)s",
                name=by,
                day=day,
            )
        return _("Nothing left to sign — the version was withdrawn on %(day)s", day=day)
    if reason == ANSWERED:
        return _("Done — answered on %(day)s", day=day)
    if by:
        return _("Done — signed by %(name)s on %(day)s", name=by, day=day)
    return _("Done on %(day)s", day=day)


# ---------------------------------------------------------------- signing


def _signature_subject(p: Params) -> str:
    return _("Signature requested: “%(title)s”", title=p["title"])


@message("signature_requested", subject=_signature_subject, asks_action=True)
def _signature_requested(p: Params) -> str:
    return _(
        "%(name)s submitted version %(number)d of “%(title)s” for signature.",
        name=p["name"],
        number=p["number"],
        title=p["title"],
    )


@message("signature_awaited", subject=_signature_subject, asks_action=True)
def _signature_awaited(p: Params) -> str:
    return _(
        "%(name)s signed version %(number)d of “%(title)s” for %(dept)s: "
        "your signature is awaited.",
        name=p["name"],
        number=p["number"],
        title=p["title"],
        dept=p["dept"],
    )


@message("charter_active")
def _charter_active(p: Params) -> str:
    return _(
        "%(name)s signed “%(title)s”: both sides have signed version %(number)d, "
        "which is now in force.",
        name=p["name"],
        number=p["number"],
        title=p["title"],
    )


@message("amendment_opened")
def _amendment_opened(p: Params) -> str:
    return _(
        "%(name)s opened an amendment of “%(title)s”. The signed version stays in force "
        "until the amendment is signed.",
        name=p["name"],
        title=p["title"],
    )


@message("charter_ended")
def _charter_ended(p: Params) -> str:
    return _("%(name)s ended “%(title)s”: %(reason)s", **p)


@message("signature_voided")
def _signature_voided(p: Params) -> str:
    return _(
        "%(name)s changed “%(title)s” after you signed version %(number)d: your "
        "signature no longer counts. You will be asked to sign the new version.",
        name=p["name"],
        title=p["title"],
        number=p["number"],
    )


# ---------------------------------------------------------------- review meetings

# ``change`` of a review_invitation: what happened to the meeting for this reader.
INVITED, MOVED, CANCELLED, REMOVED = "invited", "moved", "cancelled", "removed"


def _invitation_subject(p: Params) -> str:
    title = p["title"]
    change = p["change"]
    if change == REMOVED:
        return _("Removed from the meeting: review of “%(title)s”", title=title)
    if change == CANCELLED:
        return _("Cancelled: review of “%(title)s”", title=title)
    if change == MOVED:
        return _("Updated: review of “%(title)s”", title=title)
    return _("Invitation: review of “%(title)s”", title=title)


def _invitation_body(p: Params) -> str:
    lines = [_review_invitation(p)]
    if p["change"] in (INVITED, MOVED):
        if p.get("place"):
            lines.append(_("Place: %(place)s", place=p["place"]))
        if p.get("video_link"):
            lines.append(_("Video link: %(link)s", link=p["video_link"]))
        lines.append(
            _("Attendees: %(names)s", names=", ".join(formats.collate(p.get("attendees", []))))
        )
        lines.append(_("The calendar invitation is attached. The review page:"))
    return "\n".join(lines)


@message("review_invitation", subject=_invitation_subject, body=_invitation_body)
def _review_invitation(p: Params) -> str:
    title, when, change = p["title"], _when(p["when"]), p["change"]
    if change == REMOVED:
        return _(
            "You were removed from the attendees of the review meeting of “%(title)s” on %(when)s.",
            title=title,
            when=when,
        )
    if change == CANCELLED:
        return _(
            "The review meeting of “%(title)s” on %(when)s is cancelled.", title=title, when=when
        )
    if change == MOVED:
        return _("The review meeting of “%(title)s” moved: %(when)s.", title=title, when=when)
    return _(
        "You are invited to the review meeting of “%(title)s” on %(when)s.",
        title=title,
        when=when,
    )


@message(
    "review_survey",
    subject=lambda p: _(
        "Before the review of “%(title)s”: how well does %(dept)s serve you?",
        title=p["title"],
        dept=p["rated"],
    ),
    body=lambda p: (
        _review_survey(p)
        + "\n"
        + _(
            "Your answer stays hidden from %(dept)s until the review starts. Answer here:",
            dept=p["rated"],
        )
    ),
    asks_action=True,
)
def _review_survey(p: Params) -> str:
    return _(
        "Before the review of “%(title)s”, rate %(dept)s from 1 to 5 and name one irritant if "
        "you have one.",
        title=p["title"],
        dept=p["rated"],
    )


def _closed_body(p: Params) -> str:
    decision = decision_label(p.get("decision"))
    return _(
        "The review of “%(title)s” is closed. Decision: %(decision)s.",
        title=p["title"],
        decision=str(decision),
    )


@message(
    "review_closed",
    subject=lambda p: _("Minutes: review of “%(title)s”", title=p["title"]),
    body=_closed_body,
)
def _review_closed(p: Params) -> str:
    return _("The review of “%(title)s” is closed; the minutes are ready.", title=p["title"])


# ---------------------------------------------------------------- reminders (the daily job)


@message(
    "review_before",
    reminder=True,
    subject=lambda p: _("Reminder: review of “%(title)s”", title=p["title"]),
)
def _review_before(p: Params) -> str:
    if p["days"] == 0:
        return _("The review of “%(title)s” is today.", title=p["title"])
    return ngettext(
        "The review of “%(title)s” is due on %(date)s (in %(num)d day).",
        "The review of “%(title)s” is due on %(date)s (in %(num)d days).",
        p["days"],
        title=p["title"],
        date=_day(p["day"]),
    )


@message(
    "review_overdue",
    reminder=True,
    subject=lambda p: _("Overdue: review of “%(title)s”", title=p["title"]),
)
def _review_overdue(p: Params) -> str:
    return _(
        "The review of “%(title)s” was due on %(date)s and is not closed yet. Schedule or hold it.",
        title=p["title"],
        date=_day(p["day"]),
    )


@message(
    "readings_missed_in_a_row",
    subject=lambda p: _("Missed twice in a row: %(commitment)s", commitment=p["commitment"]),
)
def _readings_missed_in_a_row(p: Params) -> str:
    return ngettext(
        "“%(commitment)s” (charter “%(title)s”) missed its target %(num)d period in a row, "
        "since %(period)s.",
        "“%(commitment)s” (charter “%(title)s”) missed its target %(num)d periods in a row, "
        "since %(period)s.",
        p["count"],
        commitment=p["commitment"],
        title=p["title"],
        period=formats.period(p["since"]),
    )


@message(
    "action_due_soon",
    reminder=True,
    subject=lambda p: _("Action due soon: %(action)s", action=p["action"]),
)
def _action_due_soon(p: Params) -> str:
    return _(
        "The action “%(action)s” (charter “%(title)s”) is due on %(date)s.",
        action=p["action"],
        title=p["title"],
        date=_day(p["day"]),
    )


@message(
    "action_overdue",
    reminder=True,
    subject=lambda p: _("Overdue action: %(action)s", action=p["action"]),
)
def _action_overdue(p: Params) -> str:
    return _(
        "The action “%(action)s” (charter “%(title)s”) was due on %(date)s and is still open.",
        action=p["action"],
        title=p["title"],
        date=_day(p["day"]),
    )


# ---------------------------------------------------------------- co-writing a charter
#
# Every one is about a charter: ``notify(..., obj=("charter", id))`` with ``name`` (who acted)
# and ``title`` (the charter's); the e-mail is the coalesced one of ``notifications.combined``.


def _quoted(text: str, limit: int = 120) -> str:
    """A user's text cut for a one-line message ("Livrer les magasins avant 7 h…")."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@message("draft_opened", phrase=lambda n: _("opened the draft"))
def _draft_opened(p: Params) -> str:
    return _(
        "%(name)s opened a draft charter with your department: “%(title)s”.",
        name=p["name"],
        title=p["title"],
    )


@message(
    "expectation_added",
    phrase=lambda n: ngettext("added %(num)d expectation", "added %(num)d expectations", n),
)
def _expectation_added(p: Params) -> str:
    return _(
        "%(name)s stated what %(dept)s expects of your department on “%(title)s”: "
        "“%(expectation)s”.",
        name=p["name"],
        dept=p["dept"],
        title=p["title"],
        expectation=_quoted(p["expectation"]),
    )


@message(
    "expectation_answered",
    phrase=lambda n: ngettext("answered %(num)d expectation", "answered %(num)d expectations", n),
    count_by="expectation_id",
)
def _expectation_answered(p: Params) -> str:
    return _(
        "%(name)s answered the expectation “%(expectation)s” on “%(title)s”.",
        name=p["name"],
        expectation=_quoted(p["expectation"]),
        title=p["title"],
    )


@message(
    "expectation_declined",
    phrase=lambda n: ngettext("declined %(num)d expectation", "declined %(num)d expectations", n),
    count_by="expectation_id",
)
def _expectation_declined(p: Params) -> str:
    return _(
        "%(name)s declined the expectation “%(expectation)s” on “%(title)s”: %(reason)s",
        name=p["name"],
        expectation=_quoted(p["expectation"]),
        title=p["title"],
        reason=p["reason"],
    )


@message(
    "commitment_added",
    phrase=lambda n: ngettext("added %(num)d commitment", "added %(num)d commitments", n),
)
def _commitment_added(p: Params) -> str:
    return _(
        "%(name)s added the commitment “%(commitment)s” on “%(title)s”.",
        name=p["name"],
        commitment=p["commitment"],
        title=p["title"],
    )


@message(
    "commitment_changed",
    phrase=lambda n: ngettext("changed %(num)d commitment", "changed %(num)d commitments", n),
    count_by="commitment_id",
)
def _commitment_changed(p: Params) -> str:
    return _(
        "%(name)s changed the commitment “%(commitment)s” on “%(title)s”.",
        name=p["name"],
        commitment=p["commitment"],
        title=p["title"],
    )


@message(
    "proposal_made",
    phrase=lambda n: ngettext(
        "proposed %(num)d change to your commitments",
        "proposed %(num)d changes to your commitments",
        n,
    ),
)
def _proposal_made(p: Params) -> str:
    return _(
        "%(name)s proposed a change to your commitment “%(commitment)s” on “%(title)s”.",
        name=p["name"],
        commitment=p["commitment"],
        title=p["title"],
    )


@message(
    "proposal_accepted",
    phrase=lambda n: ngettext("accepted %(num)d proposal", "accepted %(num)d proposals", n),
)
def _proposal_accepted(p: Params) -> str:
    return _(
        "%(name)s accepted the proposed change to the commitment “%(commitment)s” on “%(title)s”.",
        name=p["name"],
        commitment=p["commitment"],
        title=p["title"],
    )


@message(
    "proposal_rejected",
    phrase=lambda n: ngettext("rejected %(num)d proposal", "rejected %(num)d proposals", n),
)
def _proposal_rejected(p: Params) -> str:
    return _(
        "%(name)s rejected the proposed change to the commitment “%(commitment)s” "
        "on “%(title)s”: %(reason)s",
        name=p["name"],
        commitment=p["commitment"],
        title=p["title"],
        reason=p["reason"],
    )


@message(
    "comment_posted",
    phrase=lambda n: ngettext("wrote %(num)d comment", "wrote %(num)d comments", n),
)
def _comment_posted(p: Params) -> str:
    return _(
        "%(name)s commented on “%(title)s”: “%(excerpt)s”",
        name=p["name"],
        title=p["title"],
        excerpt=_quoted(p["excerpt"]),
    )


@message(
    "mentioned",
    phrase=lambda n: ngettext("mentioned you", "mentioned you %(num)d times", n),
)
def _mentioned(p: Params) -> str:
    return _(
        "%(name)s mentioned you in a comment on “%(title)s”: “%(excerpt)s”",
        name=p["name"],
        title=p["title"],
        excerpt=_quoted(p["excerpt"]),
    )


@message(
    "ready_to_submit",
    phrase=lambda n: _("agreed the last open point: everything is agreed, ready to submit"),
)
def _ready_to_submit(p: Params) -> str:
    return _(
        "Everything is agreed on “%(title)s” (%(name)s agreed the last open point): "
        "it is ready to submit.",
        name=p["name"],
        title=p["title"],
    )
