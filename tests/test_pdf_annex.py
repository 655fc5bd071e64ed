"""The charter PDF's annex: what each side asked, what was promised, what was declined and why."""

from __future__ import annotations

import re

from sla_contracts.charters import negotiation
from sla_contracts.extensions import db
from sla_contracts.signing import pdf_store

from .signing_helpers import pdf_text, sign_both, submit


def _negotiated(org, make_charter, make_commitment):
    charter = make_charter(commitments=(0, 0))
    make_commitment(charter, org.logistics, "Deliveries before opening")
    slots = make_commitment(charter, org.stores, "Reception slots kept")
    dock = make_commitment(charter, org.stores, "Dock cleared by 7:00")
    asked = negotiation.add_expectation(
        org.head_a, charter, text="Keep the reception slots", customer_reason="Trucks wait less"
    )
    refused = negotiation.add_expectation(
        org.head_a, charter, text="Take deliveries on Sunday", customer_reason="Monday shelves"
    )
    withdrawn = negotiation.add_expectation(
        org.head_a, charter, text="A forgotten wish", customer_reason="None"
    )
    db.session.commit()
    negotiation.decide_expectation(
        org.head_b, asked, "answered", commitment_ids=[slots.id, dock.id]
    )
    negotiation.decide_expectation(
        org.head_b, refused, "declined", reason="No staff on Sundays before 2027"
    )
    negotiation.decide_expectation(org.head_a, withdrawn, "withdrawn")
    db.session.commit()
    return charter


def test_signed_pdf_annex_lists_each_expectation_its_answers_and_the_decline_reason(
    org, make_charter, make_commitment, output_dir
):
    charter = _negotiated(org, make_charter, make_commitment)
    version = sign_both(org, charter)
    (output_dir / "annex.pdf").write_bytes(version.pdf)
    text = re.sub(r"\s+", " ", pdf_text(version.pdf)).replace("\u2010 ", "")  # hyphenated
    assert "What each side asked, what was promised, what was declined and why" in text
    assert "What Logistique asked of Magasins" in text
    assert "Magasins asked nothing of Logistique." in text
    annex = text[text.index("Annex") :]
    assert annex.index("Keep the reception slots") < annex.index("Take deliveries on Sunday")
    assert "Trucks wait less" in annex
    assert "Promised by Magasins: Reception slots kept · Dock cleared by 7:00" in annex
    assert "Declined by Magasins: No staff on Sundays before 2027" in annex
    assert "A forgotten wish" not in text  # withdrawn: not part of what was agreed


def test_annex_is_written_in_the_charters_language(org, make_charter, make_commitment):
    org.head_a.locale = "fr"
    db.session.commit()
    charter = _negotiated(org, make_charter, make_commitment)
    version = submit(org, charter)
    assert version.language == "fr"
    text = re.sub(r"\s+", " ", pdf_text(pdf_store.version_pdf(version))).replace("\u2010 ", "")
    assert (
        "Ce que chaque partie a demandé, ce qui a été promis, ce qui a été décliné et pourquoi"
        in (text)
    )
    assert "Demandes adressées par Logistique à Magasins" in text
    assert "Promis par Magasins : Reception slots kept · Dock cleared by 7:00" in text
    assert "par Magasins : No staff on Sundays before 2027" in text


def test_a_charter_without_expectations_has_no_annex(org, make_charter):
    version = submit(org, make_charter(commitments=(1, 1)))
    assert "Annex" not in pdf_text(pdf_store.version_pdf(version))
