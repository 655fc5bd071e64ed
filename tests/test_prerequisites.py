"""A commitment names the other side's commitments it depends on, while co-writing: checked
(other side, same charter, not itself, no two waiting for each other), merged and recorded like
any edit, shown on the charter page, frozen into the version and its signed PDF, and in the API."""

from __future__ import annotations

import html
import re
import subprocess

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from sla_contracts.charters import editing
from sla_contracts.charters import operations as ops
from sla_contracts.charters.history import snapshot
from sla_contracts.errors import NotOwner, ValidationError
from sla_contracts.extensions import db
from sla_contracts.models import Commitment, Revision, commitment_prerequisites
from sla_contracts.signing import pdf_store
from tests.api_helpers import check_response
from tests.signing_helpers import sign_both


@pytest.fixture(autouse=True)
def english(app):
    """The services' messages in English (outside a request the locale is French)."""
    with app.test_request_context(), force_locale("en"):
        yield


@pytest.fixture
def draft(make_charter):
    return make_charter(commitments=(1, 2))


def _sides(charter, org):
    ours = charter.commitments_by(org.logistics.id)[0]
    theirs = charter.commitments_by(org.stores.id)
    return ours, theirs


def _depend(actor, commitment, ids, **kw):
    ops.update_commitment(
        actor, commitment, commitment.lock_version, {"prerequisite_ids": ids}, **kw
    )
    db.session.commit()
    db.session.expire_all()


def _pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "charter.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def _hidden(page: str, name: str) -> str:
    return html.unescape(re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page).group(1))


# ---------------------------------------------------------------- the service


def test_owner_names_prerequisites_and_the_other_sides_agreement_is_cleared(draft, org):
    ours, theirs = _sides(draft, org)
    assert ours.is_agreed
    _depend(org.head_a, ours, [theirs[1].id, theirs[0].id])
    assert ours.prerequisite_ids == sorted(c.id for c in theirs)
    assert [c.id for c in theirs[0].dependents] == [ours.id]
    assert ours.agreed_by == [org.logistics.id]  # the other side agrees again to the new terms
    revision = db.session.scalars(
        select(Revision).where(Revision.charter_id == draft.id).order_by(Revision.number.desc())
    ).first()
    assert revision.action == "commitment_updated"
    assert (revision.object_type, revision.object_id) == ("commitment", ours.id)
    recorded = next(c for c in revision.snapshot["commitments"] if c["id"] == ours.id)
    assert recorded["prerequisite_ids"] == sorted(c.id for c in theirs)


@pytest.mark.parametrize(
    "pick, message",
    [
        ("own_side", "only on commitments the other department provides"),
        ("itself", "cannot depend on itself"),
        ("other_charter", "only on commitments the other department provides"),
        ("not_a_list", "list of commitment ids"),
    ],
)
def test_refused_prerequisites_name_the_field(
    draft, org, make_charter, make_commitment, pick, message
):
    ours, _theirs = _sides(draft, org)
    sibling = make_commitment(draft, org.logistics, "Another of ours")
    elsewhere = make_charter("Autre").commitments
    other = make_commitment(make_charter("Autre charte"), org.stores, "Elsewhere")
    ids = {
        "own_side": [sibling.id],
        "itself": [ours.id],
        "other_charter": [other.id],
        "not_a_list": [True],
    }[pick]
    assert elsewhere == []
    with pytest.raises(ValidationError) as refused:
        ops.update_commitment(org.head_a, ours, ours.lock_version, {"prerequisite_ids": ids})
    assert refused.value.field == "prerequisite_ids"
    assert message in refused.value.message
    db.session.rollback()
    assert ours.prerequisite_ids == []


def test_two_commitments_cannot_each_wait_for_the_other(draft, org):
    ours, theirs = _sides(draft, org)
    _depend(org.head_a, ours, [theirs[0].id])
    with pytest.raises(ValidationError) as refused:
        ops.update_commitment(
            org.head_b, theirs[0], theirs[0].lock_version, {"prerequisite_ids": [ours.id]}
        )
    assert "already depends on this commitment" in refused.value.message
    assert ours.title in refused.value.message


