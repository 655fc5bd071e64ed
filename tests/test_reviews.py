"""Reviews: scheduling with calendar files, the live meeting page, decisions, actions, inbox."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import force_locale
from icalendar import Calendar
from sqlalchemy import select

from sla_contracts.errors import ConflictError, Forbidden, ReviewStateError, ValidationError
from sla_contracts.extensions import db
from sla_contracts.models import (
    ActionItem,
    ActionStatus,
    CharterStatus,
    EmailFrequency,
    Notification,
    OutboxEmail,
    Review,
    ReviewStatus,
)
from sla_contracts.reviews import operations as ops
from sla_contracts.reviews import scheduling
from sla_contracts.reviews.meeting import save_meeting
from sla_contracts.reviews.meeting_input import (
    ActionValues,
    AssessmentValues,
    MeetingSave,
    MeetingValues,
)
from sla_contracts.timeutil import add_months, utcnow

from .signing_helpers import NOW as SIGNED_AT
from .signing_helpers import pdf_text, sign_both

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _request(app):
    """Services called outside a request speak a fixed language (views pick the person's)."""
    with force_locale("en"):
        yield


@pytest.fixture
def review(planned_review):
    return planned_review


def _ics(email: OutboxEmail) -> Calendar:
    return Calendar.from_ical(email.ics)


def _event(email: OutboxEmail):
    return next(iter(_ics(email).walk("VEVENT")))


def _schedule(review, org, when=None, attendees=None, now=NOW):
    return scheduling.schedule_meeting(
        org.head_a,
        review,
        start=when or datetime(2027, 1, 20, 13, 0, tzinfo=UTC),
        duration_minutes=90,
        location="Salle Rivoli",
        attendee_ids=attendees or [org.head_a.id, org.head_b.id, org.member_b.id],
        now=now,
    )


def _outbox(recipient: str) -> list[OutboxEmail]:
    """The e-mails to ``recipient`` but the satisfaction survey's (tests/test_review_survey.py)."""
    return list(
        db.session.scalars(
            select(OutboxEmail)
            .where(
                OutboxEmail.recipient == recipient,
                OutboxEmail.idempotency_key.not_like("%:survey:%"),
            )
            .order_by(OutboxEmail.id)
        )
    )


# ---------------------------------------------------------------- calendar invitations


def test_add_months_clamps_to_month_end():
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2027, 11, 15), 3) == date(2028, 2, 15)
    assert add_months(date(2027, 5, 10), 12) == date(2028, 5, 10)


def test_invitation_update_and_cancel_share_uid_with_rising_sequence(review, org):
    _schedule(review, org)
    db.session.commit()
    invite = _outbox(org.head_b.email)[-1]
    cal = _ics(invite)
    assert str(cal["METHOD"]) == "REQUEST"
    event = _event(invite)
    uid = str(event["UID"])
    assert int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == datetime(2027, 1, 20, 13, 0, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2027, 1, 20, 14, 30, tzinfo=UTC)
    assert "Salle Rivoli" in str(event["LOCATION"])
    attendees = {str(a).removeprefix("mailto:") for a in event["ATTENDEE"]}
    assert attendees == {org.head_a.email, org.head_b.email, org.member_b.email}
    assert review.status == ReviewStatus.SCHEDULED

    _schedule(review, org, when=datetime(2027, 1, 21, 8, 0, tzinfo=UTC), now=NOW + timedelta(1))
    db.session.commit()
    update = _event(_outbox(org.head_b.email)[-1])
    assert str(update["UID"]) == uid
    assert int(update["SEQUENCE"]) == 1
    assert update.decoded("DTSTART") == datetime(2027, 1, 21, 8, 0, tzinfo=UTC)

    scheduling.cancel_meeting(org.head_b, review, now=NOW + timedelta(2))
    db.session.commit()
    cancel = _outbox(org.head_b.email)[-1]
    assert str(_ics(cancel)["METHOD"]) == "CANCEL"
    assert str(_event(cancel)["UID"]) == uid
    assert int(_event(cancel)["SEQUENCE"]) == 2
    assert str(_event(cancel)["STATUS"]) == "CANCELLED"
    assert review.status == ReviewStatus.PLANNED and review.scheduled_at is None


