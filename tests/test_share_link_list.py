"""The share links of a charter: their own statuses, counts, copy button, revoke after a
confirmation page; only the charter's heads and admins see them."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from sla_contracts.extensions import db
from sla_contracts.models import ShareLink, ShareLinkStatus
from sla_contracts.signing import share_links
from sla_contracts.timeutil import utcnow


def _three_links(org, signed, client):
    """One active link opened twice, one expired, one revoked."""
    now = utcnow()
    active, token = share_links.create_share_link(org.head_a, signed, 7, now=now)
    share_links.create_share_link(org.head_b, signed, 1, now=now - timedelta(days=3))
    revoked, _ = share_links.create_share_link(org.head_a, signed, 7, now=now)
    share_links.revoke_share_link(org.head_b, signed, revoked.id, now=now)
    db.session.commit()
    for _ in range(2):
        assert client.get(f"/s/{token}").status_code == 200
    return active


def _rows(page: str) -> list[str]:
    return re.findall(r'<tr data-link-status="(\w+)">', page)


def test_link_list_shows_each_links_own_status_and_downloads(org, signed, login_as, client):
    _three_links(org, signed, client)
    page = login_as(org.head_a).get(f"/charters/{signed.id}/share").get_data(as_text=True)
    assert sorted(_rows(page)) == ["active", "expired", "revoked"]
    assert "1 link still opens the PDF." in page
    assert "by Alice Head" in page and "by Bruno Head" in page
    active_row = page.split('data-link-status="active"', 1)[1].split("</tr>", 1)[0]
    assert "<td>2<br>" in active_row and "last opened on" in active_row
    assert "Revoke…" in active_row


def test_link_statuses_have_their_own_french_words(org, signed, login_as, client, make_user):
    _three_links(org, signed, client)
    french = make_user("fr.head@example.com", "Fanny", locale="fr", head_of=[org.logistics])
    page = login_as(french).get(f"/charters/{signed.id}/share").get_data(as_text=True)
    labels = re.findall(r'<span class="link-status link-status-\w+">([^<]+)</span>', page)
    assert sorted(labels) == ["Actif", "Expiré", "Révoqué"]
    assert "En vigueur" not in labels


def test_only_the_heads_and_admins_see_the_links(org, signed, login_as, client, make_user):
    link = _three_links(org, signed, client)
    other_head = make_user("other.head@example.com", "Omar Other", head_of=[org.it])
    for user, status in (
        (org.head_a, 200),
        (org.head_b, 200),
        (org.admin, 200),
        (org.member_a, 403),
        (org.member_b, 403),
        (other_head, 404),
    ):
        browser = login_as(user)
        response = browser.get(f"/charters/{signed.id}/share")
        assert response.status_code == status, user.email
        assert browser.get(f"/charters/{signed.id}/share/{link.id}/revoke").status_code == status
        if status != 200:
            assert "by Alice Head" not in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ShareLink, link.id).revoked_at is None


def test_revoking_asks_on_its_own_page_first(org, signed, login_as, client):
    link = _three_links(org, signed, client)
    head = login_as(org.head_b)
    page = head.get(f"/charters/{signed.id}/share/{link.id}/revoke").get_data(as_text=True)
    assert "This cannot be undone" in page and "Opened 2 times so far." in page
    db.session.expire_all()
    assert db.session.get(ShareLink, link.id).revoked_at is None  # looking revokes nothing
    assert head.post(f"/charters/{signed.id}/share/{link.id}/revoke").status_code == 302
    db.session.expire_all()
    assert db.session.get(ShareLink, link.id).status(utcnow()) == ShareLinkStatus.REVOKED
    assert head.get(f"/charters/{signed.id}/share/999999/revoke").status_code == 404


def test_new_link_comes_with_a_copy_button(org, signed, login_as):
    head = login_as(org.head_a)
    response = head.post(f"/charters/{signed.id}/share", {"days": 3})
    page = head.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="new-share-url"' in page and "data-select-on-load" in page
    button = re.search(r"<button[^>]*data-copy-target=\"new-share-url\"[^>]*>([^<]+)<", page)
    assert button and button.group(1) == "Copy the link"
    assert db.session.scalar(select(ShareLink)) is not None
