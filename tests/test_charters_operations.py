"""Service rules of drafting a charter: creation, commitments, locking, comments, history."""

from __future__ import annotations

import pytest

from sla_contracts.charters import operations as ops
from sla_contracts.charters.history import diff_snapshots
from sla_contracts.errors import CharterStateError, ConflictError, Forbidden, ValidationError
from sla_contracts.extensions import db
from sla_contracts.models import AuditEvent, CharterStatus, Commitment, Revision

from .plugins.charters import COMMITMENT_DEFAULTS


def _create(org, actor=None, **overrides):
    data = {
        "title": "Logistique ⇄ Magasins",
        "department_a_id": org.logistics.id,
        "department_b_id": org.stores.id,
        "criterion_id": org.criterion.id,
        "review_cadence_months": 3,
    }
    data.update(overrides)
    return ops.create_charter(actor or org.head_a, **data)


def test_head_opens_draft_with_first_revision_and_audit_event(org):
    charter = _create(org)
    db.session.commit()
    assert charter.status == CharterStatus.DRAFT
    assert charter.lock_version == 1
    revisions = db.session.scalars(db.select(Revision)).all()
    assert [r.action for r in revisions] == ["created"]
    assert db.session.scalars(db.select(AuditEvent.action)).all() == ["created"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": 12}, "title"),
        ({"department_b_id": "same"}, "department_b_id"),
        ({"department_b_id": 99999}, "department_b_id"),
        ({"criterion_id": 99999}, "criterion_id"),
        ({"criterion_id": None}, "criterion_id"),
        ({"review_cadence_months": 2}, "review_cadence_months"),
        ({"review_cadence_months": "3"}, "review_cadence_months"),
        ({"review_cadence_months": True}, "review_cadence_months"),
    ],
)
def test_bad_charter_input_is_refused_naming_the_field(org, overrides, field):
    if overrides.get("department_b_id") == "same":
        overrides = {"department_b_id": org.logistics.id}
    with pytest.raises(ValidationError) as info:
        _create(org, **overrides)
    assert info.value.field == field


def test_archived_department_or_criterion_cannot_start_a_charter(org):
    from sla_contracts.timeutil import utcnow

    org.stores.archived_at = utcnow()
    with pytest.raises(ValidationError):
        _create(org)
    org.stores.archived_at = None
    org.criterion.archived_at = utcnow()
    with pytest.raises(ValidationError):
        _create(org)


@pytest.mark.parametrize("who", ["member_a", "outsider", "member_b"])
def test_only_a_head_of_either_side_opens_a_charter(org, who):
    with pytest.raises(Forbidden):
        _create(org, actor=getattr(org, who))


def test_head_of_the_other_side_and_admin_may_open(org):
    assert _create(org, actor=org.head_b).department_a_id == org.logistics.id
    assert _create(org, actor=org.admin, title="Admin one").id


def test_commitments_in_both_directions_and_balance(org, make_charter):
    charter = make_charter()
    assert not ops.balance(charter).is_signable
    ops.add_commitment(
        org.head_a, charter, org.logistics.id, {**COMMITMENT_DEFAULTS, "title": "Livrer à J+1"}
    )
    assert ops.balance(charter).missing_b and not ops.balance(charter).missing_a
    ops.add_commitment(
        org.head_b, charter, org.stores.id, {**COMMITMENT_DEFAULTS, "title": "Commander avant 14 h"}
    )
    db.session.commit()
    b = ops.balance(charter)
    assert (b.count_a, b.count_b, b.is_signable) == (1, 1, True)


def test_customer_impact_is_mandatory(org, make_charter):
    charter = make_charter()
    with pytest.raises(ValidationError) as info:
        ops.add_commitment(
            org.head_a,
            charter,
            org.logistics.id,
            {**COMMITMENT_DEFAULTS, "title": "T", "customer_impact": "   "},
        )
    assert info.value.field == "customer_impact"


def test_provider_must_be_a_side_of_the_charter(org, make_charter):
    charter = make_charter()
    with pytest.raises(ValidationError):
        ops.add_commitment(org.head_a, charter, org.it.id, {**COMMITMENT_DEFAULTS, "title": "T"})