def test_dropped_attendee_gets_a_cancel(review, org):
    _schedule(review, org)
    _schedule(review, org, attendees=[org.head_a.id, org.head_b.id], now=NOW + timedelta(1))
    db.session.commit()
    last = _outbox(org.member_b.email)[-1]
    assert str(_ics(last)["METHOD"]) == "CANCEL"


def test_invitation_reaches_inbox_and_skips_email_of_opted_out(review, org):
    org.member_b.email_frequency = EmailFrequency.NEVER
    db.session.commit()
    _schedule(review, org)
    db.session.commit()
    assert _outbox(org.member_b.email) == []
    inbox = db.session.scalars(
        select(Notification).where(
            Notification.user_id == org.member_b.id, Notification.kind == "review_invitation"
        )
    ).all()
    assert len(inbox) == 1 and inbox[0].link == f"/reviews/{review.id}"
    assert "/preferences" in _outbox(org.head_b.email)[0].body


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"start": datetime(2026, 12, 1, 9, 0, tzinfo=UTC)}, "date"),
        ({"attendee_ids": []}, "attendee_ids"),
        ({"location": "", "video_link": ""}, "location"),
        ({"video_link": "javascript:alert(1)"}, "video_link"),
        ({"duration_minutes": 2}, "duration_minutes"),
    ],
)
def test_bad_schedule_is_refused_with_the_field(review, org, change, field):
    args = {
        "start": datetime(2027, 1, 20, 13, 0, tzinfo=UTC),
        "location": "Salle",
        "video_link": "",
        "attendee_ids": [org.head_a.id],
        "duration_minutes": 60,
        **change,
    }
    with pytest.raises(ValidationError) as caught:
        scheduling.schedule_meeting(org.head_a, review, now=NOW, **args)
    assert caught.value.field == field


def test_attendees_must_belong_to_either_department(review, org):
    with pytest.raises(ValidationError):
        _schedule(review, org, attendees=[org.head_a.id, org.outsider.id])


def test_member_cannot_schedule(review, org):
    with pytest.raises(Forbidden):
        scheduling.schedule_meeting(org.member_a, review, start=NOW + timedelta(3), location="x",
                             attendee_ids=[org.head_a.id], now=NOW)  # fmt: skip


# ---------------------------------------------------------------- the meeting


def _full_data(review, org, **over):
    """Every field of the meeting filled, as a person would send it."""
    values = {
        "assessments": {
            a.id: AssessmentValues(result="met", measured_value="97", comment="")
            for a in review.assessments
        },
        "criterion_value": "2,5",
        "satisfaction_a_of_b": "4",
        "satisfaction_b_of_a": "3",
        "irritants": "Late deliveries on Mondays",
        "minutes": "",
        "decision": "continue",
    }
    values.update(over)
    return MeetingValues(**values)


def _save(actor, review, values, *, lock_version=None, close=False, now=NOW):
    if lock_version is None:
        lock_version = review.lock_version
    save = MeetingSave(lock_version=lock_version, sent=values, close=close)
    return save_meeting(actor, review, save, now=now)


def test_assessments_copy_commitments_and_do_not_follow_later_changes(review, org, active):
    ops.start_review(org.head_a, review, now=NOW)
    db.session.commit()
    assert [a.title for a in review.assessments] == [
        "A commitment 1",
        "A commitment 2",
        "B commitment 1",
        "B commitment 2",
    ]
    active.commitments[0].title = "Renamed in an amendment"
    active.commitments[0].target = "80"
    db.session.commit()
    db.session.refresh(review)
    assert review.assessments[0].title == "A commitment 1"
    assert review.assessments[0].target == "95"
    assert review.assessments[0].commitment_id == active.commitments[0].id


def test_close_with_continue_plans_next_review_from_held_date(review, org, active):
    ops.start_review(org.head_a, review, now=NOW)
    held = datetime(2027, 1, 20, 15, 0, tzinfo=UTC)
    _save(org.head_a, review, _full_data(review, org), close=True, now=held)
    db.session.commit()
    assert review.status == ReviewStatus.CLOSED and review.held_at == held
    assert review.criterion_value == 2.5
    assert active.next_review_on == date(2027, 4, 20)
    following = ops.open_review(active)
    assert following.due_on == date(2027, 4, 20) and following.status == ReviewStatus.PLANNED
    with pytest.raises(ReviewStateError):
        _save(org.head_a, review, _full_data(review, org))