def test_the_other_sides_head_cannot_set_prerequisites(draft, org):
    ours, theirs = _sides(draft, org)
    with pytest.raises(NotOwner):
        ops.update_commitment(
            org.head_b, ours, ours.lock_version, {"prerequisite_ids": [theirs[0].id]}
        )


def test_removing_a_commitment_removes_it_from_what_depends_on_it(draft, org):
    ours, theirs = _sides(draft, org)
    _depend(org.head_a, ours, [theirs[0].id, theirs[1].id])
    gone = theirs[0].id
    ops.delete_commitment(org.head_b, theirs[0])
    db.session.commit()
    db.session.expire_all()
    assert ours.prerequisite_ids == [theirs[1].id]
    rows = db.session.execute(select(commitment_prerequisites)).all()
    assert [tuple(r) for r in rows] == [(ours.id, theirs[1].id)]
    last = db.session.scalars(
        select(Revision).where(Revision.charter_id == draft.id).order_by(Revision.number.desc())
    ).first()
    recorded = next(c for c in last.snapshot["commitments"] if c["id"] == ours.id)
    assert gone not in recorded["prerequisite_ids"]


def test_prerequisites_merge_like_a_field_and_conflict_only_when_both_changed(draft, org):
    ours, theirs = _sides(draft, org)
    seen, base = ours.lock_version, editing.commitment_values(ours)
    # Someone adds a prerequisite; a stale form changing only the target keeps it.
    _depend(org.admin, ours, [theirs[0].id])
    ops.update_commitment(org.head_a, ours, seen, {**base, "target": "97"}, base=base)
    db.session.commit()
    db.session.expire_all()
    assert (ours.target, ours.prerequisite_ids) == ("97", [theirs[0].id])
    # A stale form ticking other boxes: a conflict on that field alone.
    with pytest.raises(editing.EditConflict) as clash:
        ops.update_commitment(
            org.head_a, ours, seen, {**base, "prerequisite_ids": [theirs[1].id]}, base=base
        )
    assert list(clash.value.conflicts) == ["prerequisite_ids"]


def test_new_commitment_may_name_its_prerequisites(draft, org):
    _ours, theirs = _sides(draft, org)
    from tests.plugins.charters import COMMITMENT_DEFAULTS

    added = ops.add_commitment(
        org.head_a,
        draft,
        org.logistics.id,
        {"title": "Deliver in 48 h", **COMMITMENT_DEFAULTS, "prerequisite_ids": [theirs[0].id]},
    )
    db.session.commit()
    assert added.prerequisite_ids == [theirs[0].id]


# ---------------------------------------------------------------- pages


def test_form_ticks_prerequisites_and_the_page_links_them_escaped(draft, org, login_as):
    ours, theirs = _sides(draft, org)
    theirs[0].title = "<b>Orders before 14:00</b>"
    db.session.commit()
    head_a = login_as(org.head_a)
    url = f"/charters/{draft.id}/commitments/{ours.id}/edit"
    page = head_a.get(url).get_data(as_text=True)
    assert page.count('name="prerequisite_ids"') == 2
    assert "&lt;b&gt;Orders before 14:00&lt;/b&gt;" in page and "<b>Orders" not in page
    form = {
        **editing.commitment_values(ours),
        "prerequisite_ids": [str(theirs[0].id)],
        "lock_version": _hidden(page, "lock_version"),
        "base": _hidden(page, "base"),
    }
    assert head_a.post(url, form).status_code == 302
    db.session.expire_all()
    assert ours.prerequisite_ids == [theirs[0].id]
    assert ours.agreed_by == [org.logistics.id]
    shown = login_as(org.member_b).get(f"/charters/{draft.id}").get_data(as_text=True)
    assert f'id="depends-on-{ours.id}"' in shown
    assert f'href="#commitment-{theirs[0].id}">&lt;b&gt;Orders before 14:00&lt;/b&gt;</a>' in shown
    # Ticking its own commitment (a forged post) is refused on the field, the entries kept.
    bad = {**form, "prerequisite_ids": [str(ours.id)], "title": "Kept title"}
    page = head_a.get(url).get_data(as_text=True)
    bad.update(lock_version=_hidden(page, "lock_version"), base=_hidden(page, "base"))
    refused = head_a.post(url, bad)
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert "prerequisite_ids-errors" in body and 'value="Kept title"' in body


