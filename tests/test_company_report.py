"""The monthly report for leadership: what it counts, in a constant number of statements."""

from __future__ import annotations

from datetime import date

from sla_contracts.company import report
from sla_contracts.extensions import db
from tests.plugins.reviews import plain
from tests.report_helpers import MARCH, at, in_force, march, review
from tests.test_live_updates import count_statements


def test_march_counts_charters_reviews_and_criteria(app, org):
    march(org)
    values = report.report_values(MARCH)
    charters = values["charters"]
    # in force at the end of March: old, new, renewed (ended and expired are not; April's not yet)
    assert (charters["in_force"], charters["signed"]) == (3, 1)
    assert (charters["renewed"], charters["ended"], charters["expired"]) == (1, 1, 1)
    assert {e["event"]: e["title"] for e in charters["events"]} == {
        "signed": "Magasins ⇄ Logistique",
        "renewed": "Renewed in March",
        "ended": "Ended in March",
        "expired": "Expired in March",
    }
    assert (values["reviews"]["held"], values["reviews"]["late"]) == (1, 1)
    (criterion,) = values["criteria"]
    assert criterion["share_met"] == 0.5 and criterion["commitments_missed"] == 1
    assert [p["period"] for p in criterion["trend"]] == ["2026-01", "2026-02", "2026-03"]
    assert values["misses_by_cause"] == {
        "own_side": 1,
        "other_side_prerequisite": 0,
        "outside": 0,
        "not_given": 1,
        "total": 2,
    }
    (gap,) = values["satisfaction_gaps"]
    assert gap["pair"] == ["Logistique", "Magasins"] and gap["gap"] == -3
    top = values["irritants"][0]
    assert (top["text"].casefold(), top["count"], top["sources"]) == (
        "late orders",
        3,
        ["review", "survey"],
    )


def test_february_is_read_on_february_readings(app, org):
    march(org)
    (criterion,) = report.report_values(date(2026, 2, 1))["criteria"]
    assert criterion["share_met"] == 1.0  # 96 against at least 95, March's miss not yet read


def test_month_parsing():
    assert report.parse_month("2026-03") == MARCH
    for bad in ("2026-13", "2026-3", "27-03", "", "1999-12", "2026-03x"):
        try:
            report.parse_month(bad)
        except report.MonthInvalid:
            continue
        raise AssertionError(bad)


def test_statements_do_not_grow_with_the_company(app, org, make_department):
    march(org)
    _values, small = count_statements(app, lambda: report.report_values(MARCH))
    for n in range(15):
        other = make_department(f"Extra {n}", f"X{n}")
        charter = in_force(
            org,
            f"Extra {n}",
            at(3),
            department_b=other,
            commitments=[("≥ 95 %", [("2026-03", 90.0 + n)])],
        )
        review(
            charter, due_on=date(2026, 3, 2), closed_at=at(4), a_of_b=2, b_of_a=5, irritants=f"x{n}"
        )
    _values, large = count_statements(app, lambda: report.report_values(MARCH))
    assert len(small) == len(large) <= report.STATEMENTS


URLS = (
    "/company/reports",
    "/company/reports/2026-03",
    "/company/reports/2026-03/pdf",
    "/company/reports/2026-03/csv",
)


def test_page_pdf_and_csv_for_leadership_only(app, org, login_as, make_user):
    march(org)
    boss = make_user("boss@example.com", "Bea Boss")
    boss.is_leadership = True
    db.session.commit()
    for user in (org.head_a, org.member_b):
        reader = login_as(user)
        for url in (
            "/company/reports",
            "/company/reports/2026-03",
            "/company/reports/2026-03/pdf",
            "/company/reports/2026-03/csv",
        ):
            assert reader.get(url).status_code == 403, url
    for user in (boss, org.admin):
        reader = login_as(user)
        page = reader.get("/company/reports/2026-03")
        assert page.status_code == 200
        text = plain(page.get_data(as_text=True))
        assert "March 2026" in text and "&lt;b&gt;Rude&lt;/b&gt; calls" in page.get_data(
            as_text=True
        )
        assert "<b>Rude</b>" not in page.get_data(as_text=True)
        assert reader.get("/company/reports").status_code == 200
    reader = login_as(boss)
    assert reader.get("/company/reports/2026-13").status_code == 404
    assert reader.get("/company/reports/2999-01").status_code == 404


