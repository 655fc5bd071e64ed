"""The charter page offers one primary action per state, never an action the state forbids."""

from __future__ import annotations

import pytest

from sla_contracts.errors import CharterStateError
from sla_contracts.extensions import db
from sla_contracts.signing import amendments, share_links, signatures
from sla_contracts.signing.actions import DANGER, MORE, PRIMARY, SECONDARY, charter_actions

from .plugins.people import TEST_PASSWORD
from .signing_helpers import NOW, sign_both, submit


def _actions(app, charter, user) -> dict[str, str]:
    with app.test_request_context():
        found = charter_actions(charter, user)
    assert sum(a.weight == PRIMARY for a in found) <= 1, found
    return {a.key: a.weight for a in found}


def _primary(actions: dict[str, str]) -> str | None:
    return next((key for key, weight in actions.items() if weight == PRIMARY), None)


def test_empty_draft_asks_for_commitments_not_a_submit(app, org, make_charter):
    charter = make_charter()
    actions = _actions(app, charter, org.head_b)
    assert _primary(actions) == "add_commitment"
    assert actions["submit"] != PRIMARY
    assert "end" not in actions and "amend" not in actions and "share" not in actions
    with app.test_request_context():
        found = {a.key: a for a in charter_actions(charter, org.head_b)}
    assert found["submit"].disabled_reason and not found["submit"].url
    # The head's own missing side comes first.
    assert "Magasins" in found["add_commitment"].label


def test_draft_with_both_sides_asks_to_submit_and_cannot_end(app, org, make_charter):
    charter = make_charter(commitments=(1, 1))
    actions = _actions(app, charter, org.head_a)
    assert _primary(actions) == "submit"
    assert "end" not in actions and "pdf" not in actions
    assert actions["history"] == MORE and actions["audit"] == MORE


def test_awaiting_my_signature_asks_to_sign_then_offers_the_pdf(app, org, make_charter):
    charter = make_charter(commitments=(1, 1))
    submit(org, charter)
    actions = _actions(app, charter, org.head_b)
    assert _primary(actions) == "sign"
    assert actions["reopen"] == DANGER
    assert "submit" not in actions and "end" not in actions
    signatures.sign_charter(org.head_b, charter, 1, TEST_PASSWORD, None, NOW)
    db.session.commit()
    after = _actions(app, charter, org.head_b)
    assert "sign" not in after and _primary(after) == "pdf"


def test_in_force_offers_the_pdf_first_and_ending_last(app, org, signed):
    share_links.create_share_link(org.head_b, signed, 7)
    db.session.commit()
    with app.test_request_context():
        share = next(a for a in charter_actions(signed, org.head_a) if a.key == "share")
    assert share.label.endswith("(1 actif)")  # live links are not forgotten (default: French)
    actions = _actions(app, signed, org.head_a)
    assert _primary(actions) == "pdf"
    assert actions["end"] == DANGER and list(actions)[-1] == "end"
    assert {"share", "amend"} <= set(actions)
    assert "submit" not in actions and "sign" not in actions and "edit" not in actions


def test_amendment_draft_may_end_and_share_the_version_in_force(app, org, signed):
    amendments.open_amendment(org.head_a, signed, NOW)
    db.session.commit()
    actions = _actions(app, signed, org.head_a)
    assert _primary(actions) == "submit"
    assert actions["end"] == DANGER and actions["share"] == MORE and actions["pdf"] != PRIMARY
    # Two quieter actions beside the primary one at most: a phone shows them in a few rows.
    assert sum(weight == SECONDARY for weight in actions.values()) <= 2


def test_member_and_ended_charter_get_reading_actions_only(app, org, signed):
    member = _actions(app, signed, org.member_b)
    assert _primary(member) == "pdf"
    assert not {"end", "amend", "share", "edit", "submit", "reopen"} & set(member)
    amendments.end_charter(org.head_a, signed, "Merged", NOW)
    db.session.commit()
    ended = _actions(app, signed, org.head_a)
    assert _primary(ended) == "pdf"
    assert not {"end", "amend", "share", "edit", "submit"} & set(ended)


def test_a_draft_that_was_never_in_force_cannot_be_ended(org, make_charter):
    charter = make_charter(commitments=(1, 1))
    with pytest.raises(CharterStateError):
        amendments.end_charter(org.head_a, charter, "Never mind", NOW)


def test_charter_page_shows_one_primary_button_and_destructive_ones_in_the_menu(
    org, make_charter, login_as
):
    empty = make_charter("Empty")
    page = login_as(org.head_a).get(f"/charters/{empty.id}").get_data(as_text=True)
    assert page.count("primary-action") == 1
    assert 'data-action="add_commitment"' in page.split("primary-action", 1)[1][:400]
    assert "End the charter" not in page
    assert "disabled" in page.split('data-action="submit"', 1)[0][-200:]
    charter = make_charter(commitments=(1, 1))
    sign_both(org, charter)
    page = login_as(org.head_a).get(f"/charters/{charter.id}").get_data(as_text=True)
    assert page.count("primary-action") == 1
    menu = page.split('class="more-actions', 1)[1].split("</details>", 1)[0]
    assert 'data-action="end"' in menu and 'data-action="audit"' in menu
    assert 'data-action="end"' not in page.split('class="more-actions', 1)[0]


def test_end_page_of_a_never_signed_draft_explains_instead_of_asking(org, make_charter, login_as):
    charter = make_charter(commitments=(1, 1))
    head = login_as(org.head_a)
    response = head.get(f"/charters/{charter.id}/end")
    assert response.status_code == 302
    page = head.get(response.headers["Location"]).get_data(as_text=True)
    assert "A draft that was never signed cannot be ended." in page
    refused = head.post(f"/charters/{charter.id}/end", {"reason": "Never mind"})
    assert refused.status_code == 409
    db.session.expire_all()
    assert db.session.get(type(charter), charter.id).status.value == "draft"