@pytest.mark.parametrize("who", ["member_a", "member_b", "outsider"])
def test_only_heads_and_admins_change_a_draft(org, make_charter, who):
    charter = make_charter(commitments=(1, 0))
    with pytest.raises(Forbidden):
        ops.add_commitment(
            getattr(org, who), charter, org.logistics.id, {**COMMITMENT_DEFAULTS, "title": "T"}
        )
    with pytest.raises(Forbidden):
        ops.update_commitment(getattr(org, who), charter.commitments[0], 1, {"title": "X"})


def test_each_head_edits_their_own_side_and_an_administrator_either(org, make_charter):
    charter = make_charter(commitments=(1, 1))
    a_side = charter.commitments_by(org.logistics.id)[0]
    b_side = charter.commitments_by(org.stores.id)[0]
    ops.update_commitment(org.head_b, b_side, b_side.lock_version, {"title": "Reformulé"})
    ops.update_commitment(org.admin, a_side, a_side.lock_version, {"title": "Par l'admin"})
    db.session.commit()
    assert db.session.get(Commitment, b_side.id).title == "Reformulé"
    assert db.session.get(Commitment, a_side.id).title == "Par l'admin"


@pytest.mark.parametrize("status", [CharterStatus.ACTIVE, CharterStatus.ENDED])
def test_non_draft_charter_cannot_be_edited(org, make_charter, status):
    charter = make_charter(status=status, commitments=(1, 1))
    with pytest.raises(CharterStateError):
        ops.update_commitment(org.head_a, charter.commitments[0], 1, {"title": "X"})


def test_second_save_from_same_version_is_refused_and_first_kept(org, make_charter):
    charter = make_charter(commitments=(1, 0))
    commitment = charter.commitments[0]
    seen = commitment.lock_version
    ops.update_commitment(org.head_a, commitment, seen, {"title": "Version d'Alice"})
    db.session.commit()
    with pytest.raises(ConflictError) as info:
        ops.update_commitment(org.admin, commitment, seen, {"title": "Version d'Ada"})
    db.session.rollback()
    assert info.value.details["current_lock_version"] == seen + 1
    assert db.session.get(Commitment, commitment.id).title == "Version d'Alice"


def test_charter_fields_use_optimistic_locking_too(org, make_charter, make_criterion):
    charter = make_charter()
    ops.update_charter(org.head_a, charter, 1, {"title": "Nouveau titre"})
    db.session.commit()
    with pytest.raises(ConflictError):
        ops.update_charter(org.head_b, charter, 1, {"title": "Autre titre"})
    db.session.rollback()
    assert charter.title == "Nouveau titre"
    with pytest.raises(ValidationError):
        ops.update_charter(org.head_a, charter, "2", {"title": "x"})


def test_delete_with_stale_version_is_refused(org, make_charter):
    charter = make_charter(commitments=(1, 0))
    commitment = charter.commitments[0]
    ops.update_commitment(org.head_a, commitment, 1, {"title": "Changed"})
    db.session.commit()
    with pytest.raises(ConflictError):
        ops.delete_commitment(org.admin, commitment, 1)
    ops.delete_commitment(org.admin, commitment, 2)
    db.session.commit()
    assert db.session.get(Commitment, commitment.id) is None


def test_move_reorders_within_one_side(org, make_charter):
    charter = make_charter(commitments=(3, 1))
    first, second, third = charter.commitments_by(org.logistics.id)
    ops.move_commitment(org.head_a, third, -1)
    db.session.commit()
    db.session.expire_all()
    titles = [c.title for c in charter.commitments_by(org.logistics.id)]
    assert titles == [first.title, third.title, second.title]
    ops.move_commitment(org.head_a, first, -1)  # already first: nothing happens
    db.session.commit()
    assert [c.title for c in charter.commitments_by(org.logistics.id)] == titles


