"""What a commitment depends on: the other side's commitments of the same charter.

"We deliver within 48 h provided orders arrive before 14:00": the delivery commitment names
the ordering one as its prerequisite. Only commitments the other side provides in the same
charter qualify, never the commitment itself, and two commitments cannot each wait for the
other. A change of prerequisites is a change of the commitment like any other: it goes through
``operations.update_commitment`` (merge, revision, audit, the other side's agreement cleared).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import ValidationError
from ..extensions import db
from ..models import Charter, Commitment, commitment_prerequisites

FIELD = "prerequisite_ids"


def candidates(charter: Charter, provider_department_id: int) -> list[Commitment]:
    """The commitments a commitment of ``provider_department_id`` may depend on, in order."""
    other = charter.other_department_id(provider_department_id)
    return sorted(charter.commitments_by(other), key=lambda c: (c.position, c.id))


def clean(
    charter: Charter, provider_department_id: int, raw: Any, commitment: Commitment | None = None
) -> list[int]:
    """Check the ids a commitment would depend on; return them sorted, without repeats."""
    if raw is None:
        return []
    if isinstance(raw, str):  # as the merge writes them: "3,7"
        parts = [part.strip() for part in raw.split(",") if part.strip()]
        raw = [int(part) if part.isdigit() else part for part in parts]
    if not isinstance(raw, list | tuple) or any(
        isinstance(i, bool) or not isinstance(i, int) for i in raw
    ):
        raise ValidationError(_("Give the prerequisites as a list of commitment ids."), field=FIELD)
    allowed = {c.id: c for c in candidates(charter, provider_department_id)}
    for cid in raw:
        if commitment is not None and cid == commitment.id:
            raise ValidationError(_("A commitment cannot depend on itself."), field=FIELD)
        if cid not in allowed:
            raise ValidationError(
                _(
                    "A commitment depends only on commitments the other department provides "
                    "in this charter."
                ),
                field=FIELD,
                details={"commitment_id": cid},
            )
        if commitment is not None and commitment.id in allowed[cid].prerequisite_ids:
            raise ValidationError(
                _(
                    "“%(title)s” already depends on this commitment: two commitments cannot "
                    "each wait for the other.",
                    title=allowed[cid].title,
                ),
                field=FIELD,
                details={"commitment_id": cid},
            )
    return sorted(set(raw))


def replace(commitment: Commitment, ids: list[int]) -> None:
    """Make ``commitment`` depend on exactly the (checked) commitments ``ids``."""
    by_id = {c.id: c for c in commitment.charter.commitments}
    commitment.prerequisites = [by_id[i] for i in ids]


def forget(commitment: Commitment) -> None:
    """Before removing ``commitment``: the commitments that depended on it no longer do."""
    for dependent in list(commitment.dependents):
        dependent.prerequisites.remove(commitment)


def ids_by_commitment(commitment_ids: list[int]) -> dict[int, list[int]]:
    """Each commitment's prerequisite ids (sorted), in one statement (for snapshots)."""
    if not commitment_ids:
        return {}
    table = commitment_prerequisites
    found: dict[int, list[int]] = {cid: [] for cid in commitment_ids}
    rows = db.session.execute(
        select(table.c.commitment_id, table.c.prerequisite_id)
        .where(table.c.commitment_id.in_(commitment_ids))
        .order_by(table.c.commitment_id, table.c.prerequisite_id)
    )
    for cid, pid in rows:
        found[cid].append(pid)
    return found
