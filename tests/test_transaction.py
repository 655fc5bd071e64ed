"""The transaction helper: commit the block, or roll back and show the domain error."""

from __future__ import annotations

import pytest
from flask import get_flashed_messages
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import StringField

from sla_contracts.directory import operations as directory
from sla_contracts.errors import ConflictError, ValidationError
from sla_contracts.extensions import db
from sla_contracts.models import Department
from sla_contracts.transaction import atomic, attempt


class NameForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField()


def _departments() -> int:
    return db.session.scalar(select(func.count()).select_from(Department))


def test_attempt_commits_the_block(app, make_user):
    admin = make_user(is_admin=True)
    with app.test_request_context():
        with attempt() as outcome:
            directory.create_department(admin, name="Logistique", code="LOG")
        assert outcome.ok and outcome.status == 200
    db.session.rollback()  # a commit happened: a rollback now keeps the row
    assert _departments() == 1


def test_attempt_rolls_back_and_puts_the_error_on_the_named_field(app, make_user):
    admin = make_user(is_admin=True)
    with app.test_request_context(method="POST"):
        form = NameForm()
        with attempt(form) as outcome:
            directory.create_department(admin, name="Achats", code="ACH")
            directory.create_department(admin, name="Achats", code="AC2")  # same name
        assert not outcome.ok and outcome.status == 422
        assert outcome.error.field == "name"
        assert form.name.errors == [outcome.error.message]
        assert get_flashed_messages() == []
    assert _departments() == 0  # the first department went with the rollback


def test_attempt_flashes_an_error_that_names_no_field(app):
    with app.test_request_context():
        with attempt(NameForm(meta={"csrf": False})) as outcome:
            raise ValidationError("Nothing to save.")
        assert outcome.status == 422
        assert get_flashed_messages(with_categories=True) == [("error", "Nothing to save.")]


def test_attempt_leaves_chosen_errors_to_the_view(app):
    with app.test_request_context():
        with attempt(leave=(ConflictError,)) as outcome:
            raise ConflictError("Someone saved first.")
        assert outcome.conflict and outcome.status == 409
        assert get_flashed_messages() == []


def test_attempt_does_not_swallow_a_bug(app):
    with app.test_request_context(), pytest.raises(ZeroDivisionError):
        with attempt():
            1 / 0  # noqa: B018


def test_atomic_commits_or_rolls_back_and_reraises(app, make_user):
    admin = make_user(is_admin=True)
    with atomic():
        directory.create_department(admin, name="Finance", code="FIN")
    with pytest.raises(ValidationError), atomic():
        directory.create_department(admin, name="Marketing", code="MKT")
        directory.create_department(admin, name="Marketing", code="MK2")
    assert [d.name for d in db.session.scalars(select(Department))] == ["Finance"]


def test_a_failed_commit_is_rolled_back_so_the_session_stays_usable(app, make_user):
    admin = make_user(is_admin=True)
    with atomic():
        directory.create_department(admin, name="Achats", code="ACH")
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), atomic():
        db.session.add(Department(name="Achats", code="AC2"))  # the database refuses it
    # The failed commit was rolled back: the session works again.
    assert _departments() == 1
