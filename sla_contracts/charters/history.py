"""A charter's content as plain data, its numbered revisions, and field-by-field diffs.

Revisions (every saved change to a draft) and signed versions both store ``snapshot()``;
``diff_snapshots`` compares any two of them for the history and version pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from ..extensions import db
from ..models import COMMITMENT_FIELDS, Charter, Revision, User
from .prerequisites import ids_by_commitment


def snapshot(charter: Charter) -> dict[str, Any]:
    """Return the charter's content as plain data (for revisions and versions)."""
    depends = ids_by_commitment([c.id for c in charter.commitments])
    return {
        "title": charter.title,
        "department_a": {
            "id": charter.department_a_id,
            "name": charter.department_a.name,
            "code": charter.department_a.code,
        },
        "department_b": {
            "id": charter.department_b_id,
            "name": charter.department_b.name,
            "code": charter.department_b.code,
        },
        "criterion": {
            "id": charter.criterion_id,
            "name": charter.criterion.name,
            "definition": charter.criterion.definition,
            "unit": charter.criterion.unit,
            "direction": charter.criterion.direction.value,
            "target": charter.criterion.target,
        },
        "review_cadence_months": charter.review_cadence_months,
        "term_months": charter.term_months,
        "commitments": [
            {
                "id": c.id,
                "provider_department_id": c.provider_department_id,
                "position": c.position,
                **{name: getattr(c, name) for name in COMMITMENT_FIELDS},
                # The other side's commitments it depends on (ids of this snapshot's commitments).
                "prerequisite_ids": depends.get(c.id, []),
                # Chosen only: a commitment without them keeps the snapshot it always had.
                **({"chosen_direction": c.chosen_direction.value} if c.chosen_direction else {}),
                **({"tolerance": c.tolerance} if c.tolerance is not None else {}),
            }
            for c in sorted(charter.commitments, key=lambda c: (c.position, c.id))
        ],
        # What each side asked of the other and how it was answered (withdrawn ones aside).
        "expectations": [
            {
                "id": e.id,
                "from_department_id": e.from_department_id,
                "to_department_id": e.to_department_id,
                "text": e.text,
                "customer_reason": e.customer_reason,
                "status": e.status.value,
                "decline_reason": e.decline_reason,
                "commitment_ids": e.answer_ids,
            }
            for e in sorted(charter.expectations, key=lambda e: (e.position, e.id))
            if e.status != "withdrawn"
        ],
    }


def record_revision(
    charter: Charter,
    actor: User | None,
    action: str,
    summary: str,
    now: datetime,
    *,
    obj: tuple[str, int] | None = None,
) -> Revision:
    """Store the charter's content after a change, numbered per charter.

    ``obj`` names what the change was about (``("commitment", 12)``) for the activity feed;
    without it the feed names the charter.
    """
    db.session.flush()
    db.session.refresh(charter, attribute_names=["commitments", "expectations"])
    number = (
        db.session.scalar(
            select(func.max(Revision.number)).where(Revision.charter_id == charter.id)
        )
        or 0
    ) + 1
    revision = Revision(
        charter_id=charter.id,
        number=number,
        author_id=actor.id if actor else None,
        created_at=now,
        action=action,
        summary=summary[:300],
        object_type=obj[0] if obj else None,
        object_id=obj[1] if obj else None,
        snapshot=snapshot(charter),
    )
    db.session.add(revision)
    db.session.flush()
    return revision


@dataclass
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass
class CommitmentChange:
    kind: str  # added, removed, changed
    commitment_id: int
    title: str
    provider_department_id: int
    fields: list[FieldChange] = field(default_factory=list)


@dataclass
class SnapshotDiff:
    charter_fields: list[FieldChange]
    commitments: list[CommitmentChange]

    @property
    def is_empty(self) -> bool:
        return not self.charter_fields and not self.commitments


def diff_snapshots(old: dict[str, Any], new: dict[str, Any]) -> SnapshotDiff:
    """Compare two snapshots field by field, commitments matched by id."""
    charter_fields = []
    for name in ("title", "review_cadence_months", "term_months"):
        if old.get(name) != new.get(name):
            charter_fields.append(FieldChange(name, old.get(name), new.get(name)))
    if old.get("criterion", {}).get("name") != new.get("criterion", {}).get("name"):
        charter_fields.append(
            FieldChange("criterion", old["criterion"]["name"], new["criterion"]["name"])
        )
    old_by_id = {c["id"]: c for c in old.get("commitments", [])}
    new_by_id = {c["id"]: c for c in new.get("commitments", [])}
    changes: list[CommitmentChange] = []
    for cid, c in new_by_id.items():
        if cid not in old_by_id:
            changes.append(
                CommitmentChange(
                    "added",
                    cid,
                    c["title"],
                    c["provider_department_id"],
                    [FieldChange(f, None, c.get(f)) for f in COMMITMENT_FIELDS if c.get(f)],
                )
            )
            continue
        before = old_by_id[cid]
        fields = [
            FieldChange(f, before.get(f), c.get(f))
            for f in (*COMMITMENT_FIELDS, "chosen_direction", "tolerance", "position")
            if before.get(f) != c.get(f)
        ]
        if (before.get("prerequisite_ids") or []) != (c.get("prerequisite_ids") or []):
            fields.append(
                FieldChange(
                    "prerequisite_ids",
                    _titles(old_by_id, before.get("prerequisite_ids")),
                    _titles(new_by_id, c.get("prerequisite_ids")),
                )
            )
        if fields:
            changes.append(
                CommitmentChange("changed", cid, c["title"], c["provider_department_id"], fields)
            )
    for cid, c in old_by_id.items():
        if cid not in new_by_id:
            changes.append(
                CommitmentChange(
                    "removed",
                    cid,
                    c["title"],
                    c["provider_department_id"],
                    [FieldChange(f, c.get(f), None) for f in COMMITMENT_FIELDS if c.get(f)],
                )
            )
    return SnapshotDiff(charter_fields, changes)


def _titles(by_id: dict[int, dict[str, Any]], ids: list[int] | None) -> str | None:
    """Prerequisites as a reader reads them in a diff: the commitments' titles."""
    return ", ".join(by_id[i]["title"] if i in by_id else f"#{i}" for i in ids) if ids else None
