"""The survey before a review in a real browser: a member answers by keyboard on a phone, in
French, and the survey page and the started meeting's results have no serious axe violation."""

from __future__ import annotations

from sla_contracts.extensions import db
from sla_contracts.reviews import operations as ops
from sla_contracts.reviews import survey

from .a11y_helpers import describe_violations, run_axe
from .plugins.browser import signed_in, watch_csp
from .plugins.reviews import REVIEW_NOW
from .test_browser_phone import PHONE
from .test_review_survey import _schedule


def test_a_member_answers_by_keyboard_on_a_phone_and_the_pages_pass_axe(
    planned_review, org, live_server, chromium_browser, output_dir
):
    _schedule(planned_review, org)
    review_id, email = planned_review.id, org.member_b.email
    db.session.commit()  # the browser writes: the test's session holds no transaction
    page = signed_in(chromium_browser, live_server, email, viewport=PHONE,
                     locale="fr-FR")  # fmt: skip
    csp = watch_csp(page)
    page.goto(live_server(f"/reviews/{review_id}/survey"))
    if page.evaluate("document.documentElement.lang") != "fr":
        page.click("button[name=lang]")
        page.wait_for_load_state()
    assert page.locator("fieldset legend").count() == 1  # the five radios share one legend
    found = describe_violations(run_axe(page))
    page.get_by_label("2 — peu satisfait").check()  # the radio is named by its label
    page.get_by_label("Un irritant, si vous en avez un (facultatif)").fill("Palettes en retard")
    page.get_by_label("Un irritant, si vous en avez un (facultatif)").press("Enter")
    page.wait_for_load_state()
    assert "votre réponse est enregistrée" in page.inner_text("main")
    page.screenshot(path=str(output_dir / "survey-phone.png"), full_page=True)
    db.session.expire_all()
    answer = survey.own_answer(org.member_b, planned_review)
    assert (answer.score, answer.irritant) == (2, "Palettes en retard")
    db.session.commit()

    ops.start_review(org.head_a, planned_review, now=REVIEW_NOW)
    db.session.commit()
    db.session.close()
    page.goto(live_server(f"/reviews/{review_id}#survey"))
    assert "Palettes en retard" in page.inner_text("#survey")
    found += describe_violations(run_axe(page, within="#survey"))
    assert not found, found
    assert not csp, csp
