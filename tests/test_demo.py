"""The demo organisation: believable, loaded through the services, idempotent, usable."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from sla_contracts.demo import data
from sla_contracts.extensions import db
from sla_contracts.models import (
    COMMITMENT_FIELDS,
    AuditEvent,
    Charter,
    CharterStatus,
    Comment,
    Commitment,
    CustomerCriterion,
    Department,
    Membership,
    Revision,
    Role,
    User,
)

COUNTED = (Department, User, Membership, CustomerCriterion, Charter, Commitment, Comment, Revision)


def _counts() -> dict[str, int]:
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in COUNTED}


@pytest.fixture
def seeded(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return result


def test_seed_demo_builds_a_believable_retailer(seeded):
    assert "Demo organisation loaded." in seeded.output
    departments = db.session.scalars(select(Department)).all()
    assert len(departments) >= 8
    assert {"Logistique", "Magasins", "Service client", "DSI"} <= {d.name for d in departments}
    for department in departments:
        roles = [m.role for m in department.memberships]
        assert 1 <= roles.count(Role.HEAD) <= 2, department.name
        assert 1 <= roles.count(Role.MEMBER) <= 3, department.name
    assert db.session.scalar(select(User).where(User.email == "admin@demo.reciproque.fr")).is_admin
    assert db.session.scalar(select(func.count()).select_from(CustomerCriterion)) >= 4

    charters = db.session.scalars(select(Charter)).all()
    assert len(charters) >= 10
    full = [
        ch for ch in charters if all(2 <= len(ch.commitments_by(d)) <= 6 for d in ch.department_ids)
    ]
    assert len(full) >= 10
    for commitment in db.session.scalars(select(Commitment)):
        assert all(getattr(commitment, f) for f in COMMITMENT_FIELDS), commitment.title


def test_seed_demo_leaves_a_history_like_real_use(seeded):
    for charter in db.session.scalars(select(Charter)):
        revisions = db.session.scalars(
            select(Revision).where(Revision.charter_id == charter.id).order_by(Revision.number)
        ).all()
        # Opened, then one revision per commitment added, then the edits.
        assert revisions[0].action == "created"
        assert len(revisions) >= 1 + len(charter.commitments)
        assert revisions[0].author_id == charter.created_by_id
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(Revision)
            .where(Revision.action == "commitment_updated")
        )
        >= 5
    )
    actions = set(db.session.scalars(select(Revision.action)))
    assert {"created", "commitment_added", "commitment_updated"} <= actions
    assert {"commitment_moved", "charter_updated"} <= actions
    comments = db.session.scalars(select(Comment)).all()
    assert any(c.is_resolved for c in comments) and any(not c.is_resolved for c in comments)
    assert any(c.commitment_id for c in comments) and any(not c.commitment_id for c in comments)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) > 0


def test_seed_demo_twice_changes_nothing(seeded, runner):
    before = _counts()
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0, again.output
    assert "already there" in again.output
    assert _counts() == before


def test_seed_demo_if_empty_does_nothing_when_a_department_exists(runner, make_department):
    make_department("Comptabilité", "CPT")
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "not loaded" in result.output
    assert db.session.scalar(select(func.count()).select_from(Department)) == 1
    assert db.session.scalar(select(func.count()).select_from(Charter)) == 0


def test_seed_demo_if_empty_loads_an_empty_database(runner):
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(Charter)) >= 10


def test_printed_accounts_are_real_heads_of_their_pair(seeded):
    assert "password for all: demo" in seeded.output
    for label, first, second in data.HIGHLIGHTED_PAIRS:
        names = [n.strip() for n in label.split("⇄")]
        heads = []
        for login in (first, second):
            email = f"{login}@demo.reciproque.fr"
            assert email in seeded.output
            user = db.session.scalar(select(User).where(User.email == email))
            heads += [m.department.name for m in user.memberships if m.role == Role.HEAD]
        assert sorted(heads) == sorted(names)
        charter = db.session.scalar(select(Charter).where(Charter.title.startswith(label)))
        assert charter is not None, label


def test_demo_head_logs_in_with_the_printed_password(seeded, browser):
    response = browser.post(
        "/login", {"email": "helene.marchand@demo.reciproque.fr", "password": "demo"}
    )
    assert response.status_code == 302
    browser.logged_in = True
    charter = db.session.scalar(select(Charter).where(Charter.title.startswith("Logistique ⇄")))
    page = browser.get(f"/charters/{charter.id}")
    assert page.status_code == 200
    assert "Livraisons des magasins à l&#39;heure" in page.get_data(as_text=True)


def test_demo_charters_stay_hidden_from_a_third_department(seeded, browser):
    response = browser.post(
        "/login", {"email": "valerie.masson@demo.reciproque.fr", "password": "demo"}
    )
    assert response.status_code == 302
    charter = db.session.scalar(select(Charter).where(Charter.title.startswith("Logistique ⇄")))
    assert browser.get(f"/charters/{charter.id}").status_code == 404


def test_demo_data_declares_a_status_and_reviews_for_signed_charters():
    statuses = {spec["status"] for spec in data.CHARTERS}
    # The expired one comes from ``demo.lifecycle`` (signed 13 months ago, then expired).
    assert statuses | {"expired"} == {s.value for s in CharterStatus}
    for spec in data.CHARTERS:
        if spec["status"] in {"active", "ended"}:
            assert spec["reviews"], spec["title"]
        else:
            assert not spec["reviews"], spec["title"]
    assert (
        data.CHARTERS[[s["status"] for s in data.CHARTERS].index("ended")]["reviews"][-1][
            "decision"
        ]
        == "end"
    )


def test_seeded_charters_reach_every_status_through_real_signatures(seeded, runner):
    from sla_contracts.extensions import db
    from sla_contracts.models import Charter
    from sla_contracts.models.signing import CharterVersion, Signature

    charters = db.session.scalars(db.select(Charter)).all()
    by_title = {c.title: c for c in charters}
    for spec in data.CHARTERS:
        assert by_title[spec["title"]].status.value == spec["status"], spec["title"]
    active = [c for c in charters if c.status == CharterStatus.ACTIVE]
    for charter in active:
        version = db.session.scalars(
            db.select(CharterVersion).where(CharterVersion.charter_id == charter.id)
        ).one()
        signatures = db.session.scalars(
            db.select(Signature).where(Signature.version_id == version.id)
        ).all()
        assert {s.department_id for s in signatures} == set(charter.department_ids)
        assert version.pdf_sha256 and charter.next_review_on is not None
    audit = runner.invoke(args=["verify-audit"])
    assert audit.exit_code == 0, audit.output
    # The end of a term: one charter ending within 30 days, one expired (demo.lifecycle).
    from datetime import timedelta

    from sla_contracts.demo import lifecycle
    from sla_contracts.timeutil import utcnow

    expired = by_title[lifecycle.EXPIRED["title"]]
    assert expired.status == CharterStatus.EXPIRED and expired.expired_at is not None
    ending = by_title[lifecycle.EXPIRING["title"]]
    today = utcnow().date()
    assert ending.status == CharterStatus.ACTIVE
    assert today < ending.valid_until <= today + timedelta(days=30)


def test_a_demo_draft_is_in_negotiation(seeded):
    """Achats ⇄ Logistique shows the method at work: open and declined expectations, a pending
    proposal on the other side's commitment, lines agreed by one side only."""
    from sla_contracts.charters.negotiation import readiness
    from sla_contracts.models import ExpectationStatus

    charter = db.session.scalar(select(Charter).where(Charter.title.startswith("Achats")))
    assert charter.status == CharterStatus.DRAFT
    statuses = sorted(e.status.value for e in charter.expectations)
    assert statuses == ["answered", "answered", "declined", "open"]
    declined = next(e for e in charter.expectations if e.status == ExpectationStatus.DECLINED)
    assert "WMS" in declined.decline_reason
    ready = readiness(charter)
    assert len(ready.open_expectations) == 1 and not ready.is_ready
    [proposal] = ready.open_proposals
    assert proposal.author.name == "Hélène Marchand" and proposal.changes["target"] == "92"
    assert [c.title for c in ready.unagreed_commitments] == ["Fournisseurs tenus au délai"]
    half = ready.unagreed_commitments[0]
    assert half.agreed_by == [charter.department_a_id]


