"""A head without a local password signs after re-authenticating at the real test provider.

``prompt=login`` and ``max_age=0`` make the provider show its login page again; the callback
checks that ``auth_time`` is after the request, then records the signature with the method
"identity provider" (the audit trail says so). A stale ``auth_time`` (a provider that ignored
the request and answered from its old session) is refused and nothing is signed.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import select

from sla_contracts.extensions import db
from sla_contracts.models import AuditEvent, Signature, SignatureMethod
from tests.oidc_helpers import callback_path, sign_in
from tests.plugins.oidc import ProviderSession, query
from tests.plugins.people import csrf_from
from tests.signing_helpers import submit


@pytest.fixture
def app_config(oidc):
    return oidc.app_settings()


@pytest.fixture
def provider_head(org, oidc_running):
    """Head A signs in only through the provider (no local password), linked by subject."""
    org.head_a.password_hash = None
    org.head_a.oidc_issuer, org.head_a.oidc_subject = oidc_running.issuer, "alice-sub"
    db.session.commit()
    oidc_running.add_account("head.log@example.com", sub="alice-sub", name="Alice Head")
    return org.head_a


@pytest.fixture
def submitted(org, make_charter):
    charter = make_charter(commitments=(1, 1))
    submit(org, charter)
    return charter


def _signed_in(client, oidc_running) -> ProviderSession:
    at = ProviderSession(oidc_running)
    response, _ = sign_in(client, oidc_running, "head.log@example.com", at=at)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    return at


def _ask_to_sign(client, charter, version: int = 1):
    page = client.get(f"/charters/{charter.id}/sign").get_data(as_text=True)
    return page, client.post(
        f"/charters/{charter.id}/sign/provider",
        data={"csrf_token": csrf_from(page), "version": version},
    )


def test_the_sign_page_offers_the_provider_instead_of_a_password(
    client, oidc_running, provider_head, submitted
):
    _signed_in(client, oidc_running)
    page = client.get(f"/charters/{submitted.id}/sign").get_data(as_text=True)
    assert "Confirm with Test IdP and sign version 1" in page
    assert 'type="password"' not in page


def test_re_authentication_signs_with_the_identity_provider_method(
    client, oidc_running, provider_head, submitted
):
    at = _signed_in(client, oidc_running)
    _page, response = _ask_to_sign(client, submitted)
    location = response.headers["Location"]
    assert location.startswith(oidc_running.issuer + "/auth?")
    params = query(location)
    assert params["prompt"] == "login" and params["max_age"] == "0"

    time.sleep(1.1)  # the fresh sign-in is in a later second than the request
    login_pages = []
    at.http.hooks["response"].append(
        lambda r, *a, **k: login_pages.append(r.url) if "/interaction/" in r.url else None
    )
    callback = at.sign_in(location, "head.log@example.com")
    assert login_pages, "the provider did not show its login page again"
    done = client.get(callback_path(callback))
    assert done.headers["Location"] == f"/charters/{submitted.id}"
    signature = db.session.scalar(select(Signature))
    assert signature.user_id == provider_head.id
    assert signature.method == SignatureMethod.IDENTITY_PROVIDER
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "signed"))
    assert event.data["method"] == "identity_provider"
    page = client.get(f"/charters/{submitted.id}").get_data(as_text=True)
    assert "Your signature is recorded" in page


def test_a_stale_auth_time_is_refused(client, oidc_running, provider_head, submitted):
    at = _signed_in(client, oidc_running)
    time.sleep(1.1)  # the sign-in above is now in an earlier second than the request below
    _page, response = _ask_to_sign(client, submitted)
    # A provider that ignores prompt=login and max_age=0 answers from its old session.
    params = query(response.headers["Location"])
    del params["prompt"], params["max_age"]
    parts = urlsplit(response.headers["Location"])
    callback = at.sign_in(f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(params)}", "x")
    done = client.get(callback_path(callback))
    assert done.headers["Location"] == f"/charters/{submitted.id}/sign"
    page = client.get(f"/charters/{submitted.id}/sign").get_data(as_text=True)
    assert "did not ask you to sign in again just now" in page
    assert db.session.scalar(select(Signature)) is None


def test_a_version_replaced_meanwhile_is_not_signed(client, oidc_running, provider_head, submitted):
    _signed_in(client, oidc_running)
    _page, response = _ask_to_sign(client, submitted, version=7)
    assert response.headers["Location"] == f"/charters/{submitted.id}/sign"  # not the provider
    page = client.get(f"/charters/{submitted.id}/sign").get_data(as_text=True)
    assert "You were about to sign version 7, but version 1" in page
    assert db.session.scalar(select(Signature)) is None


def test_someone_else_at_the_provider_does_not_sign(
    client, oidc_running, provider_head, submitted, org
):
    at = _signed_in(client, oidc_running)
    oidc_running.add_account("head.mag@example.com", sub="bruno-sub")
    _page, response = _ask_to_sign(client, submitted)
    time.sleep(1.1)
    callback = at.sign_in(response.headers["Location"], "head.mag@example.com")
    client.get(callback_path(callback))
    page = client.get(f"/charters/{submitted.id}/sign").get_data(as_text=True)
    assert "You signed in at Test IdP as someone else" in page
    assert db.session.scalar(select(Signature)) is None
