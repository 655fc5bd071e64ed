"""Charters, their commitments, and the draft's discussion and history."""

from __future__ import annotations

import enum
import re
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..errors import CharterStateError
from ..extensions import db
from ..measures import TargetDirection, guess_direction, target_value, tolerance_of
from ..timeutil import UTCDateTime, utcnow
from .directory import CustomerCriterion, Department, User, enum_column
from .negotiation import Agreement, Expectation, Proposal

REVIEW_CADENCES = (1, 3, 6, 12)
# A charter's term in months, chosen at drafting (12 by default): see ``Charter.valid_until``.
CHARTER_TERMS = (6, 12, 18, 24, 36)
DEFAULT_TERM = 12


class CharterStatus(enum.StrEnum):
    DRAFT = "draft"
    AWAITING_SIGNATURES = "awaiting_signatures"
    ACTIVE = "active"
    ENDED = "ended"
    # Past its ``valid_until`` without a renewal signed: no longer in force, history kept.
    EXPIRED = "expired"


# The one table of allowed status changes.
CHARTER_TRANSITIONS: dict[CharterStatus, set[CharterStatus]] = {
    CharterStatus.DRAFT: {CharterStatus.AWAITING_SIGNATURES, CharterStatus.ENDED},
    CharterStatus.AWAITING_SIGNATURES: {
        CharterStatus.DRAFT,
        CharterStatus.ACTIVE,
        CharterStatus.ENDED,
    },
    # An amendment reopens a draft while the signed version stays in force.
    CharterStatus.ACTIVE: {CharterStatus.DRAFT, CharterStatus.ENDED, CharterStatus.EXPIRED},
    CharterStatus.ENDED: set(),
    # A renewal reopens an expired charter as a draft (its last version stays as history).
    CharterStatus.EXPIRED: {CharterStatus.DRAFT, CharterStatus.ENDED},
}


@lru_cache(maxsize=4096)
def _whole_word(name: str) -> re.Pattern[str]:
    """``name`` as a whole word, compiled once per department name (re's own cache holds 512
    patterns: a map of 5,000 charters compiled one per charter and side)."""
    return re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")


def _named_at(title: str, name: str, other: str) -> int | None:
    """Where ``title`` first names ``name`` as a whole word (not inside the longer ``other``)."""
    if len(other) > len(name) and name in other:
        title = title.replace(other, " " * len(other))
    found = _whole_word(name).search(title)
    return found.start() if found else None


def named_b_first(title: str, name_a: str, name_b: str) -> bool:
    """Whether the title names department B before department A (both named).

    A charter reads its two departments in one order everywhere (pages, PDFs, e-mails, lists):
    the order its title names them in ("Logistique ⇄ E-commerce"), or A then B as stored when
    the title does not name both. Titles are the people's words, so the rest follows them.
    """
    folded, a, b = title.casefold(), name_a.casefold(), name_b.casefold()
    at_a, at_b = _named_at(folded, a, b), _named_at(folded, b, a)
    return at_a is not None and at_b is not None and at_b < at_a


