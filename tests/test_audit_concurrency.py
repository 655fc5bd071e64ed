"""Two people changing two different charters at the same moment both succeed, chained."""

from __future__ import annotations

import threading

from sla_contracts.audit.operations import verify_chain
from sla_contracts.charters import operations as ops
from sla_contracts.extensions import db
from sla_contracts.models import Charter, User


def test_overlapping_audited_saves_of_two_charters_both_commit(app, org, make_charter, make_user):
    first, second = make_charter(commitments=(1, 1)), make_charter(commitments=(1, 1))
    ids = {"first": (first.id, org.head_a.id), "second": (second.id, org.head_b.id)}
    db.session.commit()
    appended = threading.Event()
    outcomes: dict[str, str] = {}

    def save(which: str) -> None:
        charter_id, user_id = ids[which]
        with app.app_context():
            try:
                actor = db.session.get(User, user_id)
                charter = db.session.get(Charter, charter_id)
                db.session.commit()  # end the read transaction, as a request would
                if which == "second":
                    appended.wait(10)  # the first has appended its event, not yet committed
                ops.update_charter(actor, charter, charter.lock_version, {"title": which})
                if which == "first":
                    appended.set()
                    threading.Event().wait(0.5)  # hold the open append a moment
                db.session.commit()
                outcomes[which] = "saved"
            except Exception as error:  # noqa: BLE001 - the outcome is what the test checks
                db.session.rollback()
                outcomes[which] = f"{type(error).__name__}: {error}"
            finally:
                appended.set()
                db.session.remove()

    threads = [threading.Thread(target=save, args=(w,)) for w in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcomes == {"first": "saved", "second": "saved"}
    db.session.expire_all()
    assert {db.session.get(Charter, i).title for i, _ in ids.values()} == {"first", "second"}
    assert verify_chain().ok
