"""Browser journey: both heads sign in turn, the PDF is downloaded, a share link opens it
logged out, then is revoked and refuses."""

from __future__ import annotations

import re

from sla_contracts.extensions import db

from .plugins.browser import watch_csp
from .plugins.people import TEST_PASSWORD
from .signing_helpers import pdf_text, submit


def _login(browser, base: str, email: str):
    context = browser.new_context(accept_downloads=True, locale="en-GB")
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/$"))
    return context, page


def _sign(page, base: str, charter_id: int) -> None:
    page.goto(f"{base}/charters/{charter_id}")
    page.get_by_role("button", name="Sign version 1").click()  # a link styled as a button
    page.fill("input[name=password]", TEST_PASSWORD)
    page.get_by_role("button", name="Sign version 1").click()
    page.wait_for_url(re.compile(rf".*/charters/{charter_id}$"))


def test_heads_sign_download_share_and_revoke(
    org, make_charter, live_server, chromium_browser, output_dir
):
    chromium = chromium_browser
    charter = make_charter(commitments=(2, 2))
    submit(org, charter)
    charter_id, email_a, email_b = charter.id, org.head_a.email, org.head_b.email
    # SQLite: every transaction is BEGIN IMMEDIATE; the test must not hold one from here on.
    db.session.commit()
    base = live_server.url

    context_a, page_a = _login(chromium, base, email_a)
    violations_a = watch_csp(page_a)
    _sign(page_a, base, charter_id)
    assert "Your signature is recorded" in page_a.content()
    assert "Awaiting the signature of a head of Magasins" in page_a.content()

    context_b, page_b = _login(chromium, base, email_b)
    violations_b = watch_csp(page_b)
    _sign(page_b, base, charter_id)
    assert "Both sides have signed" in page_b.content()
    assert "Version in force" in page_b.content()
    page_b.screenshot(path=str(output_dir / "charter-active.png"), full_page=True)

    with page_b.expect_download() as download_info:
        page_b.get_by_role("button", name="Download the PDF").click()
    pdf_path = output_dir / "signed.pdf"
    download_info.value.save_as(pdf_path)
    text = pdf_text(pdf_path.read_bytes())
    assert "Alice Head" in text and "Bruno Head" in text

    page_b.get_by_role("button", name="Share links").click()
    page_b.fill("input[name=days]", "3")
    page_b.get_by_role("button", name=re.compile("Create a link")).click()
    url = page_b.input_value("#new-share-url")
    assert "/s/" in url
    shared_path = url.split("/s/", 1)[1]

    outsider = chromium.new_context()  # nobody logged in
    response = outsider.request.get(f"{base}/s/{shared_path}")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body() == pdf_path.read_bytes()

    page_b.get_by_role("link", name="Revoke…").click()  # asks on its own page first
    page_b.get_by_role("button", name="Revoke the link").click()
    page_b.wait_for_load_state()
    assert "The link is revoked" in page_b.content()
    page_b.screenshot(path=str(output_dir / "share-revoked.png"), full_page=True)
    refused = outsider.request.get(f"{base}/s/{shared_path}")
    assert refused.status == 410
    gone_page = outsider.new_page()
    gone_page.goto(f"{base}/s/{shared_path}")
    assert "This link no longer works" in gone_page.content()
    assert violations_a == violations_b == []  # sign, charter and share pages under the CSP
    for context in (context_a, context_b, outsider):
        context.close()
