"""Benchmark the stored minutes PDF (prints figures; not a test).

    .venv/bin/python benchmarks/bench_minutes_pdf.py [--database-url URL] [--downloads N]

On the demo organisation (``seed-demo``), the closed review with the longest history, as one of
its heads in the browser's language:

1. the first download: the minutes' values read, the content key computed, the PDF rendered
   (WeasyPrint, the chart's SVG) and stored;
2. the following downloads: the values read and hashed, the stored bytes sent (no render);
3. the same after a change to what the minutes show (a department renamed): one render again.

The number of renders is counted through the real renderer, so the figures say what they time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, event, func, select  # noqa: E402

from sla_contracts import create_app  # noqa: E402
from sla_contracts.extensions import db  # noqa: E402
from sla_contracts.models import (  # noqa: E402
    Membership,
    Review,
    ReviewMinutesPdf,
    ReviewStatus,
    Role,
    User,
)
from sla_contracts.reviews import minutes_store  # noqa: E402

RENDERS: list[str] = []
_real_render = minutes_store.render_minutes


def _counted(values, chart, locale="fr"):
    RENDERS.append(locale)
    return _real_render(values, chart, locale)


minutes_store.render_minutes = _counted


def make_app(url: str):
    return create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False}
    )


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--downloads", type=int, default=50)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp())}/bench.sqlite"
    app = make_app(url)
    runner = app.test_cli_runner()
    for command in (["init-db"], ["seed-demo"]):
        result = runner.invoke(args=command)
        assert result.exit_code == 0, result.output
    with app.app_context():
        charter_id, history, review_id = db.session.execute(
            select(Review.charter_id, func.count(), func.max(Review.id))
            .where(Review.status == ReviewStatus.CLOSED)
            .group_by(Review.charter_id)
            .order_by(func.count().desc(), Review.charter_id)
        ).first()
        review = db.session.get(Review, review_id)
        head = db.session.scalar(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.role == Role.HEAD,
                Membership.department_id.in_(review.charter.department_ids),
            )
            .order_by(User.id)
        )
        db.session.execute(delete(ReviewMinutesPdf))  # the seed's closings stored theirs
        db.session.commit()
        email, language = head.email, minutes_store.minutes_language(head.locale)
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": "demo"})
    assert response.status_code == 302, response.status_code
    path = f"/reviews/{review_id}/minutes.pdf"

    def download() -> float:
        start = time.perf_counter()
        response = client.get(path)
        elapsed = time.perf_counter() - start
        assert response.status_code == 200 and response.data.startswith(b"%PDF-")
        return elapsed

    print(f"Minutes of review {review_id} (charter {charter_id}, {history} closed reviews on its")
    print(f"chart), read in {language!r} by a head of the charter")
    first = download()
    print(f"  first download (render and store):   {ms(first)}   renders: {len(RENDERS)}")
    statements = [0]

    def count(*_args) -> None:
        statements[0] += 1

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
    times = sorted(download() for _ in range(args.downloads))
    with app.app_context():
        event.remove(db.engine, "before_cursor_execute", count)
    print(
        f"  next {len(times)} downloads (stored copy):  median {ms(statistics.median(times))}, "
        f"p90 {ms(times[int(len(times) * 0.9)])}   renders: {len(RENDERS)}"
    )
    print(f"  statements per stored download: {statements[0] / len(times):.0f}")
    print(f"  speed-up first / median next: {first / statistics.median(times):.0f}x")
    with app.app_context():
        department = db.session.get(Review, review_id).charter.department_a
        department.name = f"{department.name} (renamed)"
        db.session.commit()
    changed = download()
    again = download()
    print(
        f"  after a department was renamed:     {ms(changed)} (render), then {ms(again)}"
        f"   renders: {len(RENDERS)}"
    )


if __name__ == "__main__":
    main()
