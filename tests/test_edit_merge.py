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


# ---------------------------------------------------------------- pages


def _hidden(page: str, name: str) -> str:
    return html.unescape(re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page).group(1))


def _commitment_form(page: str, commitment: Commitment, **changes) -> dict[str, str]:
    """What a browser posts from the edit form as opened, with ``changes`` typed in."""
    values = editing.commitment_values(commitment)
    return {
        **values,
        "lock_version": _hidden(page, "lock_version"),
        "base": _hidden(page, "base"),
        **changes,
    }


def _open_twice(charter, commitment, org, login_as):
    """The head of the providing side and an administrator open the same commitment."""
    alice, ada = login_as(org.head_a), login_as(org.admin)
    url = f"/charters/{charter.id}/commitments/{commitment.id}/edit"
    a_page, b_page = alice.get(url).get_data(as_text=True), ada.get(url).get_data(as_text=True)
    return url, (alice, a_page), (ada, b_page)


def test_page_different_fields_from_forms_opened_together_both_saved(
    charter, commitment, org, login_as
):
    url, (alice, a_page), (ada, b_page) = _open_twice(charter, commitment, org, login_as)
    a_form = _commitment_form(a_page, commitment, target="97")
    b_form = _commitment_form(b_page, commitment, measurement_frequency="Chaque semaine")
    assert alice.post(url, a_form).status_code == 302
    assert ada.post(url, b_form).status_code == 302
    db.session.expire_all()
    assert (commitment.target, commitment.measurement_frequency) == ("97", "Chaque semaine")


def test_page_same_field_shows_conflict_with_both_values_who_and_when(
    charter, commitment, org, login_as
):
    url, (alice, a_page), (ada, b_page) = _open_twice(charter, commitment, org, login_as)
    a_form = _commitment_form(a_page, commitment, title="Livrer à J+1 avant midi")
    b_form = _commitment_form(b_page, commitment, title="Livrer à J+2 avant midi", unit="pts")
    assert alice.post(url, a_form).status_code == 302
    stale = ada.post(url, b_form)
    assert stale.status_code == 409
    page = html.unescape(stale.get_data(as_text=True))
    assert re.findall(r'id="conflict-([a-z_]+)"', page) == ["title"]  # the unit: not a conflict
    assert f"changed by {org.head_a.name}" in page
    assert "Livrer à J+" in page and "<del>1</del>" in page and "<ins>2</ins>" in page
    assert 'value="Livrer à J+2 avant midi"' in page  # my entry stays in the form
    assert 'value="pts"' in page
    db.session.expire_all()
    assert (commitment.title, commitment.unit) == ("Livrer à J+1 avant midi", "%")


def _conflict(charter, commitment, org, login_as):
    url, (alice, a_page), (ada, b_page) = _open_twice(charter, commitment, org, login_as)
    alice.post(url, _commitment_form(a_page, commitment, title="Titre d'Alice"))
    stale = ada.post(url, _commitment_form(b_page, commitment, title="Titre d'Ada", unit="pts"))
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    again = {
        **editing.commitment_values(commitment),
        "title": "Titre d'Ada",
        "unit": "pts",
        "lock_version": _hidden(page, "lock_version"),
        "base": _hidden(page, "base"),
    }
    return url, ada, again


def test_keep_theirs_saves_my_other_changes_and_their_value(charter, commitment, org, login_as):
    url, ada, again = _conflict(charter, commitment, org, login_as)
    assert ada.post(url, {**again, "resolve": "theirs"}).status_code == 302
    db.session.expire_all()
    assert (commitment.title, commitment.unit) == ("Titre d'Alice", "pts")
    assert _revision(charter).action == "commitment_updated"


def test_keep_mine_saves_mine_recorded_as_overriding_theirs(charter, commitment, org, login_as):
    url, ada, again = _conflict(charter, commitment, org, login_as)
    assert ada.post(url, {**again, "resolve": "mine"}).status_code == 302
    db.session.expire_all()
    assert (commitment.title, commitment.unit) == ("Titre d'Ada", "pts")
    revision = _revision(charter)
    assert revision.action == "commitment_override" and revision.author_id == org.admin.id
    history = login_as(org.head_b).get(f"/charters/{charter.id}/history").get_data(as_text=True)
    assert "Commitment changed over another person&#39;s change" in history


