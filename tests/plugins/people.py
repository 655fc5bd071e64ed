"""People and departments: factories, the usual organisation, and clients logged in as someone.

``browser`` / ``login_as`` give a test client that carries the CSRF token like a browser;
``api_as`` a JSON client with a Bearer token.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from sla_contracts.auth.passwords import hash_password
from sla_contracts.extensions import db
from sla_contracts.models import CustomerCriterion, Department, Direction, Membership, Role, User
from tests.api_helpers import ApiClient, token_for

TEST_PASSWORD = "correct horse battery"


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


@pytest.fixture
def api_as(app) -> Callable[..., Any]:
    """Return a JSON client for ``user`` with a fresh Bearer token (anonymous with None)."""

    def make(user: User | None = None):
        return ApiClient(app.test_client(), token_for(user) if user is not None else None)

    return make
