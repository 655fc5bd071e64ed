"""Directory services: departments, criteria, people, memberships and the company map."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from sla_contracts.audit.operations import verify_chain
from sla_contracts.auth.passwords import verify_password
from sla_contracts.auth.service import authenticate
from sla_contracts.directory import map_view
from sla_contracts.directory import operations as ops
from sla_contracts.errors import Forbidden, NotFound, ValidationError
from sla_contracts.extensions import db
from sla_contracts.models import AuditEvent, CharterStatus, Direction, Membership, Role, User

CRITERION = {
    "name": "Net Promoter Score",
    "definition": "Promoters minus detractors among surveyed customers.",
    "unit": "points",
    "direction": "higher_is_better",
    "target": "40",
}


@pytest.fixture(autouse=True)
def request_context(app):
    """Services translate their messages, which needs a request's locale."""
    with app.test_request_context():
        yield


# ---------------------------------------------------------------- departments


def test_admin_creates_department_with_upper_case_code(org):
    department = ops.create_department(org.admin, name="  Service client ", code="sc")
    db.session.commit()
    assert (department.name, department.code) == ("Service client", "SC")


@pytest.mark.parametrize(
    ("name", "code", "field"),
    [
        ("", "NEW", "name"),
        ("x" * 121, "NEW", "name"),
        ("logistique", "NEW", "name"),  # same name, other case
        ("Achats", "log", "code"),  # same code, other case
        ("Achats", "A B", "code"),
        ("Achats", "é", "code"),
        ("Achats", "", "code"),
        ("Achats", "X" * 17, "code"),
    ],
)
def test_bad_department_refused(org, name, code, field):
    with pytest.raises(ValidationError) as info:
        ops.create_department(org.admin, name=name, code=code)
    assert info.value.field == field


def test_rename_keeps_own_name_and_code_allowed(org):
    ops.update_department(org.admin, org.logistics, name="Logistique", code="LOG")
    ops.update_department(org.admin, org.logistics, name="Supply chain", code="SCM")
    db.session.commit()
    assert (org.logistics.name, org.logistics.code) == ("Supply chain", "SCM")
    with pytest.raises(ValidationError) as info:
        ops.update_department(org.admin, org.logistics, name="Magasins", code="SCM")
    assert info.value.field == "name"


@pytest.mark.parametrize("who", ["head_a", "member_a", "outsider"])
def test_only_admin_changes_directory(org, who):
    actor = getattr(org, who)
    calls = [
        lambda: ops.create_department(actor, name="Achats", code="ACH"),
        lambda: ops.update_department(actor, org.logistics, name="X", code="X"),
        lambda: ops.set_department_archived(actor, org.logistics, True),
        lambda: ops.create_criterion(actor, CRITERION),
        lambda: ops.set_criterion_archived(actor, org.criterion, True),
        lambda: ops.create_user(actor, email="a@b.fr", name="A", password="longenough"),
        lambda: ops.update_user(actor, org.member_a, email="a@b.fr", name="A", is_admin=True),
        lambda: ops.set_user_archived(actor, org.member_a, True),
        lambda: ops.set_password(actor, org.member_a, "longenough"),
        lambda: ops.set_membership(actor, actor, org.it, "head"),
        lambda: ops.remove_membership(actor, org.member_a, org.logistics),
    ]
    for call in calls:
        with pytest.raises(Forbidden):
            call()


def test_archive_and_restore_department(org):
    ops.set_department_archived(org.admin, org.it, True)
    db.session.commit()
    assert org.it.is_archived
    ops.set_department_archived(org.admin, org.it, False)
    db.session.commit()
    assert not org.it.is_archived


# ---------------------------------------------------------------- criteria


def test_criterion_accepts_decimal_comma(org):
    criterion = ops.create_criterion(org.admin, {**CRITERION, "target": " 2,5 "})
    assert criterion.target == 2.5
    assert criterion.direction == Direction.HIGHER_IS_BETTER


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"target": "forty"}, "target"),
        ({"target": ""}, "target"),
        ({"target": True}, "target"),
        ({"direction": "sideways"}, "direction"),
        ({"name": ""}, "name"),
        ({"name": "shelf OUT-of-stock rate"}, "name"),
        ({"unit": "u" * 33}, "unit"),
        ({"definition": "   "}, "definition"),
    ],
)
def test_bad_criterion_refused(org, change, field):
    with pytest.raises(ValidationError) as info:
        ops.create_criterion(org.admin, {**CRITERION, **change})
    assert info.value.field == field


