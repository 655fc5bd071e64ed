"""Charters between org.logistics (side A) and org.stores (side B), their commitments, and a
charter signed by both heads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sla_contracts.extensions import db
from sla_contracts.models import (
    Agreement,
    Charter,
    CharterStatus,
    Commitment,
    Department,
    measure_columns,
)
from tests.signing_helpers import sign_both

COMMITMENT_DEFAULTS = {
    "service_standard": "Answer store requests within 48 h",
    "indicator": "Share of requests answered within 48 h",
    "target": "95",
    "unit": "%",
    "measurement_method": "Ticket timestamps",
    "measurement_frequency": "Monthly",
    "customer_impact": "Fewer empty shelves for the customer",
}


def agreed_by_both(commitment: Commitment, charter: Charter) -> Commitment:
    """Both sides agree to the commitment as written (the state a signed charter's lines are in)."""
    with db.session.no_autoflush:
        sides = (charter.department_a_id, charter.department_b_id)
        commitment.agreements = [
            Agreement(department_id=d, lock_version=commitment.lock_version or 1) for d in sides
        ]
    return commitment


@pytest.fixture
def make_commitment(app) -> Callable[..., Commitment]:
    """Add a commitment, agreed by both sides unless ``agreed=False``."""

    def make(
        charter: Charter,
        provider: Department,
        title: str = "A commitment",
        *,
        agreed: bool = True,
        **fields: Any,
    ) -> Commitment:
        position = len(charter.commitments_by(provider.id)) + 1
        commitment = Commitment(
            charter=charter,
            provider_department_id=provider.id,
            title=title,
            position=position,
            **{**COMMITMENT_DEFAULTS, **fields},
            **measure_columns({**COMMITMENT_DEFAULTS, **fields}),
        )
        if agreed:
            agreed_by_both(commitment, charter)
        db.session.add(commitment)
        db.session.commit()
        return commitment

    return make


@pytest.fixture
def make_charter(app, org) -> Callable[..., Charter]:
    """Create a charter between org.logistics (A) and org.stores (B); its commitments are
    agreed by both sides unless ``agreed=False``."""

    def make(
        title: str = "Logistique ⇄ Magasins",
        *,
        status: CharterStatus = CharterStatus.DRAFT,
        commitments: tuple[int, int] = (0, 0),
        agreed: bool = True,
        **kwargs: Any,
    ) -> Charter:
        charter = Charter(
            title=title,
            department_a=kwargs.get("department_a", org.logistics),
            department_b=kwargs.get("department_b", org.stores),
            criterion=kwargs.get("criterion", org.criterion),
            review_cadence_months=kwargs.get("review_cadence_months", 3),
            status=status,
            created_by_id=org.head_a.id,
        )
        db.session.add(charter)
        db.session.flush()
        for side, department_id, count in (
            ("A", charter.department_a_id, commitments[0]),
            ("B", charter.department_b_id, commitments[1]),
        ):
            for i in range(count):
                commitment = Commitment(
                    charter=charter,
                    provider_department_id=department_id,
                    title=f"{side} commitment {i + 1}",
                    position=i + 1,
                    **COMMITMENT_DEFAULTS,
                    **measure_columns(COMMITMENT_DEFAULTS),
                )
                if agreed:
                    agreed_by_both(commitment, charter)
                db.session.add(commitment)
        db.session.commit()
        return charter

    return make


@pytest.fixture
def signed(org, make_charter) -> Charter:
    """An active charter (two commitments of A, one of B) whose version 1 both heads signed."""
    charter = make_charter(commitments=(2, 1))
    sign_both(org, charter)
    return charter
