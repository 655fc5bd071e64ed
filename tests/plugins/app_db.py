"""The app on a fresh database per test, its clients, and the PostgreSQL-only guard.

SQLite by default (one file per xdist worker, under the worker's own temporary folder);
PostgreSQL when TEST_DATABASE_URL points at it, with one database per xdist worker
(``reciproque_tests_gw0``, ``…_gw1``), created when missing.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from sla_contracts import create_app
from sla_contracts.extensions import db

# The demonstration signing certificate of this test process, never the repository's instance/.
SIGNING_DEMO_CERT = Path(tempfile.mkdtemp(prefix="reciproque-signing-")) / "signing-demo.p12"


def app_test_config(url: str, **extra: Any) -> dict[str, Any]:
    """The settings every test app gets."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        # Fast hashes in tests; test_passwords checks the production default separately.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "SERVER_NAME": None,
        "MAIL_SERVER": "",
        "SCHEDULER_IN_PROCESS": False,
        "SIGNING_CERT_P12": "",
        "SIGNING_DEMO_CERT": str(SIGNING_DEMO_CERT),
        "TSA_URL": "",
    }
    config.update(extra)
    return config


def worker_id() -> str | None:
    """The xdist worker running this process (``gw0``…), or None outside xdist."""
    return os.environ.get("PYTEST_XDIST_WORKER")


def postgres_database_url(url: str, suffix: str, *, fresh: bool = False) -> str:
    """``url`` with ``_<suffix>`` added to its database name; create that database if missing
    (drop it first when ``fresh``)."""
    parsed = make_url(url)
    name = f"{parsed.database}_{suffix}"
    ensure_postgres_database(parsed.set(database=name), fresh=fresh)
    return parsed.set(database=name).render_as_string(hide_password=False)


def ensure_postgres_database(url, *, fresh: bool = False) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if fresh:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}"'))
        exists = conn.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
        )
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    if not url.startswith("postgresql"):
        return url
    worker = worker_id()
    if worker is None:
        ensure_postgres_database(url)
        return url
    return postgres_database_url(url, worker)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """This worker's database, with the schema of the models."""
    url = _database_url(tmp_path_factory)
    app = create_app(app_test_config(url))
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.engine.dispose()
    return url


@pytest.fixture(scope="session")
def is_postgres(database_url) -> bool:
    return database_url.startswith("postgresql")


def _truncate(app) -> None:
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for name in tables:
                    conn.execute(text(f"DELETE FROM {name}"))
        db.engine.dispose()


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Override in a test module to change the app's settings."""
    return {}


class IsolatedClient(FlaskClient):
    """Each request gets its own app context, so `g` (Flask-Login's user) and the database
    session are not shared with the test's context or with other clients, as in real life."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Anonymous pages follow the browser's language; tests read English unless they ask.
        self.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"

    def open(self, *args, **kwargs):
        # End the test's own transaction first: on SQLite every transaction is BEGIN
        # IMMEDIATE (a write lock), so an idle one would block the request's writes.
        db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app(database_url, app_config):
    app = create_app(app_test_config(database_url, **app_config))
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
    _truncate(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def postgres_only(is_postgres):
    """Skip on SQLite, saying why; fail instead under REQUIRE_PG=1 (CI cannot pass by skipping)."""
    if not is_postgres:
        if os.environ.get("REQUIRE_PG"):
            pytest.fail("REQUIRE_PG is set but the suite is not running on PostgreSQL")
        pytest.skip(
            "needs PostgreSQL: set TEST_DATABASE_URL=postgresql+psycopg://... "
            "(SQLite has no row locks to race on)"
        )


@pytest.fixture
def count_statements(app):
    """``with count_statements() as seen: ...`` then ``seen.count``: the SQL statements the
    block sent (BEGIN included on SQLite)."""

    @contextmanager
    def counting() -> Iterator[SimpleNamespace]:
        seen = SimpleNamespace(count=0)

        def count(*_args) -> None:
            seen.count += 1

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            yield seen
        finally:
            event.remove(db.engine, "before_cursor_execute", count)

    return counting
