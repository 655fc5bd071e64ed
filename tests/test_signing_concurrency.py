"""Two heads signing at the same moment (PostgreSQL: real row locks and real concurrency)."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from sla_contracts.extensions import db
from sla_contracts.models import Charter, CharterStatus, CharterVersion, Signature

from .plugins.people import TEST_PASSWORD
from .signing_helpers import submit

ROUNDS = 20


def test_both_heads_sign_at_once_twenty_times(postgres_only, app, org, make_charter, login_as):
    heads = [login_as(org.head_a), login_as(org.head_b)]
    for round_number in range(ROUNDS):
        charter = make_charter(f"Charter {round_number}", commitments=(1, 1))
        submit(org, charter)
        charter_id = charter.id
        tokens = [head.token() for head in heads]
        db.session.commit()  # the main thread holds no transaction while they race
        barrier = threading.Barrier(len(heads))
        results: dict[int, object] = {}

        def sign(
            index: int, charter_id=charter_id, tokens=tokens, barrier=barrier, results=results
        ):
            try:
                with app.app_context():  # each thread: its own context and session
                    barrier.wait(timeout=10)
                    response = heads[index].client.post(
                        f"/charters/{charter_id}/sign",
                        data={
                            "version": 1,
                            "password": TEST_PASSWORD,
                            "csrf_token": tokens[index],
                        },
                    )
                    results[index] = response.status_code
                    db.session.remove()
            except Exception as error:  # noqa: BLE001 - reported below
                results[index] = error

        threads = [threading.Thread(target=sign, args=(i,)) for i in range(len(heads))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert results == {0: 302, 1: 302}, f"round {round_number}: {results}"
        charter = db.session.get(Charter, charter_id)
        assert charter.status == CharterStatus.ACTIVE, f"round {round_number}"
        per_department = dict(
            db.session.execute(
                select(Signature.department_id, func.count())
                .join(CharterVersion, CharterVersion.id == Signature.version_id)
                .where(CharterVersion.charter_id == charter_id)
                .group_by(Signature.department_id)
            ).all()
        )
        assert per_department == {org.logistics.id: 1, org.stores.id: 1}, round_number
        version = db.session.scalar(
            select(CharterVersion).where(CharterVersion.charter_id == charter_id)
        )
        assert version.pdf_sha256 is not None and version.activated_at is not None
