"""Reviews: an active charter with two commitments a side, its planned or started review."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime

import pytest

from sla_contracts.extensions import db
from sla_contracts.models import Charter, CharterStatus, Review
from sla_contracts.reviews import operations as ops

REVIEW_NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


@pytest.fixture
def active(make_charter) -> Charter:
    """An active charter, two commitments each way, its next review due on 20 January 2027."""
    return make_charter(status=CharterStatus.ACTIVE, commitments=(2, 2))


@pytest.fixture
def planned_review(active) -> Review:
    active.next_review_on = date(2027, 1, 20)
    review = ops.plan_review(active, REVIEW_NOW)
    db.session.commit()
    return review


@pytest.fixture
def started_review(planned_review, org) -> Review:
    """The planned review, started by the head of side A (assessments copied)."""
    ops.start_review(org.head_a, planned_review, now=REVIEW_NOW)
    db.session.commit()
    return planned_review


def plain(text: str) -> str:
    """Page or PDF text with entities, narrow spaces and curly apostrophes made plain."""
    text = html.unescape(text).replace("\xa0", " ").replace("\u202f", " ")
    return text.replace("’", "'")
