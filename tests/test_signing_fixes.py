"""Fixes after the QA pass of signing: ended charters, audit page, edit forms, verification."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sla_contracts.extensions import db
from sla_contracts.models import Charter, CharterStatus

from .signing_helpers import sign_both


@pytest.fixture
def signed(org, make_charter):
    charter = make_charter(commitments=(2, 1))
    sign_both(org, charter)
    return charter


def _page(browser, url: str) -> str:
    response = browser.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


# ---------------------------------------------------------------- 1. an ended charter


def test_ending_a_charter_clears_its_next_review(org, signed, login_as):
    assert signed.next_review_on is not None
    head = login_as(org.head_a)
    response = head.post(f"/charters/{signed.id}/end", {"reason": "Merged into one department"})
    assert response.status_code == 302
    charter = db.session.scalar(
        select(Charter).where(Charter.id == signed.id).execution_options(populate_existing=True)
    )
    assert charter.status == CharterStatus.ENDED
    assert charter.next_review_on is None


def test_ended_charter_page_says_last_signed_version_and_why(org, signed, login_as):
    head = login_as(org.head_a)
    head.post(f"/charters/{signed.id}/end", {"reason": "Merged into one department"})
    page = _page(head, f"/charters/{signed.id}")
    assert "next on" not in page
    assert "Version in force" not in page
    assert "Last signed version — charter ended on" in page
    assert "Merged into one department" in page
    versions = _page(head, f"/charters/{signed.id}/versions")
    assert "In force" not in versions and "Last signed (charter ended)" in versions


# ---------------------------------------------------------------- 2. a readable audit page


def _audit_story(org, charter, login_as):
    """Signed, amended, edited, resubmitted, signed by A, edited by B, shared and downloaded."""
    from sla_contracts.charters import operations as charters
    from sla_contracts.signing import amendments, signatures

    from .conftest import TEST_PASSWORD

    amendments.open_amendment(org.head_a, charter)
    db.session.commit()
    commitment = charter.commitments[0]
    charters.update_commitment(
        org.head_a, commitment, commitment.lock_version, {"target": "99", "unit": "pts"}
    )
    db.session.commit()
    version = signatures.submit_charter(org.head_a, charter)
    db.session.commit()
    signatures.sign_charter(org.head_a, charter, version.number, TEST_PASSWORD, "10.0.0.1")
    db.session.commit()
    charters.update_charter(org.head_b, charter, charter.lock_version, {"title": "New title"})
    db.session.commit()
    charter = db.session.get(Charter, charter.id)


def test_audit_page_reads_as_text_not_as_stored_data(org, signed, login_as, make_user):
    _audit_story(org, signed, login_as)
    head = login_as(org.head_a)
    head.post(f"/charters/{signed.id}/share", {"days": 7})
    page = _page(head, f"/charters/{signed.id}/audit")
    for raw in ("department_id", "signatures_voided", "via:", "share_link", "['", "fields:"):
        assert raw not in page, raw
    assert "for Logistique" in page and "for Magasins" in page
    assert "version 1" in page and "version 2" in page
    assert "signatures voided: Alice Head" in page
    assert "commitment changed: Target, Unit" in page
    assert "fields changed: Title" in page
    assert "Share link created" in page and "7 days" in page
    french = make_user("fr@example.com", "Fanny", locale="fr", head_of=[org.logistics])
    page = _page(login_as(french), f"/charters/{signed.id}/audit")
    assert "pour Logistique" in page
    assert "signatures annulées : Alice Head" in page
    assert "Lien de partage créé" in page and "7 jours" in page


# ---------------------------------------------------------------- 3. edit forms and signatures


def _edit_urls(charter) -> list[str]:
    commitment = charter.commitments[0]
    return [
        f"/charters/{charter.id}/edit",
        f"/charters/{charter.id}/commitments/{commitment.id}/edit",
        f"/charters/{charter.id}/commitments/new?provider={charter.department_a_id}",
    ]


def test_edit_forms_of_an_active_charter_send_to_the_charter_page(org, signed, login_as):
    head = login_as(org.head_a)
    for url in _edit_urls(signed):
        response = head.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].endswith(f"/charters/{signed.id}")
        page = _page(head, f"/charters/{signed.id}")
        assert "open an amendment" in page


def test_edit_forms_of_an_ended_charter_send_to_the_charter_page(org, signed, login_as):
    head = login_as(org.head_a)
    head.post(f"/charters/{signed.id}/end", {"reason": "Merged"})
    for url in _edit_urls(signed):
        response = head.get(url)
        assert response.status_code == 302, url
        assert "has ended" in _page(head, f"/charters/{signed.id}")


def test_outsider_still_gets_404_on_edit_forms_of_an_active_charter(org, signed, login_as):
    outsider = login_as(org.outsider)
    for url in _edit_urls(signed):
        assert outsider.get(url).status_code == 404, url


def test_edit_of_a_charter_awaiting_signatures_warns_and_says_what_it_voided(
    org, make_charter, login_as
):
    from sla_contracts.models import Notification
    from sla_contracts.signing import signatures

    from .conftest import TEST_PASSWORD

    charter = make_charter(commitments=(1, 1))
    version = signatures.submit_charter(org.head_a, charter)
    db.session.commit()
    signatures.sign_charter(org.head_a, charter, version.number, TEST_PASSWORD, "10.0.0.1")
    db.session.commit()
    head = login_as(org.head_a)
    commitment = charter.commitments[0]
    for url in _edit_urls(charter):
        page = _page(head, url)
        assert "back to draft" in page and "voids the signature already given" in page
        assert "Alice Head" in page
    form = _page(head, f"/charters/{charter.id}/commitments/{commitment.id}/edit")
    lock = int(form.split('name="lock_version"')[1].split('value="')[1].split('"')[0])
    data = {
        "title": "Deliveries on time",
        "service_standard": "Every morning",
        "indicator": "On-time rate",
        "target": "98",
        "unit": "%",
        "customer_impact": "Shelves are full when the store opens.",
        "lock_version": lock,
    }
    response = head.post(f"/charters/{charter.id}/commitments/{commitment.id}/edit", data)
    assert response.status_code == 302
    page = _page(head, f"/charters/{charter.id}")
    assert "back to draft" in page and "version 1" in page
    assert "The commitment is saved." not in page
    # The signer made the edit: no inbox message telling them their signature is void.
    assert (
        db.session.scalar(
            select(Notification).where(
                Notification.user_id == org.head_a.id, Notification.kind == "signature_voided"
            )
        )
        is None
    )


# ---------------------------------------------------------------- 4. verify: one answer


def test_unsigned_pdf_upload_and_its_fingerprint_give_the_same_answer(org, make_charter, login_as):
    import io

    from sla_contracts.models import CharterVersion

    from .signing_helpers import submit

    charter = make_charter(commitments=(1, 1))
    version = submit(org, charter)
    head = login_as(org.head_a)
    draft_pdf = head.get(f"/charters/{charter.id}/versions/1/pdf").data
    expected = f"This is version 1 of “{charter.title}”, not signed"
    by_fingerprint = _page(head, f"/verify/{version.fingerprint}")
    assert expected in by_fingerprint
    upload = head.post("/verify", {"file": (io.BytesIO(draft_pdf), "draft.pdf")}, content_type=None)
    text = upload.get_data(as_text=True)
    assert upload.status_code == 200
    assert expected in text and "may have been altered" not in text
    # Signed later: the draft copy is still not the signed one, and says so.
    from .conftest import TEST_PASSWORD
    from .signing_helpers import signatures

    signatures.sign_charter(org.head_a, charter, 1, TEST_PASSWORD, None)
    signatures.sign_charter(org.head_b, charter, 1, TEST_PASSWORD, None)
    db.session.commit()
    assert db.session.scalar(select(CharterVersion)).activated_at is not None
    upload = head.post("/verify", {"file": (io.BytesIO(draft_pdf), "draft.pdf")}, content_type=None)
    text = upload.get_data(as_text=True)
    assert "Authentic" not in text and "not the archived signed copy" in text


# ---------------------------------------------------------------- 5. the public verification page


def test_verification_link_of_the_pdf_is_public_and_minimal(org, signed, client):
    from sla_contracts.models import CharterVersion

    version = db.session.scalar(select(CharterVersion))
    response = client.get(f"/verify/{version.fingerprint}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"Authentic: version 1 of “{signed.title}”" in page
    assert "Alice Head" in page and "Bruno Head" in page
    assert "it is the version in force" in page
    for hidden in ("A commitment 1", "B commitment 1", org.criterion.name, "multipart"):
        assert hidden not in page, hidden


def test_public_verification_of_unknown_or_unsigned_fingerprint_leaks_nothing(
    org, make_charter, client
):
    from .signing_helpers import submit

    draft = make_charter("Secret draft title", commitments=(1, 1))
    unsigned = submit(org, draft)
    for fingerprint in ("b" * 64, unsigned.fingerprint):
        response = client.get(f"/verify/{fingerprint}")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "Not an authentic signed version" in page
        for hidden in ("Secret draft title", "Logistique", "Alice Head", "version 1"):
            assert hidden not in page, hidden
    assert client.get("/verify/not-hex").status_code == 422
    # The form and uploads stay for people with an account.
    assert client.get("/verify").status_code == 302


def test_public_verification_is_rate_limited(org, signed, client):
    codes = [client.get("/verify/" + "c" * 64).status_code for _ in range(31)]
    assert codes[:30] == [200] * 30
    assert codes[30] == 429


# ---------------------------------------------------------------- 6. share-link downloads audited


def test_each_share_link_download_is_an_audit_event(org, signed, login_as, client):
    from sla_contracts.audit.operations import verify_chain
    from sla_contracts.models import AuditEvent, ShareLink

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
