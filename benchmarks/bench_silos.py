"""Benchmark the silo index and the company map's pair states at scale (prints figures; not a test).

    .venv/bin/python benchmarks/bench_silos.py [--charters 5000] [--database-url URL]

5,000 charters in force between 40 departments, a year of monthly readings, every one of the
780 pairs declared dependent: the time (median of 5) and SQL statements of
``directory.silos.silo_state``, ``silo_map`` over ``company_map`` and the job
``store_silo_index`` (run twice: still one row for the month).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, func, insert, select  # noqa: E402

from benchmarks.seed import company, monthly_readings  # noqa: E402
from sla_contracts import create_app, jobs  # noqa: E402
from sla_contracts.directory import map_view, silos  # noqa: E402
from sla_contracts.extensions import db  # noqa: E402
from sla_contracts.models import CharterStatus, Department, DependentPair, SiloIndexMonth  # noqa: E402


def _timed(call, statements: list[str]) -> tuple[float, int]:
    times, counts = [], []
    for _ in range(5):
        statements.clear()
        db.session.expire_all()
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
        counts.append(len([s for s in statements if not s.startswith(("BEGIN", "ROLLBACK"))]))
        db.session.rollback()
    return statistics.median(times) * 1000, max(counts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--charters", type=int, default=5000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
        with app.app_context():
            company(args.charters, status=CharterStatus.ACTIVE)
            monthly_readings(12, date(2026, 11, 1))
            ids = sorted(db.session.scalars(select(Department.id)))
            pairs = [
                {"department_low_id": a, "department_high_id": b}
                for i, a in enumerate(ids)
                for b in ids[i + 1 :]
            ]
            db.session.execute(insert(DependentPair), pairs)
            db.session.commit()
            statements: list[str] = []
            event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
            today = date(2026, 12, 4)
            ms, n = _timed(lambda: silos.silo_state(today), statements)
            print(f"silo_state: {ms:.0f} ms, {n} statements ({len(pairs)} dependent pairs)")
            ms, n = _timed(lambda: map_view.company_map(today), statements)
            print(f"company_map alone: {ms:.0f} ms, {n} statements")
            ms, n = _timed(lambda: silos.silo_map(map_view.company_map(today)), statements)
            print(f"company_map + silo_map: {ms:.0f} ms, {n} statements")
            now = datetime(2026, 12, 4, 8, tzinfo=UTC)
            for run in (1, 2):
                statements.clear()
                started = time.perf_counter()
                jobs.store_silo_index(now)
                print(
                    f"store_silo_index run {run}: {(time.perf_counter() - started) * 1000:.0f} ms, "
                    f"{db.session.scalar(select(func.count(SiloIndexMonth.id)))} month row"
                )


if __name__ == "__main__":
    main()
