"""The sign page shows what is signed first and asks for the password last."""

from __future__ import annotations

from .signing_helpers import submit


def test_sign_page_shows_the_content_before_the_password(org, make_charter, login_as):
    charter = make_charter(commitments=(2, 1))
    version = submit(org, charter)
    page = login_as(org.head_b).get(f"/charters/{charter.id}/sign").get_data(as_text=True)
    password_at = page.index('name="password"')
    for text in (
        version.fingerprint,
        "Shelf out-of-stock rate",  # the shared criterion
        "A commitment 2",
        "B commitment 1",
        "Logistique commits to 2 things for Magasins",
        "Magasins commits to 1 thing for Logistique",
    ):
        assert page.index(text) < password_at, text
    assert page.index("Confirm your signature") < password_at
    assert page.index('name="password"') < page.index('type="submit"', password_at)
    assert "You sign version 1 of" in page and "for Magasins, as it is shown above" in page


def test_a_refused_signature_says_so_at_the_top(org, make_charter, login_as):
    charter = make_charter(commitments=(1, 1))
    submit(org, charter)
    response = login_as(org.head_b).post(
        f"/charters/{charter.id}/sign", {"version": 1, "password": "wrong"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    alert = page.index("Your signature is not recorded yet.")
    assert alert < page.index("B commitment 1") < page.index("password is not right")


def test_a_head_whose_side_has_signed_is_not_asked_again(org, make_charter, login_as):
    from sla_contracts.extensions import db
    from sla_contracts.signing import signatures

    from .plugins.people import TEST_PASSWORD

    charter = make_charter(commitments=(1, 1))
    submit(org, charter)
    signatures.sign_charter(org.head_a, charter, 1, TEST_PASSWORD, None)
    db.session.commit()
    page = login_as(org.head_a).get(f"/charters/{charter.id}/sign").get_data(as_text=True)
    assert "Your side has already signed this version" in page
    assert 'name="password"' not in page and "for , as" not in page


def test_the_summary_follows_french_punctuation(org, make_charter, login_as):
    org.head_b.locale = "fr"
    charter = make_charter(commitments=(1, 1))
    submit(org, charter)
    page = login_as(org.head_b).get(f"/charters/{charter.id}/sign").get_data(as_text=True)
    assert "envers Magasins : A commitment 1" in page  # a space before the colon in French
    assert "envers Magasins: " not in page
