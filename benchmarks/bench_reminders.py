"""Plan reminders over 20,000 active charters: time and number of SQL statements.

Run: .venv/bin/python benchmarks/bench_reminders.py  (SQLite in a temp folder; set
BENCH_DATABASE_URL=postgresql+psycopg://... to use PostgreSQL — its tables are dropped first).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, func, insert, select  # noqa: E402

from sla_contracts import create_app  # noqa: E402
from sla_contracts.extensions import db  # noqa: E402
from sla_contracts.models import (  # noqa: E402
    Charter,
    CustomerCriterion,
    Department,
    Direction,
    Membership,
    Notification,
    Reminder,
    Review,
    Role,
    User,
)

CHARTERS = 20_000
NOW = datetime(2027, 3, 1, 7, 0, tzinfo=UTC)


def seed() -> None:
    departments = [Department(name=f"Department {i}", code=f"D{i}") for i in range(40)]
    db.session.add_all(departments)
    criterion = CustomerCriterion(name="Out-of-stock", definition="d", unit="%",
                                  direction=Direction.LOWER_IS_BETTER, target=2.0)  # fmt: skip
    db.session.add(criterion)
    db.session.flush()
    for i, department in enumerate(departments):
        user = User(email=f"head{i}@example.com", name=f"Head {i}", password_hash="x",
                    locale="fr" if i % 2 else "en")  # fmt: skip
        db.session.add(user)
        db.session.flush()
        db.session.add(Membership(user_id=user.id, department_id=department.id, role=Role.HEAD))
    rows = []
    for n in range(CHARTERS):
        a = departments[n % 40]
        b = departments[(n + 1 + n // 40) % 40]
        if a.id == b.id:
            b = departments[(n + 2) % 40]
        rows.append({
            "title": f"Charter {n}", "department_a_id": a.id, "department_b_id": b.id,
            "criterion_id": criterion.id, "review_cadence_months": 3, "status": "active",
            "next_review_on": date(2027, 3, 1) + timedelta(days=n % 90), "lock_version": 1,
            "created_at": NOW, "updated_at": NOW,
        })  # fmt: skip
    db.session.execute(insert(Charter), rows)
    db.session.commit()


def measured(label: str, fn) -> None:
    statements = [0]

    def count(*_a, **_k):
        statements[0] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    start = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - start
    event.remove(db.engine, "before_cursor_execute", count)
    print(f"{label:<48} {elapsed:6.2f} s  {statements[0]:5d} SQL statements  result={result}")


def main() -> None:
    from sla_contracts import jobs

    url = os.environ.get("BENCH_DATABASE_URL")
    folder = tempfile.mkdtemp()
    url = url or f"sqlite:///{folder}/bench.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "MAIL_SERVER": ""})
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.create_all()
        seed()
        print(f"{CHARTERS} active charters on {db.engine.dialect.name}")
        measured("first run: plan 20,000 reviews + reminders", lambda: jobs.plan_reminders(NOW))
        measured("same moment again (nothing new)", lambda: jobs.plan_reminders(NOW))
        measured("next day", lambda: jobs.plan_reminders(NOW + timedelta(days=1)))
        measured("mark_overdue 30 days later", lambda: jobs.mark_overdue(NOW + timedelta(30)))
        measured("30 days later (overdue + before)",
                 lambda: jobs.plan_reminders(NOW + timedelta(days=30)))  # fmt: skip
        print("reviews:", db.session.scalar(select(func.count()).select_from(Review)),
              "reminders:", db.session.scalar(select(func.count()).select_from(Reminder)),
              "notifications:",
              db.session.scalar(select(func.count()).select_from(Notification)))  # fmt: skip
        db.session.remove()
        if url.startswith("postgresql"):
            db.drop_all()


if __name__ == "__main__":
    main()
