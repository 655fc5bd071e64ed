"""Directory pages: admin only, CSRF on, bad input kept, archived items, the company map."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, func, select

from sla_contracts.extensions import db
from sla_contracts.models import (
    Charter,
    CharterStatus,
    CustomerCriterion,
    Department,
    Membership,
    Role,
    User,
)
from tests.plugins.people import TEST_PASSWORD, Browser

GET_PAGES = [
    "/directory/",
    "/directory/departments",
    "/directory/departments/new",
    "/directory/departments/{dept}",
    "/directory/departments/{dept}/edit",
    "/directory/users",
    "/directory/users?q=head&page=1",
    "/directory/users/new",
    "/directory/users/{user}",
    "/directory/users/{user}/password",
    "/directory/criteria",
    "/directory/criteria/new",
    "/directory/criteria/{crit}/edit",
    "/directory/map",
]

POST_PAGES = [
    "/directory/departments/new",
    "/directory/departments/{dept}/edit",
    "/directory/departments/{dept}/archive",
    "/directory/departments/{dept}/people",
    "/directory/departments/{dept}/people/{user}/role",
    "/directory/departments/{dept}/people/{user}/remove",
    "/directory/users/new",
    "/directory/users/{user}",
    "/directory/users/{user}/departments",
    "/directory/users/{user}/password",
    "/directory/users/{user}/archive",
    "/directory/criteria/new",
    "/directory/criteria/{crit}/edit",
    "/directory/criteria/{crit}/archive",
]


def _url(template: str, org) -> str:
    return template.format(dept=org.logistics.id, user=org.member_a.id, crit=org.criterion.id)


def _text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def admin(org, login_as) -> Browser:
    return login_as(org.admin)


# ---------------------------------------------------------------- who may come in


@pytest.mark.parametrize("page", GET_PAGES)
def test_admin_sees_every_page(org, admin, make_charter, page):
    make_charter(status=CharterStatus.ACTIVE)
    response = admin.get(_url(page, org))
    expected = 302 if page == "/directory/" else 200
    assert response.status_code == expected, _text(response)[:500]


@pytest.mark.parametrize("who", ["head_a", "member_a", "outsider"])
@pytest.mark.parametrize("page", GET_PAGES)
def test_non_admin_gets_403_on_every_page(org, login_as, who, page):
    response = login_as(getattr(org, who)).get(_url(page, org))
    assert response.status_code == 403


@pytest.mark.parametrize("who", ["head_a", "member_b"])
@pytest.mark.parametrize("page", POST_PAGES)
def test_non_admin_cannot_post_anything(org, login_as, who, page):
    before = (org.logistics.name, org.member_a.session_version)
    response = login_as(getattr(org, who)).post(
        _url(page, org), {"name": "Hijacked", "code": "HJ", "archived": "1", "role": "head"}
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert (org.logistics.name, org.member_a.session_version) == before
    assert not org.logistics.is_archived


@pytest.mark.parametrize("page", GET_PAGES + POST_PAGES)
def test_anonymous_goes_to_login(org, browser, page):
    url = _url(page, org)
    # POSTs carry a valid (anonymous) CSRF token, so it is the login check that answers.
    response = browser.post(url, {"archived": "1"}) if page in POST_PAGES else browser.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("page", POST_PAGES)
def test_posts_need_the_csrf_token(org, admin, page):
    response = admin.post(
        _url(page, org), {"name": "No token", "code": "NT", "archived": "1"}, csrf=False
    )
    assert response.status_code == 400
    db.session.expire_all()
    assert org.logistics.name == "Logistique"
    assert not org.logistics.is_archived


def test_directory_menu_entry_only_for_admins(org, admin, login_as):
    assert 'href="/directory/departments"' in _text(admin.get("/"))
    assert 'href="/directory/departments"' not in _text(login_as(org.head_a).get("/"))


# ---------------------------------------------------------------- departments


def test_departments_list_shows_heads_counts_and_archived_apart(org, admin, make_user):
    make_user("second.head@example.com", "Sam Second", head_of=[org.logistics])
    org.it.archived_at = org.it.created_at
    db.session.commit()
    page = _text(admin.get("/directory/departments"))
    active, archived = page.split("Archived departments")
    assert "Alice Head" in active and "Sam Second" in active
    assert "3 people" in active  # Alice, Sam, Mia in Logistique
    assert "DSI" not in active and "DSI" in archived


def test_create_department_then_rename_and_change_code(admin):
    response = admin.post("/directory/departments/new", {"name": "Achats", "code": "ach"})
    assert response.status_code == 302
    department = db.session.scalar(select(Department).where(Department.code == "ACH"))
    assert department is not None
    response = admin.post(
        f"/directory/departments/{department.id}/edit", {"name": "Achats & appros", "code": "APP"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (department.name, department.code) == ("Achats & appros", "APP")


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [
        ("", "NEW", "This field is required."),
        ("n" * 121, "NEW", "Field cannot be longer than 120 characters."),
        ("LOGISTIQUE", "NEW", "This value is already used."),
        ("Nouveau <b>service</b>", "mag", "This value is already used."),
        ("Nouveau <b>service</b>", "BAD CODE", "Use 1 to 16 capital letters"),
    ],
)
def test_bad_department_form_is_redisplayed_with_text(org, admin, name, code, message):
    count = db.session.scalar(select(func.count(Department.id)))
    response = admin.post("/directory/departments/new", {"name": name, "code": code})
    assert response.status_code == 422
    page = _text(response)
    assert message in page
    if name and len(name) < 121:
        assert 'value="Nouveau &lt;b&gt;service&lt;/b&gt;"' in page or f'value="{name}"' in page
    assert "<b>service</b>" not in page
    assert f'value="{code}"' in page
    assert db.session.scalar(select(func.count(Department.id))) == count


def test_archive_and_restore_department(org, admin):
    url = f"/directory/departments/{org.it.id}/archive"
    assert admin.post(url, {"archived": "1"}).status_code == 302
    db.session.expire_all()
    assert org.it.is_archived
    assert "Restore" in _text(admin.get(f"/directory/departments/{org.it.id}"))
    assert admin.post(url, {"archived": "0"}).status_code == 302
    db.session.expire_all()
    assert not org.it.is_archived


def test_department_page_adds_person_changes_role_and_removes(org, admin):
    page = _text(admin.get(f"/directory/departments/{org.logistics.id}"))
    assert "Alice Head" in page and "Mia Member" in page
    response = admin.post(
        f"/directory/departments/{org.logistics.id}/people",
        {"user_id": org.head_b.id, "role": "head"},
    )
    assert response.status_code == 302
    response = admin.post(
        f"/directory/departments/{org.logistics.id}/people/{org.member_a.id}/role",
        {"role": "head"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    heads = {m.user_id for m in org.logistics.memberships if m.role == Role.HEAD}
    assert heads == {org.head_a.id, org.head_b.id, org.member_a.id}
    response = admin.post(
        f"/directory/departments/{org.logistics.id}/people/{org.head_b.id}/remove"
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert org.head_b.member_of() == [org.stores.id]


def test_adding_nobody_or_bad_role_is_refused(org, admin):
    url = f"/directory/departments/{org.logistics.id}/people"
    assert admin.post(url, {"user_id": 0, "role": "head"}).status_code == 422
    response = admin.post(url, {"user_id": org.head_b.id, "role": "boss"})
    assert response.status_code == 422
    assert admin.post(url, {"user_id": 99999, "role": "head"}).status_code == 422
    assert org.head_b.member_of() == [org.stores.id]


def test_unknown_ids_give_404(org, admin):
    assert admin.get("/directory/departments/9999").status_code == 404
    assert admin.get("/directory/users/9999").status_code == 404
    assert admin.get("/directory/criteria/9999/edit").status_code == 404
    url = f"/directory/departments/{org.it.id}/people/{org.member_a.id}/role"
    assert admin.post(url, {"role": "head"}).status_code == 404  # not in that department


# ---------------------------------------------------------------- people


def test_users_list_searches_and_paginates(org, admin, make_user):
    for i in range(30):
        make_user(f"store{i:02d}@example.com", f"Vendeur {i:02d}")
    first = _text(admin.get("/directory/users"))
    assert "Page 1 of 2" in first
    second = _text(admin.get("/directory/users?page=2"))
    assert "Page 2 of 2" in second
    found = _text(admin.get("/directory/users?q=VENDEUR 2"))
    assert found.count("Vendeur 2") == 10  # 20..29
    assert "Alice Head" not in found
    by_email = _text(admin.get("/directory/users?q=head.mag@"))
    assert "Bruno Head" in by_email and "Alice Head" not in by_email
    assert "Nobody matches" in _text(admin.get("/directory/users?q=%25_zz"))


def test_create_user_from_form_then_log_in(admin, app):
    response = admin.post(
        "/directory/users/new",
        {
            "name": "Chloé Martin",
            "email": "Chloe@Example.com",
            "password": "a good password",
            "locale": "fr",
            "is_admin": "",
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "chloe@example.com"))
    assert user is not None and not user.is_admin
    Browser(app.test_client()).login("chloe@example.com", "a good password")


def test_duplicate_email_refused_with_text_kept(org, admin):
    count = db.session.scalar(select(func.count(User.id)))
    response = admin.post(
        "/directory/users/new",
        {
            "name": "Homonyme <i>x</i>",
            "email": "HEAD.LOG@example.com",
            "password": "a good password",
            "locale": "fr",
        },
    )
    assert response.status_code == 422
    page = _text(response)
    assert "Someone already has this e-mail address." in page
    assert 'value="HEAD.LOG@example.com"' in page
    assert "Homonyme &lt;i&gt;x&lt;/i&gt;" in page
    assert db.session.scalar(select(func.count(User.id))) == count
    response = admin.post(
        f"/directory/users/{org.member_a.id}",
        {"name": "Mia", "email": "head.mag@EXAMPLE.com", "locale": "en"},
    )
    assert response.status_code == 422
    db.session.expire_all()
    assert org.member_a.email == "member.log@example.com"


def test_edit_user_and_memberships_from_their_page(org, admin):
    response = admin.post(
        f"/directory/users/{org.member_a.id}",
        {"name": "Mia Membre", "email": "mia@example.com", "locale": "fr", "is_admin": "y"},
    )
    assert response.status_code == 302
    response = admin.post(
        f"/directory/users/{org.member_a.id}/departments",
        {"department_id": org.it.id, "role": "head"},
    )
    assert response.status_code == 302
    # Change the role from the person's page: it comes back to that page.
    response = admin.post(
        f"/directory/departments/{org.logistics.id}/people/{org.member_a.id}/role",
        {"role": "head", "next": f"/directory/users/{org.member_a.id}"},
    )
    assert response.headers["Location"] == f"/directory/users/{org.member_a.id}"
    db.session.expire_all()
    user = org.member_a
    assert (user.name, user.email, user.is_admin, user.locale) == (
        "Mia Membre",
        "mia@example.com",
        True,
        "fr",
    )
    assert set(user.head_of()) == {org.it.id, org.logistics.id}
    page = _text(admin.get(f"/directory/users/{user.id}"))
    assert "DSI" in page and "Logistique" in page


def test_archived_user_cannot_log_in_and_their_session_ends(org, admin, login_as, app):
    member = login_as(org.member_a)
    assert member.get("/").status_code == 200
    response = admin.post(f"/directory/users/{org.member_a.id}/archive", {"archived": "1"})
    assert response.status_code == 302
    assert member.get("/").status_code == 302  # the open session is over
    fresh = Browser(app.test_client())
    response = fresh.post("/login", {"email": org.member_a.email, "password": TEST_PASSWORD})
    assert response.status_code == 200
    assert "Wrong e-mail or password." in _text(response)
    admin.post(f"/directory/users/{org.member_a.id}/archive", {"archived": "0"})
    Browser(app.test_client()).login(org.member_a)


def test_admin_cannot_archive_themselves(org, admin):
    response = admin.post(f"/directory/users/{org.admin.id}/archive", {"archived": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert org.admin.archived_at is None


def test_reset_password_ends_sessions(org, admin, login_as, app):
    head = login_as(org.head_a)
    url = f"/directory/users/{org.head_a.id}/password"
    response = admin.post(url, {"password": "short", "confirm": "short"})
    assert response.status_code == 422
    response = admin.post(url, {"password": "new password 1", "confirm": "other"})
    assert response.status_code == 422
    assert head.get("/").status_code == 200
    response = admin.post(url, {"password": "new password 1", "confirm": "new password 1"})
    assert response.status_code == 302
    assert head.get("/").status_code == 302
    Browser(app.test_client()).login(org.head_a.email, "new password 1")


# ---------------------------------------------------------------- criteria


def _criterion_form(**change):
    return {
        "name": "Taux de résolution au premier contact",
        "definition": "Part des demandes clients résolues dès le premier échange.",
        "unit": "%",
        "direction": "higher_is_better",
        "target": "80",
        **change,
    }


def test_create_and_edit_criterion(admin):
    assert admin.post("/directory/criteria/new", _criterion_form()).status_code == 302
    criterion = db.session.scalar(select(CustomerCriterion).where(CustomerCriterion.target == 80))
    assert criterion is not None
    edit = _text(admin.get(f"/directory/criteria/{criterion.id}/edit"))
    assert 'value="80"' in edit
    response = admin.post(
        f"/directory/criteria/{criterion.id}/edit", _criterion_form(target="82,5")
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert criterion.target == 82.5
    assert "82.5%" in _text(admin.get("/directory/criteria"))  # Babel: no space in English


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"target": "beaucoup"}, "The target must be a number."),
        ({"direction": "sideways"}, "Not a valid choice"),
        ({"name": ""}, "This field is required."),
        ({"name": "x" * 121}, "Field cannot be longer than 120 characters."),
        ({"name": "SHELF out-of-stock rate"}, "This value is already used."),
    ],
)
def test_bad_criterion_form_is_redisplayed(org, admin, change, message):
    response = admin.post("/directory/criteria/new", _criterion_form(**change))
    assert response.status_code == 422
    page = _text(response)
    assert message in page
    assert "Part des demandes clients résolues dès le premier échange." in page
    if "target" in change:
        assert 'value="beaucoup"' in page
    assert db.session.scalar(select(func.count(CustomerCriterion.id))) == 1


def test_archive_and_restore_criterion(org, admin):
    url = f"/directory/criteria/{org.criterion.id}/archive"
    assert admin.post(url, {"archived": "1"}).status_code == 302
    page = _text(admin.get("/directory/criteria"))
    active, archived = page.split("Archived criteria")
    assert "<strong>Shelf out-of-stock rate</strong>" in archived
    assert "<strong>Shelf out-of-stock rate</strong>" not in active
    admin.post(url, {"archived": "0"})
    db.session.expire_all()
    assert not org.criterion.is_archived


# ---------------------------------------------------------------- archived things in charters


def test_archived_department_and_criterion_still_show_in_old_charter(
    org, admin, login_as, make_charter
):
    charter = make_charter(status=CharterStatus.ACTIVE, commitments=(1, 1))
    admin.post(f"/directory/departments/{org.stores.id}/archive", {"archived": "1"})
    admin.post(f"/directory/criteria/{org.criterion.id}/archive", {"archived": "1"})
    admin.post(f"/directory/users/{org.head_b.id}/archive", {"archived": "1"})
    page = login_as(org.member_a).get(f"/charters/{charter.id}")
    assert page.status_code == 200
    text = _text(page)
    assert "Magasins" in text and "Shelf out-of-stock rate" in text


def test_archived_ones_are_not_offered_for_new_charters(
    org, admin, login_as, make_criterion, make_department
):
    make_criterion("Net Promoter Score")
    make_department("Achats", "ACH")
    admin.post(f"/directory/departments/{org.stores.id}/archive", {"archived": "1"})
    admin.post(f"/directory/criteria/{org.criterion.id}/archive", {"archived": "1"})
    head = login_as(org.head_a)
    form = _text(head.get("/charters/new"))
    options = re.findall(r"<option[^>]*>([^<]*)</option>", form)
    assert "Achats" in options and "Net Promoter Score" in options
    assert "Magasins" not in options and "Shelf out-of-stock rate" not in options
    # Posting the archived ids anyway is refused and nothing is created.
    response = head.post(
        "/charters/new",
        {
            "title": "Tentative",
            "department_a_id": org.logistics.id,
            "department_b_id": org.stores.id,
            "criterion_id": org.criterion.id,
            "review_cadence_months": 3,
        },
    )
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(Charter.id))) == 0


# ---------------------------------------------------------------- the company map


def test_map_shows_pairs_statuses_and_pairs_without_charter(org, admin, make_charter):
    make_charter(status=CharterStatus.ACTIVE)
    make_charter("Logistique ⇄ DSI", department_b=org.it, status=CharterStatus.AWAITING_SIGNATURES)
    page = _text(admin.get("/directory/map"))
    assert "3 pairs of departments" in page
    none_section = page.split("Pairs with no charter")[1]
    assert "DSI ⇄ Magasins" in none_section
    assert "Logistique ⇄ Magasins" not in none_section
    assert "status-active" in page and "status-awaiting_signatures" in page


def test_map_escapes_names(org, admin, make_department):
    make_department("<script>alert(1)</script>", "XSS")
    page = _text(admin.get("/directory/map"))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def _count_queries(app, browser, url) -> tuple[int, int]:
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "PRAGMA", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    engine = db.engine
    db.session.expire_all()  # nothing cached: every row the page needs is read again
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = browser.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return response.status_code, len(statements)


def test_map_takes_a_bounded_number_of_queries(org, admin, app, make_department, make_charter):
    status, small = _count_queries(app, admin, "/directory/map")
    assert status == 200
    departments = [org.logistics, org.stores, org.it] + [
        make_department(f"Service {i:02d}", f"S{i:02d}") for i in range(9)
    ]
    statuses = list(CharterStatus)
    pairs = [(a, b) for i, a in enumerate(departments) for b in departments[i + 1 :]]
    for n, (a, b) in enumerate(pairs[:20]):
        make_charter(f"Charter {n}", department_a=a, department_b=b, status=statuses[n % 4])
    status, big = _count_queries(app, admin, "/directory/map")
    assert status == 200
    print(f"map queries: {small} (3 departments) and {big} (12 departments, 20 charters)")
    assert big <= 9, big
    # The same whatever the number of departments and charters (once there is a charter, one
    # more query for where the charters stand, and two for the measures of those in force).
    assert big <= small + 3


def test_people_pages_take_a_bounded_number_of_queries(org, admin, app, make_user):
    _, small = _count_queries(app, admin, "/directory/users")
    _, small_dept = _count_queries(app, admin, "/directory/departments")
    for i in range(20):
        make_user(f"p{i}@example.com", f"Person {i}", member_of=[org.logistics, org.it])
    _, big = _count_queries(app, admin, "/directory/users")
    _, big_dept = _count_queries(app, admin, "/directory/departments")
    assert big == small and big_dept == small_dept
    assert db.session.scalar(select(func.count(Membership.id))) >= 40


def test_map_names_each_pair_in_its_charters_order(org, admin, make_charter):
    make_charter("Magasins ⇄ Logistique : des rayons pleins", status=CharterStatus.ACTIVE)
    page = _text(admin.get("/directory/map"))
    pairs = page.split("Pairs and their charters")[1]
    assert "Magasins ⇄ Logistique" in pairs and "Logistique ⇄ Magasins" not in pairs