def test_seed_demo_measures_a_year_and_shows_a_warning(seeded):
    """Issue 13: a year of readings for the charters in force, one streak of two misses that
    warned the pair's heads, reviews prepared from the readings, the criteria tracked."""
    from sla_contracts.models import (
        Assessment,
        CriterionReading,
        Notification,
        Reading,
        measured,
    )

    active = db.session.scalars(select(Charter).where(Charter.status == CharterStatus.ACTIVE)).all()
    found = measured.charter_measures([c.id for c in active])
    statuses = [m.status for f in found.values() for m in f.measures.values()]
    assert {"met", "partly_met", "missed"} <= set(statuses)
    assert sum(f.warnings for f in found.values()) == 1
    assert db.session.scalar(select(func.count()).select_from(Reading)) >= 12 * len(active)
    warned = db.session.scalars(
        select(Notification).where(Notification.kind == "readings_missed_in_a_row")
    ).all()
    streak = next(f for f in found.values() if f.warnings)
    charter = db.session.get(Charter, next(cid for cid, f in found.items() if f is streak))
    heads = {
        m.user_id
        for d in (charter.department_a, charter.department_b)
        for m in d.memberships
        if m.role == Role.HEAD
    }
    assert {n.user_id for n in warned} == heads
    assert db.session.scalar(select(func.count(Assessment.computed_result))) > 0
    # A miss at a past review put down to a prerequisite the other side did not deliver.
    blamed = db.session.scalars(
        select(Assessment).where(Assessment.cause == "other_side_prerequisite")
    ).all()
    assert blamed and all(a.prerequisite_commitment_id for a in blamed)
    tracked = db.session.scalars(select(CriterionReading.criterion_id).distinct()).all()
    assert len(tracked) == db.session.scalar(select(func.count()).select_from(CustomerCriterion))


def test_seeded_charters_in_force_have_digitally_signed_pdfs(seeded, tmp_path):
    import hashlib
    import subprocess

    from sla_contracts.extensions import db
    from sla_contracts.models.signing import CharterVersion
    from sla_contracts.pdf import pades

    in_force = db.session.scalars(
        db.select(CharterVersion).where(CharterVersion.activated_at.is_not(None))
    ).all()
    assert in_force
    for version in in_force:
        assert version.pdf_sha256 == hashlib.sha256(version.pdf).hexdigest()
        status = pades.signature_status(version.pdf)
        assert status.intact and "Réciproque demo — for demonstration only" in status.signer
    path = tmp_path / "demo.pdf"
    path.write_bytes(in_force[0].pdf)
    report = subprocess.run(
        ["/usr/bin/pdfsig", str(path)], capture_output=True, text=True, timeout=60, check=False
    ).stdout
    assert "Signature is Valid." in report and "Total document signed" in report, report
