"""Behind a reverse proxy, the login rate limit counts each client, not the proxy."""

from __future__ import annotations

import pytest

from .plugins.people import csrf_from


@pytest.fixture
def app_config():
    return {"TRUSTED_PROXIES": 1, "LOGIN_RATE_LIMIT": "2 per minute"}


def _failed_login(client, address: str) -> int:
    headers = {"X-Forwarded-For": address}
    page = client.get("/login", headers=headers).get_data(as_text=True)
    response = client.post(
        "/login",
        data={"email": "nobody@example.com", "password": "x", "csrf_token": csrf_from(page)},
        headers=headers,
    )
    return response.status_code


def test_login_limit_counts_the_forwarded_client_address(client):
    assert [_failed_login(client, "203.0.113.7") for _ in range(3)] == [200, 200, 429]
    # Another person behind the same proxy can still log in.
    assert _failed_login(client, "198.51.100.9") == 200
