"""Coverage and silos (issue 14, point 2): which pairs of departments depend on each other,
which of them have a charter in force, and the silo index kept month by month.

- **Dependent pairs** are declared by an administrator (``declare_dependency``,
  ``remove_dependency``, ``replace_dependencies`` for the API's PUT) or accepted from the
  suggestions (``suggested_pairs``: pairs that already wrote a charter, of any status, counted
  with their expectations and held reviews; one statement).
- **The silo index** (``silo_state``, two statements whatever the company's size): the share of
  dependent pairs without a charter in force, and the share of charters in force whose review is
  late (next review date past), for the company and per department. Only active departments
  count: a pair with an archived side is off the map and off the index.
- **Monthly rows** (``store_silo_index(now)``, the scheduled job): the month of ``now`` gets one
  company row and one row per active department, upserted on their unique keys, so the current
  month's row follows the company until the month ends and is then left as it was; a re-run or
  a second scheduler writes the same row again, never a second one.
"""

from __future__ import annotations

import enum
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import aliased, joinedload

from ..audit.operations import record_event
from ..errors import ValidationError
from ..extensions import db
from ..models import (
    Charter,
    CharterStatus,
    Department,
    DependentPair,
    Expectation,
    Review,
    SiloIndexDepartmentMonth,
    SiloIndexMonth,
    Standing,
    User,
    has_public_status,
)
from ..models.measured import missed_counts
from ..timeutil import utcnow
from .operations import require_admin

HISTORY_MONTHS = 24  # what the trend and the API show by default
HISTORY_MAX = 120  # the API's ``months`` at most


def pair_key(first_id: int, second_id: int) -> tuple[int, int]:
    """The one order a pair is stored and looked up in: the smaller id first."""
    return (min(first_id, second_id), max(first_id, second_id))


def month_of(day: date) -> date:
    """The first day of ``day``'s month: how a month is keyed."""
    return day.replace(day=1)


# ---------------------------------------------------------------- the figures


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


@dataclass
class SiloFigures:
    """The silo figures of the company or of one department."""

    dependent_pairs: int = 0
    pairs_with_charter_in_force: int = 0
    charters_in_force: int = 0
    charters_review_late: int = 0

    @property
    def pairs_without_charter_in_force(self) -> int:
        return self.dependent_pairs - self.pairs_with_charter_in_force

    @property
    def index(self) -> float | None:
        """Share of dependent pairs without a charter in force (None: no pair declared)."""
        return _share(self.pairs_without_charter_in_force, self.dependent_pairs)

    @property
    def late_share(self) -> float | None:
        """Share of the charters in force whose review is late (None: none in force)."""
        return _share(self.charters_review_late, self.charters_in_force)


@dataclass
class SiloState:
    """Where the company stands today: its figures, each department's, and the pairs."""

    company: SiloFigures
    departments: dict[int, SiloFigures]
    dependent: set[tuple[int, int]]
    covered: set[tuple[int, int]]  # the dependent pairs with a charter in force
    late: set[int] = field(default_factory=set)  # ids of charters in force, review late

    def of(self, department_id: int) -> SiloFigures:
        return self.departments.get(department_id, SiloFigures())


def _active_pair_sides(low_column, high_column):
    """Joins keeping only rows whose two departments are active."""
    low, high = aliased(Department), aliased(Department)
    return (
        (low, (low.id == low_column) & low.archived_at.is_(None)),
        (high, (high.id == high_column) & high.archived_at.is_(None)),
    )


def dependent_keys() -> set[tuple[int, int]]:
    """The declared pairs whose two departments are active (one statement)."""
    query = select(DependentPair.department_low_id, DependentPair.department_high_id)
    for target, on in _active_pair_sides(
        DependentPair.department_low_id, DependentPair.department_high_id
    ):
        query = query.join(target, on)
    return {(low, high) for low, high in db.session.execute(query)}


def _charters_in_force():
    """(id, department_a_id, department_b_id, next_review_on) of charters in force between
    active departments (amendments in progress included: the signed version still binds)."""
    query = select(
        Charter.id, Charter.department_a_id, Charter.department_b_id, Charter.next_review_on
    ).where(has_public_status(CharterStatus.ACTIVE))
    for target, on in _active_pair_sides(Charter.department_a_id, Charter.department_b_id):
        query = query.join(target, on)
    return db.session.execute(query).all()


