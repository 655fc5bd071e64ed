"""The satisfaction survey asked before a review meeting, not at it (issue 13, point 6).

Scheduling the meeting asks every person of both sides once (inbox and e-mail, to the real
SMTP server); each answers on a small page until the review starts; nobody sees the other
side's answers before (pages and API); the meeting then shows both distributions, the gap
between the averages and the irritants, and the averages pre-fill the two scores.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from sla_contracts import jobs
from sla_contracts.errors import Forbidden, ReviewStateError, ValidationError
from sla_contracts.extensions import db
from sla_contracts.models import Notification, OutboxEmail, SatisfactionAnswer
from sla_contracts.reviews import operations as ops
from sla_contracts.reviews import scheduling, survey
from sla_contracts.reviews.meeting import save_meeting
from sla_contracts.reviews.meeting_input import AssessmentValues, MeetingSave, MeetingValues

from .plugins.reviews import REVIEW_NOW, plain
from .signing_helpers import pdf_text

MEETING = datetime(2027, 1, 20, 13, 0, tzinfo=UTC)


@pytest.fixture
def app_config(smtp):
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port, "MAIL_TIMEOUT": 5}


@pytest.fixture(autouse=True)
def _request(app):
    with force_locale("en"):
        yield


def _schedule(review, org, when=MEETING):
    scheduling.schedule_meeting(
        org.head_a, review, start=when, duration_minutes=60, location="Salle Rivoli",
        attendee_ids=[org.head_a.id, org.head_b.id], now=REVIEW_NOW,
    )  # fmt: skip
    db.session.commit()


@pytest.fixture
def scheduled(planned_review, org):
    _schedule(planned_review, org)
    return planned_review


def _survey_notes(user) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(
                Notification.user_id == user.id, Notification.kind == "review_survey"
            )
        )
    )


def _survey_mails() -> list[OutboxEmail]:
    return list(
        db.session.scalars(
            select(OutboxEmail)
            .where(OutboxEmail.idempotency_key.like("%:survey:%"))
            .order_by(OutboxEmail.id)
        )
    )


def _answer(login_as, user, review, score, irritant=""):
    return login_as(user).post(
        f"/reviews/{review.id}/survey", {"score": str(score), "irritant": irritant}
    )


# ---------------------------------------------------------------- asking


def test_scheduling_asks_every_person_of_both_sides_once_by_inbox_and_mail(scheduled, org, smtp):
    everyone = [org.head_a, org.head_b, org.member_a, org.member_b]  # heads are people too
    for user in everyone:
        (note,) = _survey_notes(user)
        assert note.link == f"/reviews/{scheduled.id}/survey"
    assert _survey_notes(org.outsider) == [] and _survey_notes(org.admin) == []
    mails = _survey_mails()
    assert sorted(m.recipient for m in mails) == sorted(u.email for u in everyone)

    jobs.deliver_outbox(REVIEW_NOW)
    received = {
        rcpt[0]: message
        for rcpt, message in smtp.inbox.messages
        if "how well does" in message["Subject"]
    }
    assert set(received) == {u.email for u in everyone}
    to_mia = received[org.member_a.email]  # Logistique rates Magasins
    assert to_mia["Subject"] == (
        "Before the review of “Logistique ⇄ Magasins”: how well does Magasins serve you?"
    )
    body = to_mia.get_body(("plain",)).get_content()
    assert "rate Magasins from 1 to 5" in body and "hidden from Magasins" in body
    assert f"/reviews/{scheduled.id}/survey" in body
    to_max = received[org.member_b.email]
    assert "how well does Logistique serve you?" in to_max["Subject"]


def test_moving_or_calling_off_the_meeting_asks_nobody_twice_and_keeps_the_answers(
    scheduled, org, login_as
):
    assert _answer(login_as, org.member_b, scheduled, 2, "Late pallets").status_code == 302
    _schedule(scheduled, org, when=datetime(2027, 1, 21, 9, 0, tzinfo=UTC))  # moved
    scheduling.cancel_meeting(org.head_a, scheduled, now=REVIEW_NOW)
    db.session.commit()
    _schedule(scheduled, org)  # booked again
    for user in (org.head_a, org.head_b, org.member_a, org.member_b):
        assert len(_survey_notes(user)) == 1
    assert len(_survey_mails()) == 4
    assert db.session.scalar(select(func.count()).select_from(SatisfactionAnswer)) == 4
    kept = survey.own_answer(org.member_b, scheduled)
    assert (kept.score, kept.irritant) == (2, "Late pallets")


def test_a_person_joining_later_is_asked_at_the_next_move(scheduled, org, make_user):
    newcomer = make_user("new.mag@example.com", "Nina New", member_of=[org.stores])
    assert _survey_notes(newcomer) == []
    _schedule(scheduled, org, when=datetime(2027, 1, 22, 9, 0, tzinfo=UTC))
    assert len(_survey_notes(newcomer)) == 1 and len(_survey_notes(org.member_b)) == 1


# ---------------------------------------------------------------- answering


def test_answer_page_saves_replaces_and_marks_the_message_done(scheduled, org, login_as):
    mia = login_as(org.member_a)
    page = mia.get(f"/reviews/{scheduled.id}/survey").get_data(as_text=True)
    assert "How well does Magasins serve Logistique?" in plain(page)
    for n in range(1, 6):  # each score a labelled radio button in one fieldset with a legend
        assert f'<label for="score-{n}"><input type="radio" id="score-{n}" name="score"' in page
    assert "<legend>" in page and "not at all satisfied" in page
    assert mia.post(f"/reviews/{scheduled.id}/survey", {"score": "4"}).status_code == 302
    response = mia.post(
        f"/reviews/{scheduled.id}/survey", {"score": "2", "irritant": "  Orders after 14:00  "}
    )
    assert response.status_code == 302
    rows = db.session.scalars(
        select(SatisfactionAnswer).where(SatisfactionAnswer.user_id == org.member_a.id)
    ).all()
    assert [(r.score, r.irritant, r.department_id) for r in rows] == [
        (2, "Orders after 14:00", org.logistics.id)
    ]
    again = mia.get(f"/reviews/{scheduled.id}/survey").get_data(as_text=True)
    assert re.search(r'id="score-2" name="score" value="2" checked', again)
    assert 'value="Orders after 14:00"' in again and "Change my answer" in again
    (note,) = _survey_notes(org.member_a)
    db.session.refresh(note)
    assert note.done_at is not None and note.read_at is not None
    inbox = plain(mia.get("/inbox").get_data(as_text=True))
    assert "Done — answered on" in inbox


def test_bad_input_keeps_the_text_and_says_what_is_wrong(scheduled, org, login_as):
    mia = login_as(org.member_a)
    response = mia.post(f"/reviews/{scheduled.id}/survey", {"irritant": "Dock <b>blocked</b>"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Choose a score from 1 to 5." in page
    assert 'value="Dock &lt;b&gt;blocked&lt;/b&gt;"' in page and "<b>blocked" not in page
    assert 'aria-invalid="true" aria-describedby="score-errors"' in page
    for bad in ("0", "6", "4.5", "x"):
        answer = mia.post(f"/reviews/{scheduled.id}/survey", {"score": bad, "irritant": "kept"})
        assert answer.status_code == 422 and 'value="kept"' in answer.get_data(as_text=True)
    too_long = mia.post(f"/reviews/{scheduled.id}/survey", {"score": "3", "irritant": "x" * 301})
    assert too_long.status_code == 422
    assert "x" * 301 in too_long.get_data(as_text=True)
    no_token = mia.post(f"/reviews/{scheduled.id}/survey", {"score": "3"}, csrf=False)
    assert no_token.status_code == 400
    assert survey.own_answer(org.member_a, scheduled).score is None  # nothing saved


def test_only_the_two_departments_answer(scheduled, org, login_as):
    outsider = login_as(org.outsider)
    assert outsider.get(f"/reviews/{scheduled.id}/survey").status_code == 404
    assert _answer(login_as, org.outsider, scheduled, 5).status_code == 404
    admin = login_as(org.admin)  # reads every charter but belongs to neither side
    assert admin.get(f"/reviews/{scheduled.id}/survey").status_code == 403
    assert _answer(login_as, org.admin, scheduled, 5).status_code == 403
    with pytest.raises(Forbidden):
        survey.answer(org.outsider, scheduled, 5, "", now=REVIEW_NOW)
    assert db.session.scalar(
        select(func.count()).select_from(SatisfactionAnswer).where(
            SatisfactionAnswer.score.is_not(None)
        )
    ) == 0  # fmt: skip


def test_answers_are_refused_once_the_review_has_started(scheduled, org, login_as):
    assert _answer(login_as, org.member_a, scheduled, 4, "Before").status_code == 302
    ops.start_review(org.head_a, scheduled, now=REVIEW_NOW)
    db.session.commit()
    late = _answer(login_as, org.member_a, scheduled, 1, "After")
    assert late.status_code == 409
    assert "The review has started: the survey is closed." in late.get_data(as_text=True)
    page = login_as(org.member_a).get(f"/reviews/{scheduled.id}/survey").get_data(as_text=True)
    assert "the survey is closed" in page and 'type="radio"' not in page
    assert "4 — satisfied" in page and "Before" in page
    with pytest.raises(ReviewStateError):
        survey.answer(org.member_b, scheduled, 3, "", now=REVIEW_NOW)
    assert survey.own_answer(org.member_a, scheduled).irritant == "Before"


def test_service_checks_the_score_itself(scheduled, org):
    for bad in (None, 0, 6, True, "3.0", "deux"):
        with pytest.raises(ValidationError) as error:
            survey.answer(org.member_a, scheduled, bad, "", now=REVIEW_NOW)
        assert error.value.field == "score"
    with pytest.raises(ValidationError) as error:
        survey.answer(org.member_a, scheduled, 3, "y" * 301, now=REVIEW_NOW)
    assert error.value.field == "irritant"


# ---------------------------------------------------------------- hidden, then shown


def _fill(login_as, org, review):
    """Logistique rates Magasins 5 and 4; Magasins rates Logistique 2 (and one never answers)."""
    assert _answer(login_as, org.head_a, review, 5).status_code == 302
    assert _answer(login_as, org.member_a, review, 4, "Orders <after> 14:00").status_code == 302
    assert _answer(login_as, org.member_b, review, 2, "Pallets & boxes late").status_code == 302


def test_nobody_sees_the_other_sides_answers_before_the_review_starts(
    scheduled, org, login_as, api_as
):
    _fill(login_as, org, scheduled)
    for user in (org.head_a, org.head_b, org.member_a, org.admin):
        page = plain(login_as(user).get(f"/reviews/{scheduled.id}").get_data(as_text=True))
        assert "Pallets & boxes late" not in page and "Orders <after> 14:00" not in page
        assert "answers stay hidden until the review starts" in page
        assert "average" not in page
        body = api_as(user).get(f"/api/v1/reviews/{scheduled.id}").get_json()
        assert body["survey"] is None
        listed = api_as(user).get(f"/api/v1/charters/{scheduled.charter_id}/reviews").get_json()
        assert all(r["survey"] is None for r in listed["reviews"])
    own = plain(login_as(org.member_b).get(f"/reviews/{scheduled.id}").get_data(as_text=True))
    assert "Your answer: 2 — not very satisfied." in own  # a person sees their own answer
    assert scheduled.satisfaction_a_of_b is None and scheduled.satisfaction_b_of_a is None


def test_the_started_meeting_shows_both_distributions_the_gap_and_the_irritants(
    scheduled, org, login_as, api_as
):
    _fill(login_as, org, scheduled)
    head = login_as(org.head_a)
    assert head.post(f"/reviews/{scheduled.id}/start").status_code == 302
    db.session.expire_all()
    # The averages pre-fill the two scores: Logistique of Magasins 4.5 → 5, the reverse 2.
    assert (scheduled.satisfaction_a_of_b, scheduled.satisfaction_b_of_a) == (5, 2)
    html = head.get(f"/reviews/{scheduled.id}").get_data(as_text=True)
    page = plain(html)
    assert "How satisfied Logistique is with Magasins" in page
    assert "Answered: 2 of 2 asked · average 4.5" in page
    assert "Answered: 1 of 2 asked · average 2" in page
    assert "The survey's averages differ by 2.5 points: worth talking about." in page
    assert 'class="satisfaction-gap"' in html
    assert "Orders &lt;after&gt; 14:00" in html and "Pallets &amp; boxes late" in html
    assert "<after>" not in html
    # Still editable: the scores are chosen in the meeting's selects.
    assert re.search(r'<select id="satisfaction_a_of_b"[^>]*>.*?value="5" selected', html, re.S)
    member = plain(login_as(org.member_b).get(f"/reviews/{scheduled.id}").get_data(as_text=True))
    assert "Orders <after> 14:00" in member  # both sides see it now

    body = api_as(org.member_b).get(f"/api/v1/reviews/{scheduled.id}").get_json()
    first, second = body["survey"]["sides"]
    assert (first["department_id"], first["rated_department_id"]) == (
        org.logistics.id,
        org.stores.id,
    )
    assert first["counts"] == [0, 0, 0, 1, 1] and first["average"] == 4.5
    assert (first["asked"], first["answered"]) == (2, 2)
    assert second["counts"] == [0, 1, 0, 0, 0] and second["irritants"] == ["Pallets & boxes late"]
    assert body["survey"]["gap"] == 2.5 and body["survey"]["gap_flagged"] is True
    assert body["satisfaction_a_of_b"] == 5 and body["satisfaction_b_of_a"] == 2


def test_scores_set_at_the_meeting_are_not_overwritten_and_no_answers_leave_them_empty(
    planned_review, org
):
    planned_review.satisfaction_b_of_a = 3
    db.session.commit()
    ops.start_review(org.head_a, planned_review, now=REVIEW_NOW)  # never scheduled: nobody asked
    db.session.commit()
    assert (planned_review.satisfaction_a_of_b, planned_review.satisfaction_b_of_a) == (None, 3)
    results = survey.results(planned_review)
    assert [s.answered for s in results.sides] == [0, 0] and results.gap is None


def test_the_minutes_pdf_shows_each_sides_distribution(scheduled, org, login_as):
    _fill(login_as, org, scheduled)
    ops.start_review(org.head_a, scheduled, now=REVIEW_NOW)
    values = MeetingValues(
        assessments={
            a.id: AssessmentValues(result="met", measured_value="97", comment="")
            for a in scheduled.assessments
        },
        criterion_value="2,5",
        decision="continue",
    )
    save = MeetingSave(lock_version=scheduled.lock_version, sent=values, close=True)
    save_meeting(org.head_a, scheduled, save, now=REVIEW_NOW, send_minutes=False)
    db.session.commit()
    response = login_as(org.member_b).get(f"/reviews/{scheduled.id}/minutes.pdf")
    text = " ".join(pdf_text(response.data).split())
    assert "Survey before the meeting" in text
    assert (
        "How satisfied Logistique is with Magasins: score 1: 0 · score 2: 0 · score 3: 0 · "
        "score 4: 1 · score 5: 1 · Answered: 2 of 2 asked · average 4.5"
    ) in text
    assert "score 2: 1" in text and "Answered: 1 of 2 asked · average 2" in text


def test_a_french_reader_is_asked_in_french(planned_review, org, smtp):
    org.member_b.locale = "fr"
    db.session.commit()
    _schedule(planned_review, org)
    jobs.deliver_outbox(REVIEW_NOW)
    (message,) = [m for rcpt, m in smtp.inbox.messages if rcpt == [org.member_b.email]
                  and "avis" in m["Subject"]]  # fmt: skip
    assert message["Subject"] == (
        "Avant la revue de « Logistique ⇄ Magasins » : votre avis sur le service rendu par "
        "Logistique"
    )
    body = message.get_body(("plain",)).get_content()
    assert "notez de 1 à 5 le service rendu par Logistique" in body
    assert "reste cachée pour Logistique jusqu’au début de la revue" in body


def test_a_cancelled_review_takes_no_answer(scheduled, org, login_as):
    ops.cancel_open_review(scheduled.charter, org.head_a, REVIEW_NOW)
    db.session.commit()
    refused = _answer(login_as, org.member_a, scheduled, 3)
    assert refused.status_code == 409
    assert "This review was cancelled: the survey is closed." in refused.get_data(as_text=True)
