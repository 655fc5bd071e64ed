"""Fixes after the QA pass of signing: ended charters, audit page, edit forms, verification."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sla_contracts.extensions import db
from sla_contracts.models import Charter, CharterStatus

from .signing_helpers import sign_both


@pytest.fixture
def signed(org, make_charter):
    charter = make_charter(commitments=(2, 1))
    sign_both(org, charter)
    return charter


def _page(browser, url: str) -> str:
    response = browser.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


# ---------------------------------------------------------------- 1. an ended charter


def test_ending_a_charter_clears_its_next_review(org, signed, login_as):
    assert signed.next_review_on is not None
    head = login_as(org.head_a)
    response = head.post(f"/charters/{signed.id}/end", {"reason": "Merged into one department"})
    assert response.status_code == 302
    charter = db.session.scalar(
        select(Charter).where(Charter.id == signed.id).execution_options(populate_existing=True)
    )
    assert charter.status == CharterStatus.ENDED
    assert charter.next_review_on is None


def test_ended_charter_page_says_last_signed_version_and_why(org, signed, login_as):
    head = login_as(org.head_a)
    head.post(f"/charters/{signed.id}/end", {"reason": "Merged into one department"})
    page = _page(head, f"/charters/{signed.id}")
    assert "next on" not in page
    assert "Version in force" not in page
    assert "Last signed version — charter ended on" in page
    assert "Merged into one department" in page
    versions = _page(head, f"/charters/{signed.id}/versions")
    assert "In force" not in versions and "Last signed (charter ended)" in versions