def test_an_administrator_gives_the_leadership_role_on_the_person_page(app, org, login_as):
    admin, mia = login_as(org.admin), login_as(org.member_a)
    assert mia.get("/company/reports").status_code == 403
    page = admin.get(f"/directory/users/{org.member_a.id}").get_data(as_text=True)
    assert 'name="is_leadership"' in page
    answer = admin.post(
        f"/directory/users/{org.member_a.id}",
        {"name": "Mia Member", "email": org.member_a.email, "locale": "en", "is_leadership": "y"},
    )
    assert answer.status_code == 302
    db.session.expire_all()
    assert org.member_a.is_leadership and not org.member_a.is_admin
    assert mia.get("/company/reports").status_code == 200
    assert "/company/reports" in mia.get("/").get_data(as_text=True)  # the menu's link
    # A head may not give it (the directory is the administrators').
    head = login_as(org.head_a)
    assert head.post(f"/directory/users/{org.head_a.id}", {"is_leadership": "y"}).status_code == 403
    db.session.expire_all()
    assert not org.head_a.is_leadership


def test_the_demo_has_a_reader_and_last_month_has_figures(demo, browser):
    from sqlalchemy import select

    from sla_contracts.demo import data
    from sla_contracts.demo.report import LEADERSHIP
    from sla_contracts.models import User
    from sla_contracts.timeutil import add_months, utcnow

    claire = db.session.scalar(select(User).where(User.email == LEADERSHIP["email"]))
    assert claire.is_leadership and not claire.is_admin
    last = add_months(utcnow().date().replace(day=1), -1)
    reader = browser
    reader.login(claire, password=data.DEMO_PASSWORD)
    months = reader.get("/company/reports").get_data(as_text=True)
    assert f"/company/reports/{report.month_key(last)}" in months
    page = reader.get(f"/company/reports/{report.month_key(last)}")
    assert page.status_code == 200
    values = report.report_values(last)
    assert values["charters"]["in_force"] > 0 and values["criteria"]


def test_the_page_makes_the_same_statements_at_two_sizes(app, org, login_as, make_department):
    march(org)
    admin = login_as(org.admin)
    admin.get("/company/reports/2026-03")  # warm: the session's person, the menu
    _page, small = count_statements(app, lambda: admin.get("/company/reports/2026-03"))
    for n in range(10):
        other = make_department(f"More {n}", f"M{n}")
        charter = in_force(org, f"More {n}", at(3), department_b=other)
        review(charter, due_on=date(2026, 3, 2), closed_at=at(4), a_of_b=1, b_of_a=5)
    _page, large = count_statements(app, lambda: admin.get("/company/reports/2026-03"))
    assert len(small) == len(large)


def test_a_charter_renewed_after_it_expired_is_in_force_again(app, org):
    from sla_contracts.models import CharterVersion
    from tests.report_helpers import event

    charter = in_force(org, "Expired then renewed", at(1, 1))
    event(charter, "expired", at(10, 2))
    db.session.add(
        CharterVersion(
            charter_id=charter.id,
            number=2,
            content="{}",
            fingerprint="f" * 64,
            activated_at=at(12),
            created_at=at(12),
        )
    )
    db.session.commit()
    event(charter, "renewed", at(12))
    february = report.report_values(date(2026, 2, 1))["charters"]
    assert (february["in_force"], february["expired"]) == (0, 1)
    march_values = report.report_values(MARCH)["charters"]
    assert (march_values["in_force"], march_values["renewed"], march_values["signed"]) == (1, 1, 1)
