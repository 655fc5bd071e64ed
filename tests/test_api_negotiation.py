"""Co-writing over the API: expectations, proposals, agreement, readiness, and every refusal
answered as documented (and changing nothing)."""

from __future__ import annotations

import pytest

from sla_contracts.extensions import db
from sla_contracts.models import Charter, Commitment, Expectation, Proposal
from tests.api_helpers import assert_error, check_response, served_document

EXPECTATIONS = "/api/v1/charters/{charter_id}/expectations"
EXPECTATION = "/api/v1/expectations/{expectation_id}"
PROPOSALS = "/api/v1/commitments/{commitment_id}/proposals"
ASK = {"text": "Be told of any late delivery the day before", "customer_reason": "Full shelves"}


@pytest.fixture
def draft(org, make_charter, make_commitment):
    """A draft whose one commitment of each side is not agreed yet."""
    charter = make_charter()
    make_commitment(charter, org.logistics, "Deliver by 7 am", agreed=False)
    make_commitment(charter, org.stores, "Order before 2 pm", agreed=False)
    return charter


def _mine(charter: Charter, department) -> Commitment:
    return charter.commitments_by(department.id)[0]


def _ask(api, charter, body=None):
    response = api.post(f"/api/v1/charters/{charter.id}/expectations", json=body or ASK)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _state(charter_id: int) -> dict:
    """What a refused request must leave as it was."""
    db.session.expire_all()
    charter = db.session.get(Charter, charter_id)
    return {
        "updated_at": charter.updated_at,
        "expectations": [
            (e.id, e.status, e.lock_version, e.text, e.answer_ids) for e in charter.expectations
        ],
        "commitments": [
            (c.id, c.lock_version, c.target, sorted(c.agreed_by), [p.status for p in c.proposals])
            for c in charter.commitments
        ],
    }


# ---------------------------------------------------------------- expectations


def test_a_head_asks_the_other_side_and_it_answers(org, api_as, draft):
    stores, logistics = api_as(org.head_b), api_as(org.head_a)
    response = stores.post(f"/api/v1/charters/{draft.id}/expectations", json=ASK)
    assert response.status_code == 201
    check_response(response, "post", EXPECTATIONS)
    asked = response.get_json()
    assert asked["from_department_id"] == org.stores.id
    assert asked["to_department_id"] == org.logistics.id
    assert (asked["status"], asked["commitment_ids"], asked["decline_reason"]) == ("open", [], None)
    assert asked["created_by"] == {"id": org.head_b.id, "name": org.head_b.name}
    assert response.headers["Location"].endswith(f"/api/v1/expectations/{asked['id']}")
    assert response.headers["ETag"]

    listed = logistics.get(f"/api/v1/charters/{draft.id}/expectations")
    check_response(listed, "get", EXPECTATIONS)
    assert [e["id"] for e in listed.get_json()["expectations"]] == [asked["id"]]
    detail = logistics.get(f"/api/v1/charters/{draft.id}")
    check_response(detail, "get", "/api/v1/charters/{charter_id}")
    assert [e["id"] for e in detail.get_json()["expectations"]] == [asked["id"]]
    assert detail.get_json()["readiness"]["open_expectations"] == [asked["id"]]
    assert detail.get_json()["readiness"]["ready"] is False

    answer = _mine(draft, org.logistics).id
    response = logistics.patch(
        f"/api/v1/expectations/{asked['id']}",
        json={"status": "answered", "commitment_ids": [answer]},
    )
    assert response.status_code == 200, response.get_json()
    check_response(response, "patch", EXPECTATION)
    answered = response.get_json()
    assert (answered["status"], answered["commitment_ids"]) == ("answered", [answer])
    assert answered["lock_version"] == asked["lock_version"] + 1
    assert answered["decided_by"]["id"] == org.head_a.id
    readiness = logistics.get(f"/api/v1/charters/{draft.id}").get_json()["readiness"]
    assert readiness["open_expectations"] == []