def silo_state(today: date | None = None) -> SiloState:
    """The company's and each department's silo figures now, in two statements."""
    today = today or utcnow().date()
    dependent = dependent_keys()
    covered: set[tuple[int, int]] = set()
    late: set[int] = set()
    departments: dict[int, SiloFigures] = defaultdict(SiloFigures)
    company = SiloFigures(dependent_pairs=len(dependent))
    for charter_id, a_id, b_id, next_review_on in _charters_in_force():
        is_late = next_review_on is not None and next_review_on < today
        company.charters_in_force += 1
        if is_late:
            late.add(charter_id)
            company.charters_review_late += 1
        for side in {a_id, b_id}:
            departments[side].charters_in_force += 1
            departments[side].charters_review_late += int(is_late)
        key = pair_key(a_id, b_id)
        if key in dependent:
            covered.add(key)
    company.pairs_with_charter_in_force = len(covered)
    for key in dependent:
        for side in key:
            departments[side].dependent_pairs += 1
            departments[side].pairs_with_charter_in_force += int(key in covered)
    return SiloState(company, dict(departments), dependent, covered, late)


# ---------------------------------------------------------------- declaring pairs


def declared_pairs() -> list[DependentPair]:
    """Every declared pair with its departments and who declared it (one statement)."""
    return list(
        db.session.scalars(
            select(DependentPair)
            .options(
                joinedload(DependentPair.department_low),
                joinedload(DependentPair.department_high),
                joinedload(DependentPair.declared_by),
            )
            .order_by(DependentPair.id)
        )
    )


def _clean_pair(first: Any, second: Any, known: set[int], field_name: str) -> tuple[int, int]:
    for value in (first, second):
        if isinstance(value, bool) or not isinstance(value, int) or value not in known:
            raise ValidationError(_("Choose two departments of the directory."), field=field_name)
    if first == second:
        raise ValidationError(
            _("A department does not depend on itself: choose two different departments."),
            field=field_name,
        )
    return pair_key(first, second)


def _department_ids(ids: Iterable[Any]) -> set[int]:
    wanted = {i for i in ids if isinstance(i, int) and not isinstance(i, bool)}
    if not wanted:
        return set()
    return set(db.session.scalars(select(Department.id).where(Department.id.in_(wanted))))


def declare_dependency(
    actor: User, first_id: Any, second_id: Any, *, now: datetime | None = None
) -> DependentPair:
    """Declare that two departments depend on each other (already declared: left as it is)."""
    require_admin(actor)
    key = _clean_pair(first_id, second_id, _department_ids((first_id, second_id)), "second")
    existing = db.session.scalar(
        select(DependentPair).where(
            DependentPair.department_low_id == key[0], DependentPair.department_high_id == key[1]
        )
    )
    if existing is not None:
        return existing
    pair = DependentPair(
        department_low_id=key[0],
        department_high_id=key[1],
        declared_by_id=actor.id,
        declared_at=now or utcnow(),
    )
    db.session.add(pair)
    db.session.flush()
    record_event(
        "dependency_declared",
        actor=actor,
        object_type="dependent_pair",
        object_id=pair.id,
        data={"departments": list(key)},
        now=now,
    )
    return pair


def remove_dependency(actor: User, first_id: int, second_id: int) -> bool:
    """Forget that two departments depend on each other; return whether it was declared."""
    require_admin(actor)
    key = pair_key(first_id, second_id)
    removed = db.session.execute(
        delete(DependentPair).where(
            DependentPair.department_low_id == key[0], DependentPair.department_high_id == key[1]
        )
    ).rowcount
    if removed:
        record_event(
            "dependency_removed",
            actor=actor,
            object_type="dependent_pair",
            data={"departments": list(key)},
        )
    return bool(removed)


def replace_dependencies(
    actor: User, pairs: list[list[Any]], *, now: datetime | None = None
) -> list[tuple[int, int]]:
    """Make the declared pairs exactly ``pairs`` (the API's PUT); return them, sorted.

    Every pair names two existing, different departments, and no pair twice (in either
    order); a pair kept keeps who declared it and when.
    """
    require_admin(actor)
    now = now or utcnow()
    known = _department_ids(i for pair in pairs for i in pair)
    wanted: dict[tuple[int, int], int] = {}
    for index, pair in enumerate(pairs):
        name = f"pairs[{index}]"
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise ValidationError(_("Give each pair as two department ids."), field=name)
        key = _clean_pair(pair[0], pair[1], known, name)
        if key in wanted:
            raise ValidationError(_("This pair is given twice."), field=name)
        wanted[key] = index
    existing = {p.key: p for p in db.session.scalars(select(DependentPair))}
    removed = [key for key in existing if key not in wanted]
    added = [key for key in wanted if key not in existing]
    for key in removed:
        db.session.delete(existing[key])
    for key in added:
        db.session.add(
            DependentPair(
                department_low_id=key[0],
                department_high_id=key[1],
                declared_by_id=actor.id,
                declared_at=now,
            )
        )
    db.session.flush()
    if added or removed:
        record_event(
            "dependencies_replaced",
            actor=actor,
            object_type="dependent_pair",
            data={"added": [list(k) for k in added], "removed": [list(k) for k in removed]},
            now=now,
        )
    return sorted(wanted)


