"""Negotiating a draft: expectations and answers, ownership of commitments, proposals,
line-by-line agreement, and what blocks submission."""

from __future__ import annotations

import pytest

from sla_contracts.charters import negotiation as neg
from sla_contracts.charters import operations as ops
from sla_contracts.errors import (
    CharterStateError,
    ConflictError,
    Forbidden,
    NotOwner,
    NotReady,
    ValidationError,
)
from sla_contracts.extensions import db
from sla_contracts.models import AuditEvent, CharterStatus, ExpectationStatus, ProposalStatus
from sla_contracts.signing.signatures import submit_charter

from .plugins.charters import COMMITMENT_DEFAULTS


@pytest.fixture
def draft(org, make_charter):
    return make_charter()


def _add(actor, charter, provider, title="Deliver by 7 am"):
    commitment = ops.add_commitment(
        actor, charter, provider.id, {**COMMITMENT_DEFAULTS, "title": title}
    )
    db.session.commit()
    return commitment


def _expect(actor, charter, text="Orders before 2 pm"):
    expectation = neg.add_expectation(
        actor, charter, text=text, customer_reason="Shelves full in the morning"
    )
    db.session.commit()
    return expectation


# ---------------------------------------------------------------- ownership


def test_each_side_writes_only_its_own_commitments(org, draft):
    mine = _add(org.head_a, draft, org.logistics)
    assert mine.created_by_id == org.head_a.id and mine.updated_by_id == org.head_a.id
    with pytest.raises(NotOwner) as refused:
        ops.add_commitment(
            org.head_b, draft, org.logistics.id, dict(COMMITMENT_DEFAULTS, title="x")
        )
    assert refused.value.code == "not_owner" and refused.value.status == 403
    db.session.rollback()
    for change in (
        lambda: ops.update_commitment(org.head_b, mine, mine.lock_version, {"target": "99"}),
        lambda: ops.delete_commitment(org.head_b, mine),
        lambda: ops.move_commitment(org.head_b, mine, 1),
    ):
        with pytest.raises(NotOwner):
            change()
        db.session.rollback()
    assert db.session.get(type(mine), mine.id).target == "95"


def test_administrator_acts_for_a_side_and_it_is_recorded(org, draft):
    commitment = _add(org.admin, draft, org.stores)
    assert commitment.agreed_by == [org.stores.id]
    assert commitment.agreements[0].as_admin is True
    event = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.object_type == "commitment")
    ).one()
    assert event.data["as_admin"] is True


# ---------------------------------------------------------------- agreement


def test_the_author_agrees_and_any_change_clears_the_other_sides_agreement(org, draft):
    commitment = _add(org.head_a, draft, org.logistics)
    assert commitment.agreed_by == [org.logistics.id] and not commitment.is_agreed
    neg.agree(org.head_b, commitment, commitment.lock_version)
    db.session.commit()
    assert commitment.agreed_by == [org.logistics.id, org.stores.id] and commitment.is_agreed
    ops.update_commitment(org.head_a, commitment, commitment.lock_version, {"target": "97"})
    db.session.commit()
    assert commitment.agreed_by == [org.logistics.id]
    # Saving the same text again changes nothing, so clears nothing.
    neg.agree(org.head_b, commitment, commitment.lock_version)
    ops.update_commitment(org.head_a, commitment, commitment.lock_version, {"target": "97"})
    db.session.commit()
    assert commitment.is_agreed


def test_agreeing_to_a_text_one_has_not_read_is_a_conflict(org, draft):
    commitment = _add(org.head_a, draft, org.logistics)
    seen = commitment.lock_version
    ops.update_commitment(org.head_a, commitment, seen, {"target": "97"})
    db.session.commit()
    with pytest.raises(ConflictError) as conflict:
        neg.agree(org.head_b, commitment, seen)
    assert conflict.value.details["current_lock_version"] == seen + 1
    db.session.rollback()
    assert not db.session.get(type(commitment), commitment.id).is_agreed


def test_an_administrator_names_the_side_and_outsiders_cannot_agree(org, draft):
    commitment = _add(org.head_a, draft, org.logistics)
    with pytest.raises(ValidationError) as unnamed:
        neg.agree(org.admin, commitment, commitment.lock_version)
    assert unnamed.value.field == "department_id"
    db.session.rollback()
    neg.agree(org.admin, commitment, commitment.lock_version, department_id=org.stores.id)
    db.session.commit()
    assert commitment.is_agreed
    with pytest.raises(Forbidden):
        neg.agree(org.outsider, commitment, commitment.lock_version)
    with pytest.raises(Forbidden):
        neg.agree(org.member_b, commitment, commitment.lock_version)


