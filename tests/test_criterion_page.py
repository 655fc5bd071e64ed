"""The criterion page (issue 14, point 1): the criterion's readings and the pairs' satisfaction on
one chart, the charters in force tied to it with their share met and last review, their
commitments by pair with status and trend, the misses by cause; only what the reader may read."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import event

from sla_contracts.extensions import db
from sla_contracts.models import AssessmentCause, CharterStatus, Membership, Role
from sla_contracts.readings import operations as readings
from sla_contracts.timeutil import add_months, utcnow
from tests.company_helpers import closed_review
from tests.plugins.reviews import plain


def _months_back(count: int) -> list[str]:
    """The keys of the ``count`` months before this one, oldest first."""
    first = utcnow().date().replace(day=1)
    return [f"{d.year}-{d.month:02d}" for d in (add_months(first, -k) for k in range(count, 0, -1))]


def _enter(charter, user, value: float) -> None:
    rows = [
        {"commitment_id": c.id, "period": period, "value": value + i}
        for c in charter.commitments
        for i, period in enumerate(_months_back(3))
    ]
    readings.enter_readings(user, charter, rows, now=utcnow())
    db.session.commit()


def _criterion_values(org) -> None:
    rows = [{"period": p, "value": 2.5 - i / 10} for i, p in enumerate(_months_back(4))]
    readings.enter_criterion_readings(org.admin, org.criterion, rows, now=utcnow())
    db.session.commit()


def text(html: str) -> str:
    """What a reader reads: tags out, spaces collapsed."""
    return " ".join(plain(re.sub(r"<[^>]+>", " ", html)).split())


def _held(days_ago: int):
    return utcnow() - timedelta(days=days_ago)


def _count_statements(client, url: str) -> int:
    counted = [0]

    def count(*_args, **_kw):
        counted[0] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return counted[0]


def _section(page: str, name: str) -> str:
    found = re.search(rf'<section id="{name}".*?</section>', page, re.S)
    assert found, f"no {name} section"
    return found.group(0)


def test_page_shows_readings_charters_commitments_and_misses(org, make_charter, login_as):
    charter = make_charter(status=CharterStatus.ACTIVE, commitments=(1, 1))
    _enter(charter, org.member_a, 80)  # target 95: 80, 81, 82 missed (a streak)
    _criterion_values(org)
    closed_review(
        charter,
        _held(40),
        causes=(AssessmentCause.OWN_SIDE, AssessmentCause.OTHER_SIDE_PREREQUISITE, None),
        satisfaction=(4, 2),
    )
    page = login_as(org.head_a).get(f"/company/criteria/{org.criterion.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    words = text(html)
    assert "Shelf out-of-stock rate" in words and "Target: 2% · Lower is better" in words
    chart = _section(html, "criterion-over-time")
    assert 'id="criterion-chart"' in chart and 'stroke-dasharray="6 3"' in chart  # the target
    assert "Mutual satisfaction of the pairs (1 to 5)" in chart
    assert "More satisfied side (average, 1–5)" in text(chart)
    charters = text(_section(html, "criterion-charters"))
    assert charter.title in charters and "Logistique ⇄ Magasins" in charters
    assert "0% (2 missed)" in charters and "2 missed" in charters
    assert "Satisfaction of Logistique: 4" in charters and "(large gap)" in charters
    commitments = text(_section(html, "criterion-commitments"))
    assert "What Logistique commits to Magasins" in commitments
    assert "What Magasins commits to Logistique" in commitments
    assert "A commitment 1" in commitments and "Fewer empty shelves for the customer" in commitments
    assert "Missed" in commitments and "Early warning" in commitments
    assert 'class="sparkline"' in html
    misses = text(_section(html, "criterion-misses"))
    assert re.search(r"own\s*1", misses) and re.search(r"did not deliver\s*1", misses)
    assert re.search(r"Cause not given\s*1", misses) and re.search(r"Total\s*3", misses)


def test_page_in_french(org, make_charter, login_as):
    charter = make_charter(status=CharterStatus.ACTIVE, commitments=(1, 0))
    _enter(charter, org.member_a, 99)
    closed_review(charter, _held(10), causes=(AssessmentCause.OUTSIDE,), satisfaction=(3, 3))
    org.head_b.locale = "fr"
    db.session.commit()
    fr = text(login_as(org.head_b).get(f"/company/criteria/{org.criterion.id}").get_data(True))
    assert "Critère client final" in fr
    assert "Chartes en vigueur qui y sont liées" in fr
    assert "Ce à quoi Logistique s'engage envers Magasins" in fr
    assert "Manquements par cause" in fr and "Hors des deux services" in fr


def test_head_sees_only_the_charters_they_may_read(
    org, make_charter, make_department, make_criterion, login_as
):
    far = make_department("Achats", "ACH")
    ours = make_charter("Ours ⇄", status=CharterStatus.ACTIVE, commitments=(1, 0))
    hidden = make_charter(
        "Hidden charter",
        status=CharterStatus.ACTIVE,
        commitments=(1, 0),
        department_a=org.it,
        department_b=far,
    )
    other = make_criterion("Waiting time at the till")
    elsewhere = make_charter(
        "Another criterion's charter",
        status=CharterStatus.ACTIVE,
        commitments=(1, 0),
        criterion=other,
    )
    draft = make_charter("A draft", commitments=(1, 0))
    closed_review(hidden, _held(5), causes=(AssessmentCause.OUTSIDE,) * 4, satisfaction=(1, 5))
    url = f"/company/criteria/{org.criterion.id}"
    head = text(login_as(org.head_a).get(url).get_data(as_text=True))
    assert ours.title in head
    assert hidden.title not in head and "Achats" not in head and "DSI" not in head
    assert "No miss recorded" in head
    admin = text(login_as(org.admin).get(url).get_data(as_text=True))
    assert (
        ours.title in admin
        and hidden.title in admin
        and re.search(r"Outside both sides\s*4", admin)
    )
    for page in (head, admin):
        assert elsewhere.title not in page and draft.title not in page
    # Someone signed in in no department sees the criterion, no charter.
    lonely = text(login_as(org.outsider).get(f"/company/criteria/{other.id}").get_data(True))
    assert "Waiting time at the till" in lonely and elsewhere.title not in lonely


def test_page_needs_sign_in_and_an_existing_criterion(org, client, login_as):
    assert client.get(f"/company/criteria/{org.criterion.id}").status_code in (302, 401)
    assert login_as(org.head_a).get("/company/criteria/99999").status_code == 404


def test_user_text_is_escaped(org, make_charter, login_as):
    org.criterion.name = "<script>alert(1)</script>"
    org.criterion.definition = "<b>bold</b>"
    charter = make_charter("<i>title</i>", status=CharterStatus.ACTIVE, commitments=(1, 0))
    charter.commitments[0].customer_impact = "<img src=x onerror=alert(2)>"
    db.session.commit()
    html = login_as(org.admin).get(f"/company/criteria/{org.criterion.id}").get_data(True)
    for raw in ("<script>alert(1)</script>", "<b>bold</b>", "<i>title</i>", "<img src=x"):
        assert raw not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x" in html


def test_charters_are_paged(org, make_charter, login_as, app):
    from sla_contracts.company import criterion as module

    saved = module.PAGE_SIZE
    module.PAGE_SIZE = 2
    try:
        made = [
            make_charter(f"Charter {i}", status=CharterStatus.ACTIVE, commitments=(1, 0))
            for i in range(3)
        ]
        head = login_as(org.head_a)
        first = text(head.get(f"/company/criteria/{org.criterion.id}").get_data(True))
        assert "Charter 0" in first and "Charter 1" in first and "Charter 2" not in first
        assert "3 charters you may read" in first
        nxt = head.get(f"/company/criteria/{org.criterion.id}?after={made[1].id}")
        second = text(nxt.get_data(as_text=True))
        assert "Charter 2" in second and "Charter 0" not in second
    finally:
        module.PAGE_SIZE = saved


def test_statements_do_not_grow_with_charters(org, make_charter, login_as, make_department):
    def charter_with_history(title, a, b):
        charter = make_charter(
            title, status=CharterStatus.ACTIVE, commitments=(2, 1), department_a=a, department_b=b
        )
        _enter(charter, org.admin, 90)
        closed_review(charter, _held(30), causes=(AssessmentCause.OWN_SIDE,), satisfaction=(4, 3))
        closed_review(charter, _held(100), causes=(None,), satisfaction=(2, 5))

    _criterion_values(org)
    charter_with_history("First", org.logistics, org.stores)
    url = f"/company/criteria/{org.criterion.id}"
    head = login_as(org.head_a)
    one = _count_statements(head, url)
    for i in range(5):
        other = make_department(f"Dept {i}", f"D{i}")
        db.session.add(Membership(user=org.head_a, department=other, role=Role.HEAD))
        db.session.commit()
        charter_with_history(
            f"More {i}", org.logistics if i % 2 else other, other if i % 2 else org.stores
        )
    several = _count_statements(head, url)
    assert one == several, (one, several)
    assert several <= 18, several  # 11 for the page, the rest for the frame (menu, badges)
    assert text(head.get(url).get_data(as_text=True)).count("More ") >= 5
    admin = login_as(org.admin)
    assert _count_statements(admin, url) <= several


def test_links_from_the_catalogue_the_charter_page_and_the_map(org, make_charter, login_as):
    charter = make_charter(status=CharterStatus.ACTIVE, commitments=(1, 1))
    link = f'href="/company/criteria/{org.criterion.id}"'
    admin = login_as(org.admin)
    assert link in admin.get("/directory/criteria").get_data(as_text=True)
    map_page = admin.get("/directory/map").get_data(as_text=True)
    assert 'href="/company/criteria"' in _section_p(map_page, "map-criteria")
    index = login_as(org.head_b).get("/company/criteria").get_data(as_text=True)
    assert link in index and "Shelf out-of-stock rate" in index
    page = login_as(org.member_b).get(f"/charters/{charter.id}").get_data(as_text=True)
    assert re.search(rf'<a {link} id="criterion-page-link">', page)


def _section_p(page: str, name: str) -> str:
    found = re.search(rf'<p id="{name}">.*?</p>', page, re.S)
    assert found, f"no {name}"
    return found.group(0)
