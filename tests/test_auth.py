"""Logging in and out: hashed passwords, clear messages, rate limit, sessions that really end."""

from __future__ import annotations

import pytest

from sla_contracts import create_app
from sla_contracts.auth.passwords import hash_password, verify_password
from sla_contracts.extensions import db

from .plugins.people import TEST_PASSWORD, Browser


def test_default_password_hash_meets_owasp_minimum():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})
    method = app.config["PASSWORD_HASH_METHOD"]
    algorithm, _hash, iterations = method.split(":")
    assert algorithm == "pbkdf2" and int(iterations) >= 600_000
    with app.app_context():
        stored = hash_password("s3cret")
    assert stored.startswith("pbkdf2:sha256:1000000$") and "s3cret" not in stored
    assert verify_password(stored, "s3cret") and not verify_password(stored, "wrong")


def test_login_then_home_then_logout(org, browser):
    browser.login(org.head_a)
    assert browser.get("/").status_code == 200
    response = browser.post("/logout")
    assert response.status_code == 302
    assert browser.get("/").status_code == 302


@pytest.mark.parametrize("email", ["head.log@example.com", "nobody@example.com"])
def test_wrong_credentials_give_one_clear_message(org, browser, email):
    response = browser.post("/login", {"email": email, "password": "nope"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Wrong e-mail or password." in page
    assert email in page  # the typed e-mail is kept


def test_login_is_case_insensitive_on_email(org, browser):
    browser.login("HEAD.LOG@example.com")


def test_archived_user_cannot_log_in(org, browser):
    from sla_contracts.timeutil import utcnow

    org.head_a.archived_at = utcnow()
    db.session.commit()
    response = browser.post("/login", {"email": org.head_a.email, "password": TEST_PASSWORD})
    assert "Wrong e-mail or password." in response.get_data(as_text=True)


def test_open_redirect_after_login_is_refused(org, browser):
    response = browser.post(
        "/login?next=https://evil.example/x", {"email": org.head_a.email, "password": TEST_PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_login_is_rate_limited(org, browser):
    statuses = [
        browser.post("/login", {"email": org.head_a.email, "password": "bad"}).status_code
        for _ in range(12)
    ]
    assert statuses[:10] == [200] * 10
    assert statuses[10:] == [429, 429]


def test_logout_ends_a_copied_session_cookie(org, app, browser):
    browser.login(org.head_a)
    cookie = browser.client.get_cookie("session")
    thief = Browser(app.test_client())
    thief.client.set_cookie("session", cookie.value)
    assert thief.get("/").status_code == 200
    browser.post("/logout")
    assert thief.get("/").status_code == 302


def test_password_change_ends_other_sessions_but_not_this_one(org, app, login_as):
    laptop, phone = login_as(org.head_a), login_as(org.head_a)
    response = laptop.post(
        "/preferences",
        {
            "pw-current_password": TEST_PASSWORD,
            "pw-new_password": "a much longer one",
            "pw-confirm": "a much longer one",
            "pw-submit": "1",
        },
    )
    assert response.status_code == 302
    assert laptop.get("/").status_code == 200
    assert phone.get("/").status_code == 302
    Browser(app.test_client()).login(org.head_a, "a much longer one")


def test_wrong_current_password_changes_nothing(org, login_as):
    laptop = login_as(org.head_a)
    response = laptop.post(
        "/preferences",
        {
            "pw-current_password": "wrong",
            "pw-new_password": "a much longer one",
            "pw-confirm": "a much longer one",
            "pw-submit": "1",
        },
    )
    assert "This is not your current password." in response.get_data(as_text=True)
    db.session.expire_all()
    assert verify_password(org.head_a.password_hash, TEST_PASSWORD)


def test_cookies_are_httponly_samesite_and_remember_me_is_short(org, app, browser):
    assert app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert app.config["REMEMBER_COOKIE_DURATION"].days <= 30
    response = browser.post(
        "/login", {"email": org.head_a.email, "password": TEST_PASSWORD, "remember": "y"}
    )
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    remember = next(c for c in cookies if c.startswith("remember_token="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    assert "HttpOnly" in remember and "SameSite=Lax" in remember


def test_csrf_token_does_not_expire_within_a_long_writing_session(app):
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None


def test_interface_speaks_french_by_default_and_english_on_request(client):
    page = client.get("/login", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Se connecter" in page
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/language", data={"lang": "en", "next": "/login", "csrf_token": token})
    assert "Sign in" in client.get("/login").get_data(as_text=True)


def test_preferences_save_language_and_how_e_mails_come(org, login_as):
    head = login_as(org.head_a)
    head.post("/preferences", {"locale": "fr", "email_frequency": "daily", "submit": "1"})
    db.session.expire_all()
    assert org.head_a.locale == "fr" and org.head_a.email_frequency == "daily"
    page = head.get("/preferences").get_data(as_text=True)
    assert '<option selected value="daily">Un résumé par jour</option>' in page


def test_preferences_refuse_an_unknown_e_mail_choice(org, login_as):
    head = login_as(org.head_a)
    response = head.post(
        "/preferences", {"locale": "en", "email_frequency": "hourly", "submit": "1"}
    )
    assert response.status_code == 200
    assert "Not a valid choice" in response.get_data(as_text=True)
    db.session.expire_all()
    assert org.head_a.email_frequency == "immediately"


def test_password_change_revokes_api_tokens(org, login_as, api_as):
    api = api_as(org.head_a)
    assert api.get("/api/v1/charters").status_code == 200
    login_as(org.head_a).post(
        "/preferences",
        {
            "pw-current_password": TEST_PASSWORD,
            "pw-new_password": "a much longer one",
            "pw-confirm": "a much longer one",
            "pw-submit": "1",
        },
    )
    assert api.get("/api/v1/charters").status_code == 401


def test_successful_logins_do_not_use_up_the_limit(org, app):
    for _ in range(12):
        b = Browser(app.test_client())
        b.login(org.head_a)