def test_declined_with_a_reason_reworded_then_withdrawn(org, api_as, draft):
    stores, logistics = api_as(org.head_b), api_as(org.head_a)
    asked = _ask(stores, draft)
    url = f"/api/v1/expectations/{asked['id']}"
    declined = logistics.patch(url, json={"status": "declined", "reason": "No night shift"})
    check_response(declined, "patch", EXPECTATION)
    assert declined.get_json()["status"] == "declined"
    assert declined.get_json()["decline_reason"] == "No night shift"

    # The asker rewords with the version read: the expectation is open again.
    read = stores.get(url)
    check_response(read, "get", EXPECTATION)
    assert stores.get(url, headers={"If-None-Match": read.headers["ETag"]}).status_code == 304
    reworded = stores.patch(
        url, json={"text": "Told by 6 pm"}, headers={"If-Match": read.headers["ETag"]}
    )
    assert reworded.status_code == 200, reworded.get_json()
    assert reworded.get_json()["status"] == "open"
    assert (reworded.get_json()["text"], reworded.get_json()["decline_reason"]) == (
        "Told by 6 pm",
        None,
    )
    withdrawn = stores.patch(
        url, json={"status": "withdrawn", "lock_version": reworded.get_json()["lock_version"]}
    )
    check_response(withdrawn, "patch", EXPECTATION)
    assert withdrawn.get_json()["status"] == "withdrawn"
    again = logistics.patch(url, json={"status": "declined", "reason": "late"})
    assert_error(again, 409, "invalid_state")
    check_response(again, "patch", EXPECTATION)


def test_an_admin_or_a_head_of_both_names_the_asking_side(org, api_as, draft, make_user):
    admin = api_as(org.admin)
    refused = admin.post(f"/api/v1/charters/{draft.id}/expectations", json=ASK)
    assert_error(refused, 422, "validation_error", "from_department_id")
    check_response(refused, "post", EXPECTATIONS)
    asked = _ask(admin, draft, {**ASK, "from_department_id": org.logistics.id})
    assert (asked["from_department_id"], asked["to_department_id"]) == (
        org.logistics.id,
        org.stores.id,
    )
    both = make_user("both@example.com", "Bea Both", head_of=[org.logistics, org.stores])
    asked = _ask(api_as(both), draft, {**ASK, "from_department_id": org.stores.id})
    assert asked["from_department_id"] == org.stores.id


def test_only_the_right_side_decides_an_expectation(org, api_as, draft):
    stores, logistics = api_as(org.head_b), api_as(org.head_a)
    asked = _ask(stores, draft)
    url = f"/api/v1/expectations/{asked['id']}"
    before = _state(draft.id)
    mine = _mine(draft, org.stores).id
    for api, body in (
        (stores, {"status": "answered", "commitment_ids": [mine]}),  # the asker answers itself
        (stores, {"status": "declined", "reason": "no"}),
        (logistics, {"status": "withdrawn"}),  # only the asker withdraws
        (logistics, {"text": "Something else", "lock_version": 1}),  # only the asker rewords
    ):
        refused = api.patch(url, json=body)
        assert_error(refused, 403, "forbidden")
        check_response(refused, "patch", EXPECTATION)
    member = api_as(org.member_a).patch(url, json={"status": "declined", "reason": "no"})
    assert_error(member, 403, "forbidden")
    assert _state(draft.id) == before
    assert api_as(org.member_a).get(url).status_code == 200


def test_outsiders_get_404_on_every_expectation_url(org, api_as, draft, make_charter):
    asked = _ask(api_as(org.head_b), draft)
    # Another charter, between the outsider's department and the stores.
    theirs = make_charter("DSI ⇄ Magasins", department_a=org.it)
    other = _ask(api_as(org.outsider), theirs)
    head_a, outsider = api_as(org.head_a), api_as(org.outsider)
    before = _state(draft.id)
    for api, expectation_id, charter_id in (
        (outsider, asked["id"], draft.id),
        (head_a, other["id"], theirs.id),
    ):
        url = f"/api/v1/expectations/{expectation_id}"
        for response, method, path in (
            (api.get(url), "get", EXPECTATION),
            (api.patch(url, json={"status": "withdrawn"}), "patch", EXPECTATION),
            (api.patch(url, json={"bad": 1}), "patch", EXPECTATION),  # 404 before 422
            (api.get(f"/api/v1/charters/{charter_id}/expectations"), "get", EXPECTATIONS),
            (
                api.post(f"/api/v1/charters/{charter_id}/expectations", json=ASK),
                "post",
                EXPECTATIONS,
            ),
        ):
            assert_error(response, 404, "not_found")
            check_response(response, method, path)
    assert _state(draft.id) == before


