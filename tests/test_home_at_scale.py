"""The home page and the list of charters stay small at any size (issue 16, point 1).

The home page leads with what waits for the person and counts; each section lists the ten
charters changed last and links to the whole list, which `/charters` shows 25 at a time, one
section or all, in a fixed number of statements.
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import event

from sla_contracts.extensions import db
from sla_contracts.main.dashboard import PAGE_SIZE, PER_SECTION
from sla_contracts.models import CharterStatus
from sla_contracts.timeutil import utcnow


def _many(make_charter, n: int, status: CharterStatus, prefix: str) -> list:
    made = []
    start = utcnow() - timedelta(days=n)
    for i in range(n):
        charter = make_charter(f"{prefix} {i:02d}", status=status)
        charter.updated_at = start + timedelta(hours=i)  # the last made is the last changed
        made.append(charter)
    db.session.commit()
    return made


def _statements(browser, url: str) -> int:
    seen = []

    def count(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("BEGIN", "PRAGMA", "SAVEPOINT", "RELEASE")):
            seen.append(statement)

    db.session.expire_all()
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert browser.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


def test_the_home_page_counts_each_section_and_lists_the_last_changed(org, make_charter, login_as):
    drafts = _many(make_charter, 23, CharterStatus.DRAFT, "Brouillon")
    _many(make_charter, 2, CharterStatus.ACTIVE, "En vigueur")
    page = login_as(org.head_b).get("/").get_data(as_text=True)
    drafts_section = page.split('id="status-draft"')[1].split("</section>")[0]
    assert "(23)" in drafts_section
    listed = re.findall(r">(Brouillon \d\d)</a>", drafts_section)
    assert listed == [f"Brouillon {i:02d}" for i in range(22, 22 - PER_SECTION, -1)]
    assert "See all 23 (13 more)" in drafts_section
    assert 'href="/charters?status=draft"' in drafts_section
    active = page.split('id="status-active"')[1].split("</section>")[0]
    assert "(2)" in active and "See all" not in active
    assert "All 25 charters" in page and drafts[0].title not in drafts_section
    # Nobody else's charters, not even counted.
    assert "(0)" in login_as(org.outsider).get("/").get_data(as_text=True)


def test_the_list_of_charters_goes_a_page_at_a_time_and_by_section(org, make_charter, login_as):
    _many(make_charter, PAGE_SIZE + 5, CharterStatus.DRAFT, "Brouillon")
    _many(make_charter, 3, CharterStatus.ACTIVE, "En vigueur")
    head = login_as(org.head_b)
    first = head.get("/charters").get_data(as_text=True)
    assert "All my charters" in first and "(33)" in first
    admin = login_as(org.admin)  # an administrator reads the company's, not "my" charters
    assert "Every charter of the company" in admin.get("/charters").get_data(as_text=True)
    assert "The company's 33 charters" in admin.get("/").get_data(as_text=True)
    assert len(re.findall(r'<a href="/charters/\d+">', first)) == PAGE_SIZE
    assert "Page 1 of 2" in first and 'href="/charters?page=2"' in first
    second = head.get("/charters?page=2").get_data(as_text=True)
    assert len(re.findall(r'<a href="/charters/\d+">', second)) == 8
    assert ">Brouillon 00</a>" in second  # the oldest change comes last
    active = head.get("/charters?status=active").get_data(as_text=True)
    assert re.findall(r">(En vigueur \d\d)</a>", active) == ["En vigueur 02", "En vigueur 01",
                                                               "En vigueur 00"]  # fmt: skip
    assert "Page 1 of" not in active  # one page: no pager
    assert head.get("/charters?status=nonsense").status_code == 404
    assert head.get("/charters?page=99").status_code == 200  # the last page, not an error
    outsider = login_as(org.outsider).get("/charters").get_data(as_text=True)
    assert "(0)" in outsider and "Brouillon" not in outsider


def test_home_and_list_make_the_same_statements_at_two_sizes(org, make_charter, login_as):
    head = login_as(org.head_b)
    _many(make_charter, 2, CharterStatus.DRAFT, "Petit")
    _many(make_charter, 2, CharterStatus.ACTIVE, "Petit actif")
    small = (_statements(head, "/"), _statements(head, "/charters"))
    _many(make_charter, 40, CharterStatus.DRAFT, "Grand")
    _many(make_charter, 40, CharterStatus.ACTIVE, "Grand actif")
    big = (_statements(head, "/"), _statements(head, "/charters"))
    assert big == small, (small, big)


def test_an_administrator_lists_every_charter_page_by_page(org, make_charter, login_as):
    _many(make_charter, PAGE_SIZE + 2, CharterStatus.DRAFT, "Brouillon")
    admin = login_as(org.admin)
    first = admin.get("/charters").get_data(as_text=True)
    assert f"({PAGE_SIZE + 2})" in first  # every charter counted, not one
    assert "Page 1 of 2" in first and 'href="/charters?page=2"' in first
    second = admin.get("/charters?page=2").get_data(as_text=True)
    assert len(re.findall(r'<a href="/charters/\d+">', second)) == 2
    assert f"The company's {PAGE_SIZE + 2} charters" in admin.get("/").get_data(as_text=True)
