"""API authentication: tokens, expiry, revocation, session cookie, rate limit, 401 JSON."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from sla_contracts.api.blueprint import PUBLIC_ENDPOINTS
from sla_contracts.extensions import db
from sla_contracts.models import ApiToken, Department
from sla_contracts.timeutil import utcnow
from tests.api_helpers import ApiClient, assert_error, check_response, flask_rule_to_openapi
from tests.plugins.people import TEST_PASSWORD


def test_token_is_issued_for_good_credentials_and_only_its_hash_is_stored(org, client):
    response = client.post(
        "/api/v1/tokens", json={"email": org.head_a.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 201
    check_response(response, "post", "/api/v1/tokens")
    body = response.get_json()
    token = body["token"]
    stored = db.session.scalars(select(ApiToken)).one()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stored.token_hash
    assert stored.expires_at - utcnow() > timedelta(days=29)
    assert body["expires_at"] == stored.expires_at.isoformat()

    me = ApiClient(client, token).get("/api/v1/me")
    assert me.status_code == 200
    check_response(me, "get", "/api/v1/me")
    assert me.get_json()["email"] == org.head_a.email
    assert me.get_json()["memberships"] == [{"department_id": org.logistics.id, "role": "head"}]


def test_e_mail_is_matched_without_case(org, client):
    response = client.post(
        "/api/v1/tokens", json={"email": org.head_a.email.upper(), "password": TEST_PASSWORD}
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {"email": "head.log@example.com", "password": "wrong"},
        {"email": "nobody@example.com", "password": TEST_PASSWORD},
    ],
)
def test_wrong_credentials_get_401_and_no_token(org, client, body):
    response = client.post("/api/v1/tokens", json=body)
    assert_error(response, 401, "unauthorized")
    assert db.session.scalars(select(ApiToken)).all() == []


def test_archived_user_gets_no_token(org, client):
    org.head_a.archived_at = utcnow()
    db.session.commit()
    response = client.post(
        "/api/v1/tokens", json={"email": org.head_a.email, "password": TEST_PASSWORD}
    )
    assert_error(response, 401, "unauthorized")


@pytest.mark.parametrize(
    "body, status, code, field",
    [
        ({"email": "a@example.com"}, 422, "validation_error", "password"),
        ({"email": "a@example.com", "password": "x", "scope": "all"}, 422, "validation_error",
         "scope"),
        ({"email": 3, "password": "x"}, 422, "validation_error", "email"),
        (["a@example.com", "x"], 400, "bad_request", None),
    ],
)  # fmt: skip
def test_token_request_must_be_well_formed(org, client, body, status, code, field):
    response = client.post("/api/v1/tokens", json=body)
    assert_error(response, status, code, field)


def test_token_request_that_is_not_json_is_400(org, client):
    response = client.post(
        "/api/v1/tokens", data={"email": org.head_a.email, "password": TEST_PASSWORD}
    )
    assert_error(response, 400, "bad_request")
    response = client.post("/api/v1/tokens", data="{not json", content_type="application/json")
    assert_error(response, 400, "bad_request")


@pytest.fixture
def app_config():
    return {"LOGIN_RATE_LIMIT": "3 per minute"}


def test_token_endpoint_is_rate_limited_with_json_429(org, client):
    body = {"email": org.head_a.email, "password": "wrong"}
    for _ in range(3):
        assert client.post("/api/v1/tokens", json=body).status_code == 401
    response = client.post(
        "/api/v1/tokens", json={"email": org.head_a.email, "password": TEST_PASSWORD}
    )
    error = assert_error(response, 429, "rate_limited")
    check_response(response, "post", "/api/v1/tokens")
    assert 1 <= error["details"]["retry_after"] <= 60
    assert response.headers["Retry-After"] == str(error["details"]["retry_after"])
    assert str(error["details"]["retry_after"]) in error["message"]
    assert db.session.scalars(select(ApiToken)).all() == []


def test_anonymous_calls_get_401_json_not_a_redirect(app, org):
    client = app.test_client()
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = flask_rule_to_openapi(rule.rule).replace("{", "").replace("}", "")
        url = "".join("1" if part.endswith("_id") or part == "number" else part
                      for part in _split(rule.rule))  # fmt: skip
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(url, method=method, json={})
            error = assert_error(response, 401, "unauthorized")
            check_response(response, method, flask_rule_to_openapi(rule.rule))
            assert "Location" not in response.headers
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
            assert error["message"]
            checked += 1
    assert checked >= 15


def _split(rule: str) -> list[str]:
    import re

    return [p if not p.startswith("<") else p.strip("<>").split(":")[-1]
            for p in re.split(r"(<[^>]+>)", rule)]  # fmt: skip


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Basic abc", "Token x", "Bearer nope"])
def test_bad_authorization_header_is_401(org, client, header):
    response = client.get("/api/v1/charters", headers={"Authorization": header})
    assert_error(response, 401, "unauthorized")


def test_expired_token_stops_working(org, api_as):
    api = api_as(org.head_a)
    assert api.get("/api/v1/charters").status_code == 200
    token = db.session.scalars(select(ApiToken)).one()
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert_error(api.get("/api/v1/charters"), 401, "unauthorized")


def test_token_lifetime_follows_the_setting(app, org, client):
    app.config["API_TOKEN_LIFETIME_DAYS"] = 2
    response = client.post(
        "/api/v1/tokens", json={"email": org.head_a.email, "password": TEST_PASSWORD}
    )
    token = db.session.scalars(select(ApiToken)).one()
    assert response.status_code == 201
    assert timedelta(days=1) < token.expires_at - utcnow() <= timedelta(days=2)


def test_revoked_token_stops_working_and_others_keep_working(org, api_as):
    first, second = api_as(org.head_a), api_as(org.head_a)
    response = first.delete("/api/v1/tokens/current")
    assert response.status_code == 204
    check_response(response, "delete", "/api/v1/tokens/current")
    assert_error(first.get("/api/v1/me"), 401, "unauthorized")
    assert second.get("/api/v1/me").status_code == 200
    revoked = [t for t in db.session.scalars(select(ApiToken)) if t.revoked_at is not None]
    assert len(revoked) == 1


def test_archived_users_tokens_stop_working(org, api_as):
    api = api_as(org.head_a)
    assert api.get("/api/v1/me").status_code == 200
    org.head_a.archived_at = utcnow()
    db.session.commit()
    assert_error(api.get("/api/v1/me"), 401, "unauthorized")


def test_token_use_is_recorded(org, api_as):
    api = api_as(org.head_a)
    api.get("/api/v1/me")
    token = db.session.scalars(select(ApiToken)).one()
    db.session.refresh(token)
    assert token.last_used_at is not None


# ---------------------------------------------------------------- the session cookie


def test_session_cookie_authenticates_reads(org, login_as):
    browser = login_as(org.head_a)
    response = browser.client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.get_json()["id"] == org.head_a.id


def test_session_cookie_writes_need_json_content_type_not_csrf(org, login_as):
    browser = login_as(org.admin)
    # A cross-site HTML form cannot send application/json: such a request is refused.
    form = browser.client.post("/api/v1/departments", data={"name": "Achats", "code": "ACH"})
    assert_error(form, 400, "bad_request")
    plain = browser.client.post(
        "/api/v1/departments", data='{"name": "Achats", "code": "ACH"}', content_type="text/plain"
    )
    assert_error(plain, 400, "bad_request")
    assert db.session.scalar(select(Department).where(Department.code == "ACH")) is None
    # The same with JSON and no CSRF token works (the API is CSRF-exempt).
    response = browser.client.post("/api/v1/departments", json={"name": "Achats", "code": "ACH"})
    assert response.status_code == 201, response.get_json()


def test_session_delete_needs_json_content_type(org, login_as, make_charter, make_commitment):
    charter = make_charter()
    commitment = make_commitment(charter, org.logistics)
    browser = login_as(org.head_a)
    response = browser.client.delete(f"/api/v1/commitments/{commitment.id}")
    assert_error(response, 400, "bad_request")
    response = browser.client.delete(
        f"/api/v1/commitments/{commitment.id}", json={"lock_version": 1}
    )
    assert response.status_code == 204


def test_revoking_current_token_needs_a_token(org, login_as):
    browser = login_as(org.head_a)
    response = browser.client.delete("/api/v1/tokens/current", content_type="application/json")
    assert_error(response, 400, "bad_request")


def test_logged_out_session_gets_401(org, login_as):
    browser = login_as(org.head_a)
    browser.client.get("/logout")
    assert_error(browser.client.get("/api/v1/me"), 401, "unauthorized")


def test_bearer_requests_set_no_cookie(org, api_as):
    response = api_as(org.head_a).get("/api/v1/me")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_flask_login_does_not_redirect_under_the_api(app):
    from werkzeug.exceptions import Unauthorized

    from sla_contracts.extensions import login_manager

    with app.test_request_context("/api/v1/me"):
        with pytest.raises(Unauthorized):
            login_manager.unauthorized()
    with app.test_request_context("/charters/new"):
        assert login_manager.unauthorized().status_code == 302


def test_unknown_api_url_and_wrong_method_answer_json(org, api_as):
    api = api_as(org.head_a)
    assert_error(api.get("/api/v1/nothing-here"), 404, "not_found")
    assert_error(api.request("PUT", "/api/v1/charters"), 405, "method_not_allowed")


def test_token_owner_language_is_used_for_messages(app, org, api_as, make_user):
    from flask_babel import get_locale

    from sla_contracts.api.auth import require_api_user

    def probe():
        require_api_user()
        return {"locale": str(get_locale())}

    app.add_url_rule("/api/v1-probe/locale", view_func=probe)
    french = make_user("fr@example.com", locale="fr", member_of=[org.logistics])
    english = make_user("en@example.com", locale="en", member_of=[org.logistics])
    headers = {"Accept-Language": "en"}
    assert api_as(french).get("/api/v1-probe/locale", headers=headers).get_json() == {
        "locale": "fr"
    }
    assert api_as(english).get("/api/v1-probe/locale").get_json() == {"locale": "en"}


def test_overlong_text_is_refused_before_any_lookup(org, client):
    response = client.post("/api/v1/tokens", json={"email": "a" * 300, "password": "x"})
    assert_error(response, 422, "validation_error", "email")


def test_unknown_keys_in_a_token_request_are_named(org, client):
    response = client.post(
        "/api/v1/tokens",
        json={"email": org.head_a.email, "password": TEST_PASSWORD, "scope": "all", "ttl": 9},
    )
    error = assert_error(response, 422, "validation_error")
    assert error["details"]["unknown_fields"] == ["scope", "ttl"]
    check_response(response, "post", "/api/v1/tokens")
    assert db.session.scalars(select(ApiToken)).all() == []


def test_an_empty_token_request_names_both_fields(org, client):
    response = client.post("/api/v1/tokens", data="", content_type="application/json")
    error = assert_error(response, 422, "validation_error")
    assert sorted(error["details"]["missing_fields"]) == ["email", "password"]


def test_token_endpoints_are_documented(client):
    document = client.get("/api/v1/openapi.json").get_json()
    tokens = document["paths"]["/api/v1/tokens"]["post"]
    assert tokens["security"] == [] and tokens["tags"] == ["auth"]
    assert {"201", "400", "401", "422", "429"} <= set(tokens["responses"])
    assert tokens["requestBody"]["required"] is True
    revoke = document["paths"]["/api/v1/tokens/current"]["delete"]
    assert {"204", "400", "401"} <= set(revoke["responses"])
    assert document["paths"]["/api/v1/me"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"] == {"$ref": "#/components/schemas/Me"}
