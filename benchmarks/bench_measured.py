"""Benchmark the computed statuses of commitments at company scale (prints figures; not a test).

    .venv/bin/python benchmarks/bench_measured.py [--charters 5000] [--database-url URL]

5,000 charters in force, one commitment each way, a year of monthly readings each (120,000
readings): the time (median of 5) and SQL statements ``models.measured.charter_measures``
takes for 1, 100 and all the charters. Goal (issue 13): a constant number of statements
whatever the count, all of them under 1 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, select  # noqa: E402

from benchmarks.seed import company, monthly_readings  # noqa: E402
from sla_contracts import create_app  # noqa: E402
from sla_contracts.extensions import db  # noqa: E402
from sla_contracts.models import Charter, CharterStatus, measured  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--charters", type=int, default=5000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
        with app.app_context():
            started = time.perf_counter()
            company(args.charters, status=CharterStatus.ACTIVE)
            written = monthly_readings(12, date(2026, 11, 1))
            print(
                f"seeded {args.charters} charters, {written} readings "
                f"in {time.perf_counter() - started:.1f} s ({db.engine.dialect.name})"
            )
            ids = list(db.session.scalars(select(Charter.id).order_by(Charter.id)))
            statements: list[str] = []
            event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
            for size in (1, 100, len(ids)):
                times = []
                for _ in range(5):
                    statements.clear()
                    started = time.perf_counter()
                    found = measured.charter_measures(ids[:size])
                    times.append(time.perf_counter() - started)
                    db.session.rollback()
                missed = sum(m.missed for m in found.values())
                counted = [s for s in statements if not s.startswith(("BEGIN", "ROLLBACK"))]
                print(
                    f"{size:>5} charters: {statistics.median(times) * 1000:.0f} ms median, "
                    f"{len(counted)} statements, {missed} commitments missed on their "
                    "latest reading"
                )


if __name__ == "__main__":
    main()