def version_sides(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A frozen version's two departments (``data["department_a"]``…) in the charter's order."""
    a, b = data["department_a"], data["department_b"]
    return (b, a) if named_b_first(data.get("title", ""), a["name"], b["name"]) else (a, b)


class Charter(db.Model):
    __tablename__ = "charters"
    __table_args__ = (
        CheckConstraint("department_a_id <> department_b_id", name="distinct_departments"),
        CheckConstraint("review_cadence_months IN (1, 3, 6, 12)", name="cadence"),
        CheckConstraint("term_months BETWEEN 1 AND 60", name="term"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    department_a_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    department_b_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("customer_criteria.id"))
    review_cadence_months: Mapped[int] = mapped_column(Integer, default=3)
    status: Mapped[CharterStatus] = mapped_column(
        enum_column(CharterStatus, "charter_status"), default=CharterStatus.DRAFT, index=True
    )
    next_review_on: Mapped[date | None] = mapped_column(Date)
    # Optimistic locking of the charter's own fields: writers send the version
    # they read and update with WHERE lock_version = :seen.
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Any saved change to the draft (charter fields, commitments, comments), and by whom:
    # the home page lists what changed since a person's last visit, not their own edits.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_activity_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(Text)
    # The term (months) the next signature starts; the last day in force of what binds (a
    # never-signed draft has none yet); which version an open draft renews (None: not a
    # renewal); when the charter expired (kept while a renewal drafted after the end is open).
    term_months: Mapped[int] = mapped_column(Integer, default=DEFAULT_TERM, server_default="12")
    valid_until: Mapped[date | None] = mapped_column(Date, index=True)
    renewal_of: Mapped[int | None] = mapped_column(Integer)
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    department_a: Mapped[Department] = relationship(foreign_keys=[department_a_id])
    department_b: Mapped[Department] = relationship(foreign_keys=[department_b_id])
    criterion: Mapped[CustomerCriterion] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    commitments: Mapped[list[Commitment]] = relationship(
        back_populates="charter",
        cascade="all, delete-orphan",
        order_by="Commitment.position",
    )
    expectations: Mapped[list[Expectation]] = relationship(
        cascade="all, delete-orphan",
        order_by="Expectation.position",
    )

    @property
    def department_ids(self) -> tuple[int, int]:
        return (self.department_a_id, self.department_b_id)

    @property
    def reads_b_first(self) -> bool:
        """Whether the charter's one order puts department B first (see ``named_b_first``)."""
        return named_b_first(self.title or "", self.department_a.name, self.department_b.name)

    @property
    def sides(self) -> tuple[Department, Department]:
        """The two departments in the charter's one reading order (see ``named_b_first``)."""
        a, b = self.department_a, self.department_b
        return (b, a) if self.reads_b_first else (a, b)

    @property
    def satisfaction_sides(self) -> tuple[tuple[str, Department, Department], ...]:
        """(review field, who rates, who is rated) for each side, in the order of ``sides``."""
        a, b = self.department_a, self.department_b
        pairs = (("satisfaction_a_of_b", a, b), ("satisfaction_b_of_a", b, a))
        return pairs[::-1] if self.reads_b_first else pairs

    @property
    def department_names(self) -> dict[int, str]:
        """Each side's id and name, for pages that label commitments by provider."""
        return {
            self.department_a_id: self.department_a.name,
            self.department_b_id: self.department_b.name,
        }

    def other_department_id(self, department_id: int) -> int:
        """Return the id of the side that is not ``department_id``."""
        if department_id == self.department_a_id:
            return self.department_b_id
        if department_id == self.department_b_id:
            return self.department_a_id
        raise ValueError("department is not a side of this charter")

    def commitments_by(self, department_id: int) -> list[Commitment]:
        """Return the commitments this department provides, in order."""
        return [c for c in self.commitments if c.provider_department_id == department_id]

    def expectations_of(self, department_id: int) -> list[Expectation]:
        """What this department expects of the other side (withdrawn ones aside), in order."""
        return [
            e
            for e in self.expectations
            if e.from_department_id == department_id and e.status != "withdrawn"
        ]

    @property
    def is_editable(self) -> bool:
        return self.status == CharterStatus.DRAFT

    def transition(self, new_status: CharterStatus) -> None:
        """Move to ``new_status`` if the transition table allows it."""
        if new_status not in CHARTER_TRANSITIONS[self.status]:
            raise CharterStateError(
                f"cannot go from {self.status.value} to {new_status.value}",
                details={"from": self.status.value, "to": new_status.value},
            )
        self.status = new_status


# What a commitment depends on: commitments of the other side of the same charter ("we deliver
# within 48 h provided orders arrive before 14:00"). The services check sides and cycles.
commitment_prerequisites = Table(
    "commitment_prerequisites",
    db.metadata,
    Column(
        "commitment_id",
        ForeignKey("commitments.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "prerequisite_id",
        ForeignKey("commitments.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
    CheckConstraint("commitment_id <> prerequisite_id", name="not_itself"),
)


class Commitment(db.Model):
    __tablename__ = "commitments"

    id: Mapped[int] = mapped_column(primary_key=True)
    charter_id: Mapped[int] = mapped_column(
        ForeignKey("charters.id", ondelete="CASCADE"), index=True
    )
    provider_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    title: Mapped[str] = mapped_column(String(200))
    service_standard: Mapped[str] = mapped_column(Text)
    indicator: Mapped[str] = mapped_column(String(200))
    target: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(32))
    measurement_method: Mapped[str] = mapped_column(Text, default="")
    measurement_frequency: Mapped[str] = mapped_column(String(64), default="")
    customer_impact: Mapped[str] = mapped_column(Text)
    # The target as a number (see ``measures``): the one number of ``target``'s text, kept in
    # step with it on every save; None for a free-text target (not measured). The direction and
    # the tolerance are the ones chosen (None: guessed from the text, 5 % of the target).
    target_value: Mapped[float | None] = mapped_column(Float)
    chosen_direction: Mapped[TargetDirection | None] = mapped_column(
        enum_column(TargetDirection, "target_direction")
    )
    tolerance: Mapped[float | None] = mapped_column(Float)
    position: Mapped[int] = mapped_column(Integer, default=0)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Who wrote it and who last changed its text (shown on its card).
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    charter: Mapped[Charter] = relationship(back_populates="commitments")
    provider_department: Mapped[Department] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    agreements: Mapped[list[Agreement]] = relationship(
        cascade="all, delete-orphan", order_by="Agreement.agreed_at"
    )
    proposals: Mapped[list[Proposal]] = relationship(
        back_populates="commitment", cascade="all, delete-orphan", order_by="Proposal.id"
    )
    # The other side's commitments this one depends on, and those that depend on this one.
    prerequisites: Mapped[list[Commitment]] = relationship(
        secondary=commitment_prerequisites,
        primaryjoin=lambda: Commitment.id == commitment_prerequisites.c.commitment_id,
        secondaryjoin=lambda: Commitment.id == commitment_prerequisites.c.prerequisite_id,
        back_populates="dependents",
        order_by=lambda: (Commitment.position, Commitment.id),
    )
    dependents: Mapped[list[Commitment]] = relationship(
        secondary=commitment_prerequisites,
        primaryjoin=lambda: Commitment.id == commitment_prerequisites.c.prerequisite_id,
        secondaryjoin=lambda: Commitment.id == commitment_prerequisites.c.commitment_id,
        back_populates="prerequisites",
    )

    @property
    def prerequisite_ids(self) -> list[int]:
        """The ids of the commitments this one depends on, smallest first."""
        return sorted(c.id for c in self.prerequisites)

    @property
    def is_measured(self) -> bool:
        """Its target is a number: readings can be entered and compared with it."""
        return self.target_value is not None

    @property
    def target_direction(self) -> TargetDirection:
        """At least or at most: the one chosen, else what the target and indicator say."""
        return self.chosen_direction or guess_direction(self.target, self.indicator)

    @property
    def effective_tolerance(self) -> float | None:
        """How far from the target still counts as partly met (None when not measured)."""
        if self.target_value is None:
            return None
        return tolerance_of(self.target_value, self.tolerance)

    @property
    def agreed_by(self) -> list[int]:
        """The departments that agreed to the current text, in the charter's stored order."""
        agreed = {a.department_id for a in self.agreements}
        return [d for d in self.charter.department_ids if d in agreed]

    def is_agreed_by(self, department_id: int) -> bool:
        return any(a.department_id == department_id for a in self.agreements)

    @property
    def is_agreed(self) -> bool:
        """Both sides agreed to the current text."""
        return len({a.department_id for a in self.agreements}) == 2

    @property
    def open_proposals(self) -> list[Proposal]:
        return [p for p in self.proposals if p.is_open]

    @property
    def last_answered_proposal(self) -> Proposal | None:
        """The latest proposal the owner answered: accepted, rejected, or overtaken by their edit
        (not one its own author replaced or withdrew)."""
        answered = [
            p
            for p in self.proposals
            if p.decided_at is not None
            and (
                p.status.value in ("accepted", "rejected")
                or (
                    p.status.value == "superseded"
                    and p.decided_by_id is not None
                    and p.decided_by_id != p.author_id
                )
            )
        ]
        return max(answered, key=lambda p: (p.decided_at, p.id), default=None)


def measure_columns(fields: dict[str, Any]) -> dict[str, Any]:
    """The number kept in step with a commitment's target text, for a write of ``fields``.

    Every write of a commitment's fields (adding, saving, accepting a proposal) adds these to
    its values, so ``target_value`` always is the number ``target`` says.
    """
    return {"target_value": target_value(fields["target"])} if "target" in fields else {}


COMMITMENT_FIELDS = (
    "title",
    "service_standard",
    "indicator",
    "target",
    "unit",
    "measurement_method",
    "measurement_frequency",
    "customer_impact",
)


class Revision(db.Model):
    """A saved change to a draft: who, when, what, and the charter's content after it."""

    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("charter_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    charter_id: Mapped[int] = mapped_column(
        ForeignKey("charters.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(String(300), default="")
    # What the change was about ("commitment", 12), for the activity feed; the charter itself
    # when null (revisions older than the feed, and changes of the charter's own fields).
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(Integer)
    snapshot: Mapped[dict] = mapped_column(JSON)

    author: Mapped[User | None] = relationship()


class Comment(db.Model):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    charter_id: Mapped[int] = mapped_column(
        ForeignKey("charters.id", ondelete="CASCADE"), index=True
    )
    commitment_id: Mapped[int | None] = mapped_column(
        ForeignKey("commitments.id", ondelete="SET NULL"), index=True
    )
    # Kept so a comment still says what it was about once its commitment is removed.
    commitment_title: Mapped[str | None] = mapped_column(String(200))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
    commitment: Mapped[Commitment | None] = relationship()

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None


class CharterVisit(db.Model):
    """When a person last looked at a charter, for "what changed since my last visit"."""

    __tablename__ = "charter_visits"
    __table_args__ = (UniqueConstraint("user_id", "charter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    charter_id: Mapped[int] = mapped_column(ForeignKey("charters.id", ondelete="CASCADE"))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
