"""The demo organisation (``seed-demo``) as pages show it to its people: ``demo``.

Its next review of Logistique ⇄ Magasins is started, so the meeting page shows its form.
``DEMO_HEAD`` (head of Magasins) has charters in every state and unread messages;
``DEMO_ADMIN`` sees the directory and the company map. Password: ``data.DEMO_PASSWORD``.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from sla_contracts.demo import data
from sla_contracts.extensions import db
from sla_contracts.models import Charter, CharterStatus, Department, Review, User
from sla_contracts.models.reviews import OPEN_REVIEW_STATUSES
from sla_contracts.reviews import operations as review_ops

DEMO_HEAD = f"thomas.garnier@{data.EMAIL_DOMAIN}"
DEMO_ADMIN = data.ADMIN["email"]


@pytest.fixture
def demo(runner) -> SimpleNamespace:
    """Seed the demo; return the ids pages need (charter, review, Magasins, its head)."""
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    head = db.session.scalar(select(User).where(User.email == DEMO_HEAD))
    charter = db.session.scalar(
        select(Charter)
        .where(Charter.status == CharterStatus.ACTIVE, Charter.title.like("Logistique%Magasins%"))
        .order_by(Charter.id)
    )
    review = db.session.scalar(
        select(Review).where(
            Review.charter_id == charter.id, Review.status.in_(OPEN_REVIEW_STATUSES)
        )
    )
    review_ops.start_review(head, review)
    stores = db.session.scalar(select(Department).where(Department.code == "MAG"))
    db.session.commit()
    return SimpleNamespace(
        charter_id=charter.id, review_id=review.id, stores_id=stores.id, head_id=head.id
    )
