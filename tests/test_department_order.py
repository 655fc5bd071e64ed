"""One order of the two departments per charter: the order its title names them in (else A
then B as stored), the same on the page, in lists, the PDF and the minutes."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale

from sla_contracts.extensions import db
from sla_contracts.models import CharterStatus
from sla_contracts.models.charters import named_b_first
from sla_contracts.pdf import render_html
from sla_contracts.reviews.minutes import TEMPLATE, minutes_values

from .plugins.reviews import plain
from .signing_helpers import pdf_text, sign_both


@pytest.mark.parametrize(
    ("title", "a", "b", "b_first"),
    [
        ("Logistique ⇄ E-commerce : livrer dans le créneau", "E-commerce", "Logistique", True),
        ("E-commerce ⇄ Logistique", "E-commerce", "Logistique", False),
        ("logistique et e-commerce", "E-commerce", "Logistique", True),  # any case
        ("Des livraisons à l'heure", "E-commerce", "Logistique", False),  # names neither
        ("Logistique : ce qui compte", "E-commerce", "Logistique", False),  # names one
        ("Logistique ⇄ Logistique urbaine", "Logistique urbaine", "Logistique", True),
        ("Logistique urbaine ⇄ Logistique", "Logistique urbaine", "Logistique", False),
        ("DSIX ⇄ DSI", "DSI", "DSIX", True),  # whole words only
    ],
)
def test_the_title_decides_which_department_reads_first(title, a, b, b_first):
    assert named_b_first(title, a, b) is b_first


@pytest.fixture
def reversed_charter(make_charter, org):
    """Stored with Magasins as side A, titled "Logistique ⇄ Magasins"."""
    charter = make_charter(
        "Logistique ⇄ Magasins : des rayons pleins",
        department_a=org.stores,
        department_b=org.logistics,
        commitments=(1, 2),
    )
    assert charter.department_a.name == "Magasins"
    return charter


def _in_order(text: str, *parts: str) -> bool:
    at = [text.find(p) for p in parts]
    assert all(i >= 0 for i in at), [p for p, i in zip(parts, at, strict=True) if i < 0]
    return at == sorted(at)


def test_the_charter_page_reads_the_departments_in_the_titles_order(
    reversed_charter, org, login_as
):
    head = login_as(org.head_a)
    page = plain(head.get(f"/charters/{reversed_charter.id}").get_data(as_text=True))
    assert "Magasins ⇄ Logistique" not in page
    assert _in_order(
        page,
        "Logistique ⇄ Magasins : des rayons pleins",  # the title
        "· Logistique ⇄ Magasins ·",  # the line under it
        "Logistique makes 2 commitments",  # the balance
        "Magasins makes 1 commitment",
        "What Logistique commits to Magasins",  # the columns
        "What Magasins commits to Logistique",
    )
    home = plain(login_as(org.head_a).get("/").get_data(as_text=True))
    assert "Logistique ⇄ Magasins" in home and "Magasins ⇄ Logistique" not in home


def test_the_pdf_and_the_version_page_keep_the_same_order(reversed_charter, org, login_as):
    version = sign_both(org, reversed_charter)
    text = re.sub(r"\s+", " ", pdf_text(version.pdf))
    assert _in_order(
        text,
        "Logistique ⇄ Magasins",
        "· LOG",  # the parties
        "· MAG",
        "1. What Logistique commits to Magasins",
        "2. What Magasins commits to Logistique",
        "FOR LOGISTIQUE",  # the signatures (upper case in print)
        "FOR MAGASINS",
    )
    page = plain(
        login_as(org.head_b)
        .get(f"/charters/{reversed_charter.id}/versions/{version.number}")
        .get_data(as_text=True)
    )
    assert _in_order(
        page, "What Logistique commits to Magasins", "What Magasins commits to Logistique"
    )


def test_the_review_and_its_minutes_keep_the_same_order(reversed_charter, org, login_as):
    from datetime import date

    from sla_contracts.reviews import operations as ops

    from .plugins.reviews import REVIEW_NOW

    reversed_charter.status = CharterStatus.ACTIVE
    reversed_charter.next_review_on = date(2027, 1, 20)
    review = ops.plan_review(reversed_charter, REVIEW_NOW)
    ops.start_review(org.head_a, review, now=REVIEW_NOW)
    review.satisfaction_a_of_b = 2  # Magasins (A) rates Logistique 2
    review.satisfaction_b_of_a = 5  # Logistique (B) rates Magasins 5
    db.session.commit()
    meeting = plain(login_as(org.head_a).get(f"/reviews/{review.id}").get_data(as_text=True))
    assert _in_order(
        meeting,
        "What Logistique committed to Magasins",
        "What Magasins committed to Logistique",
        "How satisfied Logistique is with Magasins",
        "How satisfied Magasins is with Logistique",
    )
    # Each label still goes with its own field.
    label = meeting.index("How satisfied Logistique is with Magasins")
    assert meeting.find('name="satisfaction_b_of_a"', label) < meeting.find(
        'name="satisfaction_a_of_b"', label
    )
    with force_locale("en"):
        values = minutes_values(review)
        values.pop("history")
        minutes = plain(render_html(TEMPLATE, locale="en", chart="", **values))
    assert "Magasins ⇄ Logistique" not in minutes
    assert _in_order(
        minutes,
        "Logistique ⇄ Magasins",
        "How satisfied Logistique is with Magasins (1–5): 5",
        "How satisfied Magasins is with Logistique (1–5): 2",
    )
