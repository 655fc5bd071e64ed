"""An address the CLI or the directory accepted always signs in, on the page and for a token."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sla_contracts.extensions import db
from sla_contracts.models import User
from tests.plugins.people import Browser

PASSWORD = "a good password"
INSIDE_ADDRESSES = ["chloe@corp.local", "chloe@qa.test", "chloe@intranet.internal"]


def _typed_differently(email: str) -> str:
    """The address as a person may type it: spaces around, capitals."""
    local, domain = email.split("@")
    return f"  {local.title()}@{domain.upper()} "


def _signs_in_everywhere(app, email: str) -> None:
    for typed in (email, _typed_differently(email)):
        page = Browser(app.test_client()).post("/login", {"email": typed, "password": PASSWORD})
        assert page.status_code == 302, page.get_data(as_text=True)[:500]
        token = app.test_client().post(
            "/api/v1/tokens", json={"email": typed, "password": PASSWORD}
        )
        assert token.status_code == 201, token.get_json()


@pytest.mark.parametrize("email", INSIDE_ADDRESSES)
def test_user_created_with_the_cli_on_an_inside_domain_signs_in(app, runner, email):
    result = runner.invoke(
        args=["create-user", "--email", _typed_differently(email), "--name", "Chloé",
              "--password", PASSWORD]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"Created {email}." in result.output
    _signs_in_everywhere(app, email)


@pytest.mark.parametrize("email", INSIDE_ADDRESSES)
def test_user_created_in_the_directory_on_an_inside_domain_signs_in(app, org, login_as, email):
    admin = login_as(org.admin)
    response = admin.post(
        "/directory/users/new",
        {"name": "Chloé", "email": _typed_differently(email), "password": PASSWORD, "locale": "fr"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert db.session.scalar(select(User.email).where(User.name == "Chloé")) == email
    _signs_in_everywhere(app, email)


def test_login_page_still_asks_for_an_address(app):
    page = Browser(app.test_client()).post("/login", {"email": "   ", "password": PASSWORD})
    assert page.status_code == 200
    assert "This field is required." in page.get_data(as_text=True)
