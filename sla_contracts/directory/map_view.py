"""The company map at any size: the matrix for a few departments, aggregated rows for many.

A matrix of 200 departments is 40,000 cells (6 MB, unreadable). Past ``MAP_MATRIX_MAX`` (30) active
departments the map shows instead one row per department with its pairs counted by state
(the same states as the matrix's cells: no charter in force, being agreed, in force, review
late, misses) and its silos, each row opening that department's pairs (``?department=<id>``):
the other department, the state and the charters. What is computed is the same either way
(``company_map`` below, ``silos.silo_map``); only what is drawn changes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

from sqlalchemy import select

from ..extensions import db
from ..formats import collate
from ..models import (
    STANDING_ORDER,
    Charter,
    CharterStanding,
    CharterStatus,
    Department,
    Standing,
    named_b_first,
    standings,
)
from ..timeutil import utcnow
from .silos import PairState, SiloMap, pair_key

MATRIX_MAX = 30  # the default of the MAP_MATRIX_MAX setting


# Which charter of a pair the map shows first: the one in force (amended or not), then the one
# being signed... (``models.STANDING_ORDER``).
STANDING_RANK = {standing: rank for rank, standing in enumerate(STANDING_ORDER)}


@dataclass
class MapCharter:
    id: int
    title: str
    status: CharterStatus
    next_review_on: date | None
    is_overdue: bool = False
    standing: CharterStanding | None = None
    department_a: Department | None = None
    department_b: Department | None = None
    expired_at: datetime | None = None  # past its end (``models.standing``)

    @cached_property
    def sides(self) -> tuple[Department, Department]:
        """The two departments in the charter's one reading order (``Charter.sides``): read
        from the title when shown (at 5,000 charters, few are)."""
        a, b = self.department_a, self.department_b
        return (b, a) if named_b_first(self.title or "", a.name, b.name) else (a, b)


@dataclass
class MapPair:
    first: Department
    second: Department
    charters: list[MapCharter] = field(default_factory=list)

    @property
    def main(self) -> MapCharter | None:
        """The charter that best describes the pair (in force first)."""
        return min(self.charters, key=lambda c: STANDING_RANK[c.standing.key], default=None)

    @property
    def status(self) -> Standing | None:
        """Where the pair's main charter stands (in force with an amendment in progress…)."""
        return self.main.standing.key if self.main else None


@dataclass
class CompanyMap:
    """The active departments (in the reader's order) and the pairs that have a charter.

    Every pair of departments is on the map, but most have none: 21,000 pairs at 200
    departments, a few thousand with a charter. Only those are built (``pairs``); ``pair``
    gives any other as an empty one.
    """

    departments: list[Department]
    pairs: dict[tuple[int, int], MapPair]  # the pairs with at least one charter

    @cached_property
    def _rank(self) -> dict[int, int]:
        return {d.id: i for i, d in enumerate(self.departments)}

    @cached_property
    def _by_id(self) -> dict[int, Department]:
        return {d.id: d for d in self.departments}

    def pair(self, a_id: int, b_id: int) -> MapPair:
        """The pair of two active departments, the first in the map's order."""
        found = self.pairs.get(pair_key(a_id, b_id))
        if found is None:
            first, second = sorted((a_id, b_id), key=self._rank.__getitem__)
            found = MapPair(self._by_id[first], self._by_id[second])
        return found

    @property
    def pair_count(self) -> int:
        """Every pair of active departments, with a charter or not."""
        n = len(self.departments)
        return n * (n - 1) // 2

    @property
    def without_charter_count(self) -> int:
        return self.pair_count - len(self.pairs)

    @cached_property
    def without_charter(self) -> list[MapPair]:
        """The pairs without any charter, built one by one (for a map small enough to list them)."""
        return [
            MapPair(first, second)
            for i, first in enumerate(self.departments)
            for second in self.departments[i + 1 :]
            if pair_key(first.id, second.id) not in self.pairs
        ]

    @cached_property
    def _statuses(self) -> Counter:
        return Counter(p.status for p in self.pairs.values())

    def count(self, status: Standing | None) -> int:
        if status is None:
            return self.without_charter_count
        return self._statuses[status]

    @cached_property
    def overdue(self) -> list[MapPair]:
        return [p for p in self.pairs.values() if any(c.is_overdue for c in p.charters)]


def company_map(today: date | None = None) -> CompanyMap:
    """Every pair of active departments and their charters, in three queries."""
    today = today or utcnow().date()
    departments = collate(
        db.session.scalars(select(Department).where(Department.archived_at.is_(None))),
        key=lambda d: d.name,
    )
    company = CompanyMap(list(departments), {})
    active = company._by_id
    rows = db.session.execute(
        select(
            Charter.id,
            Charter.title,
            Charter.status,
            Charter.next_review_on,
            Charter.department_a_id,
            Charter.department_b_id,
            Charter.expired_at,
        ).order_by(Charter.id)
    )
    for row in rows:
        if row.department_a_id not in active or row.department_b_id not in active:
            continue  # a side is archived: not on the map
        key = pair_key(row.department_a_id, row.department_b_id)
        pair = company.pairs.get(key)
        if pair is None:  # its first charter: the pair joins those that have one
            pair = company.pairs[key] = company.pair(*key)
        pair.charters.append(
            MapCharter(
                row.id,
                row.title,
                row.status,
                row.next_review_on,
                department_a=active[row.department_a_id],
                department_b=active[row.department_b_id],
                expired_at=row.expired_at,
            )
        )
    shown = [c for p in company.pairs.values() for c in p.charters]
    marks = standings(shown)
    for charter in shown:
        charter.standing = marks[charter.id]
        charter.is_overdue = (
            charter.standing.is_in_force
            and charter.next_review_on is not None
            and charter.next_review_on < today
        )
    return company


@dataclass
class DepartmentRow:
    department: Department
    states: Counter = field(default_factory=Counter)
    charters: int = 0
    silos: int = 0

    def count(self, state: PairState) -> int:
        return self.states[state]


def shows_matrix(company: CompanyMap, most: int = MATRIX_MAX) -> bool:
    return len(company.departments) <= most


def department_rows(company: CompanyMap, silo: SiloMap) -> list[DepartmentRow]:
    """Per department (in the map's order), its pairs counted by state, charters and silos.

    Only the pairs with a charter are walked (a few thousand of the 21,000 at 200
    departments): a department's other pairs have none.
    """
    rows = {d.id: DepartmentRow(d) for d in company.departments}
    charted: Counter = Counter()
    for key, pair in company.pairs.items():
        state = silo.state(pair)
        for side in key:
            row = rows[side]
            row.states[state] += 1
            row.charters += len(pair.charters)
            charted[side] += 1
    others = len(company.departments) - 1
    for row in rows.values():
        row.states[PairState.NONE] += others - charted[row.department.id]
    for key in silo.silos:
        for side in key:
            rows[side].silos += 1
    return [rows[d.id] for d in company.departments]


@dataclass
class FocusedPair:
    other: Department
    pair: MapPair


def pairs_of(company: CompanyMap, department_id: int) -> list[FocusedPair]:
    """One department's pairs with every other active department, in the map's order (the
    departments' names, collated for the reader)."""
    return [
        FocusedPair(other, company.pair(department_id, other.id))
        for other in company.departments
        if other.id != department_id
    ]


def silo_pairs(company: CompanyMap, silo: SiloMap) -> list[MapPair]:
    """The dependent pairs without a charter in force, by their first department's name
    (only the declared pairs are looked at: a few, not every pair of the company)."""
    return collate((company.pair(*key) for key in silo.silos), key=lambda p: p.first.name)
