"""Share links: the signed PDF for people without an account, until expiry or revocation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from sla_contracts.audit.operations import verify_chain
from sla_contracts.extensions import db
from sla_contracts.models import AuditEvent, CharterVersion, ShareLink
from sla_contracts.signing import share_links
from sla_contracts.timeutil import utcnow

from .signing_helpers import submit


def _create(head, charter, days=7) -> str:
    response = head.post(f"/charters/{charter.id}/share", {"days": days})
    assert response.status_code == 302
    page = head.get(response.headers["Location"]).get_data(as_text=True)
    match = re.search(r'value="(http://[^"]+/s/[^"]+)"', page)
    assert match, "the new link is shown once"
    assert match.group(1) not in head.get(f"/charters/{charter.id}/share").get_data(as_text=True)
    return match.group(1).split("localhost", 1)[-1]


def test_share_link_serves_stored_pdf_logged_out_and_counts(org, signed, login_as, client):
    path = _create(login_as(org.head_a), signed)
    version = db.session.scalar(select(CharterVersion))
    for _ in range(2):
        response = client.get(path)
        assert response.status_code == 200
        assert response.data == version.pdf
    db.session.expire_all()
    link = db.session.scalar(select(ShareLink))
    assert link.download_count == 2
    assert link.token_hash not in path  # only the hash is stored, never the token


def test_revoked_link_answers_410_and_counts_nothing(org, signed, login_as, client):
    head = login_as(org.head_a)
    path = _create(head, signed)
    link = db.session.scalar(select(ShareLink))
    assert head.post(f"/charters/{signed.id}/share/{link.id}/revoke").status_code == 302
    response = client.get(path)
    assert response.status_code == 410
    assert "revoked" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(ShareLink)).download_count == 0


def test_expired_link_answers_410(org, signed, client):
    two_days_ago = utcnow() - timedelta(days=2)
    _link, token = share_links.create_share_link(org.head_b, signed, 1, now=two_days_ago)
    db.session.commit()
    response = client.get(f"/s/{token}")
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)


def test_unknown_token_is_404(client):
    assert client.get("/s/" + "x" * 43).status_code == 404


def test_only_a_signed_charter_can_be_shared(org, make_charter):
    charter = make_charter(commitments=(1, 1))
    submit(org, charter)
    from sla_contracts.errors import CharterStateError, ValidationError

    with pytest.raises(CharterStateError):
        share_links.create_share_link(org.head_a, charter, 7)
    db.session.rollback()
    with pytest.raises(ValidationError):
        share_links.create_share_link(org.head_a, charter, 0)


def test_bad_number_of_days_redisplays_the_form(org, signed, login_as):
    response = login_as(org.head_a).post(f"/charters/{signed.id}/share", {"days": 9999})
    assert response.status_code == 422
    assert db.session.scalar(select(ShareLink)) is None


def _page(browser, url: str) -> str:
    response = browser.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_each_share_link_download_is_an_audit_event(org, signed, login_as, client):
    head = login_as(org.head_a)
    head.post(f"/charters/{signed.id}/share", {"days": 7})
    page = _page(head, f"/charters/{signed.id}/share")
    path = "/s/" + page.split("/s/")[1].split('"')[0].split("<")[0]
    for _ in range(2):
        assert client.get(path).status_code == 200
    link = db.session.scalar(select(ShareLink))
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "share_downloaded")
    ).all()
    assert len(events) == 2
    assert all(e.actor_id is None and e.object_id == link.id for e in events)
    assert events[0].data == {"version": 1, "link_id": link.id}
    assert events[0].charter_id == signed.id
    assert verify_chain().ok
    audit = _page(head, f"/charters/{signed.id}/audit")
    assert audit.count("Downloaded through a share link") == 2
    assert f"share link #{link.id}" in audit and "someone with the link" in audit
    assert "Share link created" in audit and "7 days" in audit and "Exported" not in audit
    # A revoked link refuses and records nothing more.
    head.post(f"/charters/{signed.id}/share/{link.id}/revoke")
    assert client.get(path).status_code == 410
    assert (
        len(
            db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == "share_downloaded")
            ).all()
        )
        == 2
    )
