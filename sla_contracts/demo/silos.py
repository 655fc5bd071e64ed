"""The demo's dependent pairs and a year of silo-index history (issue 14).

Pairs with a charter in force, pairs whose charter is only being agreed or has ended, pairs
with no charter at all, and three pairs left to the suggestions (they wrote a charter but
nobody declared them). The twelve months before this one are written as the scheduler would
have stored them, the silos closing one by one; this month is stored by the job's own
function. Idempotent: declared pairs are left alone, months already stored are not rewritten.
"""

from __future__ import annotations

from datetime import datetime

from ..directory import silos
from ..models import Department, User
from ..timeutil import add_months

# (a, b): the demo's charters decide which are silos (LOG-SCL and ACH-FIN have none at all).
DEPENDENT = (
    ("LOG", "MAG"),
    ("ECOM", "LOG"),
    ("DSI", "ECOM"),
    ("SCL", "FIN"),
    ("SCL", "MAG"),
    ("SCL", "DSI"),
    ("ACH", "LOG"),
    ("MKT", "MAG"),
    ("LOG", "SCL"),
    ("ACH", "FIN"),
)
MONTHS = 12


def _past(figures: silos.SiloFigures, months_ago: int, declared_share: float) -> silos.SiloFigures:
    """Where ``figures`` were ``months_ago`` months back: fewer pairs declared, fewer covered."""
    dependent = max(round(figures.dependent_pairs * declared_share), 0)
    progress = (MONTHS - months_ago) / MONTHS
    covered = min(round(figures.pairs_with_charter_in_force * progress), dependent)
    in_force = max(round(figures.charters_in_force * progress), covered)
    return silos.SiloFigures(
        dependent_pairs=dependent,
        pairs_with_charter_in_force=covered,
        charters_in_force=in_force,
        charters_review_late=min(in_force, months_ago % 4 == 1),
    )


def seed_silos(admin: User, departments: dict[str, Department], now: datetime) -> None:
    """Declare the demo's dependent pairs and store a year of the silo index."""
    for a, b in DEPENDENT:
        silos.declare_dependency(admin, departments[a].id, departments[b].id, now=now)
    state = silos.silo_state(now.date())
    stored = silos.stored_months()
    this_month = silos.month_of(now.date())
    for months_ago in range(MONTHS, 0, -1):
        month = add_months(this_month, -months_ago)
        if month in stored:
            continue
        declared_share = min(1.0, 0.6 + 0.05 * (MONTHS - months_ago))
        silos.store_month(
            month,
            _past(state.company, months_ago, declared_share),
            {d: _past(f, months_ago, declared_share) for d, f in state.departments.items()},
            now=now,
        )
    silos.store_silo_index(now)
