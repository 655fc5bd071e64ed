"""Benchmark the monthly report's data at company scale (prints figures; not a test).

    .venv/bin/python benchmarks/bench_report.py [--charters 5000] [--database-url URL]

The demo-sized company (20 charters) and 5,000 charters in force, one commitment each way,
a year of monthly readings each (120,000 readings), a review closed (or late) per charter in
the month: the time (median of 5) and SQL statements ``company.report.report_values`` takes
for the month, bounded lists (page, PDF, API) and every row (the CSV). Goal (issue 14): a
constant number of statements, under 500 ms at 5,000 charters. The machine may be shared:
say so beside the figures.
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

from sqlalchemy import event, text  # noqa: E402

from benchmarks.seed import company, monthly_readings, report_history  # noqa: E402
from sla_contracts import create_app  # noqa: E402
from sla_contracts.company import report  # noqa: E402
from sla_contracts.extensions import db  # noqa: E402
from sla_contracts.models import CharterStatus  # noqa: E402

MONTH = date(2026, 11, 1)


def measure(label: str, full: bool) -> None:
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    times = []
    try:
        for _ in range(5):
            statements.clear()
            started = time.perf_counter()
            values = report.report_values(MONTH, full=full)
            times.append(time.perf_counter() - started)
            db.session.rollback()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    print(
        f"{label:>28}: {statistics.median(times) * 1000:.0f} ms median, "
        f"{len(statements)} statements (in force {values['charters']['in_force']}, "
        f"reviews held {values['reviews']['held']}, late {values['reviews']['late']})"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--charters", type=int, default=5000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
        with app.app_context():
            for size in (20, args.charters):
                started = time.perf_counter()
                company(size, status=CharterStatus.ACTIVE)
                written = monthly_readings(12, MONTH)
                history = report_history(MONTH)
                # Planner statistics, as a database in use has them (autovacuum runs ANALYZE):
                # without them PostgreSQL plans over freshly inserted rows blind.
                with db.engine.begin() as connection:
                    connection.execute(text("ANALYZE"))
                print(
                    f"seeded {size} charters, {written} readings, {history} "
                    f"in {time.perf_counter() - started:.1f} s ({db.engine.dialect.name})"
                )
                measure(f"{size} charters, page", full=False)
                measure(f"{size} charters, CSV", full=True)


if __name__ == "__main__":
    main()
