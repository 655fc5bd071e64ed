"""Benchmark the charter PDF (prints figures; not a test).

    .venv/bin/python benchmarks/bench_pdf.py [--database-url URL]

1. A 40-commitment charter: the app's first render of its PDF (values from the database,
   Jinja, QR code, restricted URL fetcher, WeasyPrint) against bare WeasyPrint on the same
   HTML with its default fetcher. Target: app / bare <= 1.15.
2. The median time to download the stored signed PDF through the Flask test client, as a
   logged-in member (permission check and the "exported" audit event included). Target: < 10 ms.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402
from weasyprint import HTML  # noqa: E402

from sla_contracts import create_app  # noqa: E402
from sla_contracts.auth.passwords import hash_password  # noqa: E402
from sla_contracts.extensions import db  # noqa: E402
from sla_contracts.models import (  # noqa: E402
    Charter,
    CharterVersion,
    Commitment,
    CustomerCriterion,
    Department,
    Direction,
    Membership,
    Role,
    User,
)
from sla_contracts.pdf import render_html  # noqa: E402
from sla_contracts.signing import pdf_store, signatures  # noqa: E402

PASSWORD = "bench-password"
WARM_UP = """<html lang="fr"><style>@page { size: A4; @bottom-right { content: counter(page)
" / " counter(pages) } } body { font-family: "DejaVu Sans"; hyphens: auto }
.m { font-family: "DejaVu Sans Mono" }</style><body><h1>Échauffement</h1>
<table><thead><tr><th>Colonne</th><th>Autre</th></tr></thead><tbody>
<tr><td>Une phrase suffisamment longue pour déclencher la césure automatique des mots
extraordinairement interminables.</td><td class="m">0123456789abcdef</td></tr></tbody></table>
<svg width="20" height="20"><path d="M0 0h10v10h-10z"/></svg></body></html>"""


def build(app) -> tuple[Charter, User, User, User]:
    db.drop_all()
    db.create_all()
    log = Department(name="Logistique", code="LOG")
    mag = Department(name="Magasins", code="MAG")
    password_hash = hash_password(PASSWORD)
    users = []
    for email, name, dept, role in (
        ("alice@example.com", "Alice Martin", log, Role.HEAD),
        ("bruno@example.com", "Bruno Petit", mag, Role.HEAD),
        ("mia@example.com", "Mia Member", mag, Role.MEMBER),
    ):
        user = User(email=email, name=name, password_hash=password_hash, locale="fr")
        db.session.add(user)
        db.session.add(Membership(user=user, department=dept, role=role))
        users.append(user)
    criterion = CustomerCriterion(
        name="Taux de rupture en rayon",
        definition="Part des références absentes du rayon à l'ouverture.",
        unit="%",
        direction=Direction.LOWER_IS_BETTER,
        target=2.0,
    )
    charter = Charter(
        title="Logistique ⇄ Magasins",
        department_a=log,
        department_b=mag,
        criterion=criterion,
        review_cadence_months=3,
        created_by=users[0],
    )
    db.session.add(charter)
    db.session.flush()
    for i in range(40):
        dept = log if i % 2 == 0 else mag
        db.session.add(
            Commitment(
                charter=charter,
                provider_department_id=dept.id,
                title=f"Engagement {i + 1} : livraison et réassort",
                service_standard="Livrer chaque magasin avant 7 h, six jours sur sept, "
                "avec un bon de livraison complet et contrôlé. " * 2,
                indicator="Part des livraisons arrivées avant 7 h",
                target="98",
                unit="%",
                measurement_method="Horodatage du scan à quai, consolidé chaque semaine",
                measurement_frequency="Hebdomadaire",
                customer_impact="Des rayons pleins à l'ouverture : moins de ruptures vues "
                "par le client.",
                position=i + 1,
            )
        )
    db.session.commit()
    return charter, *users


def make_app(url: str):
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "WTF_CSRF_ENABLED": False,
        }
    )


def bare_render(html: str) -> bytes:
    """Bare WeasyPrint, called like the app calls it: a function returning the bytes.

    (Timing the call inline at the top level would leave the freeing of the layout tree
    outside the measurement, about 15 % of the render here, and flatter the bare side.)
    """
    return HTML(string=html).write_pdf()


def child(kind: str, url: str, html_path: Path) -> None:
    """One fresh process, WeasyPrint warmed on an unrelated document, then one timed render."""
    HTML(string=WARM_UP).write_pdf()
    app = make_app(url)
    with app.app_context():
        version = db.session.scalar(select(CharterVersion).order_by(CharterVersion.id))
        gc.collect()
        if kind == "app":
            start = time.perf_counter()
            pdf_store.render_version_pdf(version)
            elapsed = time.perf_counter() - start
            values = pdf_store.pdf_values(version)
            html_path.write_text(render_html(pdf_store.PDF_TEMPLATE, locale="fr", **values))
        else:
            # Same process state as the app child when WeasyPrint starts (the app's values
            # and template loaded), but only bare WeasyPrint is timed.
            values = pdf_store.pdf_values(version)
            html = render_html(pdf_store.PDF_TEMPLATE, locale="fr", **values)
            assert html == html_path.read_text()
            del values
            gc.collect()
            start = time.perf_counter()
            bare_render(html)
            elapsed = time.perf_counter() - start
    print(f"{elapsed:.6f}")


def first_renders(url: str, html_path: Path, runs: int) -> tuple[list[float], list[float]]:
    """Time first renders, each in its own process, alternating app and bare."""
    app_times, bare_times = [], []
    for _ in range(runs):
        for kind, bucket in (("app", app_times), ("bare", bare_times)):
            out = (
                subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--child",
                        kind,
                        "--database-url",
                        url,
                        "--html",
                        str(html_path),
                    ],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                .stdout.strip()
                .splitlines()[-1]
            )
            bucket.append(float(out))
    return app_times, bare_times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--downloads", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", choices=["app", "bare"], default=None)
    parser.add_argument("--html", default=None)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.database_url, Path(args.html))
        return
    workdir = Path(tempfile.mkdtemp())
    url = args.database_url or f"sqlite:///{workdir}/bench.sqlite"
    app = make_app(url)
    with app.app_context():
        charter, head_a, head_b, member = build(app)
        version = signatures.submit_charter(head_a, charter)
        db.session.commit()
        db.session.remove()

    app_times, bare_times = first_renders(url, workdir / "charter.html", args.rounds)
    app_first, bare_first = statistics.median(app_times), statistics.median(bare_times)
    print("PDF of a 40-commitment charter: first render in a fresh process (WeasyPrint warmed")
    print(f"on an unrelated page), median of {args.rounds} processes each")
    print(
        f"  app (database, template, QR, restricted fetcher): {app_first * 1000:7.1f} ms "
        f"{[round(t * 1000) for t in app_times]}"
    )
    print(
        f"  bare WeasyPrint, same HTML, default fetcher:      {bare_first * 1000:7.1f} ms "
        f"{[round(t * 1000) for t in bare_times]}"
    )
    print(f"  ratio app / bare: {app_first / bare_first:.3f}  (target <= 1.15)")

    with app.app_context():
        charter = db.session.scalar(select(Charter))
        head_a, head_b = (
            db.session.scalar(select(User).where(User.email == e))
            for e in ("alice@example.com", "bruno@example.com")
        )
        version = db.session.scalar(select(CharterVersion))
        signatures.sign_charter(head_a, charter, version.number, PASSWORD, "127.0.0.1")
        signatures.sign_charter(head_b, charter, version.number, PASSWORD, "127.0.0.1")
        db.session.commit()
        charter_id = charter.id
        db.session.remove()

    client = app.test_client()
    response = client.post("/login", data={"email": "mia@example.com", "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    path = f"/charters/{charter_id}/versions/1/pdf"
    assert client.get(path).status_code == 200
    times = []
    for _ in range(args.downloads):
        start = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    times.sort()
    print(f"Download of the stored signed PDF ({len(response.data)} B), {len(times)} requests")
    print(
        f"  median {statistics.median(times) * 1000:.2f} ms, p90 "
        f"{times[int(len(times) * 0.9)] * 1000:.2f} ms  (target median < 10 ms)"
    )


if __name__ == "__main__":
    main()
