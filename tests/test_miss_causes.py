"""Whose miss: at the review each missed or partly met commitment gets a cause (own side, a
prerequisite the other side did not deliver, or outside with a note), checked, merged like the
meeting's other fields, in the API, and counted by cause per side in the minutes and the
charter's review history."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, date, datetime

import pytest
from flask_babel import force_locale

from sla_contracts.extensions import db
from sla_contracts.models import AssessmentCause, CharterStatus
from sla_contracts.reviews import attribution
from sla_contracts.reviews import operations as ops
from sla_contracts.reviews.meeting import save_meeting
from sla_contracts.reviews.meeting_input import (
    AssessmentValues,
    FieldPath,
    MeetingConflict,
    MeetingInvalid,
    MeetingSave,
    MeetingValues,
)
from sla_contracts.reviews.minutes import minutes_document, render_minutes
from tests.api_helpers import check_response
from tests.plugins.reviews import plain
from tests.test_meeting_merge import _form

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _english(app):
    with app.test_request_context(), force_locale("en"):
        yield


@pytest.fixture
def review(make_charter, org):
    """A review in progress; A's first commitment depends on B's first one."""
    charter = make_charter(status=CharterStatus.ACTIVE, commitments=(2, 2))
    a1, _a2 = charter.commitments_by(org.logistics.id)
    b1, _b2 = charter.commitments_by(org.stores.id)
    a1.prerequisites = [b1]
    charter.next_review_on = date(2027, 1, 20)
    review = ops.plan_review(charter, NOW)
    ops.start_review(org.head_a, review, now=NOW)
    db.session.commit()
    return review


def _assessments(review, org):
    """A's two assessments and B's two, in order."""
    a = [x for x in review.assessments if x.provider_department_id == org.logistics.id]
    b = [x for x in review.assessments if x.provider_department_id == org.stores.id]
    return a, b


def _commitments(review, org):
    charter = review.charter
    return charter.commitments_by(org.logistics.id), charter.commitments_by(org.stores.id)


def _save(actor, review, close=False, **by_assessment: AssessmentValues):
    values = MeetingValues(assessments={int(k[1:]): v for k, v in by_assessment.items()})
    save_meeting(actor, review, MeetingSave(review.lock_version, values, close=close), now=NOW)
    db.session.commit()
    db.session.expire_all()


def _refused(actor, review, assessment, **fields) -> dict[str, str]:
    values = MeetingValues(assessments={assessment.id: AssessmentValues(**fields)})
    with pytest.raises(MeetingInvalid) as refused:
        save_meeting(actor, review, MeetingSave(review.lock_version, values), now=NOW)
    db.session.rollback()
    return {str(path): message for path, message in refused.value.issues.items()}


# ---------------------------------------------------------------- the rules


def test_each_cause_is_recorded_with_what_it_needs(review, org):
    (a1, a2), (b1, b2) = _assessments(review, org)
    _ours, (c_b1, c_b2) = _commitments(review, org)
    _save(
        org.head_a,
        review,
        **{
            f"_{a1.id}": AssessmentValues(
                result="missed",
                cause="other_side_prerequisite",
                prerequisite_commitment_id=str(c_b1.id),
            ),
            f"_{a2.id}": AssessmentValues(result="partly_met", cause="own_side"),
            f"_{b1.id}": AssessmentValues(
                result="missed", cause="outside", cause_note="Grève des transporteurs"
            ),
            f"_{b2.id}": AssessmentValues(result="met"),
        },
    )
    assert (a1.cause, a1.prerequisite_commitment_id) == (
        AssessmentCause.OTHER_SIDE_PREREQUISITE,
        c_b1.id,
    )
    assert a2.cause == AssessmentCause.OWN_SIDE and a2.prerequisite_commitment_id is None
    assert (b1.cause, b1.cause_note) == (AssessmentCause.OUTSIDE, "Grève des transporteurs")
    assert b2.cause is None


def test_a_cause_on_a_met_result_is_refused_with_the_reason(review, org):
    (a1, _a2), _b = _assessments(review, org)
    issues = _refused(org.head_a, review, a1, result="met", cause="own_side")
    assert (
        "Only a missed or partly met commitment has a cause"
        in issues[f"assessments[{a1.id}].cause"]
    )
    assert _refused(org.head_a, review, a1, result="missed", cause="nobody") == {
        f"assessments[{a1.id}].cause": "Choose a cause."
    }


def test_the_prerequisite_is_one_it_depends_on_or_any_of_the_other_side(review, org):
    (a1, a2), _b = _assessments(review, org)
    (c_a1, c_a2), (c_b1, c_b2) = _commitments(review, org)
    field = f"assessments[{a1.id}].prerequisite_commitment_id"
    prereq = {"result": "missed", "cause": "other_side_prerequisite"}
    assert "Say which" in _refused(org.head_a, review, a1, **prereq)[field]
    # a1 declared b1: b2 is not among its prerequisites, a2 is its own side's.
    for wrong in (c_b2.id, c_a2.id, 999999):
        issues = _refused(org.head_a, review, a1, **prereq, prerequisite_commitment_id=str(wrong))
        assert "Choose one of the other side's commitments" in issues[field]
    # a2 declared none: any of the other side's commitments, not its own side's.
    other = f"assessments[{a2.id}].prerequisite_commitment_id"
    issues = _refused(org.head_a, review, a2, **prereq, prerequisite_commitment_id=str(c_a1.id))
    assert other in issues
    _save(
        org.head_a,
        review,
        **{f"_{a2.id}": AssessmentValues(**prereq, prerequisite_commitment_id=str(c_b2.id))},
    )
    assert a2.prerequisite_commitment_id == c_b2.id
    options = attribution.prerequisite_options(review)
    assert [c.id for c in options[a1.id].commitments] == [c_b1.id] and options[a1.id].declared
    assert [c.id for c in options[a2.id].commitments] == [c_b1.id, c_b2.id]


def test_an_outside_cause_needs_a_note_and_another_cause_drops_the_pick(review, org):
    (a1, _a2), _b = _assessments(review, org)
    _ours, (c_b1, _c_b2) = _commitments(review, org)
    issues = _refused(org.head_a, review, a1, result="missed", cause="outside")
    assert issues == {f"assessments[{a1.id}].cause_note": "Say what the outside cause was."}
    _save(
        org.head_a,
        review,
        **{
            f"_{a1.id}": AssessmentValues(
                result="missed", cause="own_side", prerequisite_commitment_id=str(c_b1.id)
            )
        },
    )
    assert a1.cause == AssessmentCause.OWN_SIDE and a1.prerequisite_commitment_id is None


def test_causes_merge_like_the_other_fields(review, org):
    (a1, _a2), _b = _assessments(review, org)
    seen_version = review.lock_version
    seen = MeetingValues.recorded(review)
    _save(org.head_a, review, **{f"_{a1.id}": AssessmentValues(result="missed", cause="own_side")})
    # Someone who opened the page before changes the comment only: the cause stays.
    mine = MeetingValues(
        assessments={
            a1.id: AssessmentValues(**{**seen.assessments[a1.id].__dict__, "comment": "x"})
        }
    )
    save_meeting(org.head_b, review, MeetingSave(seen_version, mine, seen=seen), now=NOW)
    db.session.commit()
    db.session.expire_all()
    assert (a1.cause, a1.comment) == (AssessmentCause.OWN_SIDE, "x")
    # Choosing another cause from that stale page: a conflict on the cause alone.
    clash = MeetingValues(
        assessments={
            a1.id: AssessmentValues(
                **{**seen.assessments[a1.id].__dict__, "result": "missed", "cause": "outside"}
            )
        }
    )
    with pytest.raises(MeetingConflict) as conflict:
        save_meeting(org.head_b, review, MeetingSave(seen_version, clash, seen=seen), now=NOW)
    assert list(conflict.value.conflicts) == [FieldPath("cause", assessment_id=a1.id)]


def test_closing_with_a_miss_without_cause_closes_and_counts_it_as_not_given(review, org):
    (a1, a2), (b1, b2) = _assessments(review, org)
    _ours, (c_b1, _c_b2) = _commitments(review, org)
    review.criterion_value, review.satisfaction_a_of_b, review.satisfaction_b_of_a = 2.0, 4, 4
    review.decision = "continue"
    db.session.commit()
    _save(
        org.head_a,
        review,
        close=True,
        **{
            f"_{a1.id}": AssessmentValues(
                result="missed",
                cause="other_side_prerequisite",
                prerequisite_commitment_id=str(c_b1.id),
            ),
            f"_{a2.id}": AssessmentValues(result="partly_met", cause="own_side"),
            f"_{b1.id}": AssessmentValues(result="missed"),
            f"_{b2.id}": AssessmentValues(result="met"),
        },
    )
    assert review.is_closed
    assert attribution.misses_without_cause(review) == 1
    assert [side.text for side in attribution.misses_by_cause(review)] == [
        "Logistique: 2 misses — 1 own side, 1 prerequisite not delivered by Magasins",
        "Magasins: 1 miss — 1 cause not given",
    ]


# ---------------------------------------------------------------- the page


def test_page_sets_a_cause_and_names_the_prerequisite_escaped(review, org, login_as):
    (a1, _a2), _b = _assessments(review, org)
    _ours, (c_b1, _c_b2) = _commitments(review, org)
    c_b1.title = "<i>Orders before 14:00</i>"
    db.session.commit()
    head_a = login_as(org.head_a)
    url = f"/reviews/{review.id}"
    page = head_a.get(url).get_data(as_text=True)
    assert "&lt;i&gt;Orders before 14:00&lt;/i&gt;" in page and "<i>Orders" not in page
    assert f'name="assessment-{a1.id}-cause"' in page
    form = {
        **_form(page),
        f"assessment-{a1.id}-result": "missed",
        f"assessment-{a1.id}-cause": "other_side_prerequisite",
        f"assessment-{a1.id}-prerequisite": str(c_b1.id),
        "intent": "save",
    }
    assert head_a.post(url, form).status_code == 302
    db.session.expire_all()
    assert a1.prerequisite_commitment_id == c_b1.id
    # A cause on a met result: the page again, the message on the cause, entries kept.
    page = head_a.get(url).get_data(as_text=True)
    bad = {
        **_form(page),
        f"assessment-{a1.id}-result": "met",
        "irritants": "Kept",
        "intent": "save",
    }
    refused = head_a.post(url, bad)
    assert refused.status_code == 422
    body = plain(refused.get_data(as_text=True))
    assert f'id="assessment-{a1.id}-cause-errors"' in body and "Kept" in body


def test_closing_on_the_page_warns_of_misses_without_cause(review, org, login_as):
    (a1, a2), (b1, b2) = _assessments(review, org)
    head_a = login_as(org.head_a)
    url = f"/reviews/{review.id}"
    form = _form(head_a.get(url).get_data(as_text=True))
    form.update(
        {
            f"assessment-{a1.id}-result": "missed",
            f"assessment-{a2.id}-result": "met",
            f"assessment-{b1.id}-result": "met",
            f"assessment-{b2.id}-result": "met",
            "criterion_value": "2",
            "satisfaction_a_of_b": "4",
            "satisfaction_b_of_a": "4",
            "decision": "continue",
            "intent": "close",
        }
    )
    closed = head_a.post(url, form, follow_redirects=True)
    assert closed.status_code == 200
    assert "One missed or partly met commitment has no cause" in plain(
        closed.get_data(as_text=True)
    )


def test_a_head_of_another_department_cannot_set_a_cause(review, org, login_as, api_as):
    (a1, _a2), _b = _assessments(review, org)
    url = f"/reviews/{review.id}"
    sent = {f"assessment-{a1.id}-result": "missed", f"assessment-{a1.id}-cause": "own_side"}
    assert login_as(org.outsider).post(url, {**sent, "lock_version": "1"}).status_code == 404
    body = {"lock_version": review.lock_version, "assessments": [{"id": a1.id, "cause": "outside"}]}
    assert api_as(org.outsider).patch(f"/api/v1/reviews/{review.id}", json=body).status_code == 404
    db.session.expire_all()
    assert a1.cause is None


# ---------------------------------------------------------------- the API


def test_api_reads_and_writes_causes(review, org, api_as):
    (a1, a2), _b = _assessments(review, org)
    _ours, (c_b1, c_b2) = _commitments(review, org)
    api = api_as(org.head_b)
    url = f"/api/v1/reviews/{review.id}"
    body = {
        "lock_version": review.lock_version,
        "assessments": [
            {"id": a1.id, "result": "missed", "cause": "other_side_prerequisite",
             "prerequisite_commitment_id": c_b1.id},
            {"id": a2.id, "result": "partly_met", "cause": "outside", "cause_note": "Neige"},
        ],
    }  # fmt: skip
    saved = api.patch(url, json=body)
    assert saved.status_code == 200, saved.get_json()
    check_response(saved, "patch", "/api/v1/reviews/{review_id}")
    by_id = {a["id"]: a for a in saved.get_json()["assessments"]}
    assert by_id[a1.id]["cause"] == "other_side_prerequisite"
    assert by_id[a1.id]["prerequisite_commitment_id"] == c_b1.id
    assert (by_id[a2.id]["cause"], by_id[a2.id]["cause_note"]) == ("outside", "Neige")
    wrong = api.patch(
        url,
        json={
            "lock_version": saved.get_json()["lock_version"],
            "assessments": [{"id": a1.id, "prerequisite_commitment_id": c_b2.id}],
        },
    )
    assert wrong.status_code == 422
    assert wrong.get_json()["error"]["field"] == "assessments[0].prerequisite_commitment_id"
    cleared = api.patch(
        url,
        json={
            "lock_version": saved.get_json()["lock_version"],
            "assessments": [{"id": a1.id, "result": "met", "cause": None}],
        },
    )
    assert cleared.status_code == 200, cleared.get_json()
    assert {a["id"]: a for a in cleared.get_json()["assessments"]}[a1.id]["cause"] is None


# ---------------------------------------------------------------- minutes and history


def _closed(review, org):
    (a1, a2), (b1, b2) = _assessments(review, org)
    _ours, (c_b1, _c_b2) = _commitments(review, org)
    review.criterion_value, review.satisfaction_a_of_b, review.satisfaction_b_of_a = 2.0, 4, 4
    review.decision = "continue"
    db.session.commit()
    _save(
        org.head_a,
        review,
        close=True,
        **{
            f"_{a1.id}": AssessmentValues(
                result="missed",
                cause="other_side_prerequisite",
                prerequisite_commitment_id=str(c_b1.id),
            ),
            f"_{a2.id}": AssessmentValues(result="missed", cause="own_side"),
            f"_{b1.id}": AssessmentValues(result="met"),
            f"_{b2.id}": AssessmentValues(result="met"),
        },
    )
    return review


def test_minutes_pdf_shows_the_misses_by_cause(review, org, tmp_path):
    _closed(review, org)
    path = tmp_path / "minutes.pdf"
    path.write_bytes(render_minutes(*minutes_document(review, "en"), "en"))
    text = " ".join(
        subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True)
        .stdout.replace("\u2014", "—")
        .split()
    )
    assert "Misses by cause" in text
    assert "Logistique: 2 misses — 1 own side, 1 prerequisite not delivered by Magasins" in text
    assert text.count("Cause:") == 2  # under each missed result, the narrow column wraps
    path.write_bytes(render_minutes(*minutes_document(review, "fr"), "fr"))
    french = " ".join(
        subprocess.run(
            ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
        ).stdout.split()
    )
    assert "Manquements par cause" in french


def test_charter_review_history_shows_the_misses_by_cause(review, org, login_as):
    _closed(review, org)
    page = plain(
        login_as(org.member_b).get(f"/charters/{review.charter_id}").get_data(as_text=True)
    )
    assert "Misses by cause" in page
    assert "Logistique: 2 misses — 1 own side, 1 prerequisite not delivered by Magasins" in page


def test_the_pick_shows_the_prerequisites_own_latest_readings(review, org, login_as):
    from sla_contracts.models import Reading

    _ours, (c_b1, _c_b2) = _commitments(review, org)
    c_b1.target_value = 95.0
    for period, start, value in (
        ("2026-11", date(2026, 11, 1), 97.0),
        ("2026-12", date(2026, 12, 1), 80.0),
    ):
        db.session.add(
            Reading(charter_id=review.charter_id, commitment_id=c_b1.id, period=period,
                    period_start=start, value=value)
        )  # fmt: skip
    db.session.commit()
    page = plain(login_as(org.head_a).get(f"/reviews/{review.id}").get_data(as_text=True))
    found = re.search(r"B commitment 1, latest readings:[^<]*", page)
    assert found, "no readings beside the pick"
    assert " ".join(found.group(0).split()) == (
        "B commitment 1, latest readings: November 2026 97% (Met); December 2026 80% (Missed)"
    ), found.group(0)
