"""Whose miss: the cause of each missed or partly met commitment at a review, and the misses
counted by cause per side (the minutes, the charter's review history).

A miss is first asked "whose?": the providing side's own (``own_side``), a prerequisite the
other side did not deliver (``other_side_prerequisite``, naming which of its commitments: one
the missed commitment declared it depends on, or any of the other side's if it declared none),
or a cause outside both (``outside``, with a note saying what). A met, unmeasured or not yet
judged commitment has no cause: one sent is refused, with the reason, rather than dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    MISSED_RESULTS,
    Assessment,
    AssessmentCause,
    Commitment,
    Review,
)
from .meeting_input import FieldPath

NOTE_MAX = 2000
CAUSES = {c.value for c in AssessmentCause}


# ---------------------------------------------------------------- what may be picked


@dataclass(frozen=True)
class Options:
    """The commitments a miss may be put on, and whether they are the ones it depends on."""

    commitments: list[Commitment]
    declared: bool


def prerequisite_options(review: Review) -> dict[int, Options]:
    """For each assessment, the commitments its miss may be put on (two statements in all).

    The prerequisites its commitment declared, else every commitment of the other side.
    """
    commitments = db.session.scalars(
        select(Commitment)
        .where(Commitment.charter_id == review.charter_id)
        .options(selectinload(Commitment.prerequisites))
        .order_by(Commitment.position, Commitment.id)
    ).all()
    by_id = {c.id: c for c in commitments}
    options: dict[int, Options] = {}
    for assessment in review.assessments:
        own = by_id.get(assessment.commitment_id) if assessment.commitment_id else None
        declared = list(own.prerequisites) if own is not None else []
        others = [
            c for c in commitments if c.provider_department_id != assessment.provider_department_id
        ]
        options[assessment.id] = Options(declared or others, bool(declared))
    return options


# ---------------------------------------------------------------- the checks


def check_cause(
    assessment: Assessment,
    result: str,
    raw: Any,
    options: Options | None,
    issues: dict[FieldPath, str],
) -> dict[str, Any]:
    """Check one assessment's cause, prerequisite and note (``raw``: its AssessmentValues).

    Return the typed values to write; put what is refused in ``issues`` by domain path.
    """
    at = {
        name: FieldPath(name, assessment_id=assessment.id)
        for name in ("cause", "prerequisite_commitment_id", "cause_note")
    }
    cause = (raw.cause or "").strip()
    note = (raw.cause_note or "").strip()
    picked = (raw.prerequisite_commitment_id or "").strip()
    if len(note) > NOTE_MAX:
        issues[at["cause_note"]] = _("At most %(max)d characters.", max=NOTE_MAX)
        note = note[:NOTE_MAX]
    typed: dict[str, Any] = {"cause": None, "prerequisite_commitment_id": None, "cause_note": note}
    if not cause:
        return typed
    if cause not in CAUSES:
        issues[at["cause"]] = _("Choose a cause.")
        return typed
    if result not in {r.value for r in MISSED_RESULTS}:
        issues[at["cause"]] = _(
            "Only a missed or partly met commitment has a cause: set the cause back to "
            "“Cause not given”, or change the result."
        )
        return typed
    typed["cause"] = AssessmentCause(cause)
    if typed["cause"] == AssessmentCause.OTHER_SIDE_PREREQUISITE:
        allowed = {c.id for c in options.commitments} if options else set()
        if not picked:
            issues[at["prerequisite_commitment_id"]] = _(
                "Say which of the other side's commitments was not delivered."
            )
        elif not picked.isdigit() or int(picked) not in allowed:
            issues[at["prerequisite_commitment_id"]] = _(
                "Choose one of the other side's commitments in this charter (one this "
                "commitment depends on, if it names any)."
            )
        else:
            typed["prerequisite_commitment_id"] = int(picked)
    elif typed["cause"] == AssessmentCause.OUTSIDE and not note:
        issues[at["cause_note"]] = _("Say what the outside cause was.")
    return typed


# ---------------------------------------------------------------- the misses by cause


@dataclass(frozen=True)
class SideMisses:
    """One side's misses at a review (missed or partly met), counted by cause."""

    name: str
    other: str
    total: int
    own_side: int
    prerequisite: int
    outside: int
    not_given: int

    @property
    def text(self) -> str:
        """E.g. "Logistique: 2 misses — 1 own side, 1 prerequisite not delivered by Magasins"."""
        parts = []
        if self.own_side:
            parts.append(ngettext("%(num)d own side", "%(num)d own side", self.own_side))
        if self.prerequisite:
            parts.append(
                ngettext(
                    "%(num)d prerequisite not delivered by %(other)s",
                    "%(num)d prerequisites not delivered by %(other)s",
                    self.prerequisite,
                    other=self.other,
                )
            )
        if self.outside:
            parts.append(ngettext("%(num)d outside cause", "%(num)d outside causes", self.outside))
        if self.not_given:
            parts.append(
                ngettext("%(num)d cause not given", "%(num)d causes not given", self.not_given)
            )
        head = ngettext(
            "%(side)s: %(num)d miss", "%(side)s: %(num)d misses", self.total, side=self.name
        )
        return _("%(head)s — %(causes)s", head=head, causes=", ".join(parts))


def misses_by_cause(review: Review) -> list[SideMisses]:
    """Each side's misses by cause, in the charter's order (sides without a miss left out)."""
    counted = []
    first, second = review.charter.sides
    for side, other in ((first, second), (second, first)):
        misses = [
            a for a in review.assessments if a.provider_department_id == side.id and a.is_miss
        ]
        if not misses:
            continue
        causes = [a.cause for a in misses]
        counted.append(
            SideMisses(
                name=side.name,
                other=other.name,
                total=len(misses),
                own_side=causes.count(AssessmentCause.OWN_SIDE),
                prerequisite=causes.count(AssessmentCause.OTHER_SIDE_PREREQUISITE),
                outside=causes.count(AssessmentCause.OUTSIDE),
                not_given=causes.count(None),
            )
        )
    return counted


def misses_without_cause(review: Review) -> int:
    """How many misses have no cause yet (closing warns, it does not refuse)."""
    return sum(1 for a in review.assessments if a.is_miss and a.cause is None)
