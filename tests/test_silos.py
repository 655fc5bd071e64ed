"""Coverage and silos (issue 14, point 2): dependent pairs, the map's pair states, the silo
index and its monthly rows, the department page's figures, the API."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from sla_contracts import jobs
from sla_contracts.directory import map_view, silos
from sla_contracts.errors import Forbidden, ValidationError
from sla_contracts.extensions import db
from sla_contracts.models import (
    AuditEvent,
    CharterStatus,
    DependentPair,
    Reading,
    SiloIndexDepartmentMonth,
    SiloIndexMonth,
)
from sla_contracts.timeutil import utcnow
from tests.api_helpers import check_response

TODAY = utcnow().date()


def _text(response) -> str:
    return response.get_data(as_text=True)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _statements(call) -> tuple[object, int]:
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "PRAGMA", "SAVEPOINT", "RELEASE")):
            seen.append(statement)

    db.session.expire_all()
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        result = call()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return result, len(seen)


@pytest.fixture
def five(org, make_department, make_charter):
    """Five pairs, one per map state, with Logistique at the centre; Magasins ⇄ DSI has none."""
    org.finance = make_department("Finance", "FIN")
    org.hr = make_department("Ressources humaines", "RH")
    past, future = TODAY - timedelta(days=10), TODAY + timedelta(days=30)
    org.c_draft = make_charter("Logistique ⇄ DSI", department_b=org.it)
    org.c_force = make_charter(status=CharterStatus.ACTIVE)
    org.c_force.next_review_on = future
    org.c_late = make_charter(
        "Logistique ⇄ Finance", department_b=org.finance, status=CharterStatus.ACTIVE
    )
    org.c_late.next_review_on = past
    org.c_miss = make_charter(
        "Logistique ⇄ RH", department_b=org.hr, status=CharterStatus.ACTIVE, commitments=(1, 0)
    )
    org.c_miss.next_review_on = future
    commitment = org.c_miss.commitments[0]
    db.session.add(
        Reading(
            charter_id=org.c_miss.id,
            commitment_id=commitment.id,
            period="2026-11",
            period_start=date(2026, 11, 1),
            value=40.0,
        )
    )
    db.session.commit()
    return org


def _declare(org, *pairs):
    for a, b in pairs:
        silos.declare_dependency(org.admin, a.id, b.id)
    db.session.commit()


# ---------------------------------------------------------------- the map


def test_map_shows_each_of_the_five_states_in_words(five, login_as):
    org = five

    company = map_view.company_map(today=TODAY)
    view = silos.silo_map(company)
    assert view.state(company.pair(org.logistics.id, org.it.id)) == silos.PairState.DRAFT
    assert view.state(company.pair(org.logistics.id, org.stores.id)) == silos.PairState.IN_FORCE
    assert view.state(company.pair(org.logistics.id, org.finance.id)) == (
        silos.PairState.REVIEW_LATE
    )
    assert view.state(company.pair(org.logistics.id, org.hr.id)) == silos.PairState.MISSES
    assert view.state(company.pair(org.stores.id, org.it.id)) == silos.PairState.NONE

    page = _text(login_as(org.admin).get("/directory/map"))
    for label in (
        "No charter in force",
        "Charter being agreed",
        "In force, review late",
        "In force, with misses",
    ):
        assert label in page
    for state in silos.PAIR_STATES:
        assert f"pair-{state.value}" in page
    assert 'href="/company/silos"' in page


def test_misses_on_the_map_are_those_of_the_charter_page(five):
    from sla_contracts.models.measured import charter_measures, missed_counts

    ids = [five.c_miss.id, five.c_force.id, five.c_late.id]
    assert missed_counts(ids) == {five.c_miss.id: 1, five.c_force.id: 0, five.c_late.id: 0}
    assert missed_counts(ids) == {i: m.missed for i, m in charter_measures(ids).items()}


def test_an_ended_charter_leaves_the_pair_without_a_charter_in_force(org, make_charter):

    make_charter(status=CharterStatus.ENDED)
    company = map_view.company_map(today=TODAY)
    pair = company.pair(org.logistics.id, org.stores.id)
    assert silos.silo_map(company).state(pair) == silos.PairState.NONE


def test_an_expired_charter_is_not_in_force(org, make_charter):

    charter = make_charter(status=CharterStatus.EXPIRED)
    charter.expired_at = datetime(2026, 11, 1, tzinfo=UTC)
    db.session.commit()
    _declare(org, (org.logistics, org.stores))
    company = map_view.company_map(today=TODAY)
    pair = company.pair(org.logistics.id, org.stores.id)
    assert silos.silo_map(company).state(pair) == silos.PairState.NONE
    assert silos.silo_state(TODAY).company.index == 1.0


def test_map_marks_dependent_pairs_and_the_silos(five, login_as):
    org = five
    _declare(org, (org.stores, org.it), (org.logistics, org.stores), (org.it, org.logistics))
    page = _text(login_as(org.admin).get("/directory/map"))
    assert "3 dependent pairs declared" in page
    assert "2 without a charter in force (silos)" in page
    silo_section = page.split("Dependent pairs without a charter in force")[1]
    silo_section = silo_section.split("</section>")[0]
    assert "DSI ⇄ Magasins" in silo_section or "Magasins ⇄ DSI" in silo_section
    assert "Logistique ⇄ DSI" in silo_section or "DSI ⇄ Logistique" in silo_section
    assert "Logistique ⇄ Magasins" not in silo_section
    # The matrix's two cells of each silo, and the list of pairs with a charter (the draft).
    assert page.count('class="dependent-mark silo-mark"') == 2 * 2 + 1
    assert ">dependent</span>" in page


def test_map_statements_do_not_grow_with_the_company(org, login_as, make_department, make_charter):
    admin = login_as(org.admin)
    make_charter(status=CharterStatus.ACTIVE, commitments=(1, 1))
    _declare(org, (org.logistics, org.stores))
    response, small = _statements(lambda: admin.get("/directory/map"))
    assert response.status_code == 200
    departments = [org.logistics, org.stores, org.it] + [
        make_department(f"Service {i:02d}", f"S{i:02d}") for i in range(9)
    ]
    pairs = [(a, b) for i, a in enumerate(departments) for b in departments[i + 1 :]]
    statuses = [CharterStatus.ACTIVE, CharterStatus.DRAFT, CharterStatus.AWAITING_SIGNATURES]
    for n, (a, b) in enumerate(pairs[1:25]):
        make_charter(
            f"Charter {n}",
            department_a=a,
            department_b=b,
            status=statuses[n % 3],
            commitments=(2, 1),
        )
        if n % 2:
            _declare(org, (a, b))
    response, big = _statements(lambda: admin.get("/directory/map"))
    assert response.status_code == 200
    print(f"map statements: {small} (3 departments) and {big} (12 departments, 25 charters)")
    assert big == small


# ---------------------------------------------------------------- the figures


def test_silo_index_counts_dependent_pairs_and_late_reviews_in_two_statements(five):
    org = five
    _declare(
        org,
        (org.logistics, org.stores),  # in force
        (org.logistics, org.finance),  # in force, review late
        (org.logistics, org.it),  # draft: a silo
        (org.stores, org.it),  # nothing: a silo
    )
    state, statements = _statements(lambda: silos.silo_state(TODAY))
    assert statements == 2
    company = state.company
    assert (company.dependent_pairs, company.pairs_with_charter_in_force) == (4, 2)
    assert company.index == 0.5
    assert (company.charters_in_force, company.charters_review_late) == (3, 1)
    assert company.late_share == pytest.approx(1 / 3)
    logistics = state.of(org.logistics.id)
    assert (logistics.dependent_pairs, logistics.pairs_without_charter_in_force) == (3, 1)
    assert (logistics.charters_in_force, logistics.charters_review_late) == (3, 1)
    it = state.of(org.it.id)
    assert (it.dependent_pairs, it.pairs_without_charter_in_force) == (2, 2)
    assert it.charters_in_force == 0


def test_no_pair_declared_means_no_index(org):
    assert silos.silo_state(TODAY).company.index is None


def test_an_archived_department_leaves_the_index(five):
    org = five
    _declare(org, (org.stores, org.it), (org.logistics, org.stores))
    org.it.archived_at = datetime(2026, 12, 1, tzinfo=UTC)
    db.session.commit()
    company = silos.silo_state(TODAY).company
    assert (company.dependent_pairs, company.pairs_with_charter_in_force) == (1, 1)


# ---------------------------------------------------------------- declaring


def test_a_pair_is_stored_once_smaller_id_first_and_declaring_again_changes_nothing(org):
    _declare(org, (org.stores, org.logistics), (org.logistics, org.stores))
    pairs = db.session.scalars(select(DependentPair)).all()
    assert [p.key for p in pairs] == [tuple(sorted((org.logistics.id, org.stores.id)))]
    assert pairs[0].declared_by_id == org.admin.id
    assert (
        db.session.scalar(select(func.count()).where(AuditEvent.action == "dependency_declared"))
        == 1
    )


def test_declaring_is_for_administrators_and_two_different_departments(org):
    with pytest.raises(Forbidden):
        silos.declare_dependency(org.head_a, org.logistics.id, org.stores.id)
    with pytest.raises(ValidationError):
        silos.declare_dependency(org.admin, org.logistics.id, org.logistics.id)
    with pytest.raises(ValidationError):
        silos.declare_dependency(org.admin, org.logistics.id, 999999)


def test_the_database_refuses_a_pair_in_the_wrong_order(org):
    from sqlalchemy.exc import IntegrityError

    low, high = sorted((org.logistics.id, org.stores.id))
    db.session.add(DependentPair(department_low_id=high, department_high_id=low))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


# ---------------------------------------------------------------- the dependencies page


def test_dependencies_page_adds_removes_and_accepts_suggestions(five, login_as):
    org = five
    admin = login_as(org.admin)
    page = _text(admin.get("/directory/dependencies"))
    suggested = page.split("Suggested pairs")[1].split("</section>")[0]
    # Every pair with a charter is suggested, with what shows it; Magasins ⇄ DSI has none.
    assert "Logistique ⇄ Magasins" in suggested and "1 charter" in suggested
    assert "Magasins ⇄ DSI" not in suggested and "DSI ⇄ Magasins" not in suggested

    first, second = sorted((org.logistics.id, org.stores.id))
    response = admin.post("/directory/dependencies/accept", {"first": first, "second": second})
    assert response.status_code == 302
    response = admin.post("/directory/dependencies", {"first": org.stores.id, "second": org.it.id})
    assert response.status_code == 302
    assert {p.key for p in silos.declared_pairs()} == {
        (first, second),
        silos.pair_key(org.stores.id, org.it.id),
    }
    page = _text(admin.get("/directory/dependencies"))
    declared = page.split("Declared pairs")[1].split("</section>")[0]
    assert "Ada Admin" in declared
    assert "Logistique ⇄ Magasins" not in page.split("Suggested pairs")[1].split("</section>")[0]

    response = admin.post("/directory/dependencies/remove", {"first": first, "second": second})
    assert response.status_code == 302
    assert {p.key for p in silos.declared_pairs()} == {silos.pair_key(org.stores.id, org.it.id)}


def test_dependencies_page_keeps_a_pair_of_one_department_out(org, login_as):
    admin = login_as(org.admin)
    response = admin.post(
        "/directory/dependencies", {"first": org.stores.id, "second": org.stores.id}
    )
    assert response.status_code == 422
    assert "does not depend on itself" in _text(response)
    assert _count(DependentPair) == 0


@pytest.mark.parametrize("who", ["head_a", "member_b"])
def test_dependencies_page_is_for_administrators(org, login_as, who):
    browser = login_as(getattr(org, who))
    assert browser.get("/directory/dependencies").status_code == 403
    for url in ("/directory/dependencies", "/directory/dependencies/accept"):
        response = browser.post(url, {"first": org.logistics.id, "second": org.stores.id})
        assert response.status_code == 403
    assert _count(DependentPair) == 0


def test_dependencies_posts_need_the_csrf_token(org, login_as):
    admin = login_as(org.admin)
    for url in (
        "/directory/dependencies",
        "/directory/dependencies/accept",
        "/directory/dependencies/remove",
    ):
        response = admin.post(url, {"first": org.logistics.id, "second": org.stores.id}, csrf=False)
        assert response.status_code == 400
    assert _count(DependentPair) == 0


def test_dependencies_page_statements_do_not_grow(org, login_as, make_department, make_charter):
    admin = login_as(org.admin)
    make_charter()
    _declare(org, (org.logistics, org.it))
    _, small = _statements(lambda: admin.get("/directory/dependencies"))
    extra = [make_department(f"Service {i:02d}", f"S{i:02d}") for i in range(8)]
    for n, department in enumerate(extra):
        make_charter(f"Charter {n}", department_b=department)
        if n % 2:
            _declare(org, (org.stores, department))
    _, big = _statements(lambda: admin.get("/directory/dependencies"))
    assert big == small


# ---------------------------------------------------------------- the monthly job


def test_the_job_is_listed():
    assert "store_silo_index" in [job.id for job in jobs.JOBS]


def test_the_month_boundary_and_a_second_run(five):
    org = five
    _declare(org, (org.logistics, org.stores), (org.stores, org.it))
    last_minute = datetime(2026, 11, 30, 23, 59, tzinfo=UTC)
    jobs.store_silo_index(last_minute)
    jobs.store_silo_index(last_minute)  # a second scheduler, a re-run: the same row
    assert [r.month for r in db.session.scalars(select(SiloIndexMonth))] == [date(2026, 11, 1)]
    november = db.session.scalar(select(SiloIndexMonth))
    assert (november.dependent_pairs, november.pairs_with_charter_in_force) == (2, 1)

    _declare(org, (org.logistics, org.it))
    first_minute = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    jobs.store_silo_index(first_minute)
    jobs.store_silo_index(first_minute + timedelta(hours=1))
    db.session.expire_all()
    rows = db.session.scalars(select(SiloIndexMonth).order_by(SiloIndexMonth.month)).all()
    assert [r.month for r in rows] == [date(2026, 11, 1), date(2026, 12, 1)]
    assert rows[0].dependent_pairs == 2  # November is left as it ended
    assert rows[1].dependent_pairs == 3
    # One row per active department and month.
    assert _count(SiloIndexDepartmentMonth) == 2 * 5


def test_the_current_month_follows_the_company_until_it_ends(five):
    org = five
    jobs.store_silo_index(datetime(2026, 12, 2, 8, tzinfo=UTC))
    _declare(org, (org.stores, org.it))
    jobs.store_silo_index(datetime(2026, 12, 20, 8, tzinfo=UTC))
    db.session.expire_all()
    row = db.session.scalar(select(SiloIndexMonth))
    assert (row.dependent_pairs, row.index) == (1, 1.0)
    assert _count(SiloIndexMonth) == 1


# ---------------------------------------------------------------- department page, trend page


def test_department_page_shows_its_own_figures_and_trend(five, login_as):
    org = five
    _declare(org, (org.stores, org.it), (org.logistics, org.stores))
    jobs.store_silo_index(datetime(2026, 11, 15, tzinfo=UTC))
    page = _text(login_as(org.admin).get(f"/directory/departments/{org.stores.id}"))
    figures = page.split('id="silo-figures"')[1].split("</section>")[0]
    assert "2 dependent pairs" in figures
    assert "1 without a charter in force" in figures
    assert "1 charter in force" in figures
    assert "November 2026" in figures
    assert "1 of 2" in figures


def test_department_page_statements_do_not_grow(five, login_as, make_department, make_charter):
    org = five
    admin = login_as(org.admin)
    url = f"/directory/departments/{org.stores.id}"
    _, small = _statements(lambda: admin.get(url))
    for i in range(6):
        other = make_department(f"Service {i:02d}", f"S{i:02d}")
        make_charter(
            f"C{i}", department_a=org.stores, department_b=other, status=CharterStatus.ACTIVE
        )
        _declare(org, (org.stores, other))
    for month in range(1, 12):
        jobs.store_silo_index(datetime(2026, month, 10, tzinfo=UTC))
    _, big = _statements(lambda: admin.get(url))
    assert big == small


def test_trend_page_draws_the_stored_months(five, login_as):
    org = five
    _declare(org, (org.stores, org.it), (org.logistics, org.stores))
    for month in (9, 10, 11):
        jobs.store_silo_index(datetime(2026, month, 10, tzinfo=UTC))
    page = _text(login_as(org.head_a).get("/company/silos"))
    assert '<svg class="review-chart silo-chart"' in page
    assert "style=" not in page.split("<svg")[1].split("</svg>")[0]
    assert "September 2026" in page and "November 2026" in page
    assert "Dependent pairs without a charter in force" in page
    assert "Silo index: 50" in page


def test_trend_page_needs_a_sign_in(browser):
    assert browser.get("/company/silos").status_code == 302


# ---------------------------------------------------------------- the API

DEPS = "/api/v1/dependencies"
INDEX = "/api/v1/silo-index"


def test_api_dependencies_get_and_put(five, api_as):
    org = five
    api = api_as(org.admin)
    response = api.get(DEPS)
    check_response(response, "GET", DEPS)
    assert response.get_json() == {"pairs": []}
    body = {"pairs": [[org.stores.id, org.logistics.id], [org.it.id, org.stores.id]]}
    response = api.request("PUT", DEPS, body)
    check_response(response, "PUT", DEPS)
    expected = sorted([sorted(p) for p in body["pairs"]])
    assert response.get_json() == {"pairs": expected}
    assert api.get(DEPS).get_json() == {"pairs": expected}
    # PUT replaces the whole set.
    response = api.request("PUT", DEPS, {"pairs": [[org.it.id, org.logistics.id]]})
    assert response.get_json() == {"pairs": [sorted([org.it.id, org.logistics.id])]}
    assert _count(DependentPair) == 1


@pytest.mark.parametrize(
    "pairs",
    [
        "same",
        "unknown",
        "twice",
        "three",
    ],
)
def test_api_put_refuses_bad_pairs_and_writes_nothing(org, api_as, pairs):
    a, b = org.logistics.id, org.stores.id
    given = {
        "same": [[a, b], [a, a]],
        "unknown": [[a, 999999]],
        "twice": [[a, b], [b, a]],
        "three": [[a, b, org.it.id]],
    }[pairs]
    response = api_as(org.admin).request("PUT", DEPS, {"pairs": given})
    check_response(response, "PUT", DEPS)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "validation_error"
    assert _count(DependentPair) == 0


@pytest.mark.parametrize("who", ["head_a", "member_a"])
def test_api_dependencies_are_for_administrators(org, api_as, who):
    api = api_as(getattr(org, who))
    response = api.get(DEPS)
    check_response(response, "GET", DEPS)
    assert response.status_code == 403
    response = api.request("PUT", DEPS, {"pairs": [[org.logistics.id, org.stores.id]]})
    check_response(response, "PUT", DEPS)
    assert response.status_code == 403
    assert _count(DependentPair) == 0


def test_api_silo_index_now_and_by_month(five, api_as):
    org = five
    _declare(org, (org.stores, org.it), (org.logistics, org.stores))
    for month in (10, 11):
        jobs.store_silo_index(datetime(2026, month, 10, tzinfo=UTC))
    api = api_as(org.head_a)
    response = api.get(INDEX)
    check_response(response, "GET", INDEX)
    body = response.get_json()
    assert body["current"]["dependent_pairs"] == 2
    assert body["current"]["pairs_with_charter_in_force"] == 1
    assert body["current"]["index"] == 0.5
    assert [h["month"] for h in body["history"]] == ["2026-10", "2026-11"]
    assert body["history"][0]["index"] == 0.5
    response = api.get(f"{INDEX}?months=1")
    assert [h["month"] for h in response.get_json()["history"]] == ["2026-11"]
    response = api.get(f"{INDEX}?months=500")
    check_response(response, "GET", INDEX)
    assert response.status_code == 422


def test_api_silo_index_needs_a_caller(api_as):
    response = api_as(None).get(INDEX)
    check_response(response, "GET", INDEX)
    assert response.status_code == 401


# ---------------------------------------------------------------- the demo


def test_demo_declares_pairs_and_a_year_of_history(runner, browser):
    from sla_contracts.demo import data
    from sla_contracts.models import User

    for _ in range(2):  # idempotent: the second run adds nothing
        result = runner.invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
        assert _count(DependentPair) == 10
        assert _count(SiloIndexMonth) == 13
    state = silos.silo_state()
    assert 0 < state.company.index < 1  # silos and covered pairs both
    assert silos.suggested_pairs()  # pairs left to accept
    history = silos.company_history()
    assert history[0].index > history[-1].index  # the silos close over the year
    admin = db.session.scalar(select(User).where(User.is_admin.is_(True)))
    browser.login(admin, data.DEMO_PASSWORD)
    page = _text(browser.get("/company/silos"))
    assert page.count("<g><title>") >= 13
    assert "silo-mark" in _text(browser.get("/directory/map"))