def test_taking_an_agreement_back(org, draft):
    commitment = _add(org.head_a, draft, org.logistics)
    neg.agree(org.head_b, commitment, commitment.lock_version)
    neg.agree(org.head_b, commitment, commitment.lock_version, agreed=False)
    db.session.commit()
    assert commitment.agreed_by == [org.logistics.id]


# ---------------------------------------------------------------- expectations


def test_expectation_is_asked_by_the_callers_side_and_answered_by_the_other(org, draft):
    expectation = _expect(org.head_b, draft)
    assert (expectation.from_department_id, expectation.to_department_id) == (
        org.stores.id,
        org.logistics.id,
    )
    assert expectation.status == ExpectationStatus.OPEN
    commitment = _add(org.head_a, draft, org.logistics)
    theirs = _add(org.head_b, draft, org.stores, "Order by 2 pm")
    with pytest.raises(Forbidden):  # the asking side does not answer its own expectation
        neg.decide_expectation(org.head_b, expectation, "answered", commitment_ids=[theirs.id])
    db.session.rollback()
    with pytest.raises(ValidationError) as wrong_side:  # answered by the addressee's commitments
        neg.decide_expectation(org.head_a, expectation, "answered", commitment_ids=[theirs.id])
    assert wrong_side.value.details["unknown_commitment_ids"] == [theirs.id]
    db.session.rollback()
    neg.decide_expectation(org.head_a, expectation, "answered", commitment_ids=[commitment.id])
    db.session.commit()
    assert expectation.status == ExpectationStatus.ANSWERED
    assert expectation.answer_ids == [commitment.id]
    assert expectation.decided_by_id == org.head_a.id


def test_declining_needs_a_reason_and_withdrawing_is_the_askers(org, draft):
    expectation = _expect(org.head_b, draft)
    with pytest.raises(ValidationError) as no_reason:
        neg.decide_expectation(org.head_a, expectation, "declined", reason="  ")
    assert no_reason.value.field == "reason"
    db.session.rollback()
    neg.decide_expectation(org.head_a, expectation, "declined", reason="No trucks on Sunday")
    db.session.commit()
    assert expectation.decline_reason == "No trucks on Sunday"
    with pytest.raises(Forbidden):
        neg.decide_expectation(org.head_a, expectation, "withdrawn")
    db.session.rollback()
    neg.decide_expectation(org.head_b, expectation, "withdrawn")
    db.session.commit()
    assert expectation.status == ExpectationStatus.WITHDRAWN
    assert draft.expectations_of(org.stores.id) == []
    with pytest.raises(ValidationError):
        neg.decide_expectation(org.head_b, expectation, "maybe")


def test_rewording_an_answered_expectation_opens_it_again(org, draft):
    expectation = _expect(org.head_b, draft)
    commitment = _add(org.head_a, draft, org.logistics)
    neg.decide_expectation(org.head_a, expectation, "answered", commitment_ids=[commitment.id])
    db.session.commit()
    with pytest.raises(Forbidden):
        neg.update_expectation(org.head_a, expectation, {"text": "Something else"})
    db.session.rollback()
    neg.update_expectation(
        org.head_b, expectation, {"text": "Orders before noon"}, expectation.lock_version
    )
    db.session.commit()
    assert expectation.status == ExpectationStatus.OPEN and expectation.answers == []


def test_removing_the_only_answering_commitment_reopens_the_expectation(org, draft):
    expectation = _expect(org.head_b, draft)
    commitment = _add(org.head_a, draft, org.logistics)
    neg.decide_expectation(org.head_a, expectation, "answered", commitment_ids=[commitment.id])
    db.session.commit()
    ops.delete_commitment(org.head_a, commitment)
    db.session.commit()
    db.session.refresh(expectation)
    assert expectation.status == ExpectationStatus.OPEN and expectation.answers == []


def test_outsiders_and_members_cannot_ask(org, draft):
    for person in (org.outsider, org.member_a):
        with pytest.raises(Forbidden):
            neg.add_expectation(person, draft, text="x", customer_reason="y")
        db.session.rollback()


# ---------------------------------------------------------------- proposals


