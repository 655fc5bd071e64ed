"""Benchmark the API's lists at company scale (prints figures; not a test).

    .venv/bin/python benchmarks/bench_api_lists.py [--charters 5000] [--database-url URL]

An administrator of a company with 5,000 charters (two commitments each, 40 departments)
asks ``GET /api/v1/charters`` through the Flask test client with a Bearer token: the time
(median of 7) and size of the first page, the SQL statements it takes, and the time to walk
every page through ``next``. Target: the first page under 100 ms and 100 kB whatever the
number of charters; a bounded number of statements per page.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event  # noqa: E402

from benchmarks.seed import company  # noqa: E402
from sla_contracts import create_app  # noqa: E402
from sla_contracts.api.auth import issue_token  # noqa: E402
from sla_contracts.extensions import db  # noqa: E402
from sla_contracts.timeutil import utcnow  # noqa: E402


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
            admin = company(args.charters)
            raw, _token = issue_token(admin, utcnow())
            db.session.commit()
            print(f"seeded {args.charters} charters in {time.perf_counter() - started:.1f} s")
            client = app.test_client()
            headers = {"Authorization": f"Bearer {raw}"}
            statements = []
            event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))

            times, size = [], 0
            for _ in range(7):
                statements.clear()
                started = time.perf_counter()
                response = client.get("/api/v1/charters", headers=headers)
                times.append(time.perf_counter() - started)
                assert response.status_code == 200, response.status_code
                size = len(response.data)
                db.session.remove()
            body = response.get_json()
            print(
                f"first page: {statistics.median(times) * 1000:.0f} ms median, "
                f"{size / 1024:.0f} kB, {len(body['charters'])} charters of "
                f"{body.get('total', len(body['charters']))}, {len(statements)} statements"
            )
            if body.get("next"):
                started, pages, seen = time.perf_counter(), 1, len(body["charters"])
                url = body["next"]
                while url:
                    page = client.get(url, headers=headers).get_json()
                    pages, seen = pages + 1, seen + len(page["charters"])
                    url = page["next"]
                print(
                    f"walked {pages} pages ({seen} charters) in "
                    f"{time.perf_counter() - started:.1f} s"
                )


if __name__ == "__main__":
    main()
