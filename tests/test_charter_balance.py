"""The balance banner counts what each side gives and how it answered; the card names its
writers; a lopsided charter is warned about on submit, never blocked."""

from __future__ import annotations

from datetime import UTC, datetime

from sla_contracts.charters import negotiation
from sla_contracts.charters import operations as ops
from sla_contracts.extensions import db

from .plugins.charters import COMMITMENT_DEFAULTS
from .plugins.reviews import plain

DAY_1 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
DAY_2 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def _commit(actor, charter, provider, title, now=DAY_1):
    commitment = ops.add_commitment(
        actor, charter, provider.id, {**COMMITMENT_DEFAULTS, "title": title}, now=now
    )
    db.session.commit()
    return commitment


def test_balance_reports_answered_and_declined_expectations_per_side(org, make_charter):
    charter = make_charter(commitments=(0, 0))
    b1 = _commit(org.head_b, charter, org.stores, "Reception slots kept")
    _commit(org.head_a, charter, org.logistics, "Deliveries before opening")
    for text in ("Slots kept", "Pallets labelled", "Sunday deliveries"):
        negotiation.add_expectation(org.head_a, charter, text=text, customer_reason="Shelves")
    db.session.commit()
    first, second, third = charter.expectations
    negotiation.decide_expectation(org.head_b, first, "answered", commitment_ids=[b1.id])
    negotiation.decide_expectation(org.head_b, second, "declined", reason="No labeller yet")
    negotiation.decide_expectation(org.head_a, third, "withdrawn")
    db.session.commit()
    sides = {side.name: side for side in ops.balance(charter).sides}
    assert (sides["Magasins"].commitments, sides["Magasins"].answered) == (1, 1)
    assert sides["Magasins"].declined == 1  # the withdrawn one counts neither way
    assert (sides["Logistique"].answered, sides["Logistique"].declined) == (0, 0)


def test_banner_shows_each_sides_commitments_answers_and_declines(org, make_charter, login_as):
    charter = make_charter(commitments=(2, 1))
    negotiation.add_expectation(org.head_a, charter, text="Slots kept", customer_reason="Shelves")
    db.session.commit()
    negotiation.decide_expectation(
        org.head_b, charter.expectations[0], "declined", reason="Not this year"
    )
    db.session.commit()
    page = plain(login_as(org.member_a).get(f"/charters/{charter.id}").get_data(as_text=True))
    assert "Logistique makes 2 commitments · answered 0 expectations · declined 0" in page
    assert "Magasins makes 1 commitment · answered 0 expectations · declined 1" in page
    french = login_as(org.member_b)
    french.post("/language", {"lang": "fr", "next": "/"})
    page = plain(french.get(f"/charters/{charter.id}").get_data(as_text=True))
    assert "a répondu à 0 attente · en a décliné 1" in page


def test_more_than_three_times_more_commitments_warns_on_submit_without_blocking(
    org, make_charter, login_as
):
    uneven = make_charter("Uneven", commitments=(7, 2))
    even = make_charter("Even", commitments=(6, 2))  # exactly three times: no warning
    head = login_as(org.head_a)
    page = plain(head.get(f"/charters/{uneven.id}/submit").get_data(as_text=True))
    assert "Logistique makes 7 commitments, Magasins only 2: more than three times fewer." in page
    assert "Freeze and submit for signature" in page  # a warning, not a block
    banner = plain(head.get(f"/charters/{uneven.id}").get_data(as_text=True))
    assert "Logistique commits to more than three times as much as Magasins" in banner
    page = plain(head.get(f"/charters/{even.id}/submit").get_data(as_text=True))
    assert "more than three times" not in page
    response = head.post(f"/charters/{uneven.id}/submit", {})
    assert response.status_code == 302
    db.session.refresh(uneven)
    assert uneven.status.value == "awaiting_signatures"


def test_commitment_card_names_its_author_and_last_editor(org, make_charter, login_as):
    charter = make_charter(commitments=(0, 0))
    written = _commit(org.head_a, charter, org.logistics, "Deliveries before opening")
    ops.update_commitment(org.admin, written, written.lock_version, {"target": "97"}, now=DAY_2)
    _commit(org.head_b, charter, org.stores, "Reception slots kept")
    db.session.commit()
    page = plain(login_as(org.member_b).get(f"/charters/{charter.id}").get_data(as_text=True))
    assert "Written by Alice Head · last changed by Ada Admin, 2 Dec 2026" in page
    assert "Written by Bruno Head, 1 Dec 2026" in page
