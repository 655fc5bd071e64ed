"""The company map at any size: the matrix for a few departments, aggregated rows for many.

A matrix of 200 departments is 40,000 cells (6 MB, unreadable). Past ``MAP_MATRIX_MAX`` (30) active
departments the map shows instead one row per department with its pairs counted by state
(the same states as the matrix's cells: no charter in force, being agreed, in force, review
late, misses) and its silos, each row opening that department's pairs (``?department=<id>``):
the other department, the state and the charters. What is computed is the same either way
(``operations.company_map``, ``silos.silo_map``); only what is drawn changes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..formats import collate
from ..models import Department
from .operations import CompanyMap, MapPair
from .silos import PairState, SiloMap

MATRIX_MAX = 30  # the default of the MAP_MATRIX_MAX setting


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
