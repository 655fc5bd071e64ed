"""Past reviews as people read them: the history chart, and the minutes and pages written in
the reader's number format."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from flask_babel import force_locale

from sla_contracts.extensions import db
from sla_contracts.pdf import render_html
from sla_contracts.reviews.chart import WIDTH, history_chart
from sla_contracts.reviews.meeting import save_meeting
from sla_contracts.reviews.meeting_input import AssessmentValues, MeetingSave, MeetingValues
from sla_contracts.reviews.minutes import TEMPLATE, minutes_values

from .plugins.reviews import plain

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _request(app):
    with force_locale("en"):
        yield


@pytest.fixture
def review(started_review):
    return started_review


# ---------------------------------------------------------------- the chart


def _past(day: int, met, sat_a, sat_b, crit):
    return SimpleNamespace(
        held_at=datetime(2026, 3, day, 10, 0, tzinfo=UTC),
        share_met=met,
        satisfaction_a_of_b=sat_a,
        satisfaction_b_of_a=sat_b,
        criterion_value=crit,
    )


def test_chart_draws_lines_not_shapes_with_a_scale_per_measure():
    with force_locale("fr"):
        svg = str(
            history_chart(
                [_past(2, 0.5, 3, 4, 96.5), _past(20, 0.75, 4, 2, 97.25)],
                "Logistique",
                "Magasins",
                "Livraisons à l'heure",
                "%",
            )
        )
    assert svg.count("<polyline") == 4
    assert all('fill="none"' in p for p in re.findall(r"<polyline[^>]*>", svg))
    # Colours are attributes, not a <style> element (the page's CSP refuses inline styles):
    # only the dots (circles) are filled.
    assert "<style" not in svg and "style=" not in svg
    assert re.findall(r'<circle[^>]*fill="#', svg)
    assert not re.findall(r'<(?:polyline|line)[^>]*fill="#', svg)
    # Each measure has its own labelled scale, in the reader's number format.
    assert "Satisfaction (1 à 5)" in svg or "Satisfaction (1 to 5)" in svg
    assert re.search(r">100\s%<", svg.replace("\u202f", " ").replace("\xa0", " "))
    assert "96,5 %" in svg.replace("\u202f", " ").replace("\xa0", " ")
    # The last date label has room to its right.
    last_x = max(float(x) for x in re.findall(r'<text x="([\d.]+)"[^>]*text-anchor="middle"', svg))
    assert WIDTH - last_x >= 35


# ---------------------------------------------------------------- numbers in the reader's format


def _closed(review, org):
    results = ["met", "partly_met", "missed", "met"]
    values = MeetingValues(
        assessments={
            a.id: AssessmentValues(result=r, measured_value="97", comment="")
            for a, r in zip(review.assessments, results, strict=True)
        },
        criterion_value="2,4",
        satisfaction_a_of_b="5",
        satisfaction_b_of_a="3",
        irritants="",
        minutes="",
        decision="continue",
    )
    held = datetime(2027, 1, 20, 9, 35, 4, tzinfo=UTC)
    save = MeetingSave(lock_version=review.lock_version, sent=values, close=True)
    save_meeting(org.head_a, review, save, now=held, send_minutes=False)
    db.session.commit()


def test_minutes_and_pages_use_the_readers_number_format(review, org, login_as, active):
    _closed(review, org)
    with force_locale("fr"):
        values = minutes_values(review)
        values.pop("history")
        minutes = plain(render_html(TEMPLATE, locale="fr", chart="", **values))
    assert "2,4 %" in minutes and "2.4" not in minutes
    assert "(cible 2 %)" in minutes.replace("  ", " ") or "cible 2 %" in minutes
    assert "Engagements tenus : 62,5 %" in minutes
    assert "partiellement tenus comptant pour moitié" in minutes
    assert "(1 à 5) : 5" in minutes
    assert "10:35" in minutes and "10:35:04" not in minutes  # held at, Paris time
    assert "3.0" not in minutes and "2.0" not in minutes

    org.head_b.locale = "fr"
    db.session.commit()
    reader = login_as(org.head_b)
    charter_page = plain(reader.get(f"/charters/{active.id}").get_data(as_text=True))
    assert "62,5 %" in charter_page and "2,4 %" in charter_page
    meeting = plain(reader.get(f"/reviews/{review.id}").get_data(as_text=True))
    assert "2,4 %" in meeting and "cible 2 %" in meeting and "2.0" not in meeting