@dataclass(frozen=True)
class Suggestion:
    """A pair not declared yet that already works together, and what shows it."""

    first: Department
    second: Department
    charters: int
    expectations: int
    reviews: int


def suggested_pairs(departments: Iterable[Department] | None = None) -> list[Suggestion]:
    """Pairs of active departments with a charter (of any status) but not declared dependent.

    One statement for the counts (charters, their expectations, their held reviews), one for
    the declared pairs; ``departments`` (the active ones, by id) saves a third.
    """
    if departments is None:
        departments = db.session.scalars(select(Department).where(Department.archived_at.is_(None)))
    by_id = {d.id: d for d in departments if not d.is_archived}
    low = case(
        (Charter.department_a_id < Charter.department_b_id, Charter.department_a_id),
        else_=Charter.department_b_id,
    )
    high = case(
        (Charter.department_a_id < Charter.department_b_id, Charter.department_b_id),
        else_=Charter.department_a_id,
    )
    expectations = (
        select(func.count(Expectation.id))
        .where(Expectation.charter_id == Charter.id)
        .correlate(Charter)
        .scalar_subquery()
    )
    reviews = (
        select(func.count(Review.id))
        .where(Review.charter_id == Charter.id, Review.held_at.is_not(None))
        .correlate(Charter)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(
            low.label("low"),
            high.label("high"),
            func.count(Charter.id),
            func.sum(expectations),
            func.sum(reviews),
        ).group_by(low, high)
    ).all()
    declared = {
        (a, b)
        for a, b in db.session.execute(
            select(DependentPair.department_low_id, DependentPair.department_high_id)
        )
    }
    found = []
    for a, b, charters, asked, held in rows:
        if (a, b) in declared or a not in by_id or b not in by_id:
            continue
        found.append(Suggestion(by_id[a], by_id[b], charters, int(asked or 0), int(held or 0)))
    return found


# ---------------------------------------------------------------- the monthly rows


def _upsert(table, rows: list[dict], keys: list[str]) -> None:
    """INSERT … ON CONFLICT (keys) DO UPDATE: one row per key, whoever writes it."""
    if not rows:
        return
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table)
    values = {c: statement.excluded[c] for c in rows[0] if c not in keys}
    db.session.execute(statement.on_conflict_do_update(index_elements=keys, set_=values), rows)


def store_month(
    month: date,
    company: SiloFigures,
    departments: dict[int, SiloFigures],
    *,
    now: datetime | None = None,
) -> int:
    """Write one month's rows (company, then each department); return how many."""
    month, now = month_of(month), now or utcnow()
    _upsert(
        SiloIndexMonth.__table__,
        [
            {
                "month": month,
                "dependent_pairs": company.dependent_pairs,
                "pairs_with_charter_in_force": company.pairs_with_charter_in_force,
                "charters_in_force": company.charters_in_force,
                "charters_review_late": company.charters_review_late,
                "recorded_at": now,
            }
        ],
        ["month"],
    )
    rows = [
        {
            "department_id": department_id,
            "month": month,
            "dependent_pairs": figures.dependent_pairs,
            "pairs_without_charter_in_force": figures.pairs_without_charter_in_force,
            "charters_in_force": figures.charters_in_force,
            "charters_review_late": figures.charters_review_late,
            "recorded_at": now,
        }
        for department_id, figures in departments.items()
    ]
    _upsert(SiloIndexDepartmentMonth.__table__, rows, ["department_id", "month"])
    return 1 + len(rows)


def store_silo_index(now: datetime) -> int:
    """Store this month's silo figures (company and departments); return the rows written.

    The month's rows are rewritten by each run until the month ends (so a month keeps the
    figures of its last run); the rows of past months are never touched again. Five
    statements whatever the company's size. Flushes only: the job commits.
    """
    state = silo_state(now.date())
    active = db.session.scalars(select(Department.id).where(Department.archived_at.is_(None)))
    return store_month(now.date(), state.company, {d: state.of(d) for d in active}, now=now)


def stored_months() -> set[date]:
    """The months with a company row (one statement)."""
    return set(db.session.scalars(select(SiloIndexMonth.month)))


