"""Browser journey: a head opens the review, fills it half, saves, finishes and closes it,
then downloads the minutes PDF."""

from __future__ import annotations

from datetime import date

from sla_contracts.extensions import db
from sla_contracts.models import CharterStatus, Review, ReviewStatus

from .plugins.browser import signed_in, watch_csp
from .plugins.people import TEST_PASSWORD


def test_head_fills_closes_review_and_downloads_minutes(
    make_charter, org, live_server, chromium_browser, output_dir
):
    charter = make_charter("Logistique ⇄ Magasins", status=CharterStatus.ACTIVE,
                           commitments=(1, 1))  # fmt: skip
    charter.next_review_on = date(2027, 1, 20)
    db.session.commit()
    charter_id, email, logistics_id = charter.id, org.head_a.email, org.logistics.id
    owner = f"{logistics_id}-{org.member_a.id}"  # a person of Logistique owns the action
    # End the test's transaction: on SQLite it holds the write lock the server needs.
    db.session.commit()

    context = chromium_browser.new_context(accept_downloads=True, locale="en-GB")
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    violations = watch_csp(page)
    page.goto(f"{live_server.url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.goto(f"{live_server.url}/charters/{charter_id}")
    page.get_by_role("button", name="Plan the next review").click()
    page.goto(f"{live_server.url}/charters/{charter_id}")
    page.get_by_role("button", name="Open the review").click()
    page.get_by_role("button", name="Start the review").click()

    # Half of it during the meeting, then save.
    page.locator("input[type=radio][value=met]").first.check()
    page.locator("input[name$='-measured']").first.fill("97")
    page.fill("#criterion_value", "2.4")
    page.select_option("#satisfaction_a_of_b", "5")
    page.select_option("#satisfaction_b_of_a", "2")
    page.fill("#irritants", "Quais encombrés le lundi")
    page.get_by_role("button", name="Save (finish later)").click()
    assert page.locator(".satisfaction-gap").is_visible()
    assert page.locator("#irritants").input_value() == "Quais encombrés le lundi"

    # Finish: the second result, an action, the decision; close.
    page.locator("input[type=radio][value=partly_met]").last.check()
    page.locator("input[name$='-measured']").last.fill("88")
    page.fill("input[name='action-new0-title']", "Book a second dock")
    page.select_option("select[name='action-new0-owner']", owner)
    page.fill("input[name='action-new0-due']", "2027-02-15")
    page.locator("input[name=decision][value=continue]").check()
    page.get_by_role("button", name="Close the review").click()

    assert page.get_by_text("This review is closed: it is read-only.").is_visible()
    assert page.locator("textarea").count() == 0
    page.screenshot(path=str(output_dir / "closed-review.png"), full_page=True)
    db.session.expire_all()
    review = db.session.query(Review).filter_by(charter_id=charter_id).order_by(Review.id).first()
    assert review.status == ReviewStatus.CLOSED
    assert [a.title for a in review.actions] == ["Book a second dock"]
    review_id = review.id
    db.session.commit()  # release SQLite's write lock before the next requests

    page.goto(f"{live_server.url}/charters/{charter_id}")
    assert page.locator("svg.review-chart").is_visible()
    page.locator("#reviews").screenshot(path=str(output_dir / "charter-reviews.png"))
    page.goto(f"{live_server.url}/reviews/{review_id}")

    with page.expect_download() as info:
        page.get_by_text("Download the minutes (PDF)").click()
    path = output_dir / "minutes.pdf"
    info.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    assert violations == []  # the meeting page and the chart run under the CSP


def test_two_heads_saving_one_review_conflict_only_on_the_field_both_changed(
    started_review, org, live_server, chromium_browser, output_dir
):
    review_id = started_review.id
    emails = (org.head_a.email, org.head_b.email)
    name_a = org.head_a.name
    db.session.commit()  # release SQLite's write lock for the server

    first = signed_in(chromium_browser, live_server, emails[0], locale="en-GB")
    second = signed_in(chromium_browser, live_server, emails[1], locale="en-GB")
    for page in (first, second):  # both open the meeting page before either saves
        page.goto(f"{live_server.url}/reviews/{review_id}")

    first.fill("#irritants", "Quais encombrés le lundi")
    first.fill("#criterion_value", "2,4")
    first.get_by_role("button", name="Save (finish later)").click()
    assert first.locator(".conflict-saved").count() == 0

    # The second head, on the page opened before that save, changes the irritants too and
    # a measured value nobody else touched.
    second.fill("#irritants", "Retards du samedi")
    second.locator("input[name$='-measured']").first.fill("97")
    second.get_by_role("button", name="Save (finish later)").click()
    second.screenshot(path=str(output_dir / "conflict.png"), full_page=True)

    conflicts = second.locator(".conflict-saved")
    assert conflicts.count() == 1, "only the field both changed may conflict"
    assert conflicts.first.get_attribute("id") == "irritants-saved"
    assert f"{name_a} saved this field meanwhile:" in conflicts.first.inner_text()
    assert "Quais encombrés le lundi" in conflicts.first.inner_text()
    body = second.locator("main").inner_text()
    assert "replace theirs" not in body
    assert second.locator("#irritants").input_value() == "Retards du samedi"  # theirs is kept
    assert second.locator("input[name$='-measured']").first.input_value() == "97"
    assert second.locator("#criterion_value").input_value() in ("2.4", "2,4")  # the other's

    # They agree to keep the first head's wording and save: nothing conflicts any more.
    second.locator("input[name=keep_theirs][value=irritants]").check()
    second.get_by_role("button", name="Save (finish later)").click()
    assert second.locator(".conflict-saved").count() == 0
    assert second.locator("#irritants").input_value() == "Quais encombrés le lundi"
    assert second.locator("input[name$='-measured']").first.input_value() == "97"
