"""Driving a sign-in at the real test provider from a Flask test client (tests/plugins/oidc.py)."""

from __future__ import annotations

from urllib.parse import urlsplit

from tests.plugins.oidc import PROVIDER_PASSWORD, ProviderSession
from tests.plugins.people import csrf_from


def start_sign_in(client, path: str = "/auth/oidc/login") -> str:
    """The provider's authorize URL the app sends the person to."""
    response = client.get(path)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return response.headers["Location"]


def callback_path(callback_url: str) -> str:
    """The app's callback, as the test client requests it (path and query)."""
    parts = urlsplit(callback_url)
    return f"{parts.path}?{parts.query}"


def sign_in(client, provider, email: str, password: str = PROVIDER_PASSWORD, at=None):
    """The whole sign-in: the app → the provider's login page → the app's callback answer.

    ``at`` is the person's browser at the provider (a new one by default).
    """
    at = at or ProviderSession(provider)
    callback = at.sign_in(start_sign_in(client), email, password)
    return client.get(callback_path(callback)), callback


def log_out(client):
    """The menu's sign-out button (a POST with the page's CSRF token)."""
    token = csrf_from(client.get("/").get_data(as_text=True))
    return client.post("/logout", data={"csrf_token": token})


def flashed(client) -> str:
    """The login page as shown after a redirect (its flashed messages)."""
    return client.get("/login").get_data(as_text=True)
