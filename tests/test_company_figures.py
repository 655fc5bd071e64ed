"""The company-wide misses by cause: one SQL aggregate, by criterion, period and reader."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import event

from sla_contracts.company.figures import MissCounts, misses_by_cause
from sla_contracts.extensions import db
from sla_contracts.models import AssessmentCause, CharterStatus
from tests.company_helpers import closed_review

OWN, PREREQ, OUTSIDE = (
    AssessmentCause.OWN_SIDE,
    AssessmentCause.OTHER_SIDE_PREREQUISITE,
    AssessmentCause.OUTSIDE,
)


def test_misses_counted_by_cause_per_criterion_and_since(org, make_charter, make_criterion):
    other = make_criterion("Waiting time")
    ours = make_charter("Ours", status=CharterStatus.ACTIVE)
    theirs = make_charter("Theirs", status=CharterStatus.ACTIVE, criterion=other)
    closed_review(ours, datetime(2026, 3, 5, tzinfo=UTC), causes=(OWN, None), met=3)
    closed_review(ours, datetime(2026, 9, 5, tzinfo=UTC), causes=(OWN, PREREQ, OUTSIDE))
    closed_review(theirs, datetime(2026, 9, 5, tzinfo=UTC), causes=(OUTSIDE, OUTSIDE))

    assert misses_by_cause() == MissCounts(2, 1, 3, 1)
    assert misses_by_cause(org.criterion.id) == MissCounts(2, 1, 1, 1)
    assert misses_by_cause(org.criterion.id, date(2026, 6, 1)) == MissCounts(1, 1, 1, 0)
    assert misses_by_cause(org.criterion.id, until=date(2026, 6, 1)).total == 2
    assert misses_by_cause(other.id)._asdict() == {
        "own_side": 0,
        "other_side_prerequisite": 0,
        "outside": 2,
        "not_given": 0,
    }


def test_misses_follow_what_the_reader_may_read(org, make_charter, make_department):
    far = make_department("Achats", "ACH")
    ours = make_charter("Ours", status=CharterStatus.ACTIVE)
    hidden = make_charter(
        "Hidden", status=CharterStatus.ACTIVE, department_a=org.it, department_b=far
    )
    closed_review(ours, datetime(2026, 9, 5, tzinfo=UTC), causes=(OWN,))
    closed_review(hidden, datetime(2026, 9, 5, tzinfo=UTC), causes=(PREREQ, PREREQ))
    assert misses_by_cause(org.criterion.id, reader_id=org.head_a.id) == MissCounts(1, 0, 0, 0)
    assert misses_by_cause(org.criterion.id, reader_id=org.admin.id).total == 3
    assert misses_by_cause(org.criterion.id, reader_id=org.outsider.id).total == 2


def test_misses_by_cause_is_one_statement(org, make_charter):
    for i in range(4):
        charter = make_charter(f"C{i}", status=CharterStatus.ACTIVE)
        closed_review(charter, datetime(2026, 9, 5, tzinfo=UTC), causes=(OWN, None))
    criterion_id, head_id = org.criterion.id, org.head_a.id
    counted = []

    def count(*args):
        counted.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        found = misses_by_cause(criterion_id, date(2026, 1, 1), reader_id=head_id)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert found == MissCounts(4, 0, 0, 4)
    assert len([s for s in counted if s.lstrip().upper().startswith("SELECT")]) == 1
