"""The report's PDF is stored once per month and language and re-rendered when it changes;
the CSV tables quote what a spreadsheet would run."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

from sla_contracts.company import report_store
from sla_contracts.extensions import db
from sla_contracts.models import CompanyReportPdf, Department
from tests.plugins.reviews import plain
from tests.report_helpers import MARCH, at, in_force, march
from tests.signing_helpers import pdf_text


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """Every real render of the report, by language (the renderer is called through)."""
    calls: list[str] = []
    real = report_store.render_report

    def counted(values, language):
        calls.append(language)
        return real(values, language)

    monkeypatch.setattr(report_store, "render_report", counted)
    return calls


def test_stored_pdf_is_reused_then_rendered_again_when_the_month_changes(app, org, renders):
    march(org)
    first = report_store.stored_report_pdf(MARCH, "en")
    text = plain(pdf_text(first))
    assert "Report for leadership" in text and "March 2026" in text
    assert "Late orders" in text and "<b>Rude</b> calls" in text  # quoted as written, escaped
    assert "Misses by cause" in text and "Cause not given" in text
    again = report_store.stored_report_pdf(MARCH, "en")
    assert again == first and renders == ["en"]  # the stored copy: no second render
    french = report_store.stored_report_pdf(MARCH, "fr")
    assert "mars 2026" in plain(pdf_text(french)) and renders == ["en", "fr"]

    db.session.get(Department, org.stores.id).name = "Magasins France"
    db.session.commit()
    changed = report_store.stored_report_pdf(MARCH, "en")
    assert renders == ["en", "fr", "en"] and "Magasins France" in plain(pdf_text(changed))
    rows = db.session.query(CompanyReportPdf).filter_by(month="2026-03").all()
    assert sorted(r.language for r in rows) == ["en", "fr"]  # replaced, not added
    assert report_store.stored_report_pdf(MARCH, "en") == changed and len(renders) == 3


def test_pdf_and_csv_downloads(app, org, login_as):
    march(org)
    in_force(org, '=HYPERLINK("http://evil")', at(6))
    admin = login_as(org.admin)
    answer = admin.get("/company/reports/2026-03/pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert "report-2026-03.pdf" in answer.headers["Content-Disposition"]
    answer = admin.get("/company/reports/2026-03/csv")
    assert answer.status_code == 200 and answer.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(answer.data))
    assert sorted(archive.namelist()) == [
        f"report-2026-03-{name}.csv"
        for name in (
            "charters",
            "criteria",
            "irritants",
            "misses_by_cause",
            "reviews",
            "satisfaction_gaps",
        )
    ]
    charters = list(
        csv.DictReader(io.StringIO(archive.read("report-2026-03-charters.csv").decode("utf-8-sig")))
    )
    titles = {row["title"] for row in charters}
    assert '\'=HYPERLINK("http://evil")' in titles and "Ended in March" in titles
