"""Starting a draft from a starter template or from an existing charter.

The starter templates (``starters.json``) are written for real pairs of departments, each with
what each side expects of the other and measurable commitments of each side, in French and
English; a template reads in the reader's language. A copy takes an existing charter's
commitments and expectations (withdrawn ones aside) to a new pair.

What the draft gets follows ownership. The creating head's own side gets its commitments and
expectations as if the head had typed them. The other side's material is drafted *for* it,
never agreed on its behalf: its commitments are created as the other side's (it owns them, and
nothing counts until it agrees to each one), taken as written by the creating side; its
expectations are created as the other side's (it may reword or withdraw them), and the
creating side answers them with its own commitments when the source links them. Every such
line is recorded in the history and the audit trail as drafted from the template or the copy.

Functions here flush, never commit (see ``operations``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from flask_babel import get_locale
from sqlalchemy import and_, or_, select

from ..extensions import db
from ..models import COMMITMENT_FIELDS, Charter, CharterStatus, User
from ..timeutil import utcnow
from . import negotiation
from . import operations as ops
from .ownership import sides_headed

LANGUAGES = ("fr", "en")


@dataclass
class SideContent:
    """What one side of the source says: its expectations of the other and its commitments."""

    match: set[str] = field(default_factory=set)  # names and codes, case-folded
    department_id: int | None = None
    expectations: list[dict[str, Any]] = field(default_factory=list)
    commitments: list[dict[str, Any]] = field(default_factory=list)

    def fits(self, department) -> bool:
        return department.id == self.department_id or bool(
            {department.name.casefold(), department.code.casefold()} & self.match
        )


@dataclass
class Content:
    origin: str  # "starter:<key>" or "charter:<id>", recorded on every drafted line
    title: str
    sides: tuple[SideContent, SideContent]


@dataclass(frozen=True)
class Starter:
    key: str
    title: str
    summary: str


@cache
def _catalogue() -> tuple[dict[str, Any], ...]:
    path = Path(__file__).with_name("starters.json")
    return tuple(json.loads(path.read_text(encoding="utf-8"))["starters"])


def _language(language: str | None = None) -> str:
    language = language or str(get_locale() or "fr")
    return language if language in LANGUAGES else LANGUAGES[0]


def list_starters(language: str | None = None) -> list[Starter]:
    """The starter templates, in ``language`` (the reader's by default)."""
    lang = _language(language)
    return [Starter(s["key"], s["title"][lang], s["summary"][lang]) for s in _catalogue()]


def starter_content(key: str, language: str | None = None) -> Content | None:
    """A starter template's content in ``language``, or None for an unknown key."""
    lang = _language(language)
    starter = next((s for s in _catalogue() if s["key"] == key), None)
    if starter is None:
        return None
    sides = []
    for side in starter["sides"]:
        sides.append(
            SideContent(
                match={name.casefold() for name in side["names"]},
                expectations=[
                    {**e[lang], "answered_by": e.get("answered_by", [])}
                    for e in side["expectations"]
                ],
                commitments=[{**c[lang], "target": c["target"]} for c in side["commitments"]],
            )
        )
    return Content(f"starter:{key}", starter["title"][lang], (sides[0], sides[1]))


def charter_content(charter: Charter) -> Content:
    """An existing charter's commitments and expectations, ready to copy to another pair."""
    sides = []
    for department in (charter.department_a, charter.department_b):
        mine = charter.commitments_by(department.id)
        sides.append(
            SideContent(
                match={department.name.casefold(), department.code.casefold()},
                department_id=department.id,
                commitments=[{n: getattr(c, n) or "" for n in COMMITMENT_FIELDS} for c in mine],
                expectations=[],
            )
        )
    for e in sorted(charter.expectations, key=lambda e: (e.position, e.id)):
        if e.status == "withdrawn":
            continue
        asker = 0 if e.from_department_id == charter.department_a_id else 1
        answerer = charter.commitments_by(e.to_department_id)
        index = {c.id: i for i, c in enumerate(answerer)}
        sides[asker].expectations.append(
            {
                "text": e.text,
                "customer_reason": e.customer_reason,
                "answered_by": [index[i] for i in e.answer_ids if i in index],
            }
        )
    return Content(f"charter:{charter.id}", charter.title, (sides[0], sides[1]))


def existing_charters(department_ids: tuple[int, int]) -> list[Charter]:
    """The pair's charters in draft, awaiting signatures or in force (ended ones aside)."""
    a, b = department_ids
    return list(
        db.session.scalars(
            select(Charter)
            .where(
                or_(
                    and_(Charter.department_a_id == a, Charter.department_b_id == b),
                    and_(Charter.department_a_id == b, Charter.department_b_id == a),
                ),
                Charter.status != CharterStatus.ENDED,
            )
            .order_by(Charter.id)
        )
    )


def _assign(charter: Charter, content: Content) -> dict[int, SideContent]:
    """Which side of the source goes to which department: by name or code, else in order."""
    a, b = charter.department_a, charter.department_b
    first, second = content.sides
    if (second.fits(a) or first.fits(b)) and not (first.fits(a) or second.fits(b)):
        first, second = second, first
    return {a.id: first, b.id: second}


def draft_from(
    actor: User, charter: Charter, content: Content, now: datetime | None = None
) -> None:
    """Fill a new draft with ``content`` through the charter services (see the module)."""
    now = now or utcnow()
    assignment = _assign(charter, content)
    # The creating head's sides; an administrator who heads neither writes for the first.
    own = set(sides_headed(actor, charter)) or {charter.department_a_id}
    created: dict[int, list] = {}
    for department_id, side in assignment.items():
        drafted = None if department_id in own else content.origin
        created[department_id] = [
            ops.add_commitment(actor, charter, department_id, fields, now, drafted_from=drafted)
            for fields in side.commitments
        ]
    for department_id, side in assignment.items():
        other = charter.other_department_id(department_id)
        for item in side.expectations:
            expectation = negotiation.add_expectation(
                actor,
                charter,
                text=item["text"],
                customer_reason=item["customer_reason"],
                from_department_id=department_id,
                drafted_from=None if department_id in own else content.origin,
                now=now,
            )
            answers = [created[other][i].id for i in item["answered_by"] if i < len(created[other])]
            # Only the side an expectation is addressed to answers it.
            if other in own and answers:
                negotiation.decide_expectation(
                    actor, expectation, "answered", commitment_ids=answers, now=now
                )
