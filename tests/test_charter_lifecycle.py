"""A charter's term (issue 14, point 4): valid until, told before the end, renewed or expired.

``valid_until`` is the last day in force: the charter signed on 2 March 2026 for 12 months is in
force through 2 March 2027 and expires on 3 March 2027. Reminders go to the real SMTP server.
"""

from __future__ import annotations

import subprocess
from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from sla_contracts import jobs
from sla_contracts.charters import operations as charters
from sla_contracts.errors import CharterStateError, Forbidden
from sla_contracts.extensions import db
from sla_contracts.models import (
    ActionItem,
    AuditEvent,
    Charter,
    CharterStatus,
    CharterVersion,
    Notification,
    Review,
    ReviewDecision,
    ReviewStatus,
    standing,
    version_in_force,
)
from sla_contracts.models.standing import Standing
from sla_contracts.signing import expiry, pdf_store, renewal, verification
from sla_contracts.timeutil import utcnow

from .api_helpers import assert_error, check_response
from .signing_helpers import NOW, sign_both, submit

END = date(2027, 3, 2)  # NOW (2 March 2026) + 12 months: the last day in force of ``signed``


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


@pytest.fixture
def app_config(smtp):
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port, "MAIL_TIMEOUT": 5}


@pytest.fixture(autouse=True)
def _english(app):
    with force_locale("en"):
        yield


def _reload(charter: Charter) -> Charter:
    db.session.expire_all()
    return db.session.get(Charter, charter.id)


def _events(charter: Charter, action: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.charter_id == charter.id, AuditEvent.action == action
            )
        )
    )


def _notes(kind: str, user=None) -> list[Notification]:
    query = select(Notification).where(Notification.kind == kind)
    if user is not None:
        query = query.where(Notification.user_id == user.id)
    return list(db.session.scalars(query))


def _sign_renewal(org, charter: Charter, now: datetime) -> CharterVersion:
    return sign_both(org, _reload(charter), now)


def _pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "charter.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


# ---------------------------------------------------------------- the term


def test_the_first_signature_sets_valid_until_to_the_signature_day_plus_the_term(signed):
    version = version_in_force(signed)
    assert signed.term_months == 12
    assert signed.valid_until == END and version.valid_until == END
    (activated,) = _events(signed, "activated")
    assert activated.data["valid_until"] == END.isoformat()