def test_stale_versions_are_409_and_a_rewording_needs_one(org, api_as, draft):
    stores, logistics = api_as(org.head_b), api_as(org.head_a)
    asked = _ask(stores, draft)
    url = f"/api/v1/expectations/{asked['id']}"
    etag = stores.get(url).headers["ETag"]
    stores.patch(url, json={"text": "Told by 6 pm", "lock_version": asked["lock_version"]})
    before = _state(draft.id)
    stale = logistics.patch(
        url,
        json={"status": "declined", "reason": "no", "lock_version": asked["lock_version"]},
    )
    error = assert_error(stale, 409, "conflict")
    check_response(stale, "patch", EXPECTATION)
    assert error["details"]["current_lock_version"] == asked["lock_version"] + 1
    assert error["details"]["current"]["text"] == "Told by 6 pm"
    stale = stores.patch(url, json={"text": "Other"}, headers={"If-Match": etag})
    assert_error(stale, 409, "conflict")
    missing = stores.patch(url, json={"text": "Other"})
    assert_error(missing, 428, "version_required", "lock_version")
    check_response(missing, "patch", EXPECTATION)
    assert _state(draft.id) == before


def test_bad_expectation_input_is_422_naming_each_field(org, api_as, draft, make_charter):
    stores, logistics = api_as(org.head_b), api_as(org.head_a)
    asked = _ask(stores, draft)
    url = f"/api/v1/expectations/{asked['id']}"
    theirs = make_charter("Autre", commitments=(1, 0))
    before = _state(draft.id)
    cases = [
        (stores, "post", EXPECTATIONS, {"text": "", "customer_reason": "x"}, ["text"]),
        (stores, "post", EXPECTATIONS, {"text": "x"}, ["customer_reason"]),
        (stores, "post", EXPECTATIONS, {**ASK, "colour": "red"}, ["colour"]),
        (stores, "post", EXPECTATIONS, {**ASK, "text": "x" * 4001}, ["text"]),
        (logistics, "patch", EXPECTATION, {"status": "answered"}, ["commitment_ids"]),
        (logistics, "patch", EXPECTATION, {"status": "declined"}, ["reason"]),
        (logistics, "patch", EXPECTATION, {"status": "open"}, ["status"]),
        (logistics, "patch", EXPECTATION, {"status": "answered", "commitment_ids": []}, None),
        (logistics, "patch", EXPECTATION, {"commitment_ids": [1]}, ["commitment_ids"]),
        (stores, "patch", EXPECTATION, {"status": "withdrawn", "text": "x"}, ["text"]),
        (stores, "patch", EXPECTATION, {"lock_version": 1}, None),
        # Answered with the asker's commitment, or another charter's: not the side asked.
        (
            logistics,
            "patch",
            EXPECTATION,
            {"status": "answered", "commitment_ids": [_mine(draft, org.stores).id]},
            ["commitment_ids"],
        ),
        (
            logistics,
            "patch",
            EXPECTATION,
            {"status": "answered", "commitment_ids": [theirs.commitments[0].id]},
            ["commitment_ids"],
        ),
    ]
    for api, method, path, body, fields in cases:
        target = f"/api/v1/charters/{draft.id}/expectations" if method == "post" else url
        response = api.request(method.upper(), target, body)
        error = assert_error(response, 422, "validation_error")
        check_response(response, method, path)
        assert "errors" in error["details"], (body, error)
        if fields is not None:
            assert sorted(error["details"]["errors"]) == fields, (body, error)
    assert _state(draft.id) == before


# ---------------------------------------------------------------- proposals


