"""Changing a charter once it is submitted, signed or ended: the edit forms, the end."""

from __future__ import annotations

from sqlalchemy import select

from sla_contracts.extensions import db
from sla_contracts.models import Charter, CharterStatus, Notification
from sla_contracts.signing import signatures

from .plugins.people import TEST_PASSWORD


def _page(browser, url: str) -> str:
    response = browser.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


# ---------------------------------------------------------------- an ended charter


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


def test_charter_ended_during_an_amendment_shows_what_was_signed_not_the_draft(
    org, signed, login_as
):
    from sla_contracts.charters import operations as charters
    from sla_contracts.signing import amendments

    commitment = signed.commitments[0]
    signed_target = commitment.target
    amendments.open_amendment(org.head_a, signed)
    db.session.commit()
    charters.update_commitment(org.head_a, commitment, commitment.lock_version, {"target": "12345"})
    db.session.commit()
    head = login_as(org.head_b)
    head.post(f"/charters/{signed.id}/end", {"reason": "Reorganisation"})
    page = _page(head, f"/charters/{signed.id}")
    assert "Last signed version — charter ended on" in page
    assert "12345" not in page  # the amendment was never signed
    assert f"{signed_target}%" in page  # the signed target, as Babel writes it in English
    assert "What both sides signed (version 1)" in page


# ---------------------------------------------------------------- edit forms and signatures


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


def test_outsider_gets_404_on_edit_forms_of_an_active_charter(org, signed, login_as):
    outsider = login_as(org.outsider)
    for url in _edit_urls(signed):
        assert outsider.get(url).status_code == 404, url


def test_edit_of_a_charter_awaiting_signatures_warns_and_says_what_it_voided(
    org, make_charter, login_as
):
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


def test_pdf_file_names_are_unique_per_charter_and_follow_the_readers_language(
    org, make_charter, login_as
):
    from .signing_helpers import sign_both

    first = make_charter("Livraisons des magasins", commitments=(1, 1))
    second = make_charter("Retours clients", commitments=(1, 1))
    for charter in (first, second):
        sign_both(org, charter)
    names = {}
    for charter in (first, second):
        head = login_as(org.head_a)
        answer = head.get(f"/charters/{charter.id}/versions/1/pdf")
        assert answer.status_code == 200
        names[charter.id] = answer.headers["Content-Disposition"]
    assert names[first.id].endswith(f'filename="charter-{first.id}-livraisons-des-magasins-v1.pdf"')
    assert names[second.id].endswith(f'filename="charter-{second.id}-retours-clients-v1.pdf"')
    org.head_a.locale = "fr"
    db.session.commit()
    french = login_as(org.head_a).get(f"/charters/{first.id}/versions/1/pdf")
    assert french.headers["Content-Disposition"].endswith(
        f'filename="charte-{first.id}-livraisons-des-magasins-v1.pdf"'
    )
