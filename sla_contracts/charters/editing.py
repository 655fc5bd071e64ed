"""Merge instead of refuse: an edit of a charter's own fields or of a commitment, merged
with what others saved since the form was opened (the rules: :mod:`sla_contracts.merging`).

A page sends, with the person's values, the values its form was opened with (``base``).
:func:`merge_edit` keeps what others saved meanwhile in the fields this person left alone,
takes the person's value where only they changed a field, and raises :class:`EditConflict`
for a field both changed, naming who changed it, when, and both values. ``overriding`` names
the fields in which the person, shown such a conflict, keeps their own value: the save then
records whose value it replaced (``Overridden``). Without a base (the API), callers keep
strict optimistic locking.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from .. import merging
from ..errors import ConflictError
from ..extensions import db
from ..formats import and_list
from ..models import COMMITMENT_FIELDS, Charter, Commitment, Revision, User
from .measure_fields import MEASURE_FIELDS

CHARTER_FIELDS = ("title", "criterion_id", "review_cadence_months", "term_months")
PREREQ = "prerequisite_ids"  # merged like a field: "3,7", the ids it depends on
# How far back the history is read to find who set a field (only on a conflict).
HISTORY_DEPTH = 100


@dataclass(frozen=True)
class FieldConflict:
    """A field both people changed: the value saved meanwhile (theirs, by whom, when), and mine."""

    field: str
    theirs: str
    mine: str
    by: str | None
    at: datetime | None


@dataclass(frozen=True)
class Overridden:
    """A value someone else saved that this save replaces, the person having seen it."""

    field: str
    value: str
    by: str | None
    at: datetime | None

    def as_data(self) -> dict[str, Any]:
        """For the audit trail."""
        return {"value": self.value, "by": self.by, "at": self.at.isoformat() if self.at else None}


class EditConflict(ConflictError):
    """Fields this person changed were changed by someone else meanwhile; nothing was saved.

    ``conflicts`` names those fields; ``merged`` is what the person's form should show again:
    their entries wherever they changed something, what is saved now elsewhere.
    """

    def __init__(
        self,
        conflicts: dict[str, FieldConflict],
        merged: dict[str, str],
        current: dict[str, str],
        current_lock_version: int,
    ):
        names = sorted({c.by for c in conflicts.values() if c.by})
        if names:
            message = _(
                "%(names)s changed what you changed too, since you opened the form. Nothing of "
                "yours is saved yet and nothing is lost: keep their value, keep yours, or edit.",
                names=and_list(names),
            )
        else:
            message = _(
                "Someone else changed what you changed too, since you opened the form. Nothing "
                "of yours is saved yet and nothing is lost: keep their value, keep yours, or edit."
            )
        super().__init__(
            message,
            details={"current_lock_version": current_lock_version, "conflicts": list(conflicts)},
        )
        self.conflicts = conflicts
        self.merged = merged
        self.current = current


def overriding_data(overridden: list[Overridden]) -> dict[str, Any]:
    """What the audit trail keeps of values replaced knowingly ("keep mine" on a conflict)."""
    return {"overriding": {o.field: o.as_data() for o in overridden}} if overridden else {}


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):  # prerequisite ids: one text, in one order
        return ",".join(str(v) for v in sorted(value))
    return "" if value is None else str(value)


def charter_values(charter: Charter) -> dict[str, str]:
    """The charter's own fields as its edit form shows them."""
    return {name: _text(getattr(charter, name)) for name in CHARTER_FIELDS}


def commitment_values(commitment: Commitment) -> dict[str, str]:
    """The commitment's fields as its edit form shows them (prerequisites as "3,7")."""
    names = (*COMMITMENT_FIELDS, *MEASURE_FIELDS, PREREQ)
    return {name: _text(getattr(commitment, name)) for name in names}


def _in_snapshot(snapshot: dict, field: str, commitment_id: int | None) -> str | None:
    if commitment_id is not None:
        for item in snapshot.get("commitments") or ():
            if item.get("id") == commitment_id:
                return _text(item.get(field)) if field in item else None
        return None
    if field == "criterion_id":
        criterion = snapshot.get("criterion") or {}
        return _text(criterion.get("id")) if "id" in criterion else None
    return _text(snapshot[field]) if field in snapshot else None


def last_set(
    charter_id: int, field: str, value: str, commitment_id: int | None = None
) -> tuple[str | None, datetime] | None:
    """Who gave ``field`` its current ``value``, and when (from the revisions), if known."""
    rows = db.session.execute(
        select(Revision.snapshot, Revision.created_at, User.name)
        .outerjoin(User, User.id == Revision.author_id)
        .where(Revision.charter_id == charter_id)
        .order_by(Revision.number.desc())
        .limit(HISTORY_DEPTH)
    ).all()
    found = None
    for snapshot, at, name in rows:  # newest first: the oldest of the run that has the value
        recorded = _in_snapshot(snapshot or {}, field, commitment_id)
        if recorded is None or not merging.same_text(recorded, value):
            break
        found = (name, at)
    return found


def last_saver(charter: Charter, commitment: Commitment | None) -> tuple[str | None, datetime]:
    """Who saved last (when the history does not say who set a field)."""
    if commitment is not None:
        name = commitment.updated_by.name if commitment.updated_by else None
        return name, commitment.updated_at
    user = (
        db.session.get(User, charter.last_activity_by_id) if charter.last_activity_by_id else None
    )
    return (user.name if user else None), charter.updated_at


def who_set(
    charter: Charter, commitment: Commitment | None, field: str, value: str
) -> tuple[str | None, datetime | None]:
    """Who set ``field`` to its current ``value`` and when: the history, else the last saver."""
    cid = commitment.id if commitment is not None else None
    return last_set(charter.id, field, value, cid) or last_saver(charter, commitment)


def conflicts_between(
    charter: Charter,
    commitment: Commitment | None,
    current: Mapping[str, str],
    mine: Mapping[str, str],
    fields: Collection[str],
) -> dict[str, FieldConflict]:
    """Describe the conflicting ``fields``: both values, who set theirs and when."""
    described = {}
    for name in fields:
        by, at = who_set(charter, commitment, name, current[name])
        described[name] = FieldConflict(name, current[name], mine[name], by, at)
    return described


def merge_edit(
    charter: Charter,
    commitment: Commitment | None,
    sent: Mapping[str, Any],
    base: Mapping[str, Any],
    overriding: Collection[str] = (),
    *,
    current_lock_version: int,
) -> tuple[dict[str, Any], list[Overridden]]:
    """Return the fields to write (typed as sent) and the values they replace knowingly.

    Raise :class:`EditConflict` if a field changed here was changed by someone else since
    the form was opened with ``base``. Load what is saved now (under the row lock) first.
    """
    current = commitment_values(commitment) if commitment else charter_values(charter)
    mine = {name: _text(value) for name, value in sent.items()}
    seen = {name: _text(base[name]) for name in mine if name in base}
    merged, clashes = merging.merge(mine, seen, current)
    if clashes:
        raise EditConflict(
            conflicts_between(charter, commitment, current, mine, clashes),
            merged={**current, **merged},
            current=current,
            current_lock_version=current_lock_version,
        )
    write = {n: sent[n] for n in sent if not merging.same_text(merged[n], current[n])}
    overridden = [
        Overridden(name, current[name], *who_set(charter, commitment, name, current[name]))
        for name in overriding
        if name in write
    ]
    return write, overridden