def test_the_other_side_proposes_and_the_owner_accepts(org, api_as, draft):
    stores, logistics = api_as(org.head_b), api_as(org.head_a)
    commitment = _mine(draft, org.logistics)
    logistics.post(f"/api/v1/commitments/{commitment.id}/agree", json={"lock_version": 1})
    stores.post(f"/api/v1/commitments/{commitment.id}/agree", json={"lock_version": 1})
    response = stores.post(
        f"/api/v1/commitments/{commitment.id}/proposals", json={"changes": {"target": "99"}}
    )
    assert response.status_code == 201, response.get_json()
    check_response(response, "post", PROPOSALS)
    proposal = response.get_json()
    assert (proposal["status"], proposal["changes"], proposal["base"]) == (
        "open",
        {"target": "99"},
        {"target": "95"},
    )
    assert proposal["from_department_id"] == org.stores.id
    assert proposal["author"]["id"] == org.head_b.id
    assert response.headers["Location"].endswith(f"/api/v1/proposals/{proposal['id']}")
    read = logistics.get(f"/api/v1/commitments/{commitment.id}")
    check_response(read, "get", "/api/v1/commitments/{commitment_id}")
    # Proposing takes the proposer's agreement back.
    assert read.get_json()["open_proposals"] == [proposal["id"]]
    assert read.get_json()["agreed_by"] == [org.logistics.id]
    listed = logistics.get(f"/api/v1/commitments/{commitment.id}/proposals")
    check_response(listed, "get", PROPOSALS)
    assert [p["id"] for p in listed.get_json()["proposals"]] == [proposal["id"]]
    one = logistics.get(f"/api/v1/proposals/{proposal['id']}")
    check_response(one, "get", "/api/v1/proposals/{proposal_id}")

    refused = stores.post(f"/api/v1/proposals/{proposal['id']}/accept")
    assert_error(refused, 403, "not_owner")
    check_response(refused, "post", "/api/v1/proposals/{proposal_id}/accept")
    accepted = logistics.post(f"/api/v1/proposals/{proposal['id']}/accept")
    assert accepted.status_code == 200, accepted.get_json()
    check_response(accepted, "post", "/api/v1/proposals/{proposal_id}/accept")
    assert accepted.get_json()["status"] == "accepted"
    after = logistics.get(f"/api/v1/commitments/{commitment.id}").get_json()
    assert after["target"] == "99"
    assert sorted(after["agreed_by"]) == sorted([org.logistics.id, org.stores.id])
    assert after["open_proposals"] == []
    assert after["updated_by"]["id"] == org.head_a.id
    twice = logistics.post(f"/api/v1/proposals/{proposal['id']}/accept")
    assert_error(twice, 409, "invalid_state")
    check_response(twice, "post", "/api/v1/proposals/{proposal_id}/accept")


def test_rejected_with_a_reason_withdrawn_by_the_proposer_only(org, api_as, draft):
    stores, logistics = api_as(org.head_b), api_as(org.head_a)
    commitment = _mine(draft, org.logistics)
    url = f"/api/v1/commitments/{commitment.id}/proposals"
    first = stores.post(url, json={"changes": {"unit": "h"}}).get_json()
    no_reason = logistics.post(f"/api/v1/proposals/{first['id']}/reject", json={})
    error = assert_error(no_reason, 422, "validation_error")
    assert list(error["details"]["errors"]) == ["reason"]
    check_response(no_reason, "post", "/api/v1/proposals/{proposal_id}/reject")
    rejected = logistics.post(
        f"/api/v1/proposals/{first['id']}/reject", json={"reason": "Hours are not a share"}
    )
    check_response(rejected, "post", "/api/v1/proposals/{proposal_id}/reject")
    assert (rejected.get_json()["status"], rejected.get_json()["reason"]) == (
        "rejected",
        "Hours are not a share",
    )
    second = stores.post(url, json={"changes": {"unit": "h"}}).get_json()
    refused = logistics.post(f"/api/v1/proposals/{second['id']}/withdraw")
    assert_error(refused, 403, "forbidden")
    check_response(refused, "post", "/api/v1/proposals/{proposal_id}/withdraw")
    withdrawn = stores.post(f"/api/v1/proposals/{second['id']}/withdraw")
    check_response(withdrawn, "post", "/api/v1/proposals/{proposal_id}/withdraw")
    assert withdrawn.get_json()["status"] == "withdrawn"


