"""What the OpenID Connect sign-in refuses, against the real test provider: each refusal is a
clear message on the login page, nobody is signed in and nothing is created.

Wrong state, replayed code, an ID token issued for another client (audience), an expired ID
token (the app's clock moved past ``exp``), an unverified e-mail, the provider unreachable.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode, urlsplit

import pytest
import requests

from sla_contracts.auth import oidc as oidc_module
from sla_contracts.extensions import db
from sla_contracts.models import User
from sla_contracts.timeutil import utcnow
from tests.oidc_helpers import callback_path, flashed, log_out, sign_in, start_sign_in
from tests.plugins.oidc import OTHER_CLIENT_ID, OTHER_CLIENT_SECRET, ProviderSession, query


@pytest.fixture
def app_config(oidc):
    return oidc.app_settings()


def _nobody_signed_in(client) -> None:
    assert client.get("/").headers["Location"].startswith("/login")


def _people() -> int:
    db.session.expire_all()
    return db.session.query(User).count()


def _with(url: str, **changes) -> str:
    params = {**query(url), **changes}
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(params)}"


def test_wrong_state(client, oidc_running, org):
    oidc_running.add_account("someone.new@example.com")
    callback = ProviderSession(oidc_running).sign_in(
        start_sign_in(client), "someone.new@example.com"
    )
    response = client.get(callback_path(_with(callback, state="forged-state")))
    assert response.headers["Location"] == "/login"
    assert "does not match a sign-in started in this browser" in flashed(client)
    _nobody_signed_in(client)
    assert _people() == 6


def test_replayed_code(client, oidc_running, org):
    oidc_running.add_account("head.log@example.com")
    response, first = sign_in(client, oidc_running, "head.log@example.com")
    assert response.headers["Location"] == "/"
    log_out(client)
    # A new sign-in started in this browser (a fresh state), answered with the old code.
    fresh = query(start_sign_in(client))["state"]
    response = client.get(callback_path(_with(first, state=fresh)))
    assert response.headers["Location"] == "/login"
    assert "did not accept this sign-in code" in flashed(client)
    _nobody_signed_in(client)


def test_id_token_for_another_client(client, oidc_running, org, monkeypatch):
    """The provider's real ID token for another app, handed to this one: its audience is wrong."""
    oidc_running.add_account("someone.new@example.com")
    authorize = start_sign_in(client)
    state = query(authorize)["state"]
    with client.session_transaction() as session:
        verifier = session[f"_state_oidc_{state}"]["data"]["code_verifier"]
    # The other app's own sign-in (same provider, same person, this app's nonce).
    callback = ProviderSession(oidc_running).sign_in(
        _with(authorize, client_id=OTHER_CLIENT_ID), "someone.new@example.com"
    )
    token = requests.post(
        oidc_running.issuer + "/token",
        data={
            "grant_type": "authorization_code",
            "code": query(callback)["code"],
            "redirect_uri": query(authorize)["redirect_uri"],
            "code_verifier": verifier,
        },
        auth=(OTHER_CLIENT_ID, OTHER_CLIENT_SECRET),
        timeout=10,
    ).json()
    assert token["id_token"]
    # The token response this app receives carries that token (a crafted answer).
    monkeypatch.setattr(
        type(oidc_module.client()), "fetch_access_token", lambda self, **kw: dict(token)
    )
    response = client.get(callback_path(callback))
    assert response.headers["Location"] == "/login"
    assert "was issued for another application" in flashed(client)
    _nobody_signed_in(client)
    assert _people() == 6


def test_expired_id_token(client, oidc_running, org, monkeypatch):
    oidc_running.add_account("someone.new@example.com")
    callback = ProviderSession(oidc_running).sign_in(
        start_sign_in(client), "someone.new@example.com"
    )
    later = utcnow() + timedelta(seconds=3600 + oidc_module.LEEWAY + 5)  # past exp
    monkeypatch.setattr(oidc_module, "utcnow", lambda: later)
    response = client.get(callback_path(callback))
    assert response.headers["Location"] == "/login"
    assert "has expired" in flashed(client)
    _nobody_signed_in(client)
    assert _people() == 6


def test_unverified_email_is_neither_created_nor_matched(client, oidc_running, org):
    oidc_running.add_account("head.log@example.com", email_verified=False)  # an existing head
    oidc_running.add_account("unknown@example.com", email_verified=False)
    for email in ("head.log@example.com", "unknown@example.com"):
        response, _ = sign_in(client, oidc_running, email)
        assert response.headers["Location"] == "/login"
        assert "has not verified your e-mail address" in flashed(client)
        _nobody_signed_in(client)
    db.session.refresh(org.head_a)
    assert org.head_a.oidc_subject is None
    assert _people() == 6


def test_provider_down_at_discovery(client, oidc, org):
    """Nothing listens at the issuer: a clear message, and the password form still works."""
    response = client.get("/auth/oidc/login")
    assert response.headers["Location"] == "/login"
    page = flashed(client)
    assert "sign-in service cannot be reached just now" in page
    assert 'name="password"' in page and "Sign in with Test IdP" in page


def test_the_refusal_is_in_the_readers_language(client, oidc_running, org):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    oidc_running.add_account("unknown@example.com", email_verified=False)
    sign_in(client, oidc_running, "unknown@example.com")
    assert "pas vérifiée chez Test IdP" in flashed(client)  # the apostrophe is escaped
