"""Shared fixtures: an app on a fresh database per test, factories, logged-in clients.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL points at it
(`.ci/run` does both). REQUIRE_PG=1 / REQUIRE_BROWSER=1 turn "skipped because absent" into
failures, so CI cannot pass by skipping.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from sla_contracts import create_app
from sla_contracts.extensions import db
from sla_contracts.models import (
    Charter,
    CharterStatus,
    Commitment,
    CustomerCriterion,
    Department,
    Direction,
    Membership,
    Role,
    User,
)

TEST_PASSWORD = "correct horse battery"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


def _ensure_postgres_database(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
        )
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


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
    }
    config.update(extra)
    return config


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = _database_url(tmp_path_factory)
    if url.startswith("postgresql"):
        _ensure_postgres_database(url)
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


# ------------------------------------------------------------------ skips that CI refuses


@pytest.fixture
def postgres_only(is_postgres):
    if not is_postgres:
        if os.environ.get("REQUIRE_PG"):
            pytest.fail("REQUIRE_PG is set but the suite is not running on PostgreSQL")
        pytest.skip(
            "needs PostgreSQL: set TEST_DATABASE_URL=postgresql+psycopg://... "
            "(SQLite has no row locks to race on)"
        )


def chromium_or_skip() -> str:
    if shutil.which(CHROMIUM) or os.path.exists(CHROMIUM):
        return CHROMIUM
    if os.environ.get("REQUIRE_BROWSER"):
        pytest.fail(f"REQUIRE_BROWSER is set but {CHROMIUM} is missing")
    pytest.skip(f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium)")


# ------------------------------------------------------------------ factories


@pytest.fixture
def make_department(app) -> Callable[..., Department]:
    counter = {"n": 0}

    def make(name: str | None = None, code: str | None = None) -> Department:
        counter["n"] += 1
        n = counter["n"]
        department = Department(name=name or f"Department {n}", code=code or f"D{n}")
        db.session.add(department)
        db.session.commit()
        return department

    return make


@pytest.fixture
def make_user(app) -> Callable[..., User]:
    from sla_contracts.auth.passwords import hash_password

    cached_hash: dict[str, str] = {}

    def make(
        email: str | None = None,
        name: str | None = None,
        *,
        is_admin: bool = False,
        head_of: list[Department] = (),
        member_of: list[Department] = (),
        password: str = TEST_PASSWORD,
        locale: str = "en",
    ) -> User:
        if password not in cached_hash:
            cached_hash[password] = hash_password(password)
        n = db.session.query(User).count() + 1
        user = User(
            email=email or f"user{n}@example.com",
            name=name or f"User {n}",
            password_hash=cached_hash[password],
            is_admin=is_admin,
            locale=locale,
        )
        db.session.add(user)
        for department in head_of:
            db.session.add(Membership(user=user, department=department, role=Role.HEAD))
        for department in member_of:
            db.session.add(Membership(user=user, department=department, role=Role.MEMBER))
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_criterion(app) -> Callable[..., CustomerCriterion]:
    counter = {"n": 0}

    def make(name: str | None = None, **kwargs: Any) -> CustomerCriterion:
        counter["n"] += 1
        criterion = CustomerCriterion(
            name=name or f"Criterion {counter['n']}",
            definition=kwargs.get("definition", "Share of products missing on the shelf."),
            unit=kwargs.get("unit", "%"),
            direction=kwargs.get("direction", Direction.LOWER_IS_BETTER),
            target=kwargs.get("target", 2.0),
        )
        db.session.add(criterion)
        db.session.commit()
        return criterion

    return make


COMMITMENT_DEFAULTS = {
    "service_standard": "Answer store requests within 48 h",
    "indicator": "Share of requests answered within 48 h",
    "target": "95",
    "unit": "%",
    "measurement_method": "Ticket timestamps",
    "measurement_frequency": "Monthly",
    "customer_impact": "Fewer empty shelves for the customer",
}


@pytest.fixture
def make_commitment(app) -> Callable[..., Commitment]:
    def make(
        charter: Charter, provider: Department, title: str = "A commitment", **fields: Any
    ) -> Commitment:
        position = len(charter.commitments_by(provider.id)) + 1
        commitment = Commitment(
            charter=charter,
            provider_department_id=provider.id,
            title=title,
            position=position,
            **{**COMMITMENT_DEFAULTS, **fields},
        )
        db.session.add(commitment)
        db.session.commit()
        return commitment

    return make


class Org:
    """Two departments with a head and a member each, a third department, an admin."""

    def __init__(self, make_department, make_user, make_criterion):
        self.logistics = make_department("Logistique", "LOG")
        self.stores = make_department("Magasins", "MAG")
        self.it = make_department("DSI", "DSI")
        self.head_a = make_user("head.log@example.com", "Alice Head", head_of=[self.logistics])
        self.head_b = make_user("head.mag@example.com", "Bruno Head", head_of=[self.stores])
        self.member_a = make_user(
            "member.log@example.com", "Mia Member", member_of=[self.logistics]
        )
        self.member_b = make_user("member.mag@example.com", "Max Member", member_of=[self.stores])
        self.outsider = make_user("head.dsi@example.com", "Olga Outsider", head_of=[self.it])
        self.admin = make_user("admin@example.com", "Ada Admin", is_admin=True)
        self.criterion = make_criterion("Shelf out-of-stock rate")


@pytest.fixture
def org(make_department, make_user, make_criterion) -> Org:
    return Org(make_department, make_user, make_criterion)


@pytest.fixture
def make_charter(app, org) -> Callable[..., Charter]:
    """Create a charter between org.logistics (A) and org.stores (B)."""

    def make(
        title: str = "Logistique ⇄ Magasins",
        *,
        status: CharterStatus = CharterStatus.DRAFT,
        commitments: tuple[int, int] = (0, 0),
        **kwargs: Any,
    ) -> Charter:
        charter = Charter(
            title=title,
            department_a=kwargs.get("department_a", org.logistics),
            department_b=kwargs.get("department_b", org.stores),
            criterion=kwargs.get("criterion", org.criterion),
            review_cadence_months=kwargs.get("review_cadence_months", 3),
            status=status,
            created_by_id=org.head_a.id,
        )
        db.session.add(charter)
        db.session.flush()
        for i in range(commitments[0]):
            db.session.add(
                Commitment(
                    charter=charter,
                    provider_department_id=charter.department_a_id,
                    title=f"A commitment {i + 1}",
                    position=i + 1,
                    **COMMITMENT_DEFAULTS,
                )
            )
        for i in range(commitments[1]):
            db.session.add(
                Commitment(
                    charter=charter,
                    provider_department_id=charter.department_b_id,
                    title=f"B commitment {i + 1}",
                    position=i + 1,
                    **COMMITMENT_DEFAULTS,
                )
            )
        db.session.commit()
        return charter

    return make


# ------------------------------------------------------------------ clients

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in page"
    return match.group(1)


class Browser:
    """A test client that carries the CSRF token like a browser would."""

    def __init__(self, client):
        self.client = client
        self.logged_in = False

    def token(self) -> str:
        page = "/preferences" if self.logged_in else "/login"
        return csrf_from(self.client.get(page).get_data(as_text=True))

    def get(self, url: str, **kw):
        return self.client.get(url, **kw)

    def post(self, url: str, data: dict | None = None, *, csrf: bool = True, **kw):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.token())
        return self.client.post(url, data=data, **kw)

    def login(self, user_or_email, password: str = TEST_PASSWORD):
        email = getattr(user_or_email, "email", user_or_email)
        response = self.post("/login", {"email": email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        self.logged_in = True
        return response


@pytest.fixture
def browser(client) -> Browser:
    return Browser(client)


@pytest.fixture
def login_as(app) -> Callable[[User], Browser]:
    """Return a fresh, logged-in client for ``user`` (several can coexist in one test)."""

    def login(user: User) -> Browser:
        b = Browser(app.test_client())
        b.login(user)
        return b

    return login


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "live_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def output_dir(request) -> Iterator:
    """A folder under test-output/ for screenshots and files a person may want to look at."""
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "test-output" / request.node.name
    path.mkdir(parents=True, exist_ok=True)
    yield path


# ------------------------------------------------------------------ live server (browser tests)


class LiveServer:
    """The test app served over HTTP on a free port, for a real browser."""

    def __init__(self, url: str):
        self.url = url

    def __call__(self, path: str = "/") -> str:
        return self.url + path


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:
    """Serve ``app`` (the test database) from a background thread; stop it afterwards.

    The test's own session must not hold a transaction while the browser writes (SQLite opens
    every transaction with BEGIN IMMEDIATE): commit before driving the browser.
    """
    import threading

    from werkzeug.serving import make_server

    db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def chromium_browser():
    """Headless Debian Chromium driven by Playwright (skips, or fails under REQUIRE_BROWSER)."""
    executable = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


# ------------------------------------------------------------------ JSON API clients


@pytest.fixture
def api_as(app) -> Callable[..., Any]:
    """Return a JSON client for ``user`` with a fresh Bearer token (anonymous with None)."""
    from tests.api_helpers import ApiClient, token_for

    def make(user: User | None = None):
        return ApiClient(app.test_client(), token_for(user) if user is not None else None)

    return make
