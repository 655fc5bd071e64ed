"""Benchmark the criterion page and its API at demo size and at company scale (prints figures;
not a test).

    .venv/bin/python benchmarks/bench_criterion_page.py [--charters 5000] [--database-url URL]

Two companies, each in a fresh database:

- the demo (``seed-demo``): its criterion with the most charters;
- ``benchmarks.seed.company``: 5,000 charters in force tied to one criterion between 40
  departments, one commitment each way, a year of monthly readings each (120,000 readings),
  the criterion's own year of values, four closed reviews a charter over the year (20,000,
  both satisfaction scores, one missed and one met assessment each, the miss's cause in turn
  own side / prerequisite / outside / not given).

For each, ``GET /company/criteria/<id>`` (signed in) and ``GET /api/v1/criteria/<id>/overview``
(Bearer token), as an administrator (every charter) and as the head of one department: the
median of 7 and the SQL statements of one call. Goal (issue 14): under 100 ms at 5,000
charters, a constant number of statements.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, func, insert, select, text  # noqa: E402

from benchmarks.seed import company, monthly_readings  # noqa: E402
from sla_contracts import create_app  # noqa: E402
from sla_contracts.api.auth import issue_token  # noqa: E402
from sla_contracts.auth.passwords import hash_password  # noqa: E402
from sla_contracts.demo import data as demo_data  # noqa: E402
from sla_contracts.demo.seed import seed_demo  # noqa: E402
from sla_contracts.extensions import db  # noqa: E402
from sla_contracts.models import (  # noqa: E402
    Assessment,
    AssessmentCause,
    AssessmentResult,
    Charter,
    CharterStatus,
    CriterionReading,
    CustomerCriterion,
    Department,
    Membership,
    Review,
    ReviewStatus,
    Role,
    User,
)
from sla_contracts.timeutil import add_months, utcnow  # noqa: E402

PASSWORD = "bench-password"
CAUSES = (
    AssessmentCause.OWN_SIDE,
    AssessmentCause.OTHER_SIDE_PREREQUISITE,
    AssessmentCause.OUTSIDE,
    None,
)


def _last_month() -> date:
    return add_months(utcnow().date().replace(day=1), -1)


def seed_scale(count: int) -> tuple[int, int, int]:
    """The company at scale; returns (criterion id, admin id, head id)."""
    admin = company(count, status=CharterStatus.ACTIVE)
    written = monthly_readings(12, _last_month())
    criterion = db.session.scalar(select(CustomerCriterion))
    first = _last_month()
    db.session.execute(
        insert(CriterionReading),
        [
            {
                "criterion_id": criterion.id,
                "period": f"{d.year}-{d.month:02d}",
                "period_start": d,
                "value": 2.0 + (k % 5) / 10,
                "note": "",
                "history": [],
                "entered_at": utcnow(),
            }
            for k, d in enumerate(add_months(first, -k) for k in range(12))
        ],
    )
    charters = db.session.execute(
        select(Charter.id, Charter.department_a_id, Charter.department_b_id)
    ).all()
    now = utcnow()
    reviews = [
        {
            "charter_id": c.id,
            "due_on": (now - timedelta(days=30 + 91 * q)).date(),
            "status": ReviewStatus.CLOSED,
            "held_at": now - timedelta(days=30 + 91 * q),
            "closed_at": now - timedelta(days=30 + 91 * q),
            "satisfaction_a_of_b": 1 + (c.id + q) % 5,
            "satisfaction_b_of_a": 1 + (c.id * 3 + q) % 5,
            "created_at": now,
            "updated_at": now,
        }
        for c in charters
        for q in range(4)
    ]
    db.session.execute(insert(Review), reviews)
    rows = db.session.execute(
        select(Review.id, Review.charter_id, Charter.department_a_id, Charter.department_b_id).join(
            Charter, Charter.id == Review.charter_id
        )
    ).all()
    db.session.execute(
        insert(Assessment),
        [
            {
                "review_id": r.id,
                "provider_department_id": provider,
                "position": k,
                "title": "Livrer avant 7 h",
                "result": result,
                "cause": CAUSES[r.id % 4] if result == AssessmentResult.MISSED else None,
            }
            for r in rows
            for k, (provider, result) in enumerate(
                (
                    (r.department_a_id, AssessmentResult.MISSED),
                    (r.department_b_id, AssessmentResult.MET),
                )
            )
        ],
    )
    admin = db.session.get(User, admin.id)
    admin.password_hash = hash_password(PASSWORD)
    department = db.session.scalar(select(Department).order_by(Department.id))
    head = User(
        email="head@example.com",
        name="Hélène Head",
        password_hash=admin.password_hash,
        locale="fr",
    )
    db.session.add(head)
    db.session.flush()
    db.session.add(Membership(user_id=head.id, department_id=department.id, role=Role.HEAD))
    db.session.commit()
    # Statistics for the planner, as a database in use has them (autovacuum, or SQLite's
    # ANALYZE): without them PostgreSQL plans the aggregates over freshly inserted rows blind.
    with db.engine.connect() as connection:
        connection.execute(text("ANALYZE"))
        connection.commit()
    print(
        f"seeded {count} charters, {written} readings, {len(reviews)} closed reviews "
        f"({db.engine.dialect.name})"
    )
    return criterion.id, admin.id, head.id


def seed_demo_company() -> tuple[int, int, int]:
    """The demo; returns (its criterion with the most charters, admin id, a head's id)."""
    seed_demo()
    db.session.commit()
    criterion_id = db.session.execute(
        select(Charter.criterion_id, func.count())
        .where(Charter.status == CharterStatus.ACTIVE)
        .group_by(Charter.criterion_id)
        .order_by(func.count().desc())
    ).first()[0]
    admin = db.session.scalar(select(User).where(User.email == demo_data.ADMIN["email"]))
    head = db.session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .join(
            Charter,
            (Charter.department_a_id == Membership.department_id)
            | (Charter.department_b_id == Membership.department_id),
        )
        .where(Membership.role == Role.HEAD, Charter.criterion_id == criterion_id)
        .order_by(User.id)
    )
    for person in (admin, head):
        person.password_hash = hash_password(PASSWORD)
    db.session.commit()
    return criterion_id, admin.id, head.id