def test_the_term_chosen_at_drafting_is_printed_on_the_signed_pdf(
    org, make_charter, login_as, tmp_path
):
    charter = make_charter(commitments=(1, 1))
    head = login_as(org.head_a)
    form = head.get(f"/charters/{charter.id}/edit").get_data(as_text=True)
    assert 'name="term_months"' in form
    response = head.post(
        f"/charters/{charter.id}/edit",
        {
            "title": charter.title,
            "criterion_id": str(charter.criterion_id),
            "review_cadence_months": "3",
            "term_months": "24",
            "lock_version": str(charter.lock_version),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    charter = _reload(charter)
    assert charter.term_months == 24
    page = head.get(f"/charters/{charter.id}").get_data(as_text=True)
    assert "Term: 24 months from the second signature" in page
    version = sign_both(org, charter)
    assert _reload(charter).valid_until == date(2028, 3, 2)
    assert version.data["term_months"] == 24
    data = pdf_store.signed_pdf(version.id)
    text = _pdf_text(data, tmp_path)
    with force_locale(version.language):
        from flask_babel import gettext

        assert gettext("Term") in text and gettext("In force until") in text
    assert "24" in text and "2028" in text


def test_the_new_charter_page_offers_the_term_12_months_by_default(org, login_as):
    head = login_as(org.head_a)
    page = head.get("/charters/new").get_data(as_text=True)
    assert '<option selected value="12">12 months</option>' in page
    response = head.post(
        "/charters/new",
        {
            "title": "Logistique ⇄ DSI",
            "department_a_id": str(org.logistics.id),
            "department_b_id": str(org.it.id),
            "criterion_id": str(org.criterion.id),
            "review_cadence_months": "3",
            "term_months": "6",
            "start_from": "",
        },
    )
    assert response.status_code == 302
    created = db.session.scalar(select(Charter).where(Charter.title == "Logistique ⇄ DSI"))
    assert created.term_months == 6 and created.valid_until is None


def test_an_unknown_term_is_refused_on_its_field(org, make_charter):
    charter = make_charter()
    with pytest.raises(Exception) as caught:
        charters.update_charter(org.head_a, charter, charter.lock_version, {"term_months": 7})
    assert getattr(caught.value, "field", None) == "term_months"


def test_an_amendment_keeps_the_current_end(org, signed):
    from sla_contracts.signing import amendments

    amendments.open_amendment(org.head_a, signed, now=at(date(2026, 9, 1)))
    db.session.commit()
    version = _sign_renewal(org, signed, at(date(2026, 9, 10)))
    charter = _reload(signed)
    assert charter.valid_until == END and version.valid_until == END
    assert _events(charter, "renewed") == []


# ---------------------------------------------------------------- told before the end


def test_both_heads_are_told_30_15_and_7_days_before_once_each(org, signed, smtp):
    runs = [END - timedelta(days=n) for n in (31, 30, 29, 20, 15, 14, 7, 3, 0)]
    planned = []
    for day in runs:
        planned.append(jobs.plan_expiry_reminders(at(day)))
        planned.append(jobs.plan_expiry_reminders(at(day, 10)))  # a second scheduler, or a re-run
    assert planned == [0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0]
    for head in (org.head_a, org.head_b):
        notes = _notes("charter_expiring", head)
        assert sorted(n.idempotency_key.rsplit(":", 1)[1] for n in notes) == ["15", "30", "7"]
        assert {n.idempotency_key.rsplit(":", 1)[0] for n in notes} == {
            f"charter:{signed.id}:expires:{END.isoformat()}"
        }
    assert _notes("charter_expiring", org.member_a) == []
    jobs.deliver_outbox(at(END))
    subjects = sorted(
        (rcpt[0], message["Subject"])
        for rcpt, message in smtp.inbox.messages
        if "renew it?" in message["Subject"]
    )
    expected = "“Logistique ⇄ Magasins” ends on 2 Mar 2027: renew it?"
    assert subjects == sorted([(h.email, expected) for h in (org.head_a, org.head_b)] * 3)
    body = next(m for _r, m in smtp.inbox.messages if "renew it?" in m["Subject"])
    assert "days left" in body.get_body(("plain",)).get_content()


def test_no_reminder_for_a_charter_renewed_already_or_never_signed(org, signed, make_charter):
    make_charter("Brouillon")  # never signed: no end
    renewal.renew_charter(org.head_a, signed, now=at(date(2027, 1, 5)))
    db.session.commit()
    _sign_renewal(org, signed, at(date(2027, 1, 10)))
    assert jobs.plan_expiry_reminders(at(END - timedelta(days=30))) == 0


# ---------------------------------------------------------------- renewing


def test_renewal_opens_a_draft_while_the_old_version_binds_then_signed_extends_the_term(
    org, signed, api_as
):
    renewal.renew_charter(org.head_a, signed, now=at(date(2027, 2, 1)))
    db.session.commit()
    charter = _reload(signed)
    assert charter.status == CharterStatus.DRAFT and charter.renewal_of == 1
    assert version_in_force(charter).number == 1  # the old version binds meanwhile
    assert standing(charter).key == Standing.AMENDING
    (opened,) = _events(charter, "renewal_opened")
    assert opened.actor_id == org.head_a.id and opened.data["version_in_force"] == 1
    assert [n.user_id for n in _notes("renewal_opened")] == [org.head_b.id]
    body = api_as(org.head_b).get(f"/api/v1/charters/{charter.id}").get_json()
    assert body["status"] == "active" and body["valid_until"] == END.isoformat()
    assert body["amendment"] == {
        "version": 2,
        "status": "draft",
        "version_in_force": 1,
        "renewal": True,
    }

    version = _sign_renewal(org, charter, at(date(2027, 2, 20)))
    charter = _reload(charter)
    assert charter.status == CharterStatus.ACTIVE and charter.renewal_of is None
    assert charter.valid_until == date(2028, 3, 2)  # from the old end, not the signature day
    assert version.valid_until == date(2028, 3, 2) and version.number == 2
    assert db.session.get(CharterVersion, version_in_force(charter).id).number == 2
    (renewed,) = _events(charter, "renewed")
    assert renewed.data["previous_valid_until"] == END.isoformat()
    assert renewed.data["valid_until"] == "2028-03-02" and renewed.data["after_expiry"] is False
    assert jobs.expire_charters(at(END + timedelta(days=1))) == 0


def test_a_renewal_signed_after_the_end_starts_its_term_on_the_signature_day(org, signed, api_as):
    renewal.renew_charter(org.head_b, signed, now=at(date(2027, 2, 25)))
    db.session.commit()
    assert jobs.expire_charters(at(END + timedelta(days=1), 0, 1)) == 1
    charter = _reload(signed)
    # Expired, the renewal draft still open: it binds no one, it can still be signed.
    assert charter.status == CharterStatus.DRAFT and charter.expired_at is not None
    assert standing(charter).key == Standing.EXPIRED
    body = api_as(org.head_a).get(f"/api/v1/charters/{charter.id}").get_json()
    assert body["status"] == "expired" and body["amendment"]["renewal"] is True
    listed = api_as(org.head_a).get("/api/v1/charters?status=expired").get_json()
    assert [c["id"] for c in listed["charters"]] == [charter.id]
    assert api_as(org.head_a).get("/api/v1/charters?status=active").get_json()["charters"] == []
    assert api_as(org.head_a).get("/api/v1/charters?status=draft").get_json()["charters"] == []

    version = _sign_renewal(org, charter, at(date(2027, 3, 10)))
    charter = _reload(charter)
    assert charter.status == CharterStatus.ACTIVE and charter.expired_at is None
    assert charter.valid_until == date(2028, 3, 10) == version.valid_until
    (renewed,) = _events(charter, "renewed")
    assert renewed.data["after_expiry"] is True
    assert standing(charter).key == Standing.ACTIVE


def test_an_expired_charter_is_renewed_from_its_last_signed_version(org, signed):
    jobs.expire_charters(at(END + timedelta(days=3)))
    charter = _reload(signed)
    assert charter.status == CharterStatus.EXPIRED
    renewal.renew_charter(org.head_a, charter, now=at(END + timedelta(days=4)))
    db.session.commit()
    charter = _reload(charter)
    assert charter.status == CharterStatus.DRAFT and charter.renewal_of == 1
    assert standing(charter).public_status == CharterStatus.EXPIRED
    _sign_renewal(org, charter, at(END + timedelta(days=5)))
    assert _reload(charter).valid_until == date(2028, 3, 7)


@pytest.mark.parametrize("status", ["awaiting", "renewal_open", "ended", "never_signed"])
def test_renewal_is_refused_where_it_makes_no_sense(org, signed, make_charter, status):
    charter = signed
    if status == "awaiting":
        from sla_contracts.signing import amendments

        amendments.open_amendment(org.head_a, signed, now=NOW)
        db.session.commit()
        submit(org, _reload(signed), NOW)
    elif status == "renewal_open":
        renewal.renew_charter(org.head_a, signed, now=NOW)
        db.session.commit()
    elif status == "ended":
        from sla_contracts.signing import amendments

        amendments.end_charter(org.head_a, signed, "Merged", now=NOW)
        db.session.commit()
    else:
        charter = make_charter("Jamais signée", commitments=(1, 1))
    with pytest.raises(CharterStateError):
        renewal.renew_charter(org.head_a, _reload(charter), now=NOW)


def test_only_the_heads_of_either_side_renew(org, signed, login_as, api_as):
    assert login_as(org.outsider).post(f"/charters/{signed.id}/renew").status_code == 404
    assert login_as(org.member_a).post(f"/charters/{signed.id}/renew").status_code == 403
    assert_error(api_as(org.outsider).post(f"/api/v1/charters/{signed.id}/renew"), 404, "not_found")
    assert_error(api_as(org.member_b).post(f"/api/v1/charters/{signed.id}/renew"), 403, "forbidden")
    with pytest.raises(Forbidden):
        renewal.renew_charter(org.member_a, signed)
    assert (
        _reload(signed).status == CharterStatus.ACTIVE and _events(signed, "renewal_opened") == []
    )


def test_the_api_renews_with_an_empty_body_or_none(org, signed, api_as):
    api = api_as(org.head_a)
    response = api.post(f"/api/v1/charters/{signed.id}/renew")
    assert response.status_code == 200, response.get_data(as_text=True)
    check_response(response, "post", "/api/v1/charters/{charter_id}/renew")
    body = response.get_json()
    assert body["amendment"]["renewal"] is True and body["status"] == "active"
    assert body["term_months"] == 12 and body["valid_until"] == END.isoformat()
    again = api.post(f"/api/v1/charters/{signed.id}/renew", json={})
    assert_error(again, 409, "invalid_state")
    check_response(again, "post", "/api/v1/charters/{charter_id}/renew")


def test_the_api_takes_the_term_at_creation_and_patch(org, api_as):
    api = api_as(org.head_a)
    created = api.post(
        "/api/v1/charters",
        json={
            "title": "Logistique ⇄ DSI",
            "department_a_id": org.logistics.id,
            "department_b_id": org.it.id,
            "criterion_id": org.criterion.id,
            "review_cadence_months": 3,
        },
    )
    assert created.status_code == 201
    check_response(created, "post", "/api/v1/charters")
    body = created.get_json()
    assert body["term_months"] == 12
    today = datetime.now(UTC).date()
    assert date.fromisoformat(body["valid_until"]) in {
        date(today.year + 1, today.month, min(today.day, 28)),
        date(today.year + 1, today.month, today.day)
        if not (today.month == 2 and today.day == 29)
        else date(today.year + 1, 2, 28),
    }
    patched = api.patch(
        f"/api/v1/charters/{body['id']}",
        json={"lock_version": body["lock_version"], "term_months": 24},
    )
    assert patched.status_code == 200
    check_response(patched, "patch", "/api/v1/charters/{charter_id}")
    assert patched.get_json()["term_months"] == 24
    bad = api.patch(
        f"/api/v1/charters/{body['id']}",
        json={"lock_version": patched.get_json()["lock_version"], "term_months": 7},
    )
    assert_error(bad, 422, "validation_error")


# ---------------------------------------------------------------- expiring


@pytest.mark.parametrize(
    ("moment", "expires"),
    [
        (at(END - timedelta(days=1)), False),  # the day before
        (at(END, 23, 59), False),  # the last day in force, to its end
        (at(END + timedelta(days=1), 0, 0), True),  # the first day out
        (at(END + timedelta(days=2)), True),  # a day later (a missed run catches up)
    ],
)
def test_the_expiry_job_at_the_day_boundary(signed, moment, expires):
    assert jobs.expire_charters(moment) == int(expires)
    charter = _reload(signed)
    assert (charter.status == CharterStatus.EXPIRED) is expires


def test_expiry_records_the_event_cancels_the_review_tells_both_heads_once(org, signed, smtp):
    review = db.session.scalar(select(Review).where(Review.charter_id == signed.id))
    assert review is not None and review.status == ReviewStatus.PLANNED
    first = at(END + timedelta(days=1), 2)
    assert jobs.expire_charters(first) == 1
    assert jobs.expire_charters(first + timedelta(hours=1)) == 0  # a second scheduler
    charter = _reload(signed)
    assert charter.status == CharterStatus.EXPIRED and charter.next_review_on is None
    (event,) = _events(charter, "expired")
    assert event.actor_id is None and event.data["valid_until"] == END.isoformat()
    assert db.session.get(Review, review.id).status == ReviewStatus.CANCELLED
    assert sorted(n.user_id for n in _notes("charter_expired")) == sorted(
        [org.head_a.id, org.head_b.id]
    )
    jobs.deliver_outbox(first)
    assert sorted(
        rcpt[0] for rcpt, m in smtp.inbox.messages if "has expired" in m["Subject"]
    ) == sorted([org.head_a.email, org.head_b.email])
    # No longer in force; its history kept.
    assert standing(charter).is_in_force is False
    assert db.session.scalar(select(func.count(CharterVersion.id))) == 1
    assert jobs.plan_reviews(first) == 0  # no review planned for an expired charter
    check = verification.verify_fingerprint(version_in_force(charter).fingerprint)
    assert check.authentic and check.expired and not check.in_force


def test_an_expired_charter_shows_as_expired_everywhere(org, signed, login_as, api_as):
    jobs.expire_charters(at(END + timedelta(days=1)))
    version = version_in_force(_reload(signed))
    head = login_as(org.head_a)
    page = head.get(f"/charters/{signed.id}").get_data(as_text=True)
    assert 'class="status status-expired"' in page and "Expired" in page
    assert "expired after 2 Mar 2027" in page
    assert "Last signed version — expired after 2 Mar 2027" in page
    assert f'action="/charters/{signed.id}/renew"' in page
    home = head.get("/").get_data(as_text=True)
    assert 'id="status-expired"' in home and "expired after 2 Mar 2027" in home
    company_map = login_as(org.admin).get("/directory/map").get_data(as_text=True)
    assert "status-expired" in company_map
    versions = head.get(f"/charters/{signed.id}/versions").get_data(as_text=True)
    assert "Last signed (charter expired)" in versions
    public = login_as(org.member_b).get(f"/verify/{version.fingerprint}").get_data(as_text=True)
    assert "no longer in force" in public
    api = api_as(org.member_a)
    assert api.get(f"/api/v1/charters/{signed.id}").get_json()["status"] == "expired"
    verdict = api.get(f"/api/v1/verify/{version.fingerprint}")
    check_response(verdict, "get", "/api/v1/verify/{fingerprint}")
    assert verdict.get_json()["in_force"] is False and verdict.get_json()["authentic"] is True
    assert head.get(f"/charters/{signed.id}/edit").status_code == 302


def test_the_charter_page_says_until_when_and_offers_renewal(org, signed, login_as):
    page = login_as(org.head_b).get(f"/charters/{signed.id}").get_data(as_text=True)
    assert "in force until 2 Mar 2027" in page
    assert f'action="/charters/{signed.id}/renew"' in page
    member = login_as(org.member_a).get(f"/charters/{signed.id}").get_data(as_text=True)
    assert "in force until 2 Mar 2027" in member
    assert f'action="/charters/{signed.id}/renew"' not in member


def _closed_review(charter: Charter, org, actions: int) -> Review:
    review = Review(
        charter_id=charter.id,
        version_number=1,
        due_on=date(2026, 6, 1),
        status=ReviewStatus.CLOSED,
        held_at=at(date(2026, 6, 2)),
        closed_at=at(date(2026, 6, 2)),
        decision=ReviewDecision.CONTINUE,
    )
    db.session.add(review)
    db.session.flush()
    for n in range(actions):
        db.session.add(
            ActionItem(
                charter_id=charter.id,
                review_id=review.id,
                owner_department_id=charter.department_a_id,
                owner_user_id=org.member_a.id,
                title=f"Action <{n}>",
                due_on=date(2026, 7, 1 + n),
            )
        )
    db.session.commit()
    return review


def test_a_renewal_draft_shows_the_last_review_decisions_in_constant_statements(
    org, make_charter, login_as, app
):
    from .test_live_updates import count_statements

    counts = []
    for actions in (1, 6):
        charter = make_charter(f"Logistique ⇄ Magasins {actions}", commitments=(1, 1))
        sign_both(org, charter)
        db.session.execute(
            Review.__table__.update()
            .where(Review.charter_id == charter.id)
            .values(status=ReviewStatus.CANCELLED.value)
        )
        _closed_review(charter, org, actions)
        renewal.renew_charter(org.head_a, _reload(charter), now=at(date(2027, 2, 1)))
        db.session.commit()
        url = f"/charters/{charter.id}"
        head = login_as(org.head_a)
        head.get(url)  # warm: the first visit records it
        response, statements = count_statements(app, lambda h=head, u=url: h.get(u))
        page = response.get_data(as_text=True)
        assert "What the last review decided" in page and "Continue" in page
        assert "Action &lt;0&gt;" in page and "Mia Member" in page  # escaped, with its owner
        assert f"Action &lt;{actions - 1}&gt;" in page
        assert "A renewal (version 2) is being drafted" in page
        counts.append(len(statements))
    print("renewal page statements", counts)
    assert counts[0] == counts[1], counts


def test_expire_charter_does_nothing_on_the_last_day_in_force(signed):
    assert expiry.expire_charter(_reload(signed), at(END, 23, 59)) is False


def test_the_actions_of_an_expired_charter_are_no_longer_chased(org, signed):
    db.session.add(
        ActionItem(
            charter_id=signed.id,
            owner_department_id=signed.department_a_id,
            owner_user_id=org.member_a.id,
            title="Relancer le transporteur",
            due_on=END + timedelta(days=3),
        )
    )
    db.session.commit()
    jobs.expire_charters(at(END + timedelta(days=1)))
    assert jobs.plan_reminders(at(END + timedelta(days=2))) == 0
    assert _notes("action_due_soon") == []


def test_the_charter_page_says_how_many_days_are_left_within_the_reminders_window(
    org, signed, login_as
):
    """Within 30 days of its end the header says how many days are left and what to do; a
    renewal being written asks for its signature instead; earlier, nothing more is said."""
    assert expiry.ending_soon(signed, date(2027, 1, 30)) is None  # 31 days before
    assert expiry.ending_soon(signed, date(2027, 1, 31)) == 30
    assert expiry.ending_soon(signed, date(2027, 2, 1)) == 29
    assert expiry.ending_soon(signed, date(2027, 3, 2)) == 0  # its last day
    assert expiry.ending_soon(signed, date(2027, 3, 3)) is None  # past it
    signed.valid_until = utcnow().date() + timedelta(days=12)
    db.session.commit()
    head = login_as(org.head_b)
    page = head.get(f"/charters/{signed.id}").get_data(as_text=True)
    assert "ends in 12 days: renew it to keep it in force" in page
    renewal.renew_charter(org.head_a, _reload(signed))
    db.session.commit()
    page = head.get(f"/charters/{signed.id}").get_data(as_text=True)
    assert "ends in 12 days: sign the renewal before then" in page
    signed.valid_until = utcnow().date() + timedelta(days=31)
    db.session.commit()
    assert "ends in" not in head.get(f"/charters/{signed.id}").get_data(as_text=True)