def company_history(months: int = HISTORY_MONTHS) -> list[SiloIndexMonth]:
    """The last ``months`` stored months, oldest first (one statement)."""
    rows = db.session.scalars(
        select(SiloIndexMonth).order_by(SiloIndexMonth.month.desc()).limit(months)
    ).all()
    return list(reversed(rows))


def department_history(
    department_id: int, months: int = HISTORY_MONTHS
) -> list[SiloIndexDepartmentMonth]:
    """One department's last ``months`` stored months, oldest first (one statement)."""
    rows = db.session.scalars(
        select(SiloIndexDepartmentMonth)
        .where(SiloIndexDepartmentMonth.department_id == department_id)
        .order_by(SiloIndexDepartmentMonth.month.desc())
        .limit(months)
    ).all()
    return list(reversed(rows))


# ---------------------------------------------------------------- the map's pair states


class PairState(enum.StrEnum):
    """The one state the company map shows for a pair of departments."""

    NONE = "none"  # no charter, or none in force nor being agreed (ended, expired)
    DRAFT = "draft"  # a charter being written or awaiting signatures, none in force
    IN_FORCE = "in_force"
    REVIEW_LATE = "review_late"  # in force, its next review date past
    MISSES = "misses"  # in force, a commitment missed on its latest reading

    @property
    def label(self) -> str:
        return {
            PairState.NONE: _("No charter in force"),
            PairState.DRAFT: _("Charter being agreed"),
            PairState.IN_FORCE: _("In force"),
            PairState.REVIEW_LATE: _("In force, review late"),
            PairState.MISSES: _("In force, with misses"),
        }[self]


PAIR_STATES = tuple(PairState)
AGREEING = {Standing.DRAFT.value, Standing.AWAITING_SIGNATURES.value}


@dataclass
class SiloMap:
    """What the company map adds per pair: its state, whether it is declared dependent.

    ``states`` holds the pairs with a charter (``CompanyMap.pairs``); any other pair of the
    ``pair_count`` has none: ``PairState.NONE``.
    """

    states: dict[tuple[int, int], PairState]
    dependent: set[tuple[int, int]]  # declared, both departments active
    pair_count: int = 0

    def state(self, pair) -> PairState:
        return self._state(pair_key(pair.first.id, pair.second.id))

    def _state(self, key: tuple[int, int]) -> PairState:
        return self.states.get(key, PairState.NONE)

    def is_dependent(self, pair) -> bool:
        return pair_key(pair.first.id, pair.second.id) in self.dependent

    def is_silo(self, pair) -> bool:
        """A dependent pair without a charter in force: the silo the map is there to show."""
        return self.is_dependent(pair) and self.state(pair) in (PairState.NONE, PairState.DRAFT)

    @cached_property
    def _counts(self) -> Counter:
        counts = Counter(self.states.values())
        counts[PairState.NONE] += self.pair_count - len(self.states)
        return counts

    def count(self, state: PairState) -> int:
        return self._counts[state]

    @property
    def silos(self) -> list[tuple[int, int]]:
        return [k for k in self.dependent if not self._covered(k)]

    def _covered(self, key: tuple[int, int]) -> bool:
        return self._state(key) not in (PairState.NONE, PairState.DRAFT)


def _pair_state(charters, missed: dict[int, int]) -> PairState:
    in_force = [c for c in charters if c.standing.is_in_force]
    if in_force:
        if any(c.is_overdue for c in in_force):
            return PairState.REVIEW_LATE
        if any(missed.get(c.id) for c in in_force):
            return PairState.MISSES
        return PairState.IN_FORCE
    # A renewal drafted after the end reads "expired" but is being agreed all the same.
    if any(c.standing.key in AGREEING or c.standing.status in AGREEING for c in charters):
        return PairState.DRAFT
    return PairState.NONE


def silo_map(company) -> SiloMap:
    """Each pair's state on the company map (``map_view.company_map``) and the dependent
    pairs: one statement, two more (``models.measured.missed_counts``: the latest reading of
    each commitment, the status ``charter_measures`` gives) once a charter is in force."""
    # The charters in force as a query, not thousands of ids sent back to the database (the
    # same set as the pairs' ``standing.is_in_force``; tests/test_company_map_at_scale.py).
    missed = missed_counts(select(Charter.id).where(has_public_status(CharterStatus.ACTIVE)))
    states = {key: _pair_state(pair.charters, missed) for key, pair in company.pairs.items()}
    return SiloMap(states, dependent_keys(), company.pair_count)
