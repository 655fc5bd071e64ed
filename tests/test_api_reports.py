"""GET /api/v1/reports/{month} and …/pdf: the report's values and its stored PDF."""

from __future__ import annotations

from sla_contracts.extensions import db
from tests.api_helpers import check_response, served_document
from tests.plugins.reviews import plain
from tests.report_helpers import march
from tests.signing_helpers import pdf_text

PATH = "/api/v1/reports/{month}"
PDF_PATH = "/api/v1/reports/{month}/pdf"


def test_report_as_json_for_admins_and_leadership(app, org, api_as, make_user):
    march(org)
    boss = make_user("boss@example.com", "Bea Boss")
    boss.is_leadership = True
    db.session.commit()
    for user in (org.admin, boss):
        answer = api_as(user).get("/api/v1/reports/2026-03")
        assert answer.status_code == 200
        check_response(answer, "GET", PATH)
        body = answer.get_json()
        assert body["charters"]["in_force"] == 3 and body["reviews"]["late"] == 1
        assert body["irritants"][0]["count"] == 3
    for user in (org.head_a, org.member_b, org.outsider):
        for url in ("/api/v1/reports/2026-03", "/api/v1/reports/2026-03/pdf", "/api/v1/reports/x"):
            answer = api_as(user).get(url)
            assert answer.status_code == 403, url
            assert answer.get_json()["error"]["code"] == "forbidden"
    assert api_as(None).get("/api/v1/reports/2026-03").status_code == 401


def test_malformed_month_is_422_and_a_future_one_404(app, org, api_as):
    client = api_as(org.admin)
    for bad in ("2026-13", "2026-3", "march", "1999-12"):
        answer = client.get(f"/api/v1/reports/{bad}")
        assert answer.status_code == 422, bad
        assert answer.get_json()["error"]["code"] == "validation_error"
        check_response(answer, "GET", PATH)
    answer = client.get("/api/v1/reports/2999-01")
    assert answer.status_code == 404
    check_response(answer, "GET", PATH)


def test_report_pdf_download(app, org, api_as):
    march(org)
    answer = api_as(org.admin).get("/api/v1/reports/2026-03/pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert "Report for leadership" in plain(pdf_text(answer.data))
    assert (
        "application/pdf"
        in served_document()["paths"][PDF_PATH]["get"]["responses"]["200"]["content"]
    )
