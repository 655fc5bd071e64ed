"""Turn stored audit events into readable, translated text.

The stored ``data`` of an event is hashed into the chain and stays as it was written (English
keys, ids, lists); this module only reads it and says it in the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from .. import formats
from ..extensions import db
from ..labels import decision_label, field_label, signature_method_label
from ..models import AuditEvent, Department, User

ACTION_LABELS = {
    "created": _l("Created"),
    "edited": _l("Edited"),
    "submitted": _l("Submitted for signature"),
    "signed": _l("Signed"),
    "signature_refused": _l("Signature refused"),
    "voided": _l("Version voided"),
    "activated": _l("In force (both signed)"),
    "pdf_stored": _l("Signed PDF stored"),
    "amended": _l("Amendment opened"),
    "ended": _l("Ended"),
    "renewal_opened": _l("Renewal opened"),
    "renewed": _l("Renewed (new term in force)"),
    "expired": _l("Expired (not renewed by its end)"),
    "exported": _l("Exported"),
    "share_created": _l("Share link created"),
    "share_revoked": _l("Share link revoked"),
    "share_downloaded": _l("Downloaded through a share link"),
    "review_scheduled": _l("Review meeting scheduled"),
    "review_rescheduled": _l("Review meeting moved"),
    "review_meeting_cancelled": _l("Review meeting cancelled"),
    "review_saved": _l("Review saved"),
    "review_closed": _l("Review closed"),
    "review_cancelled": _l("Review cancelled: the charter ended"),
    "action_done": _l("Action item done"),
    "action_updated": _l("Action item updated at a review"),
    "readings_entered": _l("Readings entered"),
    "criterion_readings_entered": _l("Criterion values entered"),
}

# Technical keys a reader has no use for (they stay in the stored, hashed data).
HIDDEN_KEYS = {"sequence", "uid", "lock_version"}


def _kind(event: AuditEvent) -> str:
    """The action as a reader names it (a share link's creation was stored as an export)."""
    data = event.data or {}
    if event.action == "exported" and data.get("via") == "share_link":
        return "share_created"
    return event.action


def event_label(event: AuditEvent) -> str:
    """The translated name of what happened."""
    kind = _kind(event)
    return str(ACTION_LABELS.get(kind, kind.replace("_", " ")))


@dataclass
class Names:
    departments: dict[int, str]
    users: dict[int, str]

    def department(self, value: Any) -> str:
        return self.departments.get(value, _("department #%(id)s", id=value))

    def user(self, value: Any) -> str:
        return self.users.get(value, _("person #%(id)s", id=value))


def _load_names(events: Iterable[AuditEvent]) -> Names:
    department_ids: set[int] = set()
    user_ids: set[int] = set()
    for event in events:
        data = event.data or {}
        if isinstance(data.get("department_id"), int):
            department_ids.add(data["department_id"])
        for user_id in data.get("signatures_voided") or []:
            if isinstance(user_id, int):
                user_ids.add(user_id)
    departments = (
        dict(
            db.session.execute(
                select(Department.id, Department.name).where(Department.id.in_(department_ids))
            ).all()
        )
        if department_ids
        else {}
    )
    users = (
        dict(db.session.execute(select(User.id, User.name).where(User.id.in_(user_ids))).all())
        if user_ids
        else {}
    )
    return Names(departments, users)


def _short(value: Any) -> str:
    text = str(value)
    return f"{text[:12]}…" if len(text) > 16 else text


def _plain(value: Any) -> str:
    """A stored value as text; a number in the reader's format (a target of 82.5: "82,5")."""
    return formats.number(value, decimals=6) if isinstance(value, float) else str(value)


def _join(values: Any) -> str:
    if isinstance(values, list | tuple):
        return ", ".join(_plain(v) for v in values)
    return _plain(values)


def _fields(values: Any) -> str:
    names = values if isinstance(values, list | tuple) else str(values).split(",")
    return ", ".join(field_label(str(n).strip()) for n in names if str(n).strip())


def _when(value: Any) -> str:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        return formats.day(moment.date())
    return formats.moment(moment)


def _day(value: Any) -> str:
    try:
        return formats.day(date.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def _version(value: Any) -> str | None:
    return _("version %(number)s", number=value) if value is not None else None


def _void_reason(value: Any) -> str:
    reasons = {
        "edited": _("the charter was changed after it was submitted"),
        "ended": _("the charter was ended"),
    }
    return _("why: %(reason)s", reason=reasons.get(value, value))


def _refusal_reason(value: Any) -> str:
    reasons = {"wrong_password": _("wrong password")}
    return _("why: %(reason)s", reason=reasons.get(value, value))


NEGOTIATION_CHANGES = {
    ("expectation", "added"): _l("expectation added"),
    ("expectation", "updated"): _l("expectation reworded"),
    ("expectation", "answered"): _l("expectation answered"),
    ("expectation", "declined"): _l("expectation declined"),
    ("expectation", "withdrawn"): _l("expectation withdrawn"),
    ("proposal", "proposed"): _l("change proposed"),
    ("proposal", "accepted"): _l("proposed change accepted"),
    ("proposal", "rejected"): _l("proposed change rejected"),
    ("commitment", "agreed"): _l("commitment agreed"),
    ("commitment", "disagreed"): _l("agreement withdrawn"),
}


def _change(value: Any, event: AuditEvent) -> str:
    data = event.data or {}
    known = NEGOTIATION_CHANGES.get((event.object_type, value))
    if known is not None:
        return str(known)
    if value == "added":
        return _("commitment added")
    if value == "removed":
        return _("commitment removed")
    if data.get("fields") and event.object_type != "proposal":
        return _("commitment changed: %(fields)s", fields=_fields(data["fields"]))
    return _("commitment changed")


def _decision(value: Any) -> str:
    try:
        return _("decision: %(decision)s", decision=decision_label(value))
    except ValueError:
        return _("decision: %(decision)s", decision=value)


Formatter = Callable[[Any, AuditEvent, Names], "str | None"]

# One formatter per stored key, in the order the details are read.
FORMATTERS: dict[str, Formatter] = {
    "title": lambda v, e, n: _("title: %(title)s", title=v),
    "change": lambda v, e, n: _change(v, e),
    "as_admin": lambda v, e, n: _("by an administrator, for the side") if v else None,
    "fields": lambda v, e, n: (
        None if (e.data or {}).get("change") else _("fields changed: %(fields)s", fields=_fields(v))
    ),
    "version": lambda v, e, n: _version(v),
    "department_id": lambda v, e, n: _("for %(dept)s", dept=n.department(v)),
    "supersedes": lambda v, e, n: _("replaces version %(number)s", number=v),
    "version_in_force": lambda v, e, n: _("version %(number)s stays in force", number=v),
    "reason": lambda v, e, n: (
        _void_reason(v)
        if e.action == "voided"
        else _refusal_reason(v)
        if e.action == "signature_refused"
        else _("reason: %(reason)s", reason=v)
    ),
    "signatures_voided": lambda v, e, n: _(
        "signatures voided: %(names)s", names=", ".join(n.user(u) for u in v)
    ),
    "comments_left_open": lambda v, e, n: ngettext(
        "%(num)d comment left open", "%(num)d comments left open", int(v)
    ),
    "via": lambda v, e, n: (
        None
        if v == "share_link"
        else _("downloaded from the app")
        if v == "download"
        else _("through: %(via)s", via=v)
    ),
    "days": lambda v, e, n: ngettext("%(num)d day", "%(num)d days", int(v)),
    "signed": lambda v, e, n: None if v else _("unsigned copy"),
    "link_id": lambda v, e, n: _("share link #%(id)s", id=v),
    "at": lambda v, e, n: _("meeting on %(date)s", date=_when(v)),
    "decision": lambda v, e, n: _decision(v),
    "next_review_on": lambda v, e, n: _("next review on %(date)s", date=_day(v)),
    "fingerprint": lambda v, e, n: _("fingerprint %(value)s", value=_short(v)),
    "pdf_sha256": lambda v, e, n: _("PDF SHA-256 %(value)s", value=_short(v)),
    "ip": lambda v, e, n: _("from address %(ip)s", ip=v),
    "method": lambda v, e, n: _("re-authentication: %(method)s", method=signature_method_label(v)),
    "valid_until": lambda v, e, n: _("in force until %(date)s", date=_day(v)),
    # Readings entered: how many values were new, how many corrected (none: not said).
    "created": lambda v, e, n: (
        ngettext("%(num)d value entered", "%(num)d values entered", int(v)) if v else None
    ),
    "updated": lambda v, e, n: (
        ngettext("%(num)d value corrected", "%(num)d values corrected", int(v)) if v else None
    ),
}


def _details(event: AuditEvent, names: Names) -> list[str]:
    data = event.data or {}
    if event.action == "signed" and "method" not in data:
        data = {**data, "method": "password"}  # signed before methods were recorded
    parts: list[str] = []
    for key, formatter in FORMATTERS.items():
        value = data.get(key)
        if value is None or value == [] or value == "":
            continue
        try:
            text = formatter(value, event, names)
        except (TypeError, ValueError):
            text = f"{field_label(key)}: {_join(value)}"
        if text:
            parts.append(text)
    for key in sorted(set(data) - set(FORMATTERS) - HIDDEN_KEYS):
        value = data[key]
        if value is None or value == [] or value == "":
            continue
        if isinstance(value, dict):
            value = ", ".join(f"{field_label(k)}: {_join(v)}" for k, v in sorted(value.items()))
        parts.append(f"{field_label(key)}: {_join(value)}")
    return parts


def describe_events(events: list[AuditEvent]) -> dict[int, list[str]]:
    """Readable details of each event, keyed by event id (names loaded in two queries)."""
    names = _load_names(events)
    return {event.id: _details(event, names) for event in events}