def test_update_criterion_moves_target(org):
    ops.update_criterion(
        org.admin, org.criterion, {**CRITERION, "name": org.criterion.name, "target": "1.5"}
    )
    db.session.commit()
    assert org.criterion.target == 1.5


# ---------------------------------------------------------------- people


def test_create_user_hashes_password_and_lowercases_email(org):
    user = ops.create_user(
        org.admin,
        email=" Chloe.Martin@Example.COM ",
        name="Chloé Martin",
        password="s3cret-enough",
        is_admin=False,
        locale="en",
    )
    db.session.commit()
    assert user.email == "chloe.martin@example.com"
    assert user.password_hash != "s3cret-enough"
    assert user.password_hash.startswith("pbkdf2:")
    assert verify_password(user.password_hash, "s3cret-enough")
    assert authenticate("CHLOE.martin@example.com", "s3cret-enough") == user


@pytest.mark.parametrize(
    ("email", "password", "field"),
    [
        ("HEAD.LOG@example.com", "longenough", "email"),  # taken, other case
        ("not-an-email", "longenough", "email"),
        ("", "longenough", "email"),
        ("new@example.com", "short", "password"),
        ("new@example.com", "p" * 201, "password"),
    ],
)
def test_bad_user_refused(org, email, password, field):
    with pytest.raises(ValidationError) as info:
        ops.create_user(org.admin, email=email, name="New", password=password)
    assert info.value.field == field


def test_unknown_locale_refused(org):
    with pytest.raises(ValidationError) as info:
        ops.create_user(org.admin, email="n@e.fr", name="N", password="longenough", locale="de")
    assert info.value.field == "locale"


def test_update_user_refuses_someone_elses_email(org):
    with pytest.raises(ValidationError) as info:
        ops.update_user(
            org.admin, org.member_a, email="Head.Mag@example.com", name="Mia", is_admin=False
        )
    assert info.value.field == "email"
    ops.update_user(org.admin, org.member_a, email="MIA@example.com", name="Mia M.", is_admin=True)
    db.session.commit()
    assert (org.member_a.email, org.member_a.name, org.member_a.is_admin) == (
        "mia@example.com",
        "Mia M.",
        True,
    )


def test_admin_cannot_lock_themselves_out(org):
    with pytest.raises(ValidationError):
        ops.update_user(
            org.admin, org.admin, email=org.admin.email, name=org.admin.name, is_admin=False
        )
    with pytest.raises(ValidationError):
        ops.set_user_archived(org.admin, org.admin, True)


def test_archived_user_cannot_log_in_and_sessions_end(org):
    version = org.member_a.session_version
    ops.set_user_archived(org.admin, org.member_a, True)
    db.session.commit()
    assert org.member_a.session_version == version + 1
    assert not org.member_a.is_active
    assert authenticate(org.member_a.email, "correct horse battery") is None
    # Still named in charters: the row and its memberships stay.
    assert db.session.get(User, org.member_a.id).name == "Mia Member"
    ops.set_user_archived(org.admin, org.member_a, False)
    db.session.commit()
    assert authenticate(org.member_a.email, "correct horse battery") == org.member_a


def test_admin_password_reset_ends_sessions(org):
    version = org.head_a.session_version
    ops.set_password(org.admin, org.head_a, "a brand new one")
    db.session.commit()
    assert org.head_a.session_version == version + 1
    assert authenticate(org.head_a.email, "a brand new one") == org.head_a
    assert authenticate(org.head_a.email, "correct horse battery") is None


# ---------------------------------------------------------------- memberships


def test_department_may_have_several_heads_and_person_several_departments(org):
    ops.set_membership(org.admin, org.head_b, org.logistics, "head")
    ops.set_membership(org.admin, org.head_b, org.it, Role.MEMBER)
    db.session.commit()
    heads = {m.user_id for m in org.logistics.memberships if m.role == Role.HEAD}
    assert heads == {org.head_a.id, org.head_b.id}
    assert set(org.head_b.member_of()) == {org.stores.id, org.logistics.id, org.it.id}
    assert set(org.head_b.head_of()) == {org.stores.id, org.logistics.id}