def test_every_saved_change_is_a_numbered_revision_and_diff_is_field_by_field(org, make_charter):
    charter = _create(org)
    c = ops.add_commitment(
        org.head_a, charter, org.logistics.id, {**COMMITMENT_DEFAULTS, "title": "Livrer"}
    )
    ops.update_commitment(org.admin, c, c.lock_version, {"target": "98"})
    ops.delete_commitment(org.head_a, c)
    db.session.commit()
    revisions = db.session.scalars(
        db.select(Revision).where(Revision.charter_id == charter.id).order_by(Revision.number)
    ).all()
    assert [r.number for r in revisions] == [1, 2, 3, 4]
    assert [r.action for r in revisions] == [
        "created",
        "commitment_added",
        "commitment_updated",
        "commitment_removed",
    ]
    assert revisions[2].author_id == org.admin.id
    diff = diff_snapshots(revisions[1].snapshot, revisions[2].snapshot)
    assert [
        (ch.kind, [(f.field, f.before, f.after) for f in ch.fields]) for ch in diff.commitments
    ] == [("changed", [("target", "95", "98")])]
    removed = diff_snapshots(revisions[2].snapshot, revisions[3].snapshot)
    assert removed.commitments[0].kind == "removed"
    added = diff_snapshots(revisions[0].snapshot, revisions[1].snapshot)
    assert added.commitments[0].kind == "added"


def test_comments_on_charter_and_commitment_and_resolution(org, make_charter):
    charter = make_charter(commitments=(1, 0))
    general = ops.add_comment(org.member_b, charter, "Qui mesure ?")
    precise = ops.add_comment(
        org.head_b, charter, "48 h, c'est tenable ?", commitment_id=charter.commitments[0].id
    )
    db.session.commit()
    assert general.commitment_id is None and precise.commitment_id == charter.commitments[0].id
    with pytest.raises(Forbidden):
        ops.set_comment_resolved(org.member_a, precise, True)
    ops.set_comment_resolved(org.member_b, general, True)  # its author may
    ops.set_comment_resolved(org.head_a, precise, True)
    db.session.commit()
    assert general.is_resolved and precise.is_resolved
    ops.set_comment_resolved(org.head_a, precise, False)
    assert not precise.is_resolved


def test_comment_on_commitment_of_another_charter_is_refused(org, make_charter):
    one = make_charter(commitments=(1, 0))
    other = make_charter("Other")
    with pytest.raises(ValidationError):
        ops.add_comment(org.head_a, other, "x", commitment_id=one.commitments[0].id)
    with pytest.raises(ValidationError):
        ops.add_comment(org.head_a, other, "")


def test_home_lists_charters_by_status_and_new_activity_since_last_visit(org, make_charter):
    from sla_contracts.main.dashboard import home_for

    charter = _create(org)
    db.session.commit()
    home = home_for(org.head_b)
    assert charter in home.by_status[CharterStatus.DRAFT]
    assert charter in home.waiting  # opened by A, never seen by B
    assert charter not in home_for(org.head_a).waiting  # A's own change
    ops.mark_visited(org.head_b, charter)
    db.session.commit()
    assert charter not in home_for(org.head_b).waiting
    ops.add_comment(org.head_a, charter, "Je propose J+1")
    db.session.commit()
    assert charter in home_for(org.head_b).waiting
    assert home_for(org.outsider).total == 0


def test_audit_and_history_name_only_the_fields_that_changed(org, make_charter):
    charter = make_charter(commitments=(1, 0))
    commitment = charter.commitments[0]
    everything = {**COMMITMENT_DEFAULTS, "title": commitment.title, "target": "99"}
    ops.update_commitment(org.head_a, commitment, 1, everything)
    ops.update_charter(
        org.head_a,
        charter,
        1,
        {"title": "Nouveau", "review_cadence_months": 3, "criterion_id": charter.criterion_id},
    )
    db.session.commit()
    events = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert events[-2].data["fields"] == ["target"]
    assert events[-1].data["fields"] == ["title"]
    last = db.session.scalars(db.select(Revision).order_by(Revision.id.desc())).first()
    assert last.summary == "title"
