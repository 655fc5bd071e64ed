"""The review chart reads without colour: targets as lines, a marker shape per series, equal
values kept apart, a legend and a table in words; the same chart in the minutes PDF."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from flask_babel import force_locale

from sla_contracts.extensions import db
from sla_contracts.models import Review
from sla_contracts.readings import operations as readings
from sla_contracts.reviews.chart import DODGE, MARK, Point, history_chart
from sla_contracts.reviews.meeting import save_meeting
from sla_contracts.reviews.meeting_input import AssessmentValues, MeetingSave, MeetingValues

from .plugins.reviews import plain
from .signing_helpers import pdf_text


@pytest.fixture(autouse=True)
def _request(app):
    with app.test_request_context(), force_locale("en"):
        yield


def _past(month: int, met, sat_a, sat_b, crit):
    return SimpleNamespace(
        held_at=datetime(2026, month, 10, 10, 0, tzinfo=UTC),
        share_met=met,
        satisfaction_a_of_b=sat_a,
        satisfaction_b_of_a=sat_b,
        criterion_value=crit,
    )


HISTORY = [_past(1, 0.5, 3, 3, 96.5), _past(4, 0.75, 4, 4, 97.2), _past(7, 0.75, 4, 2, 95.1)]


def _markers(svg: str, css: str) -> list[tuple[float, float]]:
    """The centres of one series' markers."""
    group = re.search(rf'<g class="series {css}"[^>]*>(.*?)</g></g>', svg).group(1)
    centres = []
    for x, y in re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)"', group):
        centres.append((float(x), float(y)))
    for x, y, w in re.findall(r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)"', group):
        centres.append((float(x) + float(w) / 2, float(y) + float(w) / 2))
    for points in re.findall(r'<polygon points="([^"]+)"', group):
        pairs = [tuple(map(float, p.split(","))) for p in points.split()]
        centres.append((pairs[0][0], round(sum(y for _x, y in pairs) / len(pairs), 1)))
    return centres


def test_the_criterion_target_is_a_dashed_line_labelled_in_the_readers_format():
    with force_locale("fr"):
        svg = plain(str(history_chart(HISTORY, "Log", "Mag", "Livraisons", "%", target=96.8)))
    target = re.search(r'<g class="target"><title>([^<]*)</title><line [^>]*y1="([\d.]+)"', svg)
    assert target and target.group(1) == "Cible 96,8 %"
    assert 'stroke-dasharray="6 3"' in svg and "Cible (ligne en tirets)" in svg
    # The line lies on the criterion's scale: below 97.2 (April), above 96.5 (January).
    january, april, _july = (y for _x, y in _markers(svg, "s-crit"))
    assert april < float(target.group(2)) < january


def test_a_target_outside_the_values_widens_the_scale_to_show_it():
    svg = str(history_chart(HISTORY, criterion="On time", unit="%", target=99.0))
    assert ">99%<" in plain(svg)  # the top tick is the target, not the highest value
    no_target = str(history_chart(HISTORY, criterion="On time", unit="%"))
    assert 'class="target"' not in no_target and "Target (dashed line)" not in no_target


def test_equal_values_stay_two_visible_points_with_different_shapes():
    svg = str(history_chart(HISTORY, "Logistique", "Magasins"))
    a = _markers(svg, "s-sat-a")
    b = _markers(svg, "s-sat-b")
    assert len(a) == 3 and len(b) == 3
    assert 'data-marker="circle"' in svg and 'data-marker="square"' in svg
    # January and April: both sides gave the same mark; the two points sit side by side.
    for (ax, ay), (bx, by) in zip(a[:2], b[:2], strict=True):
        assert ay == by and abs(ax - bx) >= DODGE
    # July: the marks differ, so nothing moves.
    assert a[2][0] == b[2][0] and a[2][1] != b[2][1]
    # Every marker is outlined in white, so a marker over a line stays a shape of its own.
    assert re.search(rf'<circle[^>]*r="{MARK}" fill="#[0-9a-f]+" stroke="#fff"', svg)


def test_the_legend_and_the_table_say_in_words_what_the_colours_say():
    svg = str(history_chart(HISTORY, "Logistique", "Magasins", "On time", "%", target=97))
    legend = re.search(r'<ul class="chart-legend">(.*?)</ul>', svg).group(1)
    for label, shape in (
        ("Satisfaction of Logistique (1–5)", "circles"),
        ("Satisfaction of Magasins (1–5)", "squares"),
        ("Share of commitments met", "triangles"),
        ("On time at the review", "diamonds"),
    ):
        assert re.search(rf"{re.escape(label)} <span class=\"visually-hidden\">\({shape}\)", legend)
    assert "Target (dashed line)" in legend
    assert legend.count('aria-hidden="true"') == 5  # the drawn samples are not read out
    # The picture names itself and its summary; the table holds every value.
    assert 'role="img" aria-labelledby="review-chart-title review-chart-desc"' in svg
    assert '<desc id="review-chart-desc">3 reviews, from 10 Jan 2026 to 10 Jul 2026.' in svg
    table = plain(re.search(r"<table.*?</table>", svg).group(0))
    rows = re.findall(r"<tr><th scope=\"row\">([^<]*)</th>(.*?)</tr>", table)
    assert [r[0] for r in rows] == ["10 Jan 2026", "10 Apr 2026", "10 Jul 2026"]
    assert re.findall(r"<td>([^<]*)</td>", rows[2][1]) == ["4", "2", "75%", "95.1%"]


