"""The texts of reminders people can live with: snoozing, escalation, unsubscribing, the weekly
digest, and what each kind of message is called when a person mutes it."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from .. import formats
from .registry import MESSAGES, Params, message

# Combined e-mails, muted like a message kind (``MutedKind.kind``).
ACTIVITY = "activity"  # the coalesced e-mails of a charter's co-writing
DIGEST = "digest"  # the daily or weekly digest

# What each kind of e-mail is called on the unsubscribe page and in the preferences.
KIND_LABELS = {
    ACTIVITY: _l("Activity on a charter being written"),
    DIGEST: _l("Your digest (daily or weekly)"),
    "signature_requested": _l("Requests to sign a charter"),
    "signature_awaited": _l("Requests to sign a charter"),
    "review_invitation": _l("Review invitations and their changes"),
    "review_survey": _l("The satisfaction survey before a review"),
    "review_closed": _l("The minutes of a closed review"),
    "review_before": _l("Reminders of a coming review"),
    "review_overdue": _l("Reminders of an overdue review"),
    "readings_missed_in_a_row": _l("Commitments missed several periods in a row"),
    "action_due_soon": _l("Reminders of an action due soon"),
    "action_overdue": _l("Reminders of an overdue action"),
}


def kind_label(kind: str) -> str:
    """What a kind of e-mail is called for people, in the current locale."""
    label = KIND_LABELS.get(kind)
    if label is None and kind in MESSAGES and MESSAGES[kind].label is not None:
        label = MESSAGES[kind].label
    if label is None:
        return _("Messages of the kind “%(kind)s”", kind=kind)
    return str(label)


def _day(value: str) -> str:
    return formats.day(date.fromisoformat(value))


def _since(value: str) -> str:
    return formats.day(datetime.fromisoformat(value))


# ---------------------------------------------------------------- escalation (administrators)

SNOOZED_TWICE = "snoozed_twice"
PAST_DUE = "past_due"


def _escalated_subject(p: Params) -> str:
    return _("Reminder put off: %(name)s", name=p["name"])


@message("reminder_escalated", subject=_escalated_subject, label=_l("Reminders put off"))
def _reminder_escalated(p: Params) -> str:
    what = MESSAGES[p["what_kind"]].text(p["what_params"])  # in the reader's language
    if p["reason"] == SNOOZED_TWICE:
        return ngettext(
            "%(name)s has put off this reminder %(num)d time since %(when)s: %(what)s",
            "%(name)s has put off this reminder %(num)d times since %(when)s: %(what)s",
            p["snoozes"],
            name=p["name"],
            when=_since(p["since"]),
            what=what,
        )
    return _(
        "%(name)s put off this reminder (first sent on %(when)s) and its date, %(date)s, "
        "has passed: %(what)s",
        name=p["name"],
        when=_since(p["since"]),
        date=_day(p["day"]),
        what=what,
    )


# ---------------------------------------------------------------- in the e-mails


def snooze_line(url: str) -> str:
    """The e-mail line of a reminder that offers to put it off."""
    return _("Put this reminder off for a day or a week: %(url)s", url=url)


def unsubscribe_line(kind: str, url: str) -> str:
    """The last line of every e-mail: one click to stop this kind of e-mail."""
    return _(
        "Stop e-mails of this kind (%(kind)s), without signing in: %(url)s",
        kind=kind_label(kind),
        url=url,
    )


def snoozed_until(until: datetime) -> str:
    return _("Put off until %(when)s.", when=formats.moment(until))


def weekly_subject(count: int) -> str:
    return ngettext(
        "Your week: %(num)d thing to look at", "Your week: %(num)d things to look at", count
    )


WEEKLY_HEADINGS = {
    "due": _l("Due this week:"),
    "reminders": _l("Reminders:"),
    "moved": _l("What moved on your charters:"),
    "prepare": _l("Reviews to prepare:"),
}


def weekly_action(title: str, charter: str, due_on: date) -> str:
    return _(
        "Action “%(action)s” (charter “%(title)s”), due on %(date)s",
        action=title,
        title=charter,
        date=formats.day(due_on),
    )


def weekly_review(charter: str, day: date) -> str:
    return _("Review of “%(title)s” on %(date)s", title=charter, date=formats.day(day))
