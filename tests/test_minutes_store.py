"""The minutes PDF of a closed review is rendered once per language and content, then stored:
a second download reads the stored bytes; a change to what the minutes show renders again."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from sla_contracts.errors import ReviewStateError
from sla_contracts.extensions import db
from sla_contracts.models import ActionItem, ActionStatus, Review, ReviewMinutesPdf
from sla_contracts.reviews import minutes_store
from sla_contracts.reviews.meeting import save_meeting
from sla_contracts.reviews.meeting_input import (
    ActionValues,
    AssessmentValues,
    MeetingSave,
    MeetingValues,
)

from .plugins.reviews import plain
from .signing_helpers import pdf_text

HELD = datetime(2027, 1, 20, 9, 35, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _request(app):
    with force_locale("en"):
        yield


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """Every real render of minutes, by language: the renderer is called through, not faked."""
    calls: list[str] = []
    real = minutes_store.render_minutes

    def counted(values, chart, locale="fr"):
        calls.append(locale)
        return real(values, chart, locale)

    monkeypatch.setattr(minutes_store, "render_minutes", counted)
    return calls


def _close(review, org, *, send_minutes=False):
    values = MeetingValues(
        assessments={
            a.id: AssessmentValues(result="met", measured_value="97", comment="")
            for a in review.assessments
        },
        criterion_value="2,4",
        satisfaction_a_of_b="4",
        satisfaction_b_of_a="3",
        irritants="Quais encombrés",
        minutes="",
        decision="continue",
        actions=(
            ActionValues(
                title="Book a second dock",
                owner_user_id=str(org.member_a.id),
                due_on="2027-02-15",
                status="open",
            ),
        ),
    )
    save = MeetingSave(lock_version=review.lock_version, sent=values, close=True)
    save_meeting(org.head_a, review, save, now=HELD, send_minutes=send_minutes)
    db.session.commit()


def _stored_rows(review) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(ReviewMinutesPdf)
        .where(ReviewMinutesPdf.review_id == review.id)
    )


def test_second_download_reads_the_stored_pdf_without_rendering(
    started_review, org, login_as, renders
):
    _close(started_review, org)
    reader = login_as(org.member_b)
    first = reader.get(f"/reviews/{started_review.id}/minutes.pdf")
    assert first.status_code == 200 and renders == ["en"]
    second = reader.get(f"/reviews/{started_review.id}/minutes.pdf")
    assert second.status_code == 200 and renders == ["en"]  # no second render
    assert second.data == first.data
    text = pdf_text(second.data)
    for expected in ("Minutes of the review", "A commitment 1", "Book a second dock", "Continue"):
        assert expected in text, expected
    assert _stored_rows(started_review) == 1


def test_each_language_is_stored_once(started_review, org, login_as, renders):
    _close(started_review, org)
    org.member_a.locale = "fr"
    db.session.commit()
    english = login_as(org.member_b).get(f"/reviews/{started_review.id}/minutes.pdf")
    french = login_as(org.member_a).get(f"/reviews/{started_review.id}/minutes.pdf")
    again = login_as(org.member_a).get(f"/reviews/{started_review.id}/minutes.pdf")
    assert renders == ["en", "fr"]
    assert again.data == french.data != english.data
    assert "Compte rendu de la revue" in plain(pdf_text(french.data))
    assert "Minutes of the review" in pdf_text(english.data)
    assert _stored_rows(started_review) == 2


def test_a_change_to_what_the_minutes_show_renders_them_again(
    started_review, org, login_as, renders
):
    _close(started_review, org)
    reader = login_as(org.head_b)
    reader.get(f"/reviews/{started_review.id}/minutes.pdf")
    action = db.session.scalar(select(ActionItem).where(ActionItem.review_id == started_review.id))
    action.status = ActionStatus.DONE
    org.logistics.name = "Logistique & transports"
    db.session.commit()
    changed = reader.get(f"/reviews/{started_review.id}/minutes.pdf")
    assert renders == ["en", "en"]
    text = pdf_text(changed.data)
    assert "Logistique & transports" in text and "Done" in text
    reader.get(f"/reviews/{started_review.id}/minutes.pdf")
    assert renders == ["en", "en"]  # the new copy is the stored one now
    assert _stored_rows(started_review) == 1  # replaced, not added


def test_closing_stores_the_minutes_it_mails(started_review, org, login_as, renders):
    org.head_b.locale = "fr"  # the heads of both sides receive the minutes
    db.session.commit()
    _close(started_review, org, send_minutes=True)
    assert sorted(renders) == ["en", "fr"]  # one render per language of the recipients
    for reader in (org.head_a, org.head_b):
        response = login_as(reader).get(f"/reviews/{started_review.id}/minutes.pdf")
        assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert sorted(renders) == ["en", "fr"]  # the downloads rendered nothing


def test_other_departments_get_no_minutes_and_nothing_is_rendered(
    started_review, org, login_as, renders
):
    _close(started_review, org)
    response = login_as(org.outsider).get(f"/reviews/{started_review.id}/minutes.pdf")
    assert response.status_code in (403, 404)
    assert renders == [] and _stored_rows(started_review) == 0


def test_an_open_review_has_no_stored_minutes(started_review, org, login_as, renders):
    assert login_as(org.head_a).get(f"/reviews/{started_review.id}/minutes.pdf").status_code == 404
    with pytest.raises(ReviewStateError):
        minutes_store.stored_minutes_pdf(started_review, "en")
    assert renders == []


def test_two_downloads_at_once_render_once(app, started_review, org, renders):
    _close(started_review, org)
    review_id = started_review.id
    db.session.remove()
    barrier = threading.Barrier(2)
    results: list[bytes] = []
    errors: list[BaseException] = []

    def download():
        try:
            with app.app_context(), force_locale("en"):
                review = db.session.get(Review, review_id)
                db.session.commit()  # on SQLite a transaction is a write lock: wait for none
                barrier.wait(timeout=30)
                results.append(minutes_store.stored_minutes_pdf(review, "en"))
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=download) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert len(results) == 2 and results[0] == results[1]
    assert renders == ["en"]
