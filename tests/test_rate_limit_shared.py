"""With Redis storage, several workers share one login limit (memory storage would not)."""

from __future__ import annotations

import os
import socket
import uuid

import pytest

from sla_contracts import create_app

from .plugins.app_db import IsolatedClient, app_test_config
from .plugins.people import Browser

REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_up() -> bool:
    host_port = REDIS.split("//", 1)[1].split("/", 1)[0]
    host, port = host_port.split(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except OSError:
        return False


def test_two_workers_share_the_login_limit_through_redis(database_url, org):
    if not _redis_up():
        if os.environ.get("CI"):
            pytest.fail(f"Redis is expected in CI at {REDIS}")
        pytest.skip(f"needs Redis at {REDIS} (TEST_REDIS_URL) to share counters")
    config = app_test_config(
        database_url,
        RATELIMIT_STORAGE_URI=REDIS,
        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
        LOGIN_RATE_LIMIT="6 per minute",
    )
    workers = [create_app(config), create_app(config)]
    clients = []
    for worker in workers:
        worker.test_client_class = IsolatedClient
        clients.append(Browser(worker.test_client()))
    statuses = []
    for attempt in range(8):
        client = clients[attempt % 2]
        statuses.append(
            client.post("/login", {"email": org.head_a.email, "password": "bad"}).status_code
        )
    # Six attempts in all, across both workers, then refused by either.
    assert statuses[:6] == [200] * 6
    assert statuses[6:] == [429, 429]
