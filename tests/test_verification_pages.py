"""The verification pages: the public link printed in the PDF, uploads, one answer per copy."""

from __future__ import annotations

import hashlib
import io

from sqlalchemy import select

from sla_contracts.extensions import db
from sla_contracts.models import CharterVersion
from sla_contracts.signing import signatures

from .plugins.people import TEST_PASSWORD
from .signing_helpers import submit


def _page(browser, url: str) -> str:
    response = browser.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_unsigned_pdf_upload_and_its_fingerprint_give_the_same_answer(org, make_charter, login_as):
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
    # The page names the file's own hash as such, and the fingerprint printed on the copy.
    digest = hashlib.sha256(draft_pdf).hexdigest()
    assert f"SHA-256 of the file checked: <code>{digest}</code>" in text
    assert f"printed on its pages): <code>{version.fingerprint}</code>" in text
    assert f"Fingerprint checked: <code>{version.fingerprint}</code>" in by_fingerprint
    # Signed later: the draft copy is still not the signed one, and says so.
    signatures.sign_charter(org.head_a, charter, 1, TEST_PASSWORD, None)
    signatures.sign_charter(org.head_b, charter, 1, TEST_PASSWORD, None)
    db.session.commit()
    assert db.session.scalar(select(CharterVersion)).activated_at is not None
    upload = head.post("/verify", {"file": (io.BytesIO(draft_pdf), "draft.pdf")}, content_type=None)
    text = upload.get_data(as_text=True)
    assert "Authentic" not in text and "not the archived signed copy" in text


# ---------------------------------------------------------------- the public verification page


def test_verification_link_of_the_pdf_is_public_and_minimal(org, signed, client):
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