def test_decision_end_ends_the_charter(review, org, active):
    ops.start_review(org.head_a, review, now=NOW)
    _save(org.head_a, review, _full_data(review, org, decision="end"), close=True)
    db.session.commit()
    assert active.status == CharterStatus.ENDED
    assert ops.open_review(active) is None


def test_decision_amend_reopens_a_draft(review, org, active):
    ops.start_review(org.head_a, review, now=NOW)
    _save(org.head_a, review, _full_data(review, org, decision="amend"), close=True)
    db.session.commit()
    assert active.status == CharterStatus.DRAFT


def test_closing_needs_every_result_satisfaction_and_decision(review, org):
    ops.start_review(org.head_a, review, now=NOW)
    first = review.assessments[0].id
    assessments = dict(_full_data(review, org).assessments)
    assessments[first] = AssessmentValues(result="", measured_value="97", comment="")
    data = _full_data(review, org, decision="", satisfaction_b_of_a="", assessments=assessments)
    with pytest.raises(ValidationError) as caught:
        _save(org.head_a, review, data, close=True)
    errors = caught.value.details["errors"]
    assert {"decision", "satisfaction_b_of_a", f"assessments[{first}].result"} <= set(errors)


def test_stale_lock_version_is_a_conflict(review, org):
    ops.start_review(org.head_a, review, now=NOW)
    seen = review.lock_version
    _save(org.head_a, review, _full_data(review, org), lock_version=seen)
    db.session.commit()
    with pytest.raises(ConflictError):
        _save(org.head_b, review, _full_data(review, org), lock_version=seen)


# ---------------------------------------------------------------- the meeting page


def _form(page: str) -> dict[str, str]:
    """The inputs of the meeting form as a browser would send them."""
    values = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page):
        if 'type="radio"' not in name:
            values[name] = value
    return values


def _started(review, org):
    ops.start_review(org.head_a, review, now=NOW)
    db.session.commit()
    return review