def test_readings_between_reviews_are_hollow_points_on_the_same_time_axis():
    readings = [Point(date(2026, m, 15), 95.0 + m / 10, f"month {m}") for m in range(1, 8)]
    svg = str(history_chart(HISTORY, criterion="On time", unit="%", readings=readings))
    rings = _markers(svg, "s-crit-reading")
    assert len(rings) == 7 and 'data-marker="ring"' in svg
    assert "On time, readings between reviews" in svg
    xs = [x for x, _y in rings]
    assert xs == sorted(xs)  # proportional to time: mid-January to mid-July, in order
    labels = re.findall(r'text-anchor="middle" class="axis"[^>]*>([^<]*)<', svg)
    assert labels == ["10 Jan 2026", "10 Apr 2026", "10 Jul 2026"]  # the reviews' days only
    table = re.search(r"<tbody>(.*?)</tbody>", svg).group(1)
    assert table.count("<tr>") == 3 + 7  # the reviews' days and the readings' periods
    assert '<th scope="row">month 3</th>' in table  # a reading is named by its period


def test_an_empty_history_draws_nothing():
    assert str(history_chart([])) == ""


# ---------------------------------------------------------------- on the page and in the PDF


def _close(review, org, held=datetime(2027, 1, 20, 9, 35, tzinfo=UTC)):
    values = MeetingValues(
        assessments={
            a.id: AssessmentValues(result="met", measured_value="97", comment="")
            for a in review.assessments
        },
        criterion_value="2,4",
        satisfaction_a_of_b="4",
        satisfaction_b_of_a="4",
        irritants="",
        minutes="",
        decision="continue",
    )
    save = MeetingSave(lock_version=review.lock_version, sent=values, close=True)
    save_meeting(org.head_a, review, save, now=held, send_minutes=False)
    db.session.commit()


def test_charter_page_and_minutes_pdf_draw_the_same_chart(started_review, org, login_as, active):
    _close(started_review, org)
    reader = login_as(org.head_b)
    page = plain(reader.get(f"/charters/{active.id}").get_data(as_text=True))
    chart = re.search(r'<svg class="review-chart".*?</details>', page, re.S).group(0)
    assert re.search(r'<g class="target"><title>Target [\d.,]+', chart)
    assert 'data-marker="circle"' in chart and 'data-marker="square"' in chart
    assert "The chart's values as a table" in chart
    response = reader.get(f"/reviews/{started_review.id}/minutes.pdf")
    assert response.status_code == 200
    text = plain(pdf_text(response.data))
    assert "Reviews over time" in text and "Satisfaction (1 to 5)" in text
    assert "Target (dashed line)" in text  # the legend, in words
    assert "The chart's values as a table" not in text  # the PDF's own tables carry the values


def _criterion_readings(org, months):
    rows = [{"period": f"{y}-{m:02d}", "value": 2.0 + (m % 3) / 10} for y, m in months]
    readings.enter_criterion_readings(
        org.admin, org.criterion, rows, now=datetime(2027, 3, 1, tzinfo=UTC)
    )
    db.session.commit()


def test_charter_page_draws_the_criterions_readings_around_the_reviews(
    started_review, org, login_as, active
):
    _close(started_review, org)  # held 20 January 2027, quarterly charter
    _criterion_readings(org, [(2026, 9), (2026, 10), (2026, 11), (2026, 12), (2027, 1), (2027, 2)])
    page = plain(login_as(org.head_a).get(f"/charters/{active.id}").get_data(as_text=True))
    chart = re.search(r'<svg class="review-chart".*?</details>', page, re.S).group(0)
    rings = _markers(chart, "s-crit-reading")
    # From one cadence before the first review (October) to today: September is left out.
    assert len(rings) == 5
    table = re.search(r"<tbody>(.*?)</tbody>", chart, re.S).group(1)
    assert "October 2026" in table and "February 2027" in table and "September 2026" not in table


def test_the_minutes_chart_stops_at_the_review(started_review, org, login_as, active):
    _close(started_review, org)
    _criterion_readings(org, [(2026, 12), (2027, 1), (2027, 2)])
    from sla_contracts.reviews.minutes import minutes_document

    _values, chart = minutes_document(db.session.get(Review, started_review.id), "en")
    assert len(_markers(str(chart), "s-crit-reading")) == 2  # December and January, not February
    pdf = login_as(org.head_a).get(f"/reviews/{started_review.id}/minutes.pdf")
    assert "readings between reviews" in pdf_text(pdf.data)


