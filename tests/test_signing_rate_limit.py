"""Wrong signing passwords are limited per person and per address, and kept in the audit trail."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from sla_contracts.audit.operations import verify_chain
from sla_contracts.extensions import db
from sla_contracts.models import AuditEvent, Charter, CharterStatus, Signature

from .api_helpers import ApiClient, assert_error, check_response, token_for
from .plugins.people import TEST_PASSWORD
from .signing_helpers import submit

BASE = "/api/v1"
LIMIT = 5  # the default SIGN_RATE_LIMIT, "5 per minute"


@pytest.fixture
def submitted(org, make_charter):
    charter = make_charter(commitments=(1, 1))
    submit(org, charter)
    return charter


def _sign_page(head, charter, password):
    return head.post(f"/charters/{charter.id}/sign", {"version": 1, "password": password})


def _refusals():
    db.session.expire_all()
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "signature_refused").order_by(AuditEvent.id)
    ).all()


def test_default_limits_are_five_a_minute_per_person_looser_per_address(app):
    assert app.config["SIGN_RATE_LIMIT"] == "5 per minute"
    assert app.config["SIGN_ADDRESS_RATE_LIMIT"] == "20 per minute"


def test_page_refuses_even_the_right_password_after_five_wrong_ones(org, submitted, login_as):
    head = login_as(org.head_b)
    for _ in range(LIMIT):
        assert _sign_page(head, submitted, "guess").status_code == 422
    blocked = _sign_page(head, submitted, TEST_PASSWORD)
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["Retry-After"]) <= 60
    page = blocked.get_data(as_text=True)
    assert "Too many wrong passwords" in page
    assert re.search(r"Wait (1\sminute|\d+\sseconds?), then try again", page)
    assert 'name="password"' in page  # the sign page again, not an error page
    assert db.session.scalar(select(Signature)) is None
    # Refused before the hash: a blocked attempt is not a failed re-check, nothing recorded.
    assert len(_refusals()) == LIMIT


def test_the_wait_is_said_in_the_readers_language(org, submitted, login_as, make_user):
    french = make_user("fr@example.com", "Fanny", locale="fr", head_of=[org.stores])
    head = login_as(french)
    for _ in range(LIMIT):
        _sign_page(head, submitted, "guess")
    page = _sign_page(head, submitted, TEST_PASSWORD).get_data(as_text=True)
    assert "Trop de mots de passe erronés" in page
    # Babel puts a no-break space between the number and the unit in French ("59\xa0secondes").
    assert re.search(r"Attendez (1\sminute|\d+\ssecondes?), puis réessayez", page)


def test_api_answers_429_with_retry_after_after_five_wrong_passwords(org, submitted, client):
    head = ApiClient(client, token_for(org.head_b))
    url = f"{BASE}/charters/{submitted.id}/sign"
    for _ in range(LIMIT):
        assert_error(head.post(url, {"version": 1, "password": "guess"}), 422, "validation_error")
    blocked = head.post(url, {"version": 1, "password": TEST_PASSWORD})
    error = assert_error(blocked, 429, "rate_limited", "password")
    check_response(blocked, "post", "/api/v1/charters/{charter_id}/sign")
    assert "Too many wrong passwords" in error["message"]
    assert 1 <= error["details"]["retry_after"] <= 60
    assert blocked.headers["Retry-After"] == str(error["details"]["retry_after"])
    assert db.session.scalar(select(Signature)) is None


def test_page_and_api_share_one_count_per_person(org, submitted, login_as, client):
    page = login_as(org.head_b)
    for _ in range(LIMIT - 1):
        _sign_page(page, submitted, "guess")
    api = ApiClient(client, token_for(org.head_b))
    url = f"{BASE}/charters/{submitted.id}/sign"
    assert_error(api.post(url, {"version": 1, "password": "guess"}), 422, "validation_error")
    assert_error(api.post(url, {"version": 1, "password": TEST_PASSWORD}), 429, "rate_limited")
    assert _sign_page(page, submitted, TEST_PASSWORD).status_code == 429


def test_another_head_is_not_blocked_by_someone_elses_guesses(org, submitted, login_as):
    guesser = login_as(org.head_b)
    for _ in range(LIMIT + 2):
        _sign_page(guesser, submitted, "guess")
    assert _sign_page(guesser, submitted, TEST_PASSWORD).status_code == 429
    other = login_as(org.head_a)
    assert _sign_page(other, submitted, TEST_PASSWORD).status_code == 302
    assert db.session.scalar(select(Signature)).user_id == org.head_a.id


def test_successful_signatures_do_not_count(org, make_charter, login_as):
    head = login_as(org.head_a)
    for _ in range(LIMIT + 1):
        charter = make_charter(commitments=(1, 1))
        submit(org, charter)
        assert _sign_page(head, charter, TEST_PASSWORD).status_code == 302
    assert _refusals() == []


@pytest.mark.parametrize(
    "app_config", [{"SIGN_RATE_LIMIT": "10 per minute", "SIGN_ADDRESS_RATE_LIMIT": "3 per minute"}]
)
def test_one_address_is_limited_across_people(org, submitted, login_as):
    first, second = login_as(org.head_a), login_as(org.head_b)
    for head in (first, first, second):
        _sign_page(head, submitted, "guess")
    assert _sign_page(second, submitted, TEST_PASSWORD).status_code == 429
    elsewhere = login_as(org.head_b)
    elsewhere.client.environ_base["REMOTE_ADDR"] = "10.9.8.7"
    assert _sign_page(elsewhere, submitted, TEST_PASSWORD).status_code == 302


def test_failed_attempts_are_in_the_audit_trail_and_the_chain_holds(org, submitted, login_as):
    head = login_as(org.head_b)
    for _ in range(2):
        assert _sign_page(head, submitted, "guess").status_code == 422
    assert _sign_page(head, submitted, TEST_PASSWORD).status_code == 302
    refusals = _refusals()
    assert len(refusals) == 2
    assert refusals[0].actor_id == org.head_b.id and refusals[0].charter_id == submitted.id
    assert refusals[0].data["reason"] == "wrong_password"
    assert refusals[0].data["version"] == 1
    assert refusals[0].data["department_id"] == org.stores.id
    assert verify_chain().ok
    page = head.get(f"/charters/{submitted.id}/audit").get_data(as_text=True)
    assert page.count("Signature refused") == 2
    assert "why: wrong password" in page and "for Magasins" in page and "version 1" in page
    assert "wrong_password" not in page


def test_audit_label_of_a_refusal_in_french(org, submitted, login_as, make_user):
    _sign_page(login_as(org.head_b), submitted, "guess")
    french = make_user("fr@example.com", "Fanny", locale="fr", head_of=[org.logistics])
    page = login_as(french).get(f"/charters/{submitted.id}/audit").get_data(as_text=True)
    assert "Signature refusée" in page and "mot de passe erroné" in page


def test_right_password_before_the_limit_signs_as_before(org, submitted, login_as):
    head_a, head_b = login_as(org.head_a), login_as(org.head_b)
    for _ in range(LIMIT - 1):
        _sign_page(head_b, submitted, "guess")
    assert _sign_page(head_b, submitted, TEST_PASSWORD).status_code == 302
    assert _sign_page(head_a, submitted, TEST_PASSWORD).status_code == 302
    db.session.expire_all()
    assert db.session.get(Charter, submitted.id).status == CharterStatus.ACTIVE
    assert verify_chain().ok
