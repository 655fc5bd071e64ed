"""The company map past a few departments (issue 16, point 1): one row per department with its
pairs counted by state, each opening that department's pairs; no matrix of every pair, no
list of every pair without a charter. The limit is a setting (30 by default; 3 here)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from sla_contracts.extensions import db
from sla_contracts.models import CharterStatus


@pytest.fixture
def app_config():
    return {"MAP_MATRIX_MAX": 3}


def _rows(page: str) -> dict[str, list[str]]:
    body = page.split('class="company-map department-rows"')[1].split("</table>")[0]
    found = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>")[1], re.S):
        name = re.search(r'department=\d+">([^<]+)</a>', row).group(1)
        found[name] = [
            re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
    return found


def test_past_the_limit_each_department_is_a_row_of_counts(
    org, login_as, make_department, make_charter
):
    finance = make_department("Finance", "FIN")
    make_charter(status=CharterStatus.ACTIVE)  # Logistique ⇄ Magasins, in force
    make_charter("Logistique ⇄ DSI", department_b=org.it, status=CharterStatus.DRAFT)
    db.session.commit()
    page = login_as(org.admin).get("/directory/map").get_data(as_text=True)
    assert 'class="company-map"' not in page  # no matrix
    assert "Pairs with no charter</h2>" not in page
    assert "4 pairs of departments have no charter." in page
    rows = _rows(page)
    # Columns: no charter in force, being agreed, in force, review late, misses; silos; charters.
    assert rows["Logistique"] == ["1", "1", "1", "0", "0", "0", "2"]
    assert rows["Magasins"] == ["2", "0", "1", "0", "0", "0", "1"]
    assert rows["Finance"] == ["3", "0", "0", "0", "0", "0", "0"]
    assert f'href="/directory/map?department={finance.id}"' in page


def test_a_department_opens_its_pairs_one_by_one(org, login_as, make_department, make_charter):
    make_department("Finance", "FIN")
    make_charter("Logistique ⇄ Magasins : <b>rayons</b>", status=CharterStatus.ACTIVE)
    db.session.commit()
    admin = login_as(org.admin)
    page = admin.get(f"/directory/map?department={org.logistics.id}").get_data(as_text=True)
    focus = page.split('id="focus-title"')[1].split("</section>")[0]
    assert "The pairs of Logistique" in focus
    others = re.findall(r'<th scope="row">([^<]+)</th>', focus)
    assert others == ["DSI", "Finance", "Magasins"]
    assert "Logistique ⇄ Magasins : &lt;b&gt;rayons&lt;/b&gt;" in focus
    assert admin.get("/directory/map?department=999999").status_code == 404
    # Heads and members do not see the map.
    assert login_as(org.head_a).get("/directory/map").status_code in (302, 403)


def test_the_rows_take_the_same_statements_at_two_sizes(
    org, login_as, make_department, make_charter
):
    admin = login_as(org.admin)
    make_charter(status=CharterStatus.ACTIVE, commitments=(1, 1))
    db.session.commit()

    def statements() -> int:
        seen = []

        def count(_c, _cur, statement, *_a):
            if not statement.lstrip().upper().startswith(("BEGIN", "PRAGMA", "SAVEPOINT")):
                seen.append(statement)

        db.session.expire_all()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert admin.get("/directory/map").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(seen)

    small = statements()
    extra = [make_department(f"Service {i:02d}", f"S{i:02d}") for i in range(12)]
    for n, d in enumerate(extra):
        make_charter(f"Charte {n}", department_a=org.logistics, department_b=d,
                     status=CharterStatus.ACTIVE, commitments=(1, 1))  # fmt: skip
    db.session.commit()
    assert statements() == small