def test_set_membership_changes_role_without_duplicate(org):
    ops.set_membership(org.admin, org.member_a, org.logistics, "head")
    db.session.commit()
    rows = db.session.scalars(select(Membership).where(Membership.user_id == org.member_a.id)).all()
    assert [(m.department_id, m.role) for m in rows] == [(org.logistics.id, Role.HEAD)]


def test_membership_rules(org):
    with pytest.raises(ValidationError) as info:
        ops.set_membership(org.admin, org.member_a, org.it, "boss")
    assert info.value.field == "role"
    ops.set_department_archived(org.admin, org.it, True)
    with pytest.raises(ValidationError) as info:
        ops.set_membership(org.admin, org.member_a, org.it, "member")
    assert info.value.field == "department_id"
    with pytest.raises(NotFound):
        ops.remove_membership(org.admin, org.member_a, org.stores)


def test_remove_membership(org):
    ops.remove_membership(org.admin, org.member_a, org.logistics)
    db.session.commit()
    db.session.expire_all()
    assert org.member_a.member_of() == []


def test_directory_changes_are_audited(org):
    user = ops.create_user(org.admin, email="x@example.com", name="X", password="longenough")
    ops.set_membership(org.admin, user, org.it, "head")
    ops.set_password(org.admin, user, "another-long-one")
    ops.set_user_archived(org.admin, user, True)
    ops.create_department(org.admin, name="Achats", code="ACH")
    db.session.commit()
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == [
        "user_created",
        "membership_set",
        "password_reset",
        "user_archived",
        "department_created",
    ]
    events = db.session.scalars(select(AuditEvent)).all()
    assert all(e.actor_id == org.admin.id for e in events)
    assert "longenough" not in str([e.data for e in events])
    assert verify_chain().ok


# ---------------------------------------------------------------- the company map


def test_company_map_lists_every_pair_with_its_best_charter(org, make_charter, make_department):
    make_charter(status=CharterStatus.ENDED)
    active = make_charter("Renewed", status=CharterStatus.ACTIVE)
    make_charter("Draft with IT", department_b=org.it)
    company = map_view.company_map()
    assert [d.name for d in company.departments] == ["DSI", "Logistique", "Magasins"]
    assert company.pair_count == 3
    assert len(company.pairs) == 2  # only the pairs with a charter are built
    log_mag = company.pair(org.stores.id, org.logistics.id)
    assert log_mag.status == CharterStatus.ACTIVE
    assert log_mag.main.id == active.id
    assert len(log_mag.charters) == 2
    assert company.pair(org.logistics.id, org.it.id).status == CharterStatus.DRAFT
    assert [(p.first.code, p.second.code) for p in company.without_charter] == [("DSI", "MAG")]
    assert company.count(CharterStatus.ACTIVE) == 1
    assert company.count(None) == 1


def test_company_map_leaves_out_archived_departments_and_flags_overdue(org, make_charter):
    charter = make_charter(status=CharterStatus.ACTIVE)
    charter.next_review_on = date(2026, 1, 1)
    db.session.commit()
    make_charter("With IT", department_b=org.it)
    ops.set_department_archived(org.admin, org.it, True)
    db.session.commit()
    company = map_view.company_map(today=date(2026, 2, 1))
    assert company.pair_count == 1 and len(company.pairs) == 1
    pair = company.pair(org.logistics.id, org.stores.id)
    assert pair.main.is_overdue
    assert company.overdue == [pair]
    assert not map_view.company_map(today=date(2025, 12, 1)).overdue


def test_a_name_sqlite_cannot_fold_is_still_refused_twice(org):
    """SQLite's lower() folds ASCII only: "Æther" twice must be a 422, not a 500."""
    ops.create_criterion(org.admin, {**CRITERION, "name": "Æther"})
    db.session.flush()
    with pytest.raises(ValidationError) as caught:
        ops.create_criterion(org.admin, {**CRITERION, "name": "Æther"})
    assert caught.value.field == "name"
