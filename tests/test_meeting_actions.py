"""The meeting's action plan: earlier reviews' open actions come back first (the same rows),
actions are owned by a person of either side, and the home page and reminders address them."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from sla_contracts import jobs
from sla_contracts.extensions import db
from sla_contracts.main.waiting import what_waits_for
from sla_contracts.models import (
    ActionItem,
    ActionStatus,
    AuditEvent,
    Notification,
    Review,
    ReviewStatus,
)
from sla_contracts.reviews import operations as ops

from .api_helpers import ApiClient, assert_error, check_response, token_for
from .plugins.reviews import REVIEW_NOW
from .test_meeting_merge import _form

LATER = REVIEW_NOW + timedelta(days=90)


@pytest.fixture(autouse=True)
def _english(app):
    with force_locale("en"):
        yield


class _Earlier:
    """A closed review of ``active`` with three actions, and the next review, planned."""

    def __init__(self, active, org):
        first = ops.plan_review(active, REVIEW_NOW, due_on=date(2027, 1, 20))
        first.status, first.held_at, first.closed_at = ReviewStatus.CLOSED, REVIEW_NOW, REVIEW_NOW
        db.session.flush()
        self.open = ActionItem(
            charter_id=active.id, review_id=first.id, owner_department_id=org.stores.id,
            owner_user_id=org.member_b.id, title="Relabel <the> shelves",
            due_on=date(2027, 3, 1),
        )  # fmt: skip
        self.done = ActionItem(
            charter_id=active.id, review_id=first.id, owner_department_id=org.stores.id,
            owner_user_id=org.member_b.id, title="Done already", due_on=date(2027, 2, 1),
            status=ActionStatus.DONE,
        )  # fmt: skip
        # From before people owned actions: its department only.
        self.legacy = ActionItem(
            charter_id=active.id, review_id=first.id, owner_department_id=org.logistics.id,
            title="Old dock plan", due_on=date(2027, 2, 1),
        )  # fmt: skip
        db.session.add_all([self.open, self.done, self.legacy])
        db.session.flush()
        self.first = first
        self.review = ops.plan_review(active, LATER, due_on=date(2027, 4, 20))
        db.session.commit()


@pytest.fixture
def earlier(active, org) -> _Earlier:
    return _Earlier(active, org)


def _started(earlier, org) -> Review:
    ops.start_review(org.head_a, earlier.review, now=LATER)
    db.session.commit()
    return earlier.review


def _rows(page: str) -> list[str]:
    """The action plan's row keys, in page order."""
    plan = page[page.index('id="action-plan"') :]
    plan = plan[: plan.index("</table>")]
    return re.findall(r'<tr data-action-key="([^"]+)"', plan)


# ---------------------------------------------------------------- carried over, same rows


def test_open_actions_of_the_earlier_review_come_back_first_and_update_in_place(
    earlier, org, login_as
):
    head = login_as(org.head_a)
    url = f"/reviews/{earlier.review.id}"
    assert head.post(f"{url}/start").status_code == 302
    page = head.get(url).get_data(as_text=True)
    assert _rows(page) == [str(earlier.legacy.id), str(earlier.open.id), "new0", "new1", "new2"]
    text = html.unescape(page)
    assert "Done already" not in text
    assert "Relabel &lt;the&gt; shelves" in page and "<the>" not in page.split("<main")[1]
    assert "From the review of 4 Jan 2027" in text
    assert "The first 2 actions were decided at earlier reviews" in text
    assert "Logistique (no one named)" in text  # the old action keeps its department

    form = _form(page)
    assert form[f"action-{earlier.open.id}-owner"] == f"{org.stores.id}-{org.member_b.id}"
    form[f"action-{earlier.open.id}-status"] = "done"
    form[f"action-{earlier.legacy.id}-due"] = "2027-05-15"
    saved = head.post(url, {**form, "intent": "save"})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:3000]

    db.session.expire_all()
    assert db.session.scalar(select(func.count(ActionItem.id))) == 3  # no copies
    carried = db.session.get(ActionItem, earlier.open.id)
    assert carried.status == ActionStatus.DONE and carried.review_id == earlier.first.id
    assert carried.done_by_id == org.head_a.id
    assert db.session.get(ActionItem, earlier.legacy.id).due_on == date(2027, 5, 15)
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "action_updated").order_by(AuditEvent.id)
    ).all()
    assert {(e.object_id, tuple(e.data["changes"])) for e in events} == {
        (earlier.open.id, ("status",)),
        (earlier.legacy.id, ("due_on",)),
    }
    assert all(e.data["review_id"] == earlier.review.id for e in events)
    # Done at this meeting, still one of its rows (by due date: the old one moved later).
    again = head.get(url).get_data(as_text=True)
    assert _rows(again)[:2] == [str(earlier.open.id), str(earlier.legacy.id)]
    assert 'value="done" selected' in again


