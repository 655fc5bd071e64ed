"""Browser journey with the company's identity provider (the real test provider, Chromium).

A head without a local password signs in through the provider's own login page, lands on the
home page, and signs a charter by signing in there again (prompt=login); the other head had
signed with a password, so the charter comes into force. No Content-Security-Policy violation
on the way (the sign page's form leads to the provider).
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from sla_contracts.extensions import db
from sla_contracts.models import Signature, SignatureMethod
from sla_contracts.signing import signatures

from .plugins.browser import watch_csp
from .plugins.oidc import PROVIDER_PASSWORD
from .plugins.people import TEST_PASSWORD
from .signing_helpers import submit


@pytest.fixture
def app_config(oidc):
    return oidc.app_settings()


def _at_provider(page, issuer: str, email: str) -> None:
    page.wait_for_url(re.compile(re.escape(issuer) + r"/interaction/.*"))
    assert "Test identity provider" in page.content()
    page.fill("#op-login", email)
    page.fill("#op-password", PROVIDER_PASSWORD)
    page.click("#op-submit")


def test_sign_in_at_the_provider_and_sign_by_re_authentication(
    app, org, make_charter, oidc, live_server, chromium_browser, output_dir
):
    app.config["BASE_URL"] = live_server.url  # the callback the provider knows
    oidc.start(live_server.url)
    head = org.head_a
    head.password_hash = None
    head.oidc_issuer, head.oidc_subject = oidc.issuer, "alice-sub"
    oidc.add_account(head.email, sub="alice-sub", name=head.name)
    charter = make_charter(commitments=(1, 1))
    version = submit(org, charter)
    signatures.sign_charter(org.head_b, charter, version.number, TEST_PASSWORD, None)
    charter_id, email, head_id = charter.id, head.email, head.id
    # SQLite: every transaction is BEGIN IMMEDIATE; the test must not hold one from here on.
    db.session.commit()

    page = chromium_browser.new_context(locale="en-GB").new_page()
    page.set_default_timeout(20_000)
    violations = watch_csp(page)
    page.goto(live_server("/login"))
    page.screenshot(path=str(output_dir / "login.png"), full_page=True)
    page.get_by_role("button", name="Sign in with Test IdP").click()
    _at_provider(page, oidc.issuer, email)
    page.wait_for_url(live_server("/"))
    assert "Alice Head" in page.content()
    page.screenshot(path=str(output_dir / "home-after-provider.png"), full_page=True)

    page.goto(live_server(f"/charters/{charter_id}/sign"))
    assert page.locator("input[type=password]").count() == 0
    page.locator("#sign-confirm").screenshot(path=str(output_dir / "sign-confirm.png"))
    page.get_by_role("button", name="Confirm with Test IdP and sign version 1").click()
    _at_provider(page, oidc.issuer, email)  # asked again: prompt=login, max_age=0
    page.wait_for_url(live_server(f"/charters/{charter_id}"))
    assert "Both sides have signed: the charter is in force." in page.content()
    page.screenshot(path=str(output_dir / "charter-in-force.png"), full_page=True)
    assert violations == []

    db.session.expire_all()
    mine = db.session.scalar(select(Signature).where(Signature.user_id == head_id))
    assert mine.method == SignatureMethod.IDENTITY_PROVIDER
