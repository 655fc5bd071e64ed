"""A company at scale for the benchmarks: departments, charters, commitments, readings.

One home for the benchmarks' data (``bench_api_lists``, ``bench_measured``): rows are inserted
in bulk, straight into the tables, so that seeding 5,000 charters takes seconds.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select

from sla_contracts.extensions import db
from sla_contracts.models import (
    AuditEvent,
    Charter,
    CharterStatus,
    CharterVersion,
    Commitment,
    CriterionReading,
    CustomerCriterion,
    Department,
    Direction,
    Reading,
    Review,
    ReviewStatus,
    User,
    measure_columns,
)
from sla_contracts.timeutil import utcnow

COMMITMENT = {
    "title": "Livrer avant 7 h",
    "service_standard": "Chaque magasin livré avant l'ouverture.",
    "indicator": "Part des livraisons avant 7 h",
    "target": "98",
    "unit": "%",
    "measurement_frequency": "Mensuelle",
    "customer_impact": "Des rayons pleins à l'ouverture.",
}


def company(count: int, *, per_side: int = 1, status: CharterStatus = CharterStatus.DRAFT) -> User:
    """A fresh schema with ``count`` charters between 40 departments, ``per_side``
    commitments each way; returns the administrator."""
    db.drop_all()
    db.create_all()
    admin = User(email="admin@example.com", name="Ada Admin", password_hash="-", is_admin=True)
    criterion = CustomerCriterion(
        name="Taux de rupture en rayon",
        definition="Part des références absentes du rayon à l'ouverture.",
        unit="%",
        direction=Direction.LOWER_IS_BETTER,
        target=2.0,
    )
    departments = [Department(name=f"Département {i:02d}", code=f"D{i:02d}") for i in range(40)]
    db.session.add_all([admin, criterion, *departments])
    db.session.flush()
    now = utcnow()
    rows = []
    for i in range(count):
        a, b = departments[i % 40], departments[(i * 7 + 1) % 40]
        if a is b:
            b = departments[(i + 1) % 40]
        rows.append(
            {
                "title": f"Charte {i:05d} : {a.name} ⇄ {b.name}",
                "department_a_id": a.id,
                "department_b_id": b.id,
                "criterion_id": criterion.id,
                "review_cadence_months": 3,
                "status": status,
                "created_by_id": admin.id,
                "created_at": now,
                "updated_at": now,
            }
        )
    db.session.execute(insert(Charter), rows)
    charters = db.session.execute(
        select(Charter.id, Charter.department_a_id, Charter.department_b_id)
    ).all()
    commitments = [
        {
            "charter_id": charter.id,
            "provider_department_id": provider,
            "position": position,
            **COMMITMENT,
            **measure_columns(COMMITMENT),
            "created_at": now,
            "updated_at": now,
        }
        for charter in charters
        for provider in (charter.department_a_id, charter.department_b_id)
        for position in range(1, per_side + 1)
    ]
    db.session.execute(insert(Commitment), commitments)
    db.session.commit()
    return admin


def monthly_readings(months: int, until: date) -> int:
    """A reading a month for every commitment, the last ``months`` months up to ``until``;
    one in nine misses. Returns how many were written."""
    starts = []
    year, month = until.year, until.month
    for _ in range(months):
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    written = 0
    ids = db.session.execute(select(Commitment.id, Commitment.charter_id)).all()
    batch = []
    for n, (commitment_id, charter_id) in enumerate(ids):
        for k, start in enumerate(starts):
            batch.append(
                {
                    "commitment_id": commitment_id,
                    "charter_id": charter_id,
                    "period": f"{start.year}-{start.month:02d}",
                    "period_start": start,
                    "value": 90.0 if (n + k) % 9 == 0 else 98.5,
                    "note": "",
                    "history": [],
                    "entered_at": utcnow(),
                }
            )
        if len(batch) >= 20_000:
            db.session.execute(insert(Reading), batch)
            written, batch = written + len(batch), []
    if batch:
        db.session.execute(insert(Reading), batch)
        written += len(batch)
    db.session.commit()
    return written


def report_history(month: date) -> dict[str, int]:
    """What the monthly report reads, for every charter: version 1 in force a year before
    ``month`` (one in fifty signed in ``month``), a review closed in ``month`` with both scores
    and an irritant (one in seven left late instead), one in a hundred ended in ``month``
    (audit rows with stand-in hashes: the benchmark does not verify the chain), the
    criterion's monthly values for a year. Returns how many rows of each were written."""
    start = datetime(month.year, month.month, 1, 9, tzinfo=UTC)
    ids = list(db.session.scalars(select(Charter.id).order_by(Charter.id)))
    versions, reviews, events = [], [], []
    for n, charter_id in enumerate(ids):
        signed = start + timedelta(days=n % 20) if n % 50 == 0 else start - timedelta(days=365)
        versions.append(
            {
                "charter_id": charter_id,
                "number": 1,
                "content": "{}",
                "fingerprint": f"{charter_id:064x}",
                "language": "fr",
                "created_at": signed,
                "activated_at": signed,
            }
        )
        due = (start + timedelta(days=n % 25)).date()
        late = n % 7 == 0
        reviews.append(
            {
                "charter_id": charter_id,
                "version_number": 1,
                "due_on": due,
                "status": ReviewStatus.PLANNED if late else ReviewStatus.CLOSED,
                "held_at": None if late else start + timedelta(days=n % 25),
                "closed_at": None if late else start + timedelta(days=n % 25),
                "satisfaction_a_of_b": None if late else 1 + n % 5,
                "satisfaction_b_of_a": None if late else 1 + (n * 3) % 5,
                "irritants": "" if late else f"Irritant n° {n % 40}",
                "created_at": start - timedelta(days=30),
                "updated_at": start,
                "duration_minutes": 60,
                "location": "",
                "video_link": "",
                "minutes": "",
                "ics_sequence": 0,
                "lock_version": 1,
            }
        )
        if n % 100 == 99:
            events.append(
                {
                    "occurred_at": start + timedelta(days=10),
                    "action": "ended",
                    "object_type": "charter",
                    "object_id": charter_id,
                    "charter_id": charter_id,
                    "data": {},
                    "prev_hash": f"p{charter_id:063x}",
                    "hash": f"h{charter_id:063x}",
                }
            )
    db.session.execute(insert(CharterVersion), versions)
    db.session.execute(insert(Review), reviews)
    if events:
        db.session.execute(insert(AuditEvent), events)
    criterion_id = db.session.scalar(select(CustomerCriterion.id))
    values = []
    day = date(month.year, month.month, 1)
    for k in range(12):
        values.append(
            {
                "criterion_id": criterion_id,
                "period": f"{day.year}-{day.month:02d}",
                "period_start": day,
                "value": 2.0 + k / 10,
                "note": "",
                "history": [],
                "entered_at": utcnow(),
            }
        )
        day = (day - timedelta(days=1)).replace(day=1)
    db.session.execute(insert(CriterionReading), values)
    db.session.commit()
    return {"versions": len(versions), "reviews": len(reviews), "ended": len(events)}