def test_proposal_accepted_applies_the_changes_and_both_agree(org, draft):
    commitment = _add(org.head_a, draft, org.logistics)
    with pytest.raises(Forbidden):  # the owner edits instead
        neg.propose_change(org.head_a, commitment, {"target": "90"})
    db.session.rollback()
    proposal = neg.propose_change(org.head_b, commitment, {"target": "99", "title": "Deliver by 6"})
    db.session.commit()
    assert proposal.base == {"target": "95", "title": "Deliver by 7 am"}
    assert proposal.status == ProposalStatus.OPEN
    with pytest.raises(NotOwner):  # only the owner accepts
        neg.accept_proposal(org.head_b, proposal)
    db.session.rollback()
    neg.accept_proposal(org.head_a, proposal)
    db.session.commit()
    db.session.refresh(commitment)
    assert (commitment.target, commitment.title) == ("99", "Deliver by 6")
    assert commitment.is_agreed and proposal.status == ProposalStatus.ACCEPTED
    with pytest.raises(CharterStateError):
        neg.accept_proposal(org.head_a, proposal)


def test_proposal_rejected_with_a_reason_and_an_edit_counter_proposes(org, draft):
    commitment = _add(org.head_a, draft, org.logistics)
    neg.agree(org.head_b, commitment, commitment.lock_version)
    first = neg.propose_change(org.head_b, commitment, {"target": "99"})
    db.session.commit()
    assert commitment.agreed_by == [org.logistics.id]  # proposing withdraws one's agreement
    with pytest.raises(ValidationError):
        neg.reject_proposal(org.head_a, first, "")
    db.session.rollback()
    neg.reject_proposal(org.head_a, first, "Trucks leave at 6")
    db.session.commit()
    assert first.status == ProposalStatus.REJECTED and first.reason == "Trucks leave at 6"
    second = neg.propose_change(org.head_b, commitment, {"target": "98"})
    db.session.commit()
    ops.update_commitment(org.head_a, commitment, commitment.lock_version, {"target": "97"})
    db.session.commit()
    assert second.status == ProposalStatus.SUPERSEDED


def test_a_proposal_on_a_changed_field_cannot_be_accepted_blindly(org, draft):
    commitment = _add(org.head_a, draft, org.logistics)
    proposal = neg.propose_change(org.head_b, commitment, {"target": "99"})
    db.session.commit()
    db.session.execute(
        db.update(type(commitment)).where(type(commitment).id == commitment.id).values(target="96")
    )
    db.session.commit()
    db.session.refresh(commitment)
    with pytest.raises(ConflictError) as conflict:
        neg.accept_proposal(org.head_a, proposal)
    assert conflict.value.details["fields"] == ["target"]


def test_a_proposal_must_change_something_known(org, draft):
    commitment = _add(org.head_a, draft, org.logistics)
    for changes, field in (
        ({}, "changes"),
        ({"target": "95"}, "changes"),
        ({"nope": 1}, "changes"),
    ):
        with pytest.raises(ValidationError) as refused:
            neg.propose_change(org.head_b, commitment, changes)
        assert refused.value.field == field
        db.session.rollback()


# ---------------------------------------------------------------- readiness


def test_submit_is_refused_while_an_expectation_is_open_or_a_line_is_unagreed(org, draft):
    mine = _add(org.head_a, draft, org.logistics)
    theirs = _add(org.head_b, draft, org.stores, "Order by 2 pm")
    expectation = _expect(org.head_b, draft)
    with pytest.raises(NotReady) as blocked:
        submit_charter(org.head_a, draft)
    assert blocked.value.code == "not_ready"
    assert blocked.value.details == {
        "open_expectations": [expectation.id],
        "unagreed_commitments": [mine.id, theirs.id],
    }
    db.session.rollback()
    neg.decide_expectation(org.head_a, expectation, "answered", commitment_ids=[mine.id])
    neg.agree(org.head_b, mine, mine.lock_version)
    neg.agree(org.head_a, theirs, theirs.lock_version)
    db.session.commit()
    assert neg.readiness(draft).is_ready
    version = submit_charter(org.head_a, draft)
    db.session.commit()
    assert draft.status == CharterStatus.AWAITING_SIGNATURES
    frozen = version.content
    assert "Orders before 2 pm" in frozen and "Shelves full in the morning" in frozen


def test_an_owner_edit_of_other_fields_leaves_a_proposal_open(org, draft):
    commitment = _add(org.head_a, draft, org.logistics)
    proposal = neg.propose_change(org.head_b, commitment, {"measurement_frequency": "Weekly"})
    db.session.commit()
    ops.update_commitment(org.head_a, commitment, commitment.lock_version, {"target": "85"})
    db.session.commit()
    assert proposal.status == ProposalStatus.OPEN
    assert commitment.last_answered_proposal is None
    ops.update_commitment(
        org.head_a, commitment, commitment.lock_version, {"measurement_frequency": "Daily"}
    )
    db.session.commit()
    assert proposal.status == ProposalStatus.SUPERSEDED
    assert commitment.last_answered_proposal == proposal
