"""One ``authenticate``: the login page and the token endpoint find people the same way."""

from __future__ import annotations

import pytest

from sla_contracts.auth.service import authenticate, normalise_email, user_by_email
from sla_contracts.extensions import db
from sla_contracts.timeutil import utcnow

PASSWORD = "open sesame, twice"
TYPED = "  Chloe.MARTIN@Example.COM "


@pytest.fixture
def chloe(make_user):
    return make_user("chloe.martin@example.com", "Chloé Martin", password=PASSWORD)


def test_e_mail_is_normalised_by_trimming_and_lower_casing():
    assert normalise_email(TYPED) == "chloe.martin@example.com"


def test_authenticate_finds_the_person_whatever_the_case_and_spaces(chloe):
    assert user_by_email(TYPED) == chloe
    assert authenticate(TYPED, PASSWORD) == chloe


@pytest.mark.parametrize(
    ("email", "password"),
    [("chloe.martin@example.com", "wrong"), ("nobody@example.com", PASSWORD)],
)
def test_authenticate_refuses_wrong_credentials(chloe, email, password):
    assert authenticate(email, password) is None


def test_authenticate_refuses_an_archived_person(chloe):
    chloe.archived_at = utcnow()
    db.session.commit()
    assert authenticate(chloe.email, PASSWORD) is None


def test_login_page_accepts_the_e_mail_as_typed(chloe, browser):
    response = browser.post("/login", {"email": TYPED, "password": PASSWORD})
    assert response.status_code == 302
    db.session.refresh(chloe)
    assert chloe.last_login_at is not None


def test_token_endpoint_accepts_the_e_mail_as_typed(chloe, client):
    response = client.post("/api/v1/tokens", json={"email": TYPED, "password": PASSWORD})
    assert response.status_code == 201, response.get_json()