def test_a_review_started_on_the_api_carries_the_open_actions_too(app, earlier, org):
    head = ApiClient(app.test_client(), token_for(org.head_a))
    url = f"/api/v1/reviews/{earlier.review.id}"
    body = head.get(url).get_json()
    started = head.patch(url, {"lock_version": body["lock_version"], "irritants": "Docks"})
    check_response(started, "PATCH", "/api/v1/reviews/{review_id}")
    actions = started.get_json()["actions"]
    assert [(a["id"], a["review_id"], a["owner_user_id"]) for a in actions] == [
        (earlier.legacy.id, earlier.first.id, None),
        (earlier.open.id, earlier.first.id, org.member_b.id),
    ]
    done = head.patch(url, {
        "lock_version": started.get_json()["lock_version"],
        "actions": [
            {"id": earlier.open.id, "status": "done"},
            {"title": "Second dock", "owner_user_id": org.member_a.id, "due_on": "2027-05-01"},
        ],
    })  # fmt: skip
    check_response(done, "PATCH", "/api/v1/reviews/{review_id}")
    answered = {a["title"]: a for a in done.get_json()["actions"]}
    assert answered["Relabel <the> shelves"]["status"] == "done"
    assert answered["Second dock"]["owner_department_id"] == org.logistics.id  # follows
    assert answered["Second dock"]["review_id"] == earlier.review.id
    db.session.expire_all()
    assert db.session.get(ActionItem, earlier.open.id).status == ActionStatus.DONE


# ---------------------------------------------------------------- owned by a person


def test_the_owner_department_follows_from_the_person(started_review, org, login_as):
    head = login_as(org.head_a)
    url = f"/reviews/{started_review.id}"
    form = _form(head.get(url).get_data(as_text=True))
    # A Magasins member sent under Logistique's heading: Magasins owns it.
    response = head.post(url, {
        **form, "action-new0-title": "Count the pallets",
        "action-new0-owner": f"{org.logistics.id}-{org.member_b.id}",
        "action-new0-due": "2027-02-15",
    })  # fmt: skip
    assert response.status_code == 302
    db.session.expire_all()
    (action,) = started_review.actions
    assert (action.owner_user_id, action.owner_department_id) == (org.member_b.id, org.stores.id)


def test_an_owner_outside_both_departments_and_a_bad_date_are_refused_on_their_fields(
    started_review, org, login_as
):
    head = login_as(org.head_a)
    url = f"/reviews/{started_review.id}"
    form = _form(head.get(url).get_data(as_text=True))
    response = head.post(url, {
        **form, "irritants": "kept text",
        "action-new0-title": "<b>Ask the DSI</b>",
        "action-new0-owner": f"{org.it.id}-{org.outsider.id}",
        "action-new0-due": "2027-02-31",
        "action-new1-title": "Nobody's action", "action-new1-due": "2027-02-15",
    })  # fmt: skip
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(
        r'id="action-new0-owner-errors" class="field-error">The owner must be a member of '
        r"Logistique or Magasins\.<",
        page,
    )
    assert 'id="action-new0-due-errors" class="field-error">Give the due date as a date' in page
    assert 'id="action-new1-owner-errors" class="field-error">Choose the person who owns' in page
    assert 'value="&lt;b&gt;Ask the DSI&lt;/b&gt;"' in page and "kept text" in page
    assert 'value="2027-02-31"' in page
    db.session.expire_all()
    assert started_review.actions == [] and started_review.irritants == ""


def test_the_api_refuses_an_owner_from_another_department(app, started_review, org):
    head = ApiClient(app.test_client(), token_for(org.head_a))
    url = f"/api/v1/reviews/{started_review.id}"
    version = head.get(url).get_json()["lock_version"]
    outside = head.patch(url, {"lock_version": version, "actions": [
        {"title": "Ask", "owner_user_id": org.outsider.id, "due_on": "2027-03-01"},
        {"title": "Dock", "owner_department_id": org.logistics.id, "due_on": "2027-03-01"},
    ]})  # fmt: skip
    error = assert_error(outside, 422, "validation_error")
    assert error["details"]["errors"] == {
        "actions[0].owner_user_id": ["The owner must be a member of Logistique or Magasins."],
        "actions[1].owner_user_id": ["Choose the person who owns the action."],
    }


def test_another_departments_head_cannot_change_the_actions(earlier, org, login_as, app):
    review = _started(earlier, org)
    field = f"action-{earlier.open.id}-status"
    data = {"lock_version": str(review.lock_version), field: "done"}
    assert login_as(org.outsider).post(f"/reviews/{review.id}", data).status_code == 404
    assert login_as(org.outsider).get(f"/reviews/{review.id}").status_code == 404
    assert login_as(org.member_b).post(f"/reviews/{review.id}", data).status_code == 403
    outsider = ApiClient(app.test_client(), token_for(org.outsider))
    patch = outsider.patch(f"/api/v1/reviews/{review.id}", {
        "lock_version": review.lock_version, "actions": [{"id": earlier.open.id, "status": "done"}],
    })  # fmt: skip
    assert patch.status_code == 404
    db.session.expire_all()
    assert db.session.get(ActionItem, earlier.open.id).status == ActionStatus.OPEN