def test_an_owner_does_not_propose_and_bad_changes_are_422(org, api_as, draft):
    logistics, stores = api_as(org.head_a), api_as(org.head_b)
    commitment = _mine(draft, org.logistics)
    url = f"/api/v1/commitments/{commitment.id}/proposals"
    before = _state(draft.id)
    own = logistics.post(url, json={"changes": {"target": "99"}})
    assert_error(own, 403, "forbidden")
    check_response(own, "post", PROPOSALS)
    member = api_as(org.member_b).post(url, json={"changes": {"target": "99"}})
    assert_error(member, 403, "forbidden")
    for changes, field in (
        ({}, "changes"),
        ({"colour": "red"}, "changes.colour"),
        ({"target": "9" * 65}, "changes.target"),
        ({"target": 99}, "changes.target"),
        ({"target": "   "}, "changes.target"),  # required: not blank
        ({"target": "95"}, "changes"),  # changes nothing
    ):
        response = stores.post(url, json={"changes": changes})
        error = assert_error(response, 422, "validation_error")
        check_response(response, "post", PROPOSALS)
        assert list(error["details"]["errors"]) == [field], (changes, error)
    assert _state(draft.id) == before


def test_accepting_after_the_owner_changed_the_field_is_a_conflict(org, api_as, draft):
    stores, logistics = api_as(org.head_b), api_as(org.head_a)
    commitment = _mine(draft, org.logistics)
    proposal = stores.post(
        f"/api/v1/commitments/{commitment.id}/proposals", json={"changes": {"target": "99"}}
    ).get_json()
    # Another open proposal from the same side replaced it; the owner's edit supersedes.
    edited = logistics.patch(
        f"/api/v1/commitments/{commitment.id}", json={"target": "97", "lock_version": 1}
    )
    assert edited.status_code == 200, edited.get_json()
    assert edited.get_json()["open_proposals"] == []
    superseded = logistics.get(f"/api/v1/proposals/{proposal['id']}").get_json()
    assert superseded["status"] == "superseded"
    # A proposal made against 97, then the owner changes the text again (directly in the DB).
    later = stores.post(
        f"/api/v1/commitments/{commitment.id}/proposals", json={"changes": {"target": "99"}}
    ).get_json()
    db.session.get(Commitment, commitment.id).target = "96"
    db.session.commit()
    conflict = logistics.post(f"/api/v1/proposals/{later['id']}/accept")
    error = assert_error(conflict, 409, "conflict")
    check_response(conflict, "post", "/api/v1/proposals/{proposal_id}/accept")
    assert error["details"]["fields"] == ["target"]


def test_outsiders_get_404_on_proposals_of_charters_they_do_not_see(
    org, api_as, draft, make_charter, make_commitment
):
    commitment = _mine(draft, org.logistics)
    proposal = (
        api_as(org.head_b)
        .post(f"/api/v1/commitments/{commitment.id}/proposals", json={"changes": {"target": "99"}})
        .get_json()
    )
    theirs = make_charter("DSI ⇄ Magasins", department_a=org.it)
    their_line = make_commitment(theirs, org.stores, "Theirs")
    their_proposal = (
        api_as(org.outsider)
        .post(f"/api/v1/commitments/{their_line.id}/proposals", json={"changes": {"target": "99"}})
        .get_json()
    )
    before = _state(draft.id)
    for api, proposal_id, commitment_id in (
        (api_as(org.outsider), proposal["id"], commitment.id),
        (api_as(org.head_a), their_proposal["id"], their_line.id),
    ):
        for method, path, url, body in (
            ("get", "/api/v1/proposals/{proposal_id}", f"/api/v1/proposals/{proposal_id}", None),
            *(
                (
                    "post",
                    f"/api/v1/proposals/{{proposal_id}}/{action}",
                    f"/api/v1/proposals/{proposal_id}/{action}",
                    body,
                )
                for action, body in (
                    ("accept", None),
                    ("reject", {"reason": "x"}),
                    ("withdraw", None),
                )
            ),
            ("get", PROPOSALS, f"/api/v1/commitments/{commitment_id}/proposals", None),
            ("post", PROPOSALS, f"/api/v1/commitments/{commitment_id}/proposals", {"changes": {}}),
            (
                "post",
                "/api/v1/commitments/{commitment_id}/agree",
                f"/api/v1/commitments/{commitment_id}/agree",
                {"lock_version": 1},
            ),
        ):
            response = api.request(method.upper(), url, body)
            assert_error(response, 404, "not_found")
            check_response(response, method, path)
    assert _state(draft.id) == before
    assert db.session.get(Proposal, their_proposal["id"]).status == "open"


