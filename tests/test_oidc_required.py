"""Requiring the identity provider for everyone: the administrator's page (audited) or the
``OIDC_REQUIRED`` setting; passwords are then refused by the login page and ``POST /api/v1/tokens``.
No provider process is needed: nothing here reaches it.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sla_contracts import create_app
from sla_contracts.extensions import db
from sla_contracts.models import AuditEvent, IdentitySettings
from tests.plugins.app_db import app_test_config
from tests.plugins.people import TEST_PASSWORD, csrf_from

EN = {"Accept-Language": "en"}
ISSUER = "http://127.0.0.1:9"  # never contacted by these tests


@pytest.fixture
def app_config():
    return {
        "OIDC_ISSUER": ISSUER,
        "OIDC_CLIENT_ID": "reciproque",
        "OIDC_CLIENT_SECRET": "x",
        "OIDC_PROVIDER_NAME": "Acme ID",
    }


def _require(admin, value: bool):
    page = admin.get("/directory/sign-in").get_data(as_text=True)
    assert "/auth/oidc/callback" in page  # the redirect URI to register
    data = {"csrf_token": csrf_from(page)}
    if value:
        data["oidc_required"] = "y"
    response = admin.post("/directory/sign-in", data, csrf=False)
    assert response.status_code == 302


def test_only_an_administrator_opens_the_sign_in_settings(login_as, org):
    assert login_as(org.head_a).get("/directory/sign-in").status_code == 403


def test_the_administrator_requires_the_provider_and_passwords_are_refused(
    login_as, org, client, api_as
):
    admin = login_as(org.admin)  # signed in before passwords are refused
    _require(admin, True)
    assert db.session.get(IdentitySettings, 1).oidc_required is True
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "identity_settings_changed")
    )
    assert event.actor_id == org.admin.id and event.data == {"oidc_required": True}

    page = client.get("/login").get_data(as_text=True)
    assert "Sign in with Acme ID" in page and 'name="password"' not in page
    response = client.post(
        "/login",
        data={"email": org.head_a.email, "password": TEST_PASSWORD, "csrf_token": csrf_from(page)},
    )
    assert response.status_code == 200 and "passwords are not used here" in response.get_data(
        as_text=True
    )
    assert client.get("/").status_code == 302  # not signed in

    answer = api_as().post("/api/v1/tokens", {"email": org.head_a.email, "password": TEST_PASSWORD})
    assert answer.status_code == 403
    assert answer.get_json()["error"]["code"] == "forbidden"
    assert "everyone signs in through Acme ID" in answer.get_json()["error"]["message"]

    _require(admin, False)
    assert 'name="password"' in client.get("/login").get_data(as_text=True)
    actions = db.session.scalars(
        select(AuditEvent.data).where(AuditEvent.action == "identity_settings_changed")
    ).all()
    assert actions == [{"oidc_required": True}, {"oidc_required": False}]


def test_the_setting_requires_it_too(database_url, app_config, org):
    forced = create_app(app_test_config(database_url, OIDC_REQUIRED=True, **app_config))
    page = forced.test_client().get("/login", headers=EN).get_data(as_text=True)
    assert "Sign in with Acme ID" in page and 'name="password"' not in page


def test_without_a_provider_the_setting_cannot_lock_everybody_out(database_url, org):
    alone = create_app(app_test_config(database_url, OIDC_REQUIRED=True))
    client = alone.test_client()
    page = client.get("/login", headers=EN).get_data(as_text=True)
    assert 'name="password"' in page and "Sign in with" not in page
    assert client.get("/auth/oidc/login").status_code == 404
