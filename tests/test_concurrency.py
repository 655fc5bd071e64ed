"""Two sessions saving the same commitment at the same moment (PostgreSQL in CI, and SQLite)."""

from __future__ import annotations

import threading

from sla_contracts.charters import operations as ops
from sla_contracts.errors import ConflictError
from sla_contracts.extensions import db
from sla_contracts.models import Commitment, Revision, User


def test_simultaneous_saves_from_same_version_one_wins_other_conflicts(app, org, make_charter):
    charter = make_charter(commitments=(1, 1))
    commitment_id = charter.commitments_by(org.logistics.id)[0].id
    users = {"a": org.head_a.id, "b": org.admin.id}
    rounds = 10
    for round_no in range(rounds):
        seen = db.session.get(Commitment, commitment_id).lock_version
        db.session.commit()
        barrier = threading.Barrier(2)
        outcomes: dict[str, str] = {}

        def save(who: str, seen=seen, barrier=barrier, outcomes=outcomes, n=round_no):
            with app.app_context():
                actor = db.session.get(User, users[who])
                commitment = db.session.get(Commitment, commitment_id)
                # Like a web request, end the read transaction before the save arrives
                # (on SQLite an open transaction holds the write lock).
                db.session.commit()
                barrier.wait()
                try:
                    ops.update_commitment(actor, commitment, seen, {"title": f"round {n} by {who}"})
                    db.session.commit()
                    outcomes[who] = "saved"
                except ConflictError:
                    db.session.rollback()
                    outcomes[who] = "conflict"
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=save, args=(w,)) for w in ("a", "b")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(outcomes.values()) == ["conflict", "saved"], outcomes
        winner = next(w for w, o in outcomes.items() if o == "saved")
        db.session.expire_all()
        stored = db.session.get(Commitment, commitment_id)
        assert stored.title == f"round {round_no} by {winner}"
        assert stored.lock_version == seen + 1
    # One revision per successful save, numbered without gaps or duplicates.
    numbers = db.session.scalars(
        db.select(Revision.number)
        .where(Revision.charter_id == charter.id)
        .order_by(Revision.number)
    ).all()
    assert numbers == list(range(1, rounds + 1))
