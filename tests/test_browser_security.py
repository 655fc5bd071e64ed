"""Browser journey under the enforced Content-Security-Policy: the main pages report no
violation, and the confirmations (now in static/js/app.js) still ask before they act."""

from __future__ import annotations

import re

from sqlalchemy import select

from sla_contracts.extensions import db
from sla_contracts.models import Commitment

from .plugins.browser import log_in, watch_csp
from .signing_helpers import submit


def test_main_pages_run_under_the_csp_and_still_ask_before_removing(
    org, make_charter, started_review, live_server, chromium_browser
):
    draft = make_charter("Brouillon", commitments=(1, 0))
    to_sign = make_charter("À signer", commitments=(1, 1))
    submit(org, to_sign)
    draft_id, to_sign_id, review_id = draft.id, to_sign.id, started_review.id
    email = org.head_a.email
    db.session.commit()  # SQLite: release the write lock before the browser writes

    page = chromium_browser.new_context(locale="en-GB").new_page()
    page.set_default_timeout(15_000)
    violations = watch_csp(page)
    log_in(page, live_server, email)

    # The charter page: "Remove" asks first; saying no keeps the commitment.
    page.goto(live_server(f"/charters/{draft_id}"))
    questions: list[str] = []

    def answer(accept: bool):
        def handle(dialog):
            questions.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()

        return handle

    page.once("dialog", answer(False))
    page.get_by_role("button", name="Remove: A commitment 1").click()
    page.wait_for_timeout(300)
    assert questions == ["Remove this commitment?"]
    assert page.url == live_server(f"/charters/{draft_id}")
    page.once("dialog", answer(True))
    page.get_by_role("button", name="Remove: A commitment 1").click()
    page.wait_for_url(re.compile(rf".*/charters/{draft_id}$"))
    assert page.get_by_role("button", name="Remove: A commitment 1").count() == 0
    db.session.expire_all()
    assert db.session.scalars(select(Commitment).filter_by(charter_id=draft_id)).all() == []
    db.session.commit()

    # The meeting page: closing asks first; saying no leaves the review open.
    page.goto(live_server(f"/reviews/{review_id}"))
    page.once("dialog", answer(False))
    page.get_by_role("button", name="Close the review").click()
    page.wait_for_timeout(300)
    assert questions[-1] == "Close the review? It becomes read-only."
    assert page.get_by_role("button", name="Close the review").is_visible()

    page.goto(live_server(f"/charters/{to_sign_id}/sign"))
    assert page.locator("input[name=password]").is_visible()
    page.goto(live_server("/"))
    assert violations == []

    # The watch does see a violation: an inline script is refused.
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.ran = true'; document.body.append(s); }"
    )
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.ran === undefined")
    assert violations and "script-src" in violations[0]
