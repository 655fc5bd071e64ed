"""Audited writes at the same moment all succeed, each event chained after the one before."""

from __future__ import annotations

import threading

from sqlalchemy import select, update

from sla_contracts.audit.operations import record_event, verify_chain
from sla_contracts.charters import operations as ops
from sla_contracts.extensions import db
from sla_contracts.models import AuditEvent, Charter, User
from sla_contracts.timeutil import utcnow
from tests.api_helpers import ApiClient, token_for
from tests.plugins.charters import COMMITMENT_DEFAULTS
from tests.plugins.people import TEST_PASSWORD
from tests.signing_helpers import sign_both


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


def test_two_events_alike_in_the_same_second_get_different_hashes(app, org):
    now = utcnow()
    first, second = (
        record_event("viewed", actor=org.admin, object_type="charter", object_id=1, now=now)
        for _ in range(2)
    )
    assert first.hash is None  # chained when the transaction commits, not before
    db.session.commit()
    assert second.prev_hash == first.hash
    assert first.hash != second.hash and first.id < second.id
    assert verify_chain().ok


def test_a_rolled_back_transaction_leaves_no_event(app, org):
    before = verify_chain().count
    record_event("viewed", actor=org.admin, object_type="charter", object_id=1)
    db.session.rollback()
    record_event("kept", actor=org.admin, object_type="charter", object_id=2)
    db.session.commit()
    assert db.session.scalars(select(AuditEvent.action)).all()[before:] == ["kept"]
    assert verify_chain().ok


def test_crossed_row_and_chain_locks_do_not_deadlock(app, postgres_only, org, make_charter):
    """One transaction updates a charter row then records an event, the other records an
    event then updates the same row. With the chain lock taken where the event is recorded,
    each waited for the other's lock and PostgreSQL killed one (deadlock detected); the chain
    is now appended at commit, after every row lock, so the second just waits for the first."""
    charter = make_charter(commitments=(1, 1))
    db.session.commit()
    charter_id, admin_id = charter.id, org.admin.id
    row_locked, event_recorded = threading.Event(), threading.Event()
    outcomes: dict[str, str] = {}

    def work(which: str) -> None:
        with app.app_context():
            try:
                actor = db.session.get(User, admin_id)
                if which == "row_first":
                    db.session.execute(
                        update(Charter).where(Charter.id == charter_id).values(title="row first")
                    )
                    row_locked.set()
                    event_recorded.wait(10)
                    record_event("renamed", actor=actor, object_type="charter",
                                 object_id=charter_id)  # fmt: skip
                    threading.Event().wait(0.3)
                else:
                    row_locked.wait(10)
                    record_event("renamed", actor=actor, object_type="charter",
                                 object_id=charter_id)  # fmt: skip
                    db.session.flush()
                    event_recorded.set()
                    db.session.execute(
                        update(Charter).where(Charter.id == charter_id).values(title="chain first")
                    )
                db.session.commit()
                outcomes[which] = "committed"
            except Exception as error:  # noqa: BLE001 - the outcome is what the test checks
                db.session.rollback()
                outcomes[which] = f"{type(error).__name__}: {error}"
            finally:
                row_locked.set()
                event_recorded.set()
                db.session.remove()

    threads = [threading.Thread(target=work, args=(w,)) for w in ("row_first", "chain_first")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcomes == {"row_first": "committed", "chain_first": "committed"}
    db.session.expire_all()
    assert db.session.get(Charter, charter_id).title == "chain first"
    assert verify_chain().ok


def test_eight_api_clients_mixing_audited_writes_all_succeed_on_one_chain(
    app, postgres_only, org, make_charter
):
    drafts = [make_charter(f"Draft {n}", commitments=(1, 1)) for n in range(2)]
    to_sign = [make_charter(f"To sign {n}", commitments=(1, 1)) for n in range(2)]
    downloaded = make_charter("Signed", commitments=(1, 1))
    sign_both(org, downloaded)
    tokens = {name: token_for(getattr(org, name)) for name in ("admin", "head_a", "head_b")}
    ids = {
        "drafts": [c.id for c in drafts],
        "to_sign": [c.id for c in to_sign],
        "signed": downloaded.id,
        "provider": org.logistics.id,
    }
    db.session.remove()
    barrier = threading.Barrier(8)
    answers: list[tuple[str, int]] = []

    def api(who: str) -> ApiClient:
        return ApiClient(app.test_client(), tokens[who])

    def department(n: int) -> None:
        for k in range(3):
            body = {"name": f"Department {n}.{k}", "code": f"D{n}{k}"}
            answers.append(
                ("department", api("admin").post("/api/v1/departments", body).status_code)
            )

    def edit(n: int) -> None:
        url = f"/api/v1/charters/{ids['drafts'][n % 2]}"
        for k in range(3):
            seen = api("head_a").get(url).get_json()["lock_version"]
            response = api("head_a").patch(url, {"lock_version": seen, "title": f"Edit {n}.{k}"})
            answers.append(("edit", response.status_code))

    def commitment(n: int) -> None:
        url = f"/api/v1/charters/{ids['drafts'][n % 2]}/commitments"
        body = {
            "provider_department_id": ids["provider"],
            "title": f"New {n}",
            **COMMITMENT_DEFAULTS,
        }
        for _k in range(3):
            answers.append(("commitment", api("head_a").post(url, body).status_code))

    def sign(n: int) -> None:
        url = f"/api/v1/charters/{ids['to_sign'][n % 2]}"
        version = api("head_a").post(f"{url}/submit", {}).get_json()["number"]
        for who in ("head_a", "head_b"):
            body = {"version": version, "password": TEST_PASSWORD}
            answers.append(("sign", api(who).post(f"{url}/sign", body).status_code))

    def download(_n: int) -> None:
        for _k in range(3):
            url = f"/api/v1/charters/{ids['signed']}/versions/1/pdf"
            answers.append(("download", api("head_b").get(url).status_code))

    work = [department, edit, commitment, sign, download, department, edit, download]
    errors: list[str] = []

    def run(n: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                work[n](n)
            except Exception as error:  # noqa: BLE001 - the outcome is what the test checks
                errors.append(f"{work[n].__name__}: {type(error).__name__}: {error}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert len(answers) == 23
    # A stale lock_version is a correct 409 for a concurrent edit; nothing else may fail.
    assert all(status in (200, 201) or (kind, status) == ("edit", 409) for kind, status in answers)
    assert verify_chain().ok
