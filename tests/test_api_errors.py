"""Under /api/v1 every answer is JSON, errors included: 404, 405 (with Allow), 413, 500."""

from __future__ import annotations

import pytest

from sla_contracts import create_app, notifications
from sla_contracts.notifications import inbox
from tests.api_helpers import ApiClient, assert_error, token_for
from tests.plugins.app_db import IsolatedClient, app_test_config
from tests.plugins.people import Browser


@pytest.fixture
def quiet_app(database_url):
    """The test app, but exceptions become answers (as in production), not test failures."""
    app = create_app(app_test_config(database_url, PROPAGATE_EXCEPTIONS=False))
    app.test_client_class = IsolatedClient
    return app


def _boom(*_args, **_kwargs):
    raise RuntimeError("the database fell over")


def test_an_unexpected_exception_is_a_json_500(org, quiet_app, monkeypatch, caplog):
    monkeypatch.setattr(notifications, "inbox_query", _boom)
    api = ApiClient(quiet_app.test_client(), token_for(org.head_a))
    response = api.get("/api/v1/notifications")
    error = assert_error(response, 500, "server_error")
    assert "database fell over" not in error["message"]  # nothing of the inside leaks
    assert "RuntimeError" in caplog.text  # but it is logged


def test_an_unexpected_exception_on_a_page_is_still_the_html_page(org, quiet_app, monkeypatch):
    monkeypatch.setattr(inbox, "page_of", _boom)
    browser = Browser(quiet_app.test_client())
    browser.login(org.head_a)
    response = browser.get("/inbox")
    assert response.status_code == 500
    assert response.mimetype == "text/html"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("TRACE", "/api/v1/notifications", {"GET", "HEAD", "OPTIONS"}),
        ("PUT", "/api/v1/notifications", {"GET", "HEAD", "OPTIONS"}),
        ("DELETE", "/api/v1/departments", {"GET", "HEAD", "OPTIONS", "POST"}),
        ("GET", "/api/v1/notifications/read-all", {"POST", "OPTIONS"}),
        ("PATCH", "/api/v1/openapi.json", {"GET", "HEAD", "OPTIONS"}),
        ("BREW", "/api/v1/me", {"GET", "HEAD", "OPTIONS"}),
    ],
)
def test_an_unsupported_method_is_a_json_405_saying_what_is_allowed(
    org, api_as, method, path, allowed
):
    for api in (api_as(org.head_a), api_as(None)):
        response = api.request(method, path)
        assert_error(response, 405, "method_not_allowed")
        assert {m.strip() for m in response.headers["Allow"].split(",")} == allowed


def test_a_web_page_405_says_what_is_allowed_too(client):
    response = client.open("/login", method="PUT")
    assert response.status_code == 405
    assert response.mimetype == "text/html"
    assert "POST" in response.headers["Allow"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/nothing-here"),
        ("POST", "/api/v1/nothing-here"),
        ("GET", "/api/v1/"),
        ("POST", "/api/v1/notifications/abc/read"),
        ("POST", "/api/v1/notifications/1/unknown"),
    ],
)
def test_an_unknown_path_is_a_json_404(org, api_as, method, path):
    for api in (api_as(org.head_a), api_as(None)):
        assert_error(api.request(method, path), 404, "not_found")


def test_a_body_too_large_is_a_json_413(app, org, api_as):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    api = api_as(org.head_a)
    response = api.post("/api/v1/notifications/read-all", json={"padding": "x" * 2000})
    error = assert_error(response, 413, "too_large")
    assert "body" in error["message"]
    admin = api_as(org.admin)
    response = admin.post("/api/v1/departments", json={"name": "x" * 2000, "code": "BIG"})
    assert_error(response, 413, "too_large")


def test_options_answers_no_content_and_the_allowed_methods(org, api_as, client):
    assert client.options("/api/v1/departments").status_code == 401  # JSON, like any call
    response = api_as(org.head_a).request("OPTIONS", "/api/v1/departments")
    assert response.status_code == 204
    assert response.get_data() == b""
    assert "Content-Type" not in response.headers
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}
    assert "Access-Control-Allow-Origin" not in response.headers