def test_the_charter_chart_costs_the_same_queries_with_many_readings(
    started_review, org, login_as, active
):
    from sqlalchemy import event

    _close(started_review, org)
    reader = login_as(org.head_a)
    counts = []
    for months in ([(2026, 12)], [(y, m) for y in (2025, 2026) for m in range(1, 13)]):
        _criterion_readings(org, months)
        rows = [
            {"commitment_id": c.id, "period": f"{y}-{m:02d}", "value": 95}
            for c in active.commitments
            for y, m in months
        ]
        readings.enter_readings(org.head_a, active, rows, now=datetime(2027, 3, 1, tzinfo=UTC))
        db.session.commit()
        statements = [0]

        def count(*_args, statements=statements):
            statements[0] += 1

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert reader.get(f"/charters/{active.id}").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        counts.append(statements[0])
    assert counts[0] == counts[1], counts


# ---------------------------------------------------------------- the commitments' readings


def test_each_measured_commitment_gets_a_panel_with_its_target(org, login_as, active):
    first, second = active.commitments_by(active.sides[0].id)
    other_side = active.commitments_by(active.sides[1].id)[0]
    rows = [
        {"commitment_id": c.id, "period": f"2027-{m:02d}", "value": v}
        for c, values in ((first, (96, 95, 95)), (other_side, (90, 97, 95)))
        for m, v in zip((1, 2, 3), values, strict=True)
    ]
    readings.enter_readings(org.head_a, active, rows, now=datetime(2027, 3, 10, tzinfo=UTC))
    db.session.commit()
    page = plain(login_as(org.member_b).get(f"/charters/{active.id}").get_data(as_text=True))
    chart = re.search(r'<svg class="review-chart readings-chart".*?</details>', page, re.S).group(0)
    assert "Readings of the commitments" in page
    # Two panels (the commitment without readings has none), each with its target line.
    assert chart.count('<g class="target"><title>Target 95%</title>') == 2
    assert f"{active.sides[0].code} · {first.title}" in chart and second.title not in chart
    assert len(_markers(chart, "s-sat-a")) == 3 and len(_markers(chart, "s-sat-b")) == 3
    assert 'data-marker="circle"' in chart and 'data-marker="square"' in chart
    table = re.search(r"<tbody>(.*?)</tbody>", chart, re.S).group(1)
    assert [h for h in re.findall(r'<th scope="row">([^<]*)</th>', table)] == [
        "January 2027",
        "February 2027",
        "March 2027",
    ]


def test_no_readings_no_commitment_panel(org, login_as, active):
    page = login_as(org.head_a).get(f"/charters/{active.id}").get_data(as_text=True)
    assert "readings-chart" not in page


def test_the_minutes_draw_the_commitments_readings_up_to_the_review(
    started_review, org, login_as, active
):
    commitment = active.commitments_by(active.sides[0].id)[0]
    _close(started_review, org)  # held 20 January 2027
    rows = [
        {"commitment_id": commitment.id, "period": p, "value": v}
        for p, v in (("2026-12", 93), ("2027-01", 96), ("2027-02", 97))
    ]
    readings.enter_readings(org.head_a, active, rows, now=datetime(2027, 3, 10, tzinfo=UTC))
    db.session.commit()
    from sla_contracts.reviews.minutes import minutes_document

    values, _chart = minutes_document(db.session.get(Review, started_review.id), "en")
    drawn = str(values["readings_chart"])
    assert len(_markers(drawn, "s-sat-a")) == 2  # December and January, not February
    assert "<details" not in drawn  # the PDF carries no page widgets
    text = plain(
        pdf_text(login_as(org.head_a).get(f"/reviews/{started_review.id}/minutes.pdf").data)
    )
    assert "Readings of the commitments" in text and "Target 95%" in text


def test_a_weekly_series_of_equal_values_stays_in_order_inside_the_chart(app):
    """A series' own points are not dodged: 52 equal weekly readings stay in time order and
    inside the drawing (dodging them pushed them hundreds of units off the chart)."""
    from datetime import timedelta

    from sla_contracts.reviews.chart import WIDTH, Panel, Series, TimeAxis, draw_panel

    weeks = [date(2026, 1, 5) + timedelta(days=7 * n) for n in range(52)]
    series = Series("Weekly", "s-sat-a", "circle", tuple(Point(d, 98.5) for d in weeks))
    with app.test_request_context():
        drawn = draw_panel(0, Panel("Weekly", [series], 90, 100, []), TimeAxis(weeks))
    points = re.search(r'points="([^"]+)"', drawn).group(1).split()
    xs = [float(pair.split(",")[0]) for pair in points]
    assert xs == sorted(xs) and len(set(xs)) == 52
    assert 0 <= xs[0] and xs[-1] <= WIDTH