# ---------------------------------------------------------------- agreement, ownership, submit


def test_both_sides_agree_line_by_line_and_may_take_it_back(org, api_as, draft):
    stores, logistics = api_as(org.head_b), api_as(org.head_a)
    commitment = _mine(draft, org.logistics)
    agree = f"/api/v1/commitments/{commitment.id}/agree"
    read = commitment.lock_version  # the version both sides read first
    response = stores.post(agree, json={"lock_version": read})
    assert response.status_code == 200, response.get_json()
    check_response(response, "post", "/api/v1/commitments/{commitment_id}/agree")
    assert response.get_json()["agreed_by"] == [org.stores.id]
    assert response.headers["ETag"]
    both = logistics.post(agree, json={"lock_version": read}).get_json()
    assert sorted(both["agreed_by"]) == sorted([org.logistics.id, org.stores.id])
    taken_back = stores.post(
        f"/api/v1/commitments/{commitment.id}/disagree",
        json={"lock_version": read},
    )
    check_response(taken_back, "post", "/api/v1/commitments/{commitment_id}/disagree")
    assert taken_back.get_json()["agreed_by"] == [org.logistics.id]
    # The owner changes the text: the other side's agreement is gone, theirs stays.
    stores.post(agree, json={"lock_version": read})
    edited = logistics.patch(
        f"/api/v1/commitments/{commitment.id}",
        json={"target": "90", "lock_version": read},
    ).get_json()
    assert edited["agreed_by"] == [org.logistics.id]
    stale = stores.post(agree, json={"lock_version": read})
    error = assert_error(stale, 409, "conflict")
    check_response(stale, "post", "/api/v1/commitments/{commitment_id}/agree")
    assert error["details"]["current"]["lock_version"] == edited["lock_version"]
    for body, field in (({}, "lock_version"), ({"lock_version": "2"}, "lock_version")):
        bad = stores.post(agree, json=body)
        assert list(assert_error(bad, 422, "validation_error")["details"]["errors"]) == [field]
        check_response(bad, "post", "/api/v1/commitments/{commitment_id}/agree")
    member = api_as(org.member_b).post(agree, json={"lock_version": edited["lock_version"]})
    assert_error(member, 403, "forbidden")
    admin = api_as(org.admin)
    unnamed = admin.post(agree, json={"lock_version": edited["lock_version"]})
    assert_error(unnamed, 422, "validation_error", "department_id")
    named = admin.post(
        agree, json={"lock_version": edited["lock_version"], "department_id": org.stores.id}
    )
    assert sorted(named.get_json()["agreed_by"]) == sorted([org.logistics.id, org.stores.id])


def test_the_other_side_may_not_edit_a_commitment_403_not_owner(org, api_as, draft):
    commitment = _mine(draft, org.logistics)
    before = _state(draft.id)
    refused = api_as(org.head_b).patch(
        f"/api/v1/commitments/{commitment.id}", json={"target": "99", "lock_version": 1}
    )
    assert_error(refused, 403, "not_owner")
    check_response(refused, "patch", "/api/v1/commitments/{commitment_id}")
    assert _state(draft.id) == before
    document = served_document()
    described = document["paths"]["/api/v1/commitments/{commitment_id}"]["patch"]["responses"]
    assert "not_owner" in described["403"]["description"]
    codes = document["components"]["schemas"]["ErrorBody"]["properties"]["code"]["description"]
    assert "not_owner" in codes and "not_ready" in codes


