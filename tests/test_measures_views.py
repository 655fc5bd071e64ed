"""Measures on the pages (issue 13, points 3-4): the charter page shows each commitment's computed
status, last reading, trend and target, the share met and the early warnings; the home page lists
the charters with misses to the people who read them."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import event

from sla_contracts.extensions import db
from sla_contracts.models import CharterStatus
from sla_contracts.readings import operations as readings
from tests.plugins.reviews import plain

NOW = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)


def _enter(charter, user, values: dict[int, dict[str, float]]) -> None:
    rows = [
        {"commitment_id": cid, "period": period, "value": value}
        for cid, by_period in values.items()
        for period, value in by_period.items()
    ]
    readings.enter_readings(user, charter, rows, now=NOW)
    db.session.commit()


def _section(page: str) -> str:
    found = re.search(r'<section id="measures".*?</section>', page, re.S)
    assert found, "no measures section"
    return found.group(0)


def _row(section: str, commitment_id: int) -> str:
    found = re.search(rf'<tr id="measure-{commitment_id}".*?</tr>', section, re.S)
    assert found, f"no row for commitment {commitment_id}"
    return plain(found.group(0))


def _statuses(active, org):
    """c1 met, c2 partly met, c3 missed twice in a row, c4 a free-text target."""
    c1, c2, c3, c4 = active.commitments
    c2.unit = "h"
    c2.indicator = "Délai de réponse"  # kept low: at most
    c2.target, c2.target_value = "48", 48.0
    c4.target, c4.target_value = "selon planning", None
    db.session.commit()
    _enter(
        active,
        org.member_a,
        {
            c1.id: {"2026-12": 80, "2027-01": 96.5, "2027-02": 97.25},
            c2.id: {"2027-02": 50},  # 48 + 2.4 tolerance
            c3.id: {"2027-01": 10, "2027-02": 12.5},
        },
    )
    return c1, c2, c3, c4


def test_charter_page_shows_statuses_trend_target_and_share_in_english(active, org, login_as):
    c1, c2, c3, c4 = _statuses(active, org)
    page = login_as(org.member_b).get(f"/charters/{active.id}").get_data(as_text=True)
    section = _section(page)
    assert "Commitments met on their latest readings:" in plain(section)
    assert "50%" in plain(section)  # (1 + 0.5 + 0) / 3
    row1 = _row(section, c1.id)
    assert "Met" in row1 and "97.25%" in row1 and "(February 2027)" in row1
    assert "at least 95%" in row1 and "partly met down to 90.25%" in row1
    assert "default tolerance: 5% of the target" in row1
    assert row1.count("sparkline-met") == 2 and "sparkline-missed" in row1  # 80, 96.5, 97.25
    assert "December 2026: 80%, Missed" in row1  # the trend, told in words too
    row2 = _row(section, c2.id)
    assert "Partly met" in row2 and "50 h" in row2 and "at most 48 h" in row2
    assert "partly met up to 50.4 h" in row2
    row3 = _row(section, c3.id)
    assert "Missed" in row3 and "Early warning" in row3
    row4 = _row(section, c4.id)
    assert "Not measured" in row4 and "selon planning" in row4
    warning = plain(re.search(r'<p class="measure-warning".*?</p>', section, re.S).group(0))
    assert f"“{c3.title}” missed 2 periods in a row, since January 2027." in warning
    assert "stays until a reading is back on target" in warning
    assert f'id="warning-{c3.id}"' in section


def test_charter_page_shows_statuses_in_french(active, org, login_as):
    c1, c2, c3, c4 = _statuses(active, org)
    org.member_b.locale = "fr"
    db.session.commit()
    section = plain(
        _section(login_as(org.member_b).get(f"/charters/{active.id}").get_data(as_text=True))
    )
    assert "Mesures" in section and "50 %" in section
    assert "Tenu" in section and "Partiellement tenu" in section and "Non tenu" in section
    assert "Non mesuré" in section
    assert "97,25 %" in section and "(février 2027)" in section
    assert "au moins 95 %" in section and "au plus 48 h" in section
    assert "2 périodes de suite, depuis janvier 2027" in section


def test_no_data_before_any_reading(active, org, login_as):
    section = plain(
        _section(login_as(org.head_a).get(f"/charters/{active.id}").get_data(as_text=True))
    )
    assert "No reading yet" in section and section.count("No data") == 4
    assert "Early warning" not in section


def test_a_draft_has_no_measures(make_charter, org, login_as):
    draft = make_charter("Draft", commitments=(1, 1))
    page = login_as(org.head_a).get(f"/charters/{draft.id}").get_data(as_text=True)
    assert 'id="measures"' not in page


def test_the_warning_appears_after_two_misses_and_goes_once_back_on_target(active, org, login_as):
    c1 = active.commitments[0]
    head = login_as(org.head_b)

    def warned() -> bool:
        page = head.get(f"/charters/{active.id}").get_data(as_text=True)
        return f'id="warning-{c1.id}"' in _section(page)

    _enter(active, org.member_a, {c1.id: {"2026-11": 10}})
    assert not warned()
    _enter(active, org.member_a, {c1.id: {"2026-12": 10}})
    assert warned()
    _enter(active, org.member_a, {c1.id: {"2027-01": 99}})
    assert not warned()


def test_user_text_in_the_measures_is_escaped(active, org, login_as):
    c1 = active.commitments[0]
    c1.title = "<script>x</script>"
    c1.unit = "<b>u</b>"
    db.session.commit()
    _enter(active, org.member_a, {c1.id: {"2027-01": 10, "2027-02": 10}})
    section = _section(login_as(org.head_a).get(f"/charters/{active.id}").get_data(as_text=True))
    assert "<script>x</script>" not in section and "&lt;script&gt;" in section
    assert "<b>u</b>" not in section


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


def test_charter_page_statements_do_not_grow_with_commitments_and_readings(
    make_charter, org, login_as
):
    small = make_charter("Small", status=CharterStatus.ACTIVE, commitments=(1, 1))
    big = make_charter("Big", status=CharterStatus.ACTIVE, commitments=(12, 12))
    months = [f"2026-{m:02d}" for m in range(1, 13)]
    for charter in (small, big):
        _enter(
            charter,
            org.head_a,
            {c.id: {p: 50 + i for i, p in enumerate(months)} for c in charter.commitments},
        )
    head = login_as(org.head_a)
    counts = [_count_statements(head, f"/charters/{c.id}") for c in (small, big)]
    assert counts[0] == counts[1], counts


# ------------------------------------------------------------------ home page


def test_home_lists_charters_with_misses_for_both_sides_not_outsiders(
    active, org, login_as, make_charter
):
    c1, c2 = active.commitments[0], active.commitments[1]
    _enter(active, org.member_a, {c1.id: {"2027-01": 10, "2027-02": 10}, c2.id: {"2027-02": 1}})
    fine = make_charter("All fine", status=CharterStatus.ACTIVE, commitments=(1, 0))
    _enter(fine, org.member_a, {fine.commitments[0].id: {"2027-02": 99}})
    for person in (org.head_a, org.member_b):
        page = login_as(person).get("/").get_data(as_text=True)
        found = re.search(r'<section id="misses".*?</section>', page, re.S)
        assert found, person.email
        misses = plain(found.group(0))
        assert active.title in misses and "All fine" not in misses
        assert "2 missed commitments" in misses and "1 early warning" in misses
        assert f'href="/charters/{active.id}#measures"' in found.group(0)
    outsider = login_as(org.outsider).get("/").get_data(as_text=True)
    assert 'id="misses"' not in outsider and active.title not in outsider


def test_home_lists_misses_in_french(active, org, login_as):
    c1 = active.commitments[0]
    _enter(active, org.member_a, {c1.id: {"2027-01": 10, "2027-02": 10}})
    org.head_b.locale = "fr"
    db.session.commit()
    page = plain(login_as(org.head_b).get("/").get_data(as_text=True))
    assert "Chartes avec des engagements non tenus" in page
    assert "1 engagement non tenu" in page and "1 alerte précoce" in page


def test_home_statements_do_not_grow_with_charters(org, login_as, make_charter):
    def charter_with_misses(title):
        charter = make_charter(title, status=CharterStatus.ACTIVE, commitments=(2, 1))
        _enter(
            charter,
            org.member_a,
            {c.id: {"2027-01": 10, "2027-02": 10} for c in charter.commitments},
        )

    head = login_as(org.head_b)
    charter_with_misses("First")
    one = _count_statements(head, "/")
    for i in range(4):
        charter_with_misses(f"More {i}")
    five = _count_statements(head, "/")
    assert one == five, (one, five)
    assert plain(head.get("/").get_data(as_text=True)).count("3 missed commitments") == 5