def test_a_forged_base_is_ignored_and_the_save_is_strict(charter, commitment, org, login_as):
    url, (alice, a_page), (ada, b_page) = _open_twice(charter, commitment, org, login_as)
    alice.post(url, _commitment_form(a_page, commitment, target="97"))
    forged = _commitment_form(b_page, commitment, unit="pts", base="forged")
    assert ada.post(url, forged).status_code == 409  # no trusted base: refused, text kept
    db.session.expire_all()
    assert commitment.unit == "%"


def test_charter_edit_page_merges_and_conflicts_on_the_title(charter, org, login_as):
    alice, bruno = login_as(org.head_a), login_as(org.head_b)
    url = f"/charters/{charter.id}/edit"
    pages = [alice.get(url).get_data(as_text=True), bruno.get(url).get_data(as_text=True)]
    forms = [
        {
            "title": charter.title,
            "criterion_id": charter.criterion_id,
            "review_cadence_months": charter.review_cadence_months,
            "lock_version": _hidden(p, "lock_version"),
            "base": _hidden(p, "base"),
        }
        for p in pages
    ]
    assert alice.post(url, {**forms[0], "title": "Titre A"}).status_code == 302
    assert bruno.post(url, {**forms[1], "review_cadence_months": 6}).status_code == 302
    db.session.expire_all()
    assert (charter.title, charter.review_cadence_months) == ("Titre A", 6)
    stale = bruno.post(url, {**forms[1], "title": "Titre B"})
    assert stale.status_code == 409
    page = html.unescape(stale.get_data(as_text=True))
    assert re.findall(r'id="conflict-([a-z_]+)"', page) == ["title"]
    assert f"changed by {org.head_a.name}" in page


def test_keep_theirs_with_nothing_else_changed_saves_nothing(charter, commitment, org, login_as):
    url, (alice, a_page), (ada, b_page) = _open_twice(charter, commitment, org, login_as)
    alice.post(url, _commitment_form(a_page, commitment, target="97"))
    stale = ada.post(url, _commitment_form(b_page, commitment, target="99"))
    assert stale.status_code == 409
    db.session.expire_all()
    before = (commitment.lock_version, _revision(charter).number)
    page = stale.get_data(as_text=True)
    again = _commitment_form(page, commitment, target="99", resolve="theirs")
    assert ada.post(url, again).status_code == 302
    db.session.expire_all()
    assert commitment.target == "97"
    assert (commitment.lock_version, _revision(charter).number) == before  # no empty revision


def test_charter_keep_theirs_puts_their_criterion_back(charter, org, login_as, make_criterion):
    first, second = make_criterion("Délai de livraison"), make_criterion("Taux de casse")
    alice, bruno = login_as(org.head_a), login_as(org.head_b)
    url = f"/charters/{charter.id}/edit"
    pages = [alice.get(url).get_data(as_text=True), bruno.get(url).get_data(as_text=True)]
    forms = [
        {
            "title": charter.title,
            "criterion_id": charter.criterion_id,
            "review_cadence_months": charter.review_cadence_months,
            "lock_version": _hidden(p, "lock_version"),
            "base": _hidden(p, "base"),
        }
        for p in pages
    ]
    assert alice.post(url, {**forms[0], "criterion_id": first.id}).status_code == 302
    stale = bruno.post(url, {**forms[1], "criterion_id": second.id, "title": "Titre B"})
    assert stale.status_code == 409
    page = html.unescape(stale.get_data(as_text=True))
    assert "Délai de livraison" in page and "Taux de casse" in page  # names, not ids
    again = {
        **forms[1],
        "criterion_id": second.id,
        "title": "Titre B",
        "lock_version": _hidden(page, "lock_version"),
        "base": _hidden(page, "base"),
        "resolve": "theirs",
    }
    assert bruno.post(url, again).status_code == 302
    db.session.expire_all()
    assert (charter.criterion_id, charter.title) == (first.id, "Titre B")
