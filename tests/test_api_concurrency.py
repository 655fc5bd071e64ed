"""Two API clients saving the same commitment at once: one wins, the other gets 409."""

from __future__ import annotations

import threading

import pytest

from sla_contracts.extensions import db
from sla_contracts.models import Commitment
from tests.api_helpers import ApiClient, token_for


@pytest.mark.parametrize("version_in", ["body", "if_match"])
def test_simultaneous_patches_of_one_commitment(
    app, postgres_only, org, make_charter, make_commitment, version_in
):
    charter = make_charter()
    commitment = make_commitment(charter, org.logistics)
    # Logistique's head and the administrator acting for Logistique (only the side that
    # provides a commitment writes it).
    tokens = {"A": token_for(org.head_a), "B": token_for(org.admin)}
    url = f"/api/v1/commitments/{commitment.id}"
    etag = ApiClient(app.test_client(), tokens["A"]).get(url).headers["ETag"]
    commitment_id = commitment.id
    db.session.remove()
    barrier = threading.Barrier(2)
    results: dict[str, tuple[int, dict]] = {}

    def save(side: str) -> None:
        client = ApiClient(app.test_client(), tokens[side])
        with app.app_context():  # the thread's own (the test client commits in it first)
            barrier.wait()
            if version_in == "body":
                body = {"lock_version": 1, "title": f"Version {side}"}
                response = client.patch(url, json=body)
            else:
                body = {"title": f"Version {side}"}
                response = client.patch(url, json=body, headers={"If-Match": etag})
            db.session.remove()
        results[side] = (response.status_code, response.get_json())

    threads = [threading.Thread(target=save, args=(side,)) for side in "AB"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    statuses = sorted(status for status, _body in results.values())
    assert statuses == [200, 409], results
    winner = next(side for side, (status, _b) in results.items() if status == 200)
    loser = next(body for status, body in results.values() if status == 409)
    assert loser["error"]["code"] == "conflict"
    assert loser["error"]["details"]["current"]["title"] == f"Version {winner}"
    assert loser["error"]["details"]["current_lock_version"] == 2
    saved = db.session.get(Commitment, commitment_id)
    assert (saved.title, saved.lock_version) == (f"Version {winner}", 2)
