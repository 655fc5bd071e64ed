"""Who hears of a charter being written: the pair's heads but the actor, and who is @mentioned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from sla_contracts import jobs
from sla_contracts.charters import operations as ops
from sla_contracts.charters.telling import mentioned_in
from sla_contracts.extensions import db
from sla_contracts.models import Notification, OutboxEmail

from .plugins.charters import COMMITMENT_DEFAULTS

T0 = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


def _kinds(user) -> list[str]:
    return list(
        db.session.scalars(
            select(Notification.kind)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id)
        )
    )


def _open(org):
    charter = ops.create_charter(
        org.head_a,
        title="Logistique ⇄ Magasins",
        department_a_id=org.logistics.id,
        department_b_id=org.stores.id,
        criterion_id=org.criterion.id,
        review_cadence_months=3,
        now=T0,
    )
    db.session.commit()
    return charter


def _commitment(org, charter, title, at):
    data = {**COMMITMENT_DEFAULTS, "title": title}
    commitment = ops.add_commitment(org.head_a, charter, org.logistics.id, data, now=at)
    db.session.commit()
    return commitment


def test_a_draft_opened_tells_the_other_sides_heads_only(org):
    charter = _open(org)
    assert _kinds(org.head_b) == ["draft_opened"]
    assert _kinds(org.head_a) == [] and _kinds(org.member_b) == [] and _kinds(org.outsider) == []
    (note,) = db.session.scalars(select(Notification)).all()
    assert (note.object_type, note.object_id, note.actor_id) == (
        "charter",
        charter.id,
        org.head_a.id,
    )


def test_commitments_added_and_changed_tell_the_other_head_not_the_actor(org):
    charter = _open(org)
    commitment = _commitment(org, charter, "Livraison avant 7 h", T0)
    ops.update_commitment(org.head_a, commitment, commitment.lock_version,
                          {"title": "Livraison avant 6 h"}, now=T0)  # fmt: skip
    ops.update_commitment(org.head_a, commitment, commitment.lock_version,
                          {"title": "Livraison avant 6 h"}, now=T0)  # nothing changed  # fmt: skip
    db.session.commit()
    assert _kinds(org.head_b) == ["draft_opened", "commitment_added", "commitment_changed"]
    assert _kinds(org.head_a) == []


def test_a_comment_tells_the_heads_and_a_mention_tells_the_person(org):
    charter = _open(org)
    ops.add_comment(org.head_b, charter, "@Mia Member can you check? @Olga Outsider too", now=T0)
    db.session.commit()
    assert _kinds(org.member_a) == ["mentioned"]
    assert _kinds(org.head_a) == ["comment_posted"]
    assert _kinds(org.head_b) == ["draft_opened"]  # the author is not told of their comment
    assert _kinds(org.outsider) == []  # not a member of the pair: no mention
    note = db.session.scalar(select(Notification).where(Notification.kind == "mentioned"))
    assert note.link.startswith(f"/charters/{charter.id}#comment-")


def test_a_mentioned_head_is_told_once_as_mentioned(org):
    charter = _open(org)
    ops.add_comment(org.head_b, charter, "Alice, regarde : @alice head", now=T0)
    ops.add_comment(org.head_b, charter, "Et toi @member.mag ?", now=T0)
    db.session.commit()
    assert _kinds(org.head_a) == ["mentioned", "comment_posted"]
    assert _kinds(org.member_b) == ["mentioned"]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("@Hélène Marchand, peux-tu relire ?", ["Hélène Marchand"]),
        ("@hélène marchand.", ["Hélène Marchand"]),
        ("cc @helene.marchand", ["Hélène Marchand"]),
        ("@Hélène Marchand-Roy", ["Hélène Marchand-Roy"]),
        ("@Hélène Marchandise", []),
        ("helene@example.com wrote", []),
        ("@Hélène", []),
    ],
)
def test_mentions_match_a_full_name_or_a_handle(make_user, text, names):
    people = [
        make_user("helene.marchand@example.com", "Hélène Marchand"),
        make_user("hmr@example.com", "Hélène Marchand-Roy"),
    ]
    assert [p.name for p in mentioned_in(text, people)] == names


def test_a_burst_of_drafting_is_one_e_mail_and_the_actor_gets_none(org):
    charter = _open(org)
    first = _commitment(org, charter, "Livraison avant 7 h", T0 + timedelta(minutes=1))
    _commitment(org, charter, "Reprise des invendus", T0 + timedelta(minutes=2))
    ops.update_commitment(org.head_a, first, first.lock_version, {"target": "98"},
                          now=T0 + timedelta(minutes=3))  # fmt: skip
    ops.add_comment(org.head_a, charter, "Voilà notre premier jet.", now=T0 + timedelta(minutes=3))
    db.session.commit()
    assert jobs.send_coalesced(T0 + timedelta(minutes=10)) == 1
    (email,) = db.session.scalars(select(OutboxEmail)).all()
    assert email.recipient == org.head_b.email
    assert (
        "Alice Head opened the draft, added 2 commitments, changed 1 commitment, and wrote "
        "1 comment on “Logistique ⇄ Magasins”." in email.body
    )


def test_waiting_for_me_says_what_changed_and_who_moved_last(org, login_as):
    from sla_contracts.timeutil import utcnow

    now = utcnow()
    charter = ops.create_charter(
        org.head_a, title="Logistique ⇄ Magasins", department_a_id=org.logistics.id,
        department_b_id=org.stores.id, criterion_id=org.criterion.id, review_cadence_months=3,
        now=now - timedelta(minutes=12),
    )  # fmt: skip
    _commitment(org, charter, "Livraison avant 7 h", now - timedelta(minutes=10))
    head = login_as(org.head_b)
    page = head.get("/").get_data(as_text=True)
    assert "Alice Head opened the draft and added 1 commitment" in page
    assert "changed by Alice Head, 10 minutes ago" in page
    head.post("/language", data={"lang": "fr", "next": "/"})
    page = head.get("/").get_data(as_text=True)
    assert "Alice Head a ouvert le brouillon et a ajouté 1 engagement" in page
    assert "modifié par Alice Head, il y a 10 minutes" in page
    inbox = head.get("/inbox").get_data(as_text=True)
    assert "modifié par Alice Head, il y a 10 minutes" in inbox


# ---------------------------------------------------------------- the negotiation


def _params(user, kind) -> dict:
    return db.session.scalar(
        select(Notification.params).where(Notification.user_id == user.id,
                                          Notification.kind == kind)
    )  # fmt: skip


def test_the_negotiation_tells_who_it_concerns_and_never_the_actor(org, make_charter):
    from sla_contracts.charters import negotiation as neg

    charter = make_charter()
    theirs = ops.add_commitment(org.head_b, charter, org.stores.id,
                                {**COMMITMENT_DEFAULTS, "title": "Vitrines"}, now=T0)  # fmt: skip
    asked = neg.add_expectation(org.head_a, charter, text="Commandes avant 14 h",
                                customer_reason="Rayons pleins le matin", now=T0)  # fmt: skip
    declined = neg.add_expectation(org.head_a, charter, text="Inventaire quotidien",
                                   customer_reason="Stocks justes", now=T0)  # fmt: skip
    db.session.commit()
    assert _kinds(org.head_b) == ["expectation_added", "expectation_added"]
    assert _params(org.head_b, "expectation_added")["dept"] == "Logistique"
    neg.decide_expectation(org.head_b, asked, "answered", commitment_ids=[theirs.id], now=T0)
    neg.decide_expectation(org.head_b, declined, "declined", reason="Trop coûteux", now=T0)
    proposal = neg.propose_change(org.head_a, theirs, {"target": "99"}, now=T0)
    db.session.commit()
    assert _kinds(org.head_a) == [
        "commitment_added",
        "expectation_answered",
        "expectation_declined",
    ]
    assert _kinds(org.head_b)[-1] == "proposal_made"  # on their commitment
    assert _params(org.head_a, "expectation_declined")["reason"] == "Trop coûteux"
    neg.reject_proposal(org.head_b, proposal, "Pas tenable", now=T0)
    db.session.commit()
    assert _kinds(org.head_a)[-1] == "proposal_rejected"
    assert _params(org.head_a, "proposal_rejected")["reason"] == "Pas tenable"
    again = neg.propose_change(org.head_a, theirs, {"target": "97"}, now=T0)
    db.session.commit()
    neg.accept_proposal(org.head_b, again, now=T0)
    db.session.commit()
    # Accepting agrees both sides to the only commitment, and nothing is open: ready.
    assert _kinds(org.head_a)[-2:] == ["proposal_accepted", "ready_to_submit"]
    assert "ready_to_submit" not in _kinds(org.head_b)  # the one who completed it
    assert "proposal_made" in _kinds(org.head_b) and _kinds(org.member_a) == []


def test_the_last_agreement_tells_the_other_head_the_draft_is_ready(org, make_charter):
    from sla_contracts.charters import negotiation as neg

    charter = make_charter()
    ours = ops.add_commitment(org.head_a, charter, org.logistics.id,
                              {**COMMITMENT_DEFAULTS, "title": "Livraison"}, now=T0)  # fmt: skip
    theirs = ops.add_commitment(org.head_b, charter, org.stores.id,
                                {**COMMITMENT_DEFAULTS, "title": "Vitrines"}, now=T0)  # fmt: skip
    db.session.commit()
    neg.agree(org.head_b, ours, ours.lock_version, now=T0)
    db.session.commit()
    assert "ready_to_submit" not in _kinds(org.head_a) + _kinds(org.head_b)
    neg.agree(org.head_a, theirs, theirs.lock_version, now=T0 + timedelta(minutes=1))
    db.session.commit()
    assert _kinds(org.head_b)[-1] == "ready_to_submit"
    note = db.session.scalar(select(Notification).where(Notification.kind == "ready_to_submit"))
    from sla_contracts import notifications

    assert notifications.render_text(note, "en") == (
        "Everything is agreed on “Logistique ⇄ Magasins” (Alice Head agreed the last open "
        "point): it is ready to submit."
    )


def test_waiting_for_me_lists_what_my_side_has_left_to_do(org, make_charter, login_as):
    from sla_contracts.charters import negotiation as neg
    from sla_contracts.main.waiting import what_waits_for

    charter = make_charter()
    ours = ops.add_commitment(org.head_a, charter, org.logistics.id,
                              {**COMMITMENT_DEFAULTS, "title": "Livraison"}, now=T0)  # fmt: skip
    theirs = ops.add_commitment(org.head_b, charter, org.stores.id,
                                {**COMMITMENT_DEFAULTS, "title": "Vitrines"}, now=T0)  # fmt: skip
    neg.add_expectation(org.head_a, charter, text="Commandes avant 14 h",
                        customer_reason="Rayons pleins", now=T0)  # fmt: skip
    neg.propose_change(org.head_a, theirs, {"target": "99"}, now=T0)
    ops.mark_visited(org.head_b, charter, now=T0 + timedelta(minutes=1))
    db.session.commit()
    (item,) = what_waits_for(org.head_b).drafts  # seen, but it asks something of Magasins
    assert not item.changed
    assert item.todo == (("answer", 1), ("decide", 1), ("agree", 1))
    page = login_as(org.head_b).get("/").get_data(as_text=True)
    assert "Draft waiting for your answer: Logistique ⇄ Magasins" in page
    assert "1 expectation to answer · 1 proposed change to decide · 1 commitment to agree" in page
    assert ours.id  # Logistique's line is the one Magasins has not agreed to
