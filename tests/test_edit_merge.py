"""Merge instead of refuse: two people editing a charter or a commitment from forms opened at
the same version both keep their work; only a field both changed conflicts, and "keep mine"
is recorded as overriding the other person's value."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from sla_contracts.charters import editing
from sla_contracts.charters import operations as ops
from sla_contracts.extensions import db
from sla_contracts.merging import highlight, merge
from sla_contracts.models import AuditEvent, Charter, Commitment, Revision

from .plugins.charters import COMMITMENT_DEFAULTS

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def charter(make_charter):
    return make_charter(commitments=(1, 1))


@pytest.fixture
def commitment(charter, org) -> Commitment:
    return charter.commitments_by(org.logistics.id)[0]


def _opened(commitment: Commitment) -> tuple[int, dict[str, str]]:
    return commitment.lock_version, editing.commitment_values(commitment)


def _revision(charter: Charter) -> Revision:
    return db.session.scalars(
        select(Revision).where(Revision.charter_id == charter.id).order_by(Revision.number.desc())
    ).first()


# ---------------------------------------------------------------- the merge rules


def test_merge_takes_each_side_where_only_it_changed_and_names_shared_changes():
    seen = {"a": "1", "b": "1", "c": "1", "d": "1"}
    now = {"a": "2", "b": "1", "c": "2", "d": "2"}  # someone changed a, c and d
    sent = {"a": "1", "b": "3", "c": "3", "d": "2"}  # I changed b, c, and d like them
    values, conflicts = merge(sent, seen, now)
    assert values == {"a": "2", "b": "3", "c": "3", "d": "2"}
    assert conflicts == ["c"]


def test_highlight_marks_the_words_that_differ():
    theirs, mine = highlight("Livrer à J+1 avant midi", "Livrer à J+2 avant midi")
    assert [s.text for s in theirs if s.changed] == ["1"]
    assert [s.text for s in mine if s.changed] == ["2"]
    assert "".join(s.text for s in mine) == "Livrer à J+2 avant midi"


# ---------------------------------------------------------------- services


def test_head_and_admin_changing_different_fields_of_a_commitment_both_saved(commitment, org):
    seen, base = _opened(commitment)
    ops.update_commitment(org.head_a, commitment, seen, {**base, "target": "97"}, base=base)
    db.session.commit()
    ops.update_commitment(org.admin, commitment, seen, {**base, "unit": "% des cas"}, base=base)
    db.session.commit()
    db.session.expire_all()
    assert (commitment.target, commitment.unit) == ("97", "% des cas")
    assert commitment.lock_version == seen + 2


def test_same_field_changed_by_both_conflicts_naming_who_and_when(commitment, org):
    seen, base = _opened(commitment)
    ops.update_commitment(
        org.head_a, commitment, seen, {**base, "target": "97"}, base=base, now=NOW
    )
    db.session.commit()
    with pytest.raises(editing.EditConflict) as caught:
        ops.update_commitment(
            org.admin, commitment, seen, {**base, "target": "99", "unit": "pts"}, base=base
        )
    db.session.rollback()
    conflict = caught.value.conflicts["target"]
    assert list(caught.value.conflicts) == ["target"]  # the unit only I changed: no conflict
    assert (conflict.theirs, conflict.mine, conflict.by) == ("97", "99", org.head_a.name)
    assert conflict.at == NOW
    assert caught.value.merged["unit"] == "pts" and caught.value.merged["target"] == "99"
    db.session.expire_all()
    assert (commitment.target, commitment.unit) == ("97", "%")  # nothing of mine saved


def test_keep_mine_overrides_theirs_and_the_history_says_so(commitment, charter, org):
    seen, base = _opened(commitment)
    ops.update_commitment(
        org.head_a, commitment, seen, {**base, "target": "97"}, base=base, now=NOW
    )
    db.session.commit()
    with pytest.raises(editing.EditConflict):
        ops.update_commitment(org.admin, commitment, seen, {**base, "target": "99"}, base=base)
    db.session.rollback()
    # The conflict screen's new base is what is saved now; "keep mine" names the field.
    seen, base = _opened(commitment)
    later = NOW + timedelta(minutes=5)
    ops.update_commitment(
        org.admin,
        commitment,
        seen,
        {**base, "target": "99"},
        base=base,
        overriding=["target"],
        now=later,
    )
    db.session.commit()
    db.session.expire_all()
    assert commitment.target == "99"
    revision = _revision(charter)
    assert revision.action == "commitment_override" and revision.author_id == org.admin.id
    event = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == "commitment")
        .order_by(AuditEvent.id.desc())
    ).first()
    assert event.data["overriding"] == {
        "target": {"value": "97", "by": org.head_a.name, "at": NOW.isoformat()}
    }


def test_two_sides_changing_different_charter_fields_both_saved(charter, org, make_criterion):
    other = make_criterion("Délai de livraison")
    seen, base = charter.lock_version, editing.charter_values(charter)
    typed = {
        "title": charter.title,
        "criterion_id": charter.criterion_id,
        "review_cadence_months": charter.review_cadence_months,
    }
    ops.update_charter(org.head_a, charter, seen, {**typed, "title": "Titre A"}, base=base)
    db.session.commit()
    ops.update_charter(org.head_b, charter, seen, {**typed, "criterion_id": other.id}, base=base)
    db.session.commit()
    db.session.expire_all()
    assert (charter.title, charter.criterion_id) == ("Titre A", other.id)
    # The title both changed: a conflict naming the first head (the revisions say who).
    with pytest.raises(editing.EditConflict) as caught:
        ops.update_charter(org.head_b, charter, seen, {**typed, "title": "Titre B"}, base=base)
    db.session.rollback()
    assert list(caught.value.conflicts) == ["title"]
    assert caught.value.conflicts["title"].by == org.head_a.name


def test_api_style_save_without_base_stays_strict(commitment, org):
    seen = commitment.lock_version
    ops.update_commitment(org.head_a, commitment, seen, {"target": "97"})
    db.session.commit()
    with pytest.raises(editing.ConflictError) as caught:
        ops.update_commitment(org.admin, commitment, seen, {"unit": "pts"})
    assert not isinstance(caught.value, editing.EditConflict)
