"""Two sessions saving the same commitment at the same moment (PostgreSQL in CI, and SQLite):
strict without a base (the API), merged from a base (the pages); nothing silently overwritten."""

from __future__ import annotations

import threading

from sla_contracts.charters import editing
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


def _race(app, actors: dict[str, int], commitment_id: int, changes: dict[str, dict]):
    """Both save from the form as opened now, at the same moment; return who saved."""
    commitment = db.session.get(Commitment, commitment_id)
    seen, base = commitment.lock_version, editing.commitment_values(commitment)
    db.session.commit()
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def save(who: str):
        with app.app_context():
            actor = db.session.get(User, actors[who])
            commitment = db.session.get(Commitment, commitment_id)
            db.session.commit()
            barrier.wait()
            try:
                ops.update_commitment(actor, commitment, seen, {**base, **changes[who]}, base=base)
                db.session.commit()
                outcomes[who] = "saved"
            except editing.EditConflict:
                db.session.rollback()
                outcomes[who] = "conflict"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=save, args=(w,)) for w in changes]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    db.session.expire_all()
    return outcomes, seen


def test_simultaneous_merged_saves_keep_both_fields_or_conflict_on_the_shared_one(
    app, org, make_charter
):
    charter = make_charter(commitments=(1, 1))
    commitment_id = charter.commitments_by(org.logistics.id)[0].id
    actors = {"a": org.head_a.id, "b": org.admin.id}
    for n in range(5):
        different = {"a": {"target": f"9{n}"}, "b": {"unit": f"unit {n}"}}
        outcomes, seen = _race(app, actors, commitment_id, different)
        assert outcomes == {"a": "saved", "b": "saved"}
        stored = db.session.get(Commitment, commitment_id)
        assert (stored.target, stored.unit) == (f"9{n}", f"unit {n}")
        assert stored.lock_version == seen + 2

        same = {"a": {"title": f"round {n} by a"}, "b": {"title": f"round {n} by b"}}
        outcomes, seen = _race(app, actors, commitment_id, same)
        assert sorted(outcomes.values()) == ["conflict", "saved"], outcomes
        winner = next(w for w, o in outcomes.items() if o == "saved")
        stored = db.session.get(Commitment, commitment_id)
        assert stored.title == f"round {n} by {winner}"
        assert stored.lock_version == seen + 1
