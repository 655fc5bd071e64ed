"""The charter and commitment edit forms' side of the merge (service: :mod:`.editing`).

Each form carries, in its hidden ``base`` input, a signed copy of the values it was opened
with (``merging.sign``): a stale form then merges with what others saved instead of being
refused. A signed copy rather than the revision number the form was opened at: it says
exactly what the person saw, field by field, without reading the history (a charter made
before revisions carried full snapshots has none to read), and it cannot be forged.

On a conflict the form is shown again with the person's entries, what others saved elsewhere,
and a new base: what is saved now, plus the names of the fields in conflict. The person then
keeps theirs ("resolve=theirs": those fields take what is saved), keeps their own or edits
(the form as it is: those fields, if they differ from what is saved, are recorded as
overriding it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from .. import merging
from ..errors import ConflictError
from ..extensions import db
from ..formats import and_list
from ..labels import cadence_label, term_label
from ..models import Charter, Commitment, CustomerCriterion
from . import editing

SALT = "charter-edit-base"


@dataclass(frozen=True)
class Opened:
    """What the form was opened with: the base values and the fields shown in conflict."""

    base: dict[str, str]
    conflicts: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ConflictRow:
    """One field of the conflict screen: who changed it, when, and both values marked."""

    field: str
    by: str | None
    at: datetime | None
    theirs: list[merging.Segment]
    mine: list[merging.Segment]


def _key(charter: Charter, commitment: Commitment | None) -> str:
    return f"commitment:{commitment.id}" if commitment else f"charter:{charter.id}"


def _values(charter: Charter, commitment: Commitment | None) -> dict[str, str]:
    return editing.commitment_values(commitment) if commitment else editing.charter_values(charter)


def token(
    charter: Charter, commitment: Commitment | None = None, conflicts: list[str] | None = None
) -> str:
    """The signed base of a form showing what is saved now (and the fields in conflict)."""
    values = _values(charter, commitment)
    return merging.sign(
        SALT, _key(charter, commitment), {"base": values, "conflicts": conflicts or []}
    )


def read(charter: Charter, commitment: Commitment | None, raw: str | None) -> Opened | None:
    """What the posted form was opened with (None if absent, forged or for another object)."""
    data = merging.unsign(SALT, _key(charter, commitment), raw)
    if data is None or not isinstance(data.get("base"), dict):
        return None
    conflicts = [str(name) for name in data.get("conflicts") or () if name in data["base"]]
    return Opened(base={k: str(v) for k, v in data["base"].items()}, conflicts=conflicts)


def _set(form: Any, name: str, value: str) -> None:
    target = getattr(form, name)
    if name == editing.PREREQ:  # several boxes, merged as "3,7"
        target.data = [int(i) for i in value.split(",") if i.isdigit()]
    else:
        target.data = getattr(target, "coerce", str)(value)
    target.raw_data = None


def resolve(form: Any, opened: Opened | None, choice: str | None) -> list[str]:
    """Apply "keep theirs" to the form; return the fields a save would knowingly override."""
    if opened is None:
        return []
    if choice == "theirs":
        for name in opened.conflicts:
            _set(form, name, opened.base[name])
        return []
    return list(opened.conflicts)  # keep mine, or edit: what is in the form


def _shown(name: str, value: str) -> str:
    if name == "criterion_id" and value.isdigit():
        criterion = db.session.get(CustomerCriterion, int(value))
        return criterion.name if criterion else value
    if name == "review_cadence_months" and value.isdigit():
        return cadence_label(int(value))
    if name == "term_months" and value.isdigit():
        return term_label(int(value))
    if name == editing.PREREQ:
        ids = [int(i) for i in value.split(",") if i.isdigit()]
        titles = {
            c.id: c.title
            for c in db.session.scalars(select(Commitment).where(Commitment.id.in_(ids)))
        }
        return and_list([titles.get(i, str(i)) for i in ids]) if ids else "—"
    return value


def show_conflict(
    form: Any,
    charter: Charter,
    commitment: Commitment | None,
    error: ConflictError,
    sent: Mapping[str, Any],
) -> list[ConflictRow]:
    """Put the merged values and a new base in the form; return the conflict screen's rows.

    A form that came without a base (a page from before merging) had every difference from
    what is saved count as a conflict.
    """
    if isinstance(error, editing.EditConflict):
        conflicts, merged = error.conflicts, error.merged
    else:
        current = _values(charter, commitment)
        mine = {name: "" if value is None else str(value) for name, value in sent.items()}
        differing = [n for n in mine if not merging.same_text(mine[n], current[n])]
        conflicts = editing.conflicts_between(charter, commitment, current, mine, differing)
        merged = {**current, **mine}
    for name, value in merged.items():
        _set(form, name, value)
    form.base.data = token(charter, commitment, list(conflicts))
    form.lock_version.raw_data = None
    form.lock_version.data = commitment.lock_version if commitment else charter.lock_version
    rows = []
    for name, conflict in conflicts.items():
        theirs, mine_ = merging.highlight(
            _shown(name, conflict.theirs), _shown(name, conflict.mine)
        )
        rows.append(ConflictRow(name, conflict.by, conflict.at, theirs, mine_))
    return rows