def test_meeting_page_saves_half_filled_and_keeps_it(review, org, login_as):
    _started(review, org)
    head = login_as(org.head_a)
    page = head.get(f"/reviews/{review.id}").get_data(as_text=True)
    first = review.assessments[0].id
    response = head.post(
        f"/reviews/{review.id}",
        {
            "lock_version": str(review.lock_version),
            f"assessment-{first}-result": "partly_met",
            f"assessment-{first}-measured": "91,5",
            "irritants": "Quais encombrés le lundi",
            "action-new0-title": "Book a second dock",
            "action-new0-owner": f"{org.logistics.id}-{org.member_a.id}",
            "action-new0-due": "2027-02-15",
            "intent": "save",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert review.status == ReviewStatus.IN_PROGRESS
    assert review.irritants == "Quais encombrés le lundi"
    assert review.assessments[0].measured_value == "91,5"
    assert review.assessments[0].result.value == "partly_met"
    assert [(a.title, a.owner_user_id, a.owner_department_id) for a in review.actions] == [
        ("Book a second dock", org.member_a.id, org.logistics.id)
    ]
    again = head.get(f"/reviews/{review.id}").get_data(as_text=True)
    assert "Quais encombrés le lundi" in again and "Book a second dock" in again
    assert 'value="partly_met" checked' in again
    assert "csrf_token" in page


def test_second_person_saving_a_stale_form_gets_409_with_text_kept(review, org, login_as):
    _started(review, org)
    head_a, head_b = login_as(org.head_a), login_as(org.head_b)
    seen = str(review.lock_version)
    ok = head_a.post(f"/reviews/{review.id}", {"lock_version": seen, "irritants": "From A"})
    assert ok.status_code == 302
    stale = head_b.post(
        f"/reviews/{review.id}", {"lock_version": seen, "irritants": "B's long text <b>"}
    )
    assert stale.status_code == 409
    body = stale.get_data(as_text=True)
    assert "B&#39;s long text &lt;b&gt;" in body
    assert f"{org.head_a.name} saved this review while you were filling it in" in body
    db.session.expire_all()
    assert review.irritants == "From A"


def test_bad_values_are_refused_with_422_and_kept(review, org, login_as):
    _started(review, org)
    head = login_as(org.head_a)
    first = review.assessments[0].id
    response = head.post(
        f"/reviews/{review.id}",
        {
            "lock_version": str(review.lock_version),
            "satisfaction_a_of_b": "7",
            f"assessment-{first}-measured": "about ninety",
            "irritants": "kept text",
            "action-new0-title": "Action without owner",
        },
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Satisfaction is a score from 1 to 5." in body
    assert "give the measured value as a number" in body
    assert "Choose the person who owns the action." in body
    assert "An action needs a due date." in body
    assert "kept text" in body and "about ninety" in body
    db.session.expire_all()
    assert review.irritants == "" and review.satisfaction_a_of_b is None


def test_satisfaction_gap_of_two_is_highlighted(review, org, login_as):
    _started(review, org)
    head = login_as(org.head_a)
    head.post(
        f"/reviews/{review.id}",
        {"lock_version": str(review.lock_version), "satisfaction_a_of_b": "5",
         "satisfaction_b_of_a": "3"},
    )  # fmt: skip
    page = head.get(f"/reviews/{review.id}").get_data(as_text=True)
    assert "satisfaction-gap" in page and "differs by 2 points" in page
    db.session.expire_all()
    head.post(
        f"/reviews/{review.id}",
        {"lock_version": str(review.lock_version), "satisfaction_a_of_b": "4",
         "satisfaction_b_of_a": "3"},
    )  # fmt: skip
    assert "satisfaction-gap" not in head.get(f"/reviews/{review.id}").get_data(as_text=True)


def test_closed_review_page_is_read_only(review, org, login_as, active):
    _started(review, org)
    _save(org.head_a, review, _full_data(review, org), close=True)
    db.session.commit()
    head = login_as(org.head_a)
    page = head.get(f"/reviews/{review.id}").get_data(as_text=True)
    assert "read-only" in page
    assert 'name="irritants"' not in page and 'name="intent"' not in page
    assert "Late deliveries on Mondays" in page
    response = head.post(
        f"/reviews/{review.id}", {"lock_version": str(review.lock_version), "irritants": "x"}
    )
    assert response.status_code == 409
    db.session.expire_all()
    assert review.irritants == "Late deliveries on Mondays"
    charter_page = head.get(f"/charters/{active.id}").get_data(as_text=True)
    assert "<svg" in charter_page and "review-chart" in charter_page


def test_schedule_page_sends_invitations(review, org, login_as):
    head = login_as(org.head_b)
    when = (utcnow() + timedelta(days=10)).date()
    response = head.post(
        f"/reviews/{review.id}/schedule",
        {
            "date": when.isoformat(),
            "time": "14:00",
            "duration_minutes": "60",
            "location": "Visio",
            "video_link": "https://meet.example.com/abc",
            "attendee_ids": [str(org.head_a.id), str(org.member_a.id)],
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert len(_outbox(org.member_a.email)) == 1
    past = head.post(
        f"/reviews/{review.id}/schedule",
        {"date": "2020-01-01", "time": "14:00", "duration_minutes": "60",
         "location": "Salle 4", "attendee_ids": [str(org.head_a.id)]},
    )  # fmt: skip
    assert past.status_code == 422
    assert "cannot be in the past" in past.get_data(as_text=True)
    assert "Salle 4" in past.get_data(as_text=True)


# ---------------------------------------------------------------- permissions


def test_outsider_gets_404_on_every_review_url(review, org, login_as):
    _started(review, org)
    action = ActionItem(
        charter_id=review.charter_id, review_id=review.id, owner_department_id=org.logistics.id,
        title="x", due_on=date(2027, 2, 1),
    )  # fmt: skip
    db.session.add(action)
    db.session.commit()
    outsider = login_as(org.outsider)
    rid, cid = review.id, review.charter_id
    for url in (f"/reviews/{rid}", f"/reviews/{rid}/schedule", f"/reviews/{rid}/minutes.pdf"):
        assert outsider.get(url).status_code == 404, url
    for url in (
        f"/reviews/{rid}",
        f"/reviews/{rid}/schedule",
        f"/reviews/{rid}/cancel",
        f"/reviews/{rid}/start",
        f"/reviews/charter/{cid}/plan",
        f"/reviews/actions/{action.id}/done",
    ):
        assert outsider.post(url, {"lock_version": "1"}).status_code == 404, url
    assert "x" not in [
        m for m in re.findall(r"<td>([^<]*)</td>", outsider.get("/reviews/actions").get_data(True))
    ]
    assert outsider.get("/reviews/admin/outbox").status_code == 403


def test_member_reads_the_review_but_cannot_change_it(review, org, login_as):
    _started(review, org)
    member = login_as(org.member_a)
    assert member.get(f"/reviews/{review.id}").status_code == 200
    assert 'name="irritants"' not in member.get(f"/reviews/{review.id}").get_data(True)
    rid = review.id
    for url in (
        f"/reviews/{rid}",
        f"/reviews/{rid}/schedule",
        f"/reviews/{rid}/start",
        f"/reviews/{rid}/cancel",
        f"/reviews/charter/{review.charter_id}/plan",
    ):
        response = member.post(url, {"lock_version": str(review.lock_version), "irritants": "x"})
        assert response.status_code == 403, url  # fmt: skip
    db.session.expire_all()
    assert review.irritants == ""


# ---------------------------------------------------------------- action items


def test_action_list_puts_overdue_first_and_owner_marks_done(review, org, login_as, active):
    today = utcnow().date()

    def action(title, due, owner=org.logistics, status=ActionStatus.OPEN):
        item = ActionItem(charter_id=active.id, review_id=review.id, title=title,
                          owner_department_id=owner.id, due_on=due, status=status)  # fmt: skip
        db.session.add(item)
        return item

    later = action("Later", today + timedelta(days=20))
    action("Soon", today + timedelta(days=2))
    action("Overdue", today - timedelta(days=5))
    action("Done", today - timedelta(days=30), status=ActionStatus.DONE)
    action("Theirs", today - timedelta(days=9), owner=org.stores)
    db.session.commit()
    member = login_as(org.member_a)
    page = member.get("/reviews/actions").get_data(as_text=True)
    titles = re.findall(r'<tr class="action-row[^"]*" data-action-id="\d+">\s*<td>([^<]+)', page)
    assert [t.strip() for t in titles] == ["Overdue", "Soon", "Later", "Done"]
    assert member.post(f"/reviews/actions/{later.id}/done").status_code == 302
    db.session.expire_all()
    assert later.status == ActionStatus.DONE and later.done_by_id == org.member_a.id
    theirs = db.session.scalar(select(ActionItem).where(ActionItem.title == "Theirs"))
    assert member.post(f"/reviews/actions/{theirs.id}/done").status_code == 403
    assert login_as(org.member_b).post(f"/reviews/actions/{theirs.id}/done").status_code == 302


# ---------------------------------------------------------------- inbox


def test_inbox_badge_counts_unread_and_mark_read(review, org, login_as):
    _schedule(review, org)
    db.session.commit()
    head = login_as(org.head_b)
    home = head.get("/").get_data(as_text=True)
    # The invitation and the satisfaction survey asked before the meeting.
    assert re.search(r'Inbox <span class="badge">2</span>', home)
    note = db.session.scalar(
        select(Notification).where(
            Notification.user_id == org.head_b.id, Notification.kind == "review_invitation"
        )
    )
    response = head.post(f"/inbox/{note.id}/read")
    assert response.status_code == 302 and response.headers["Location"] == f"/reviews/{review.id}"
    assert re.search(r'Inbox <span class="badge">1</span>', head.get("/").get_data(as_text=True))
    assert login_as(org.head_a).post(f"/inbox/{note.id}/read").status_code == 404


def test_charter_page_shows_next_review_and_meeting(review, org, login_as, active):
    _schedule(review, org)
    db.session.commit()
    page = login_as(org.member_b).get(f"/charters/{active.id}").get_data(as_text=True)
    assert "Next review:" in page and "Salle Rivoli" in page
    assert f"/reviews/{review.id}" in page


def test_admin_edits_reminder_offsets(org, login_as):
    admin = login_as(org.admin)
    bad = admin.post("/reviews/admin/reminders",
                     {"review_offsets": "14, soon", "action_due_soon_days": "3"})  # fmt: skip
    assert bad.status_code == 422 and "14, soon" in bad.get_data(as_text=True)
    ok = admin.post("/reviews/admin/reminders",
                    {"review_offsets": "7, 30,1", "action_due_soon_days": "2"})  # fmt: skip
    assert ok.status_code == 302
    assert ops.reminder_settings().offsets == [30, 7, 1]
    assert login_as(org.head_a).get("/reviews/admin/reminders").status_code == 403


def test_plan_review_is_unique_per_charter(active, org):
    first = ops.plan_review(active, NOW)
    second = ops.plan_review(active, NOW)
    db.session.commit()
    assert first.id == second.id
    assert db.session.query(Review).count() == 1


# ---------------------------------------------------------------- minutes PDF


def test_minutes_pdf_is_downloadable_and_sent_to_attendees(review, org, login_as):
    _schedule(review, org)
    _started(review, org)
    action = ActionValues(title="Book a second dock", owner_user_id=str(org.member_a.id),
                          due_on="2027-02-15", status="open")  # fmt: skip
    data = _full_data(review, org, irritants="Quais encombrés <le lundi>", actions=(action,))
    _save(org.head_a, review, data, close=True, now=datetime(2027, 1, 20, 15, 0, tzinfo=UTC))
    db.session.commit()
    response = login_as(org.member_b).get(f"/reviews/{review.id}/minutes.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    text = pdf_text(response.data)
    for expected in ("A commitment 1", "B commitment 2", "Quais encombrés <le lundi>",
                     "Book a second dock", "Continue", "Mia Member (Logistique)"):  # fmt: skip
        assert expected in text, expected
    sent = [m for m in _outbox(org.member_b.email) if m.attachment]
    assert len(sent) == 1 and sent[0].attachment.startswith(b"%PDF")
    slug = "logistique-magasins"  # the charter's title, as a file name
    assert sent[0].attachment_name == f"review-{review.id}-{slug}-minutes.pdf"  # reader: English


# ---------------------------------------------------------------- bounded queries


def test_meeting_and_charter_pages_use_a_bounded_number_of_queries(make_charter, org, login_as):
    from sqlalchemy import event

    counts = []
    head = login_as(org.head_a)
    for size in (1, 15):
        charter = make_charter(f"Charter {size}", status=CharterStatus.ACTIVE,
                               commitments=(size, size))  # fmt: skip
        charter.next_review_on = date(2027, 1, 20)
        review = ops.plan_review(charter, NOW)
        _schedule(review, org)
        ops.start_review(org.head_a, review, now=NOW)
        for i in range(size):
            db.session.add(ActionItem(charter_id=charter.id, review_id=review.id,
                                      owner_department_id=org.stores.id, title=f"Action {i}",
                                      due_on=date(2027, 2, 1)))  # fmt: skip
        db.session.commit()
        statements = [0]

        def count(*_a, statements=statements, **_k):
            statements[0] += 1

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert head.get(f"/reviews/{review.id}").status_code == 200
            assert head.get(f"/charters/{charter.id}").status_code == 200
            assert head.get("/reviews/actions").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        counts.append(statements[0])
    assert counts[0] == counts[1], counts


# ---------------------------------------------------------------- before and after the active life


@pytest.mark.parametrize("status", [CharterStatus.AWAITING_SIGNATURES, CharterStatus.ENDED])
def test_reviews_section_waits_for_the_signatures_and_is_gone_once_ended(
    status, make_charter, org, login_as
):
    charter = make_charter(status=status, commitments=(1, 1))
    page = login_as(org.head_a).get(f"/charters/{charter.id}").get_data(as_text=True)
    section = re.search(r'<section id="reviews".*?</section>', page, re.S)
    if status == CharterStatus.ENDED:
        assert section is None
    else:
        assert section and "Reviews start once both departments have signed" in section.group(0)


def test_second_signature_plans_the_first_review(org, make_charter):
    charter = make_charter(status=CharterStatus.DRAFT, commitments=(1, 1))
    assert ops.open_review(charter) is None
    version = sign_both(org, charter)
    db.session.expire_all()
    assert charter.status == CharterStatus.ACTIVE
    review = ops.open_review(charter)
    assert review is not None and review.status == ReviewStatus.PLANNED
    assert review.due_on == add_months(SIGNED_AT.date(), charter.review_cadence_months)
    assert review.due_on == charter.next_review_on
    assert review.version_number == version.number
