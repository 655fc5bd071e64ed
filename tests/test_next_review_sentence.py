"""One sentence about the next review, the same on the charter page and the review page
(issue 13, point 9): the booked meeting with the due date, or the due date and no meeting yet."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime

from flask_babel import force_locale

from sla_contracts import formats
from sla_contracts.extensions import db
from sla_contracts.reviews import scheduling
from tests.plugins.reviews import REVIEW_NOW

# 09:00 UTC on 2 December 2026 is 10:00 in Paris (the display time zone).
BOOKED = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def _text(browser, path: str) -> str:
    page = browser.get(path).get_data(as_text=True)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_the_sentence_in_both_languages(app):
    with app.test_request_context():
        with force_locale("en"):
            assert formats.next_review(date(2027, 3, 1), BOOKED) == (
                "meeting booked on 2 December 2026 at 10:00 (due by 1 March 2027)"
            )
            assert formats.next_review(date(2027, 3, 1)) == (
                "due by 1 March 2027, no meeting booked yet"
            )
            assert formats.next_review(None) == ""
        with force_locale("fr"):
            assert formats.next_review(date(2027, 3, 1), BOOKED) == (
                "réunion fixée le 2 décembre 2026 à 10:00 (à tenir avant le 1 mars 2027)"
            )
            assert formats.next_review(date(2027, 3, 1)) == (
                "à tenir avant le 1 mars 2027, aucune réunion fixée pour l’instant"
            )


def test_charter_and_review_pages_say_the_same_thing(planned_review, active, org, login_as):
    assert planned_review.due_on == date(2027, 1, 20)  # the fixture's due date
    due_en = "20 January 2027"
    english = login_as(org.head_a)
    for path in (f"/charters/{active.id}", f"/reviews/{planned_review.id}"):
        page = _text(english, path)
        assert f"due by {due_en}, no meeting booked yet" in page, path
        assert "meeting booked on" not in page

    # 13:00 UTC on 20 January 2027 is 14:00 in Paris.
    scheduling.schedule_meeting(
        org.head_a,
        planned_review,
        start=datetime(2027, 1, 20, 13, 0, tzinfo=UTC),
        duration_minutes=60,
        location="Salle <Rivoli>",
        attendee_ids=[org.head_a.id, org.head_b.id],
        now=REVIEW_NOW,
    )
    db.session.commit()
    booked = f"meeting booked on 20 January 2027 at 14:00 (due by {due_en})"
    for path in (f"/charters/{active.id}", f"/reviews/{planned_review.id}"):
        page = _text(english, path)
        assert booked in page, path
        assert "no meeting booked yet" not in page
    raw = english.get(f"/charters/{active.id}").get_data(as_text=True)
    assert "Salle &lt;Rivoli&gt;" in raw and "Salle <Rivoli>" not in raw

    org.head_b.locale = "fr"
    db.session.commit()
    french = _text(login_as(org.head_b), f"/charters/{active.id}")
    assert "réunion fixée le 20 janvier 2027 à 14:00 (à tenir avant le" in french