# ---------------------------------------------------------------- two people, same rows


def test_two_people_updating_a_carried_action_merge_or_conflict_on_the_field(
    earlier, org, login_as
):
    review = _started(earlier, org)
    url = f"/reviews/{review.id}"
    helene, isabelle = login_as(org.head_a), login_as(org.head_b)
    h_form = _form(helene.get(url).get_data(as_text=True))
    i_form = _form(isabelle.get(url).get_data(as_text=True))
    key = f"action-{earlier.open.id}"
    assert helene.post(url, {**h_form, f"{key}-status": "done"}).status_code == 302
    merged = isabelle.post(url, {**i_form, f"{key}-due": "2027-06-30"})
    assert merged.status_code == 302  # different fields of the same row: both kept
    db.session.expire_all()
    action = db.session.get(ActionItem, earlier.open.id)
    assert (action.status, action.due_on) == (ActionStatus.DONE, date(2027, 6, 30))

    h_form = _form(helene.get(url).get_data(as_text=True))
    i_form = _form(isabelle.get(url).get_data(as_text=True))
    owner_a = f"{org.logistics.id}-{org.member_a.id}"
    assert helene.post(url, {**h_form, f"{key}-owner": owner_a}).status_code == 302
    clash = isabelle.post(url, {**i_form, f"{key}-owner": f"{org.stores.id}-{org.head_b.id}"})
    assert clash.status_code == 409
    page = clash.get_data(as_text=True)
    assert re.findall(r'id="([^"]+)-saved"', page) == [f"{key}-owner"]
    assert "Mia Member" in page.split(f'id="{key}-owner-saved"')[1][:400]
    db.session.expire_all()
    assert db.session.get(ActionItem, earlier.open.id).owner_user_id == org.member_a.id


# ---------------------------------------------------------------- who hears of an action


def _action(charter, org, title, owner=None, department=None, due=date(2027, 5, 10)):
    action = ActionItem(
        charter_id=charter.id, title=title, due_on=due,
        owner_user_id=owner.id if owner else None,
        owner_department_id=(department or org.logistics).id,
    )  # fmt: skip
    db.session.add(action)
    return action


def test_home_page_actions_address_the_owner_and_heads_see_their_departments(
    active, org, make_user, login_as
):
    colleague = make_user("colleague.log@example.com", "Carl Colleague", member_of=[org.logistics])
    _action(active, org, "Mia's action", owner=org.member_a)
    _action(active, org, "Unnamed old action")
    _action(active, org, "Stores' action", owner=org.member_b, department=org.stores)
    db.session.commit()
    today = datetime(2027, 5, 8, 9, 0, tzinfo=UTC)

    def titles(user):
        return sorted(i.action.title for i in what_waits_for(user, today).actions)

    assert titles(org.member_a) == ["Mia's action", "Unnamed old action"]
    assert titles(colleague) == ["Unnamed old action"]
    assert titles(org.head_a) == ["Mia's action", "Unnamed old action"]
    assert titles(org.head_b) == ["Stores' action"]
    assert titles(org.outsider) == []


def test_action_reminders_go_to_the_owner_or_else_the_departments_heads(active, org):
    mine = _action(active, org, "Mia's action", owner=org.member_a)
    old = _action(active, org, "Unnamed old action", department=org.stores)
    db.session.commit()
    jobs.plan_reminders(datetime(2027, 5, 8, 7, 0, tzinfo=UTC))

    def told(kind="action_due_soon"):
        rows = db.session.execute(
            select(Notification.user_id, Notification.object_id).where(Notification.kind == kind)
        ).all()
        return sorted(rows)

    assert told() == sorted([(org.member_a.id, mine.id), (org.head_b.id, old.id)])


def test_an_owner_who_left_stays_on_the_carried_action_until_someone_else_is_chosen(
    earlier, org, login_as
):
    org.member_b.archived_at = LATER
    review = _started(earlier, org)
    head = login_as(org.head_a)
    url = f"/reviews/{review.id}"
    page = head.get(url).get_data(as_text=True)
    key = f"action-{earlier.open.id}-owner"
    value = f"{org.stores.id}-{org.member_b.id}"
    assert f'<option value="{value}" selected>Max Member (Magasins)</option>' in page
    form = _form(page)
    assert form[key] == value
    assert head.post(url, {**form, "irritants": "Docks"}).status_code == 302
    refused = head.post(url, {**_form(head.get(url).get_data(as_text=True)),
                              "action-new0-title": "New", "action-new0-owner": value,
                              "action-new0-due": "2027-05-01"})  # fmt: skip
    assert refused.status_code == 422  # a new action cannot go to someone who left
    db.session.expire_all()
    assert db.session.get(ActionItem, earlier.open.id).owner_user_id == org.member_b.id