def measure(app, criterion_id: int, who: str, user_id: int) -> None:
    with app.app_context():
        user = db.session.get(User, user_id)
        email = user.email
        raw, _token = issue_token(user, utcnow())
        db.session.commit()
        engine = db.engine
    statements: list[str] = []

    def count(*args):
        statements.append(args[2])

    page_client = app.test_client()
    login = page_client.post("/login", data={"email": email, "password": PASSWORD})
    assert login.status_code == 302, login.status_code
    api_client = app.test_client()
    headers = {"Authorization": f"Bearer {raw}"}
    calls = {
        "page": lambda: page_client.get(f"/company/criteria/{criterion_id}"),
        "API": lambda: api_client.get(f"/api/v1/criteria/{criterion_id}/overview", headers=headers),
    }
    for name, call in calls.items():
        assert call().status_code == 200  # warm: templates compiled, the token's first use
        times = []
        for _ in range(7):
            statements.clear()
            event.listen(engine, "before_cursor_execute", count)
            started = time.perf_counter()
            response = call()
            times.append(time.perf_counter() - started)
            event.remove(engine, "before_cursor_execute", count)
            assert response.status_code == 200, response.status_code
        counted = [s for s in statements if not s.startswith(("BEGIN", "COMMIT", "ROLLBACK"))]
        size = len(response.data) / 1024
        print(
            f"  {name:>4} as {who:<5}: {statistics.median(times) * 1000:6.0f} ms median, "
            f"{len(counted):2d} statements, {size:.0f} kB"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--charters", type=int, default=5000)
    parser.add_argument("--database-url", default=None, help="for the scale run (default SQLite)")
    args = parser.parse_args()
    for label in ("demo", "scale"):
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/bench.sqlite"
            if label == "scale" and args.database_url:
                url = args.database_url
            app = create_app(
                {
                    "SQLALCHEMY_DATABASE_URI": url,
                    "SECRET_KEY": "bench",
                    "WTF_CSRF_ENABLED": False,
                    "RATELIMIT_ENABLED": False,
                }
            )
            with app.app_context():
                if label == "demo":
                    db.drop_all()
                    db.create_all()
                    criterion_id, admin_id, head_id = seed_demo_company()
                else:
                    criterion_id, admin_id, head_id = seed_scale(args.charters)
                charters = db.session.scalar(
                    select(func.count())
                    .select_from(Charter)
                    .where(
                        Charter.criterion_id == criterion_id,
                        Charter.status == CharterStatus.ACTIVE,
                    )
                )
                db.session.remove()
            print(f"{label}: criterion {criterion_id}, {charters} charters in force tied to it")
            measure(app, criterion_id, "admin", admin_id)
            measure(app, criterion_id, "head", head_id)
    print(f"(run at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC)")


if __name__ == "__main__":
    main()
