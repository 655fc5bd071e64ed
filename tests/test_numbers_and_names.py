"""Numbers and names as readers expect them: typed numbers read with either separator and shown
in the reader's language (Babel), and names sorted by the reader's collation, not code points."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from sla_contracts import formats
from sla_contracts.extensions import db
from sla_contracts.models import Membership, Role
from sla_contracts.pdf import render_html
from sla_contracts.reviews.minutes import TEMPLATE, minutes_values

from .plugins.reviews import plain

NBSP = "\xa0"  # Babel's space before "%" in French


# ---------------------------------------------------------------- one parser, both separators


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("91,6", 91.6),
        ("92.35", 92.35),
        (" 12 ", 12.0),
        ("1 234,5", 1234.5),
        ("1\u202f234,5", 1234.5),  # as Babel writes it in French
        ("1,234.5", 1234.5),
        ("1.234,5", 1234.5),
        ("95 %", 95.0),
        ("-0,5", -0.5),
        (",5", 0.5),
        (7, 7.0),
    ],
)
def test_typed_numbers_are_read_with_either_separator(typed, value):
    assert formats.parse_number(typed) == pytest.approx(value)


@pytest.mark.parametrize("typed", ["", "abc", "≥ 95", "nan", "inf", "1e5", "1,2,3.4.5", None, True])
def test_text_that_is_no_number_is_refused(typed):
    assert formats.parse_number(typed) is None


# ---------------------------------------------------------------- shown in the reader's language


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("fr", f"91,6{NBSP}%"), ("en", "91.6%")],
)
def test_a_measured_percentage_has_sensible_precision_in_each_language(app, locale, expected):
    with app.test_request_context(), force_locale(locale):
        assert formats.measure("91.605", "%") == expected
        assert formats.measure("91,6", "%") == expected
        assert formats.percent(91.605) == expected


def test_numbers_follow_the_readers_language(app):
    with app.test_request_context():
        with force_locale("fr"):
            assert formats.number(1234.5) == "1\u202f234,5"
            assert formats.number("92.35") == "92,35"
            assert formats.number(3.0) == "3"
            assert formats.measure("15", "minutes") == f"15{NBSP}minutes"
            assert formats.measure("≥ 95", "%") == "≥ 95 %"  # not a number: as typed
            assert formats.measure("", "%") == "—"
            assert formats.percent(99.95, decimals=2) == f"99,95{NBSP}%"
        with force_locale("en"):
            assert formats.number(1234.5) == "1,234.5"
            assert formats.number("92,35") == "92.35"
            assert formats.measure(2.4, "h") == f"2.4{NBSP}h"


def _measured(review, values):
    for assessment, value in zip(review.assessments, values, strict=False):
        assessment.measured_value = value
        assessment.unit = "%"
    review.criterion_value = 91.605
    db.session.commit()


def test_the_meeting_and_minutes_show_typed_values_one_way(started_review, org, login_as):
    review = started_review
    _measured(review, ["91.605", "91,6", "92.35"])
    org.head_b.locale = "fr"
    db.session.commit()
    page = login_as(org.head_b).get(f"/reviews/{review.id}")
    assert page.status_code == 200
    with force_locale("fr"):
        values = minutes_values(review)
        values.pop("history")
        minutes = render_html(TEMPLATE, locale="fr", chart="", **values)
    # The meeting's inputs: the reader's separator, the precision typed; the targets: Babel's.
    inputs = plain(page.get_data(as_text=True))
    assert 'value="91,605"' in inputs and 'value="91,6"' in inputs and 'value="92,35"' in inputs
    assert "91.605" not in inputs and "Cible : 95 %" in inputs
    shown = plain(minutes)
    assert "91.605" not in shown and "91,605" not in shown
    assert shown.count("91,6 %") >= 3  # two assessments and the criterion
    assert "92,35 %" in shown and "<td>95 %</td>" in shown and "(cible 2 %)" in shown
    with force_locale("en"):
        values = minutes_values(review)
        values.pop("history")
        english = render_html(TEMPLATE, locale="en", chart="", **values)
    assert english.count("91.6%") >= 3 and "92.35%" in english


def test_a_criterion_target_typed_with_a_comma_is_a_number(org, login_as):
    admin = login_as(org.admin)
    response = admin.post(
        f"/directory/criteria/{org.criterion.id}/edit",
        {
            "name": org.criterion.name,
            "definition": "Share of products missing.",
            "unit": "%",
            "direction": "lower_is_better",
            "target": "1,75",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert org.criterion.target == 1.75
    assert "1.75%" in admin.get("/directory/criteria").get_data(as_text=True)


# ---------------------------------------------------------------- names in the reader's order


def test_names_sort_by_collation_not_code_point(app):
    names = ["Hugo", "Hélène", "Zoé", "émile", "Eric", "Åsa", "Bruno"]
    assert sorted(names) != formats.collate(names)  # code points put "Hugo" before "Hélène"
    assert formats.collate(names) == ["Åsa", "Bruno", "émile", "Eric", "Hélène", "Hugo", "Zoé"]
    rows = [{"n": "Hugo"}, {"n": "Hélène"}]
    assert formats.collate(rows, key=lambda r: r["n"]) == [{"n": "Hélène"}, {"n": "Hugo"}]


@pytest.fixture
def accents(org, make_user, make_department, make_criterion):
    """People, departments and criteria whose code-point order is wrong."""
    hugo = make_user("hugo@example.com", "Hugo Petit", member_of=[org.logistics])
    helene = make_user("helene@example.com", "Hélène Martin", member_of=[org.logistics])
    make_department("Études", "ETU")
    make_department("Expédition", "EXP")
    make_criterion("Zèle des équipes")
    make_criterion("Écart de stock")
    make_criterion("Exactitude des commandes")
    org.admin.locale = "fr"
    db.session.commit()
    return hugo, helene


def _before(text: str, first: str, second: str) -> bool:
    assert first in text and second in text, (first, second)
    return text.index(first) < text.index(second)


def test_directory_pages_list_helene_before_hugo(org, accents, login_as):
    admin = login_as(org.admin)
    people = admin.get("/directory/users").get_data(as_text=True)
    assert _before(people, "Hélène Martin", "Hugo Petit")
    department = admin.get(f"/directory/departments/{org.logistics.id}").get_data(as_text=True)
    members = department[department.index("Mia Member") - 2000 :]
    assert _before(members, "Hélène Martin", "Hugo Petit")
    departments = admin.get("/directory/departments").get_data(as_text=True)
    assert _before(departments, "Études", "Expédition")
    assert _before(departments, "DSI", "Études")
    criteria = admin.get("/directory/criteria").get_data(as_text=True)
    assert _before(criteria, "Écart de stock", "Exactitude des commandes")
    company = admin.get("/directory/map").get_data(as_text=True)
    assert _before(company, "Études", "Expédition")


def test_the_people_list_is_collated_across_pages(org, accents, login_as, make_user, monkeypatch):
    from sla_contracts.directory import routes

    monkeypatch.setattr(routes, "USERS_PER_PAGE", 4)
    admin = login_as(org.admin)
    pages = [admin.get(f"/directory/users?page={n}").get_data(as_text=True) for n in (1, 2, 3)]
    everyone = "".join(pages)
    # Ada, Alice, Bruno, Hélène | Hugo, Max, Mia, Olga: the cut follows the collation.
    assert "Hélène Martin" in pages[0] and "Hugo Petit" in pages[1]
    assert _before(everyone, "Hélène Martin", "Hugo Petit")


def test_drop_downs_and_the_api_use_the_collation(org, accents, login_as, api_as):
    hugo, helene = accents
    db.session.add(Membership(user=org.head_a, department=org.stores, role=Role.HEAD))
    db.session.commit()
    new_charter = login_as(org.admin).get("/charters/new").get_data(as_text=True)
    assert _before(new_charter, "Écart de stock", "Exactitude des commandes")
    assert _before(new_charter, "Exactitude des commandes", "Zèle des équipes")
    assert _before(new_charter, "Études", "Expédition")
    add_person = login_as(org.admin).get(f"/directory/departments/{org.stores.id}")
    assert _before(add_person.get_data(as_text=True), "Hélène Martin", "Hugo Petit")
    api = api_as(org.admin)
    names = [d["name"] for d in api.get("/api/v1/departments").json["departments"]]
    assert names.index("Études") < names.index("Expédition") < names.index("Logistique")
    criteria = [c["name"] for c in api.get("/api/v1/criteria").json["criteria"]]
    assert criteria.index("Écart de stock") < criteria.index("Exactitude des commandes")


def test_attendees_and_the_schedule_list_people_by_collation(
    started_review, org, accents, login_as
):
    from sla_contracts.models import ReviewAttendee

    hugo, helene = accents
    for user in (hugo, helene):  # Hugo first, as a database might return them
        db.session.add(ReviewAttendee(review=started_review, user=user))
    db.session.commit()
    head = login_as(org.head_a)
    meeting = head.get(f"/reviews/{started_review.id}").get_data(as_text=True)
    assert "Hélène Martin, Hugo Petit" in meeting
    schedule = head.get(f"/reviews/{started_review.id}/schedule").get_data(as_text=True)
    assert _before(schedule, "Hélène Martin", "Hugo Petit")


def test_the_audit_trail_shows_a_target_in_the_readers_format(org, login_as):
    from sla_contracts.audit.describe import _join

    with force_locale("fr"):
        assert _join(82.5) == "82,5" and _join([1.0, "x"]) == "1, x"
