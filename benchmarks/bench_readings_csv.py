"""Benchmark reading entry by CSV (issue 13): a 10,000-line file previewed, then written.

    .venv/bin/python benchmarks/bench_readings_csv.py [--rows 10000] [--database-url URL]

A charter in force with 100 measured commitments (monthly); the file has one line per
commitment and month, going back as many months as needed (10,000 lines: 100 months),
semicolon separated with decimal commas, as French Excel writes it. Through the real pages
(Flask test client, signed in, CSRF on): the upload and its preview (every line read and checked,
nothing written), then the confirmation that writes them all, then the same file confirmed once
more (every period replaced: the history path). For each: wall time, SQL statements, and the peak
of Python memory allocated during the request (tracemalloc). Goal: each under 2 s, memory
proportional to the file (not to the readings already stored), statements constant.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, func, select  # noqa: E402

from sla_contracts import create_app, periods  # noqa: E402
from sla_contracts.auth.passwords import hash_password  # noqa: E402
from sla_contracts.extensions import db  # noqa: E402
from sla_contracts.models import (  # noqa: E402
    Charter,
    CharterStatus,
    Commitment,
    CustomerCriterion,
    Department,
    Direction,
    Membership,
    Reading,
    Role,
    User,
)
from sla_contracts.timeutil import utcnow  # noqa: E402

COMMITMENTS = 100
PASSWORD = "bench password"


def engine_name() -> str:
    return db.engine.name


def seed() -> Charter:
    db.drop_all()
    db.create_all()
    a, b = Department(name="Logistique", code="LOG"), Department(name="Magasins", code="MAG")
    criterion = CustomerCriterion(
        name="Taux de rupture en rayon",
        definition="Part des références absentes du rayon.",
        unit="%",
        direction=Direction.LOWER_IS_BETTER,
        target=2.0,
    )
    head = User(email="head@example.com", name="Alice Head", password_hash=hash_password(PASSWORD))
    db.session.add_all([a, b, criterion, head])
    db.session.flush()
    db.session.add(Membership(user_id=head.id, department_id=a.id, role=Role.HEAD))
    charter = Charter(
        title="Logistique ⇄ Magasins",
        department_a_id=a.id,
        department_b_id=b.id,
        criterion_id=criterion.id,
        review_cadence_months=3,
        status=CharterStatus.ACTIVE,
        created_by_id=head.id,
    )
    db.session.add(charter)
    db.session.flush()
    for i in range(COMMITMENTS):
        db.session.add(
            Commitment(
                charter_id=charter.id,
                provider_department_id=(a.id, b.id)[i % 2],
                title=f"Engagement {i + 1}",
                service_standard="Chaque magasin livré avant l'ouverture.",
                indicator="Part des livraisons avant 7 h",
                target="98",
                target_value=98.0,
                unit="%",
                measurement_frequency="Mensuelle",
                customer_impact="Des rayons pleins à l'ouverture.",
                position=i // 2 + 1,
            )
        )
    db.session.commit()
    return charter


def csv_text(charter: Charter, rows: int, today: date) -> str:
    ids = [c.id for c in charter.commitments]
    months = -(-rows // len(ids))
    period = periods.of(periods.PeriodKind.MONTH, today)
    keys = []
    for _ in range(months):
        keys.append(period.key)
        period = period.previous()
    lines = ["commitment_id;period;value;note"]
    for n in range(rows):
        cid, key = ids[n % len(ids)], keys[n // len(ids)]
        lines.append(f"{cid};{key};{90 + (n % 97) / 10:.1f}".replace(".", ",") + ";")
    return "\ufeff" + "\r\n".join(lines) + "\r\n"


FIGURES: dict[str, str] = {}


def measured(label: str, statements: list, call, *, trace: bool):
    """Time a request (trace=False) or the peak of memory it allocates (trace=True: tracemalloc
    slows Python down several times, so time and memory come from two runs of the scenario)."""
    statements.clear()
    if trace:
        tracemalloc.start()
    started, cpu = time.perf_counter(), time.process_time()
    response = call()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if trace:
        _size, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"{label}: {FIGURES[label]}, peak {peak / 1024 / 1024:.1f} MB allocated")
    else:
        FIGURES[label] = (
            f"{elapsed:.2f} s ({cpu:.2f} s of CPU), {len(statements)} statements, "
            f"HTTP {response.status_code}"
        )
    return response


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    scenario(args, trace=False)
    scenario(args, trace=True)


def scenario(args: argparse.Namespace, *, trace: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
        with app.app_context():
            charter = seed()
            text = csv_text(charter, args.rows, utcnow().date())
            charter_id = charter.id
            if not trace:
                print(f"{args.rows} lines, {len(text.encode()) / 1024:.0f} kB, on {engine_name()}")
            engine = db.engine
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        client.post(
            "/login",
            data={"email": "head@example.com", "password": PASSWORD, "csrf_token": token},
        )
        if True:
            statements: list = []
            event.listen(engine, "before_cursor_execute", lambda *a: statements.append(1))

            def upload():
                return client.post(
                    f"/charters/{charter_id}/readings/upload",
                    data={"csrf_token": token, "file": (BytesIO(text.encode()), "mesures.csv")},
                    content_type="multipart/form-data",
                )

            preview = measured(
                "preview (read + check, nothing written)", statements, upload, trace=trace
            )
            assert preview.status_code == 200, preview.get_data(as_text=True)[:2000]
            body = preview.get_data(as_text=True)
            signed = re.search(r'name="content" type="hidden" value="([^"]+)"', body).group(1)
            if not trace:
                print(
                    f"  preview page {len(body) / 1024:.0f} kB, signed {len(signed) / 1024:.0f} kB"
                )

            def confirm():
                return client.post(
                    f"/charters/{charter_id}/readings/confirm",
                    data={"csrf_token": token, "content": signed},
                )

            first = measured("confirm (write, all new)", statements, confirm, trace=trace)
            assert first.status_code == 302, first.get_data(as_text=True)[:2000]
            with app.app_context():
                stored = db.session.scalar(select(func.count()).select_from(Reading))
            if not trace:
                print(f"  {stored} readings stored")
            text = text.replace(";\r\n", ";corrigé\r\n")  # every period replaced, with a note
            preview = upload()
            signed = re.search(
                r'name="content" type="hidden" value="([^"]+)"', preview.get_data(as_text=True)
            ).group(1)
            again = measured("confirm (write, all replaced)", statements, confirm, trace=trace)
            assert again.status_code == 302
            page = measured(
                "readings page (last 24 periods of each commitment)",
                statements,
                lambda: client.get(f"/charters/{charter_id}/readings"),
                trace=trace,
            )
            if not trace:
                print(f"  readings page {len(page.data) / 1024:.0f} kB")


if __name__ == "__main__":
    main()
