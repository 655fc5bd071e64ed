"""Every response carries the security headers (pages, API, PDFs, static files, errors); every
PDF is private and never cached; HSTS only when the app is served over HTTPS."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sla_contracts.extensions import db
from sla_contracts.models import ReviewStatus
from sla_contracts.signing import share_links

EXPECTED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
# An inline <script>/<style>, an on…= handler, a style= attribute or a javascript: URL.
INLINE_CODE = re.compile(
    r"<script(?![^>]*\ssrc=)|<style|<[^>]+\s(?:on[a-z]+|style)\s*=|javascript:", re.I
)
PRIVATE_PDF = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"}


def assert_security_headers(response, referrer: str = "same-origin") -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives.get("default-src") == "'self'", csp
    assert directives.get("script-src") == "'self'", csp  # no 'unsafe-inline', no other host
    assert directives.get("style-src") == "'self'", csp
    assert directives.get("frame-ancestors") == "'none'", csp
    assert "unsafe" not in csp
    assert {name: response.headers.get(name) for name in EXPECTED} == {
        **EXPECTED,
        "Referrer-Policy": referrer,
    }
    assert "Strict-Transport-Security" not in response.headers


@pytest.fixture
def reader(org, login_as, signed, started_review):
    """A head of side A, logged in, with a signed charter and a review under way."""
    return login_as(org.head_a)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/charters/{charter}",
        "/charters/{charter}/share",
        "/charters/{charter}/history",
        "/reviews/{review}",
        "/inbox",
        "/preferences",
        "/verify",
    ],
)
def test_pages_carry_the_security_headers(reader, signed, started_review, path):
    response = reader.get(path.format(charter=signed.id, review=started_review.id))
    assert response.status_code == 200, path
    assert_security_headers(response)
    assert not INLINE_CODE.search(response.get_data(as_text=True)), path


def test_no_template_has_inline_script_handler_or_style():
    """The policy would block them: behaviour goes in static/js/app.js, looks in app.css."""
    pages = Path(__file__).resolve().parents[1] / "templates"
    offenders = [
        str(path.relative_to(pages))
        for path in pages.rglob("*.html")
        if path.parent.name != "pdf"  # rendered by WeasyPrint, never by a browser
        and INLINE_CODE.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


@pytest.mark.parametrize("path", ["/login", "/static/css/app.css", "/static/js/app.js"])
def test_anonymous_pages_and_static_files_carry_them(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert_security_headers(response)


def test_errors_carry_them(client, reader):
    assert_security_headers(client.get("/no-such-page"))  # 404 page
    assert_security_headers(reader.get("/charters/999999"))
    assert_security_headers(client.get("/api/v1/charters/1"))  # 401, the API's error JSON


def test_api_json_carries_them(org, signed, api_as):
    response = api_as(org.head_a).get(f"/api/v1/charters/{signed.id}")
    assert response.status_code == 200 and response.is_json
    assert_security_headers(response)


def test_every_pdf_is_private_and_not_sniffed(org, signed, started_review, reader, api_as, client):
    _link, token = share_links.create_share_link(org.head_a, signed, 7)
    started_review.transition(ReviewStatus.CLOSED)
    db.session.commit()
    pdfs = {
        "page": reader.get(f"/charters/{signed.id}/versions/1/pdf"),
        "api": api_as(org.head_a).get(f"/api/v1/charters/{signed.id}/versions/1/pdf"),
        "share link": client.get(f"/s/{token}"),
        "minutes": reader.get(f"/reviews/{started_review.id}/minutes.pdf"),
    }
    for name, response in pdfs.items():
        assert response.status_code == 200 and response.mimetype == "application/pdf", name
        assert {k: response.headers.get(k) for k in PRIVATE_PDF} == PRIVATE_PDF, name
        assert response.headers["Content-Disposition"].endswith('.pdf"'), name
        # The share link's token is in its URL: it keeps its stricter referrer policy.
        assert_security_headers(response, "no-referrer" if name == "share link" else "same-origin")


def test_html_pages_are_not_marked_private(client):
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")


class TestOverHttps:
    @pytest.fixture
    def app_config(self):
        return {"SESSION_COOKIE_SECURE": True}

    def test_hsts_is_sent_on_every_response(self, client):
        for path in ("/login", "/static/css/app.css", "/no-such-page", "/api/v1/charters/1"):
            hsts = client.get(path).headers.get("Strict-Transport-Security", "")
            assert hsts.startswith("max-age=31536000"), path