def test_submit_is_422_not_ready_until_everything_is_agreed(org, api_as, draft):
    stores, logistics = api_as(org.head_b), api_as(org.head_a)
    asked = _ask(stores, draft)
    submit = f"/api/v1/charters/{draft.id}/submit"
    refused = logistics.post(submit, json={})
    error = assert_error(refused, 422, "not_ready")
    check_response(refused, "post", "/api/v1/charters/{charter_id}/submit")
    ids = sorted(c.id for c in draft.commitments)
    assert error["details"]["open_expectations"] == [asked["id"]]
    assert sorted(error["details"]["unagreed_commitments"]) == ids
    readiness = logistics.get(f"/api/v1/charters/{draft.id}").get_json()["readiness"]
    assert readiness["ready"] is False and sorted(readiness["unagreed_commitments"]) == ids
    described = served_document()["paths"]["/api/v1/charters/{charter_id}/submit"]["post"]
    assert "not_ready" in described["responses"]["422"]["description"]

    logistics.patch(
        f"/api/v1/expectations/{asked['id']}",
        json={"status": "answered", "commitment_ids": [_mine(draft, org.logistics).id]},
    )
    for commitment in draft.commitments:
        for api in (stores, logistics):
            agreed = api.post(
                f"/api/v1/commitments/{commitment.id}/agree",
                json={"lock_version": commitment.lock_version},
            )
            assert agreed.status_code == 200, agreed.get_json()
    detail = logistics.get(f"/api/v1/charters/{draft.id}").get_json()
    assert detail["readiness"] == {
        "ready": True,
        "open_expectations": [],
        "unagreed_commitments": [],
        "open_proposals": [],
    }
    submitted = logistics.post(submit, json={})
    assert submitted.status_code == 201, submitted.get_json()


def test_the_charter_detail_costs_the_same_queries_whatever_its_size(
    org, api_as, make_charter, make_commitment
):
    from sqlalchemy import event

    def cost(charter) -> int:
        api = api_as(org.head_a)
        api.get("/api/v1/me")  # the token's last use is written once
        statements = []

        def count(*_args):
            statements.append(1)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert api.get(f"/api/v1/charters/{charter.id}").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    def charter_of(size: int) -> Charter:
        charter = make_charter(f"Size {size}", commitments=(size, size))
        for line in charter.commitments:
            db.session.add(
                Proposal(
                    commitment_id=line.id,
                    charter_id=charter.id,
                    from_department_id=charter.other_department_id(line.provider_department_id),
                    author_id=org.head_b.id,
                    changes={"target": "1"},
                    base={"target": "95"},
                )
            )
        for i in range(size):
            db.session.add(
                Expectation(
                    charter_id=charter.id,
                    from_department_id=org.stores.id,
                    to_department_id=org.logistics.id,
                    text=f"Expect {i}",
                    customer_reason="x",
                    created_by_id=org.head_b.id,
                    position=i,
                    answers=[charter.commitments[0]],
                )
            )
        db.session.commit()
        return charter

    small, large = cost(charter_of(1)), cost(charter_of(6))
    assert large == small, (small, large)


def test_an_administrator_acting_for_a_side_is_recorded_as_such(org, api_as, draft):
    asked = _ask(api_as(org.head_b), draft)
    admin = api_as(org.admin)
    answered = admin.patch(
        f"/api/v1/expectations/{asked['id']}",
        json={"status": "answered", "commitment_ids": [_mine(draft, org.logistics).id]},
    )
    check_response(answered, "patch", EXPECTATION)
    assert answered.get_json()["decided_as_admin"] is True
    assert answered.get_json()["decided_by"]["id"] == org.admin.id
    line = _mine(draft, org.stores)
    proposed = admin.post(
        f"/api/v1/commitments/{line.id}/proposals", json={"changes": {"target": "80"}}
    )
    check_response(proposed, "post", PROPOSALS)
    assert proposed.get_json()["author_as_admin"] is True
    assert proposed.get_json()["from_department_id"] == org.logistics.id