def test_head_of_another_department_cannot_reach_the_form(draft, org, login_as):
    ours, theirs = _sides(draft, org)
    url = f"/charters/{draft.id}/commitments/{ours.id}/edit"
    response = login_as(org.outsider).post(url, {"prerequisite_ids": [theirs[0].id]})
    assert response.status_code == 404
    db.session.expire_all()
    assert ours.prerequisite_ids == []


# ---------------------------------------------------------------- the signed version and its PDF


def test_signed_pdf_names_what_each_commitment_depends_on(org, make_charter, tmp_path):
    charter = make_charter(commitments=(1, 1))
    ours, theirs = _sides(charter, org)
    theirs[0].title = "Commandes à 14 h"
    db.session.commit()
    _depend(org.head_a, ours, [theirs[0].id])
    version = sign_both(org, charter)
    frozen = next(c for c in version.data["commitments"] if c["id"] == ours.id)
    assert frozen["prerequisite_ids"] == [theirs[0].id]
    text = _pdf_text(pdf_store.signed_pdf(version.id), tmp_path)
    flat = " ".join(text.split())
    assert "Depends on: 2.1 Commandes à 14 h" in flat  # section 2, its first row


def test_snapshot_reads_prerequisites_in_one_statement(draft, org, app):
    ours, theirs = _sides(draft, org)
    _depend(org.head_a, ours, [theirs[0].id])
    data = snapshot(draft)
    assert {c["id"]: c["prerequisite_ids"] for c in data["commitments"]}[ours.id] == [theirs[0].id]


# ---------------------------------------------------------------- the API


def test_api_reads_and_writes_prerequisite_ids(draft, org, api_as):
    ours, theirs = _sides(draft, org)
    api = api_as(org.head_a)
    path = "/api/v1/commitments/{commitment_id}"
    response = api.patch(
        f"/api/v1/commitments/{ours.id}",
        json={"lock_version": ours.lock_version, "prerequisite_ids": [theirs[0].id]},
    )
    assert response.status_code == 200, response.get_json()
    check_response(response, "patch", path)
    assert response.get_json()["prerequisite_ids"] == [theirs[0].id]
    detail = api.get(f"/api/v1/charters/{draft.id}")
    check_response(detail, "get", "/api/v1/charters/{charter_id}")
    by_id = {c["id"]: c for c in detail.get_json()["commitments"]}
    assert by_id[ours.id]["prerequisite_ids"] == [theirs[0].id]
    assert by_id[theirs[0].id]["prerequisite_ids"] == []
    wrong = api.patch(
        f"/api/v1/commitments/{ours.id}",
        json={"lock_version": response.get_json()["lock_version"], "prerequisite_ids": [ours.id]},
    )
    assert wrong.status_code == 422
    assert "prerequisite_ids" in str(wrong.get_json()["error"])


def test_api_other_sides_head_gets_not_owner_and_outsider_404(draft, org, api_as):
    ours, theirs = _sides(draft, org)
    body = {"lock_version": ours.lock_version, "prerequisite_ids": [theirs[0].id]}
    refused = api_as(org.head_b).patch(f"/api/v1/commitments/{ours.id}", json=body)
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "not_owner"
    assert (
        api_as(org.outsider).patch(f"/api/v1/commitments/{ours.id}", json=body).status_code == 404
    )
    db.session.expire_all()
    assert db.session.get(Commitment, ours.id).prerequisite_ids == []
