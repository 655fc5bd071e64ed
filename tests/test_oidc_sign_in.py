"""Sign-in with OpenID Connect against a real provider (tests/plugins/oidc.py).

Matching by (issuer, subject), by verified e-mail, creation on first sign-in (with or without
the department claim), archived people refused, the login page's button, logout at the provider.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sla_contracts.extensions import db
from sla_contracts.models import AuditEvent, Role, User
from sla_contracts.timeutil import utcnow
from tests.oidc_helpers import flashed, log_out, sign_in
from tests.plugins.oidc import CLIENT_ID, query


@pytest.fixture
def app_config(oidc):
    return oidc.app_settings(OIDC_DEPARTMENT_CLAIM="department")


def test_login_page_offers_the_provider_beside_the_password_form(client, oidc_running):
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in with Test IdP" in page
    assert 'href="/auth/oidc/login"' in page
    assert 'name="password"' in page


def test_the_authorize_request_carries_state_nonce_and_pkce(client, oidc_running):
    location = client.get("/auth/oidc/login").headers["Location"]
    params = query(location)
    assert location.startswith(oidc_running.issuer + "/auth?")
    assert params["client_id"] == CLIENT_ID
    assert params["redirect_uri"] == "http://127.0.0.1:5000/auth/oidc/callback"
    assert params["response_type"] == "code"
    assert set(params["scope"].split()) == {"openid", "email", "profile"}
    assert len(params["state"]) >= 20 and len(params["nonce"]) >= 20
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) == 43


def test_first_sign_in_creates_a_member_placed_by_the_department_claim(client, oidc_running, org):
    oidc_running.add_account("new.person@example.com", name="Nina New", department="log")
    response, _ = sign_in(client, oidc_running, "new.person@example.com")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    user = db.session.scalar(select(User).where(User.email == "new.person@example.com"))
    assert user.name == "Nina New" and user.password_hash is None
    assert user.oidc_issuer == oidc_running.issuer and user.oidc_subject
    assert [(m.department_id, m.role) for m in user.memberships] == [
        (org.logistics.id, Role.MEMBER)
    ]
    assert "Nina New" in client.get("/").get_data(as_text=True)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user_created"))
    assert event.object_id == user.id and event.data["via"] == "oidc"


def test_first_sign_in_without_a_known_department_belongs_nowhere(client, oidc_running, org):
    oidc_running.add_account("lost@example.com", department="NOPE")
    response, _ = sign_in(client, oidc_running, "lost@example.com")
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "lost@example.com"))
    assert user.memberships == []
    assert "You belong to no department yet" in client.get("/").get_data(as_text=True)


def test_a_known_person_is_matched_by_verified_email_then_by_subject(client, oidc_running, org):
    account = oidc_running.add_account("Head.Log@example.com", sub="alice-at-idp")
    response, _ = sign_in(client, oidc_running, "head.log@example.com")
    assert response.status_code == 302
    db.session.refresh(org.head_a)
    assert (org.head_a.oidc_issuer, org.head_a.oidc_subject) == (
        oidc_running.issuer,
        "alice-at-idp",
    )
    assert db.session.query(User).count() == 6  # nobody created

    # Later the address changes at the provider: the subject still finds her.
    account["email"] = "alice.renamed@example.com"
    oidc_running._write_accounts()
    log_out(client)
    response, _ = sign_in(client, oidc_running, "alice.renamed@example.com")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Alice Head" in client.get("/").get_data(as_text=True)
    assert db.session.query(User).count() == 6


def test_an_archived_person_is_refused(client, oidc_running, org):
    org.member_a.archived_at = utcnow()
    db.session.commit()
    oidc_running.add_account("member.log@example.com")
    response, _ = sign_in(client, oidc_running, "member.log@example.com")
    assert response.headers["Location"] == "/login"
    assert "Your account is archived" in flashed(client)
    assert client.get("/").status_code == 302  # not signed in


def test_logout_ends_the_local_session_and_the_providers(client, oidc_running, org):
    oidc_running.add_account("head.mag@example.com")
    sign_in(client, oidc_running, "head.mag@example.com")
    version = db.session.get(User, org.head_b.id).session_version
    response = log_out(client)
    location = response.headers["Location"]
    assert location.startswith(oidc_running.issuer + "/session/end?")
    params = query(location)
    assert params["post_logout_redirect_uri"] == "http://127.0.0.1:5000/login"
    assert params["id_token_hint"].count(".") == 2
    db.session.expire_all()
    assert db.session.get(User, org.head_b.id).session_version == version + 1
    assert client.get("/").status_code == 302
