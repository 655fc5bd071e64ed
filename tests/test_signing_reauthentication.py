"""The password that confirms a signature may be checked before the signing transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sla_contracts.auth.passwords import hash_password
from sla_contracts.errors import ValidationError
from sla_contracts.extensions import db
from sla_contracts.models import Signature
from sla_contracts.signing import signatures

from .plugins.people import TEST_PASSWORD
from .signing_helpers import NOW, submit


@pytest.fixture
def submitted(org, make_charter):
    charter = make_charter(commitments=(1, 1))
    submit(org, charter)
    return charter


def _checked(user, password=TEST_PASSWORD):
    return signatures.reauthenticate(user.id, user.password_hash, password)


def test_password_checked_beforehand_signs(org, submitted):
    signature = signatures.sign_charter(org.head_a, submitted, 1, _checked(org.head_a), None, NOW)
    db.session.commit()
    assert signature.user_id == org.head_a.id


@pytest.mark.parametrize(
    "case", ["wrong password", "someone else's check", "password changed since"]
)
def test_a_check_that_does_not_fit_records_no_signature(org, submitted, case):
    proof = {
        "wrong password": lambda: _checked(org.head_a, "wrong"),
        "someone else's check": lambda: _checked(org.head_b),
        "password changed since": lambda: _checked(org.head_a),
    }[case]()
    if case == "password changed since":
        org.head_a.password_hash = hash_password("a new password")
        db.session.commit()
    with pytest.raises(ValidationError) as error:
        signatures.sign_charter(org.head_a, submitted, 1, proof, None, NOW)
    assert error.value.field == "password"
    db.session.rollback()
    assert db.session.scalar(select(Signature)) is None
