"""The charter PDF: what a reader finds in it, on every page, and what it never fetches."""

from __future__ import annotations

import re

from sla_contracts.signing import operations as signing

from .signing_helpers import pdf_pages, pdf_text, sign_both, submit


def test_signed_pdf_names_both_sides_every_commitment_signers_and_fingerprint(
    org, make_charter, output_dir
):
    charter = make_charter(commitments=(3, 2))
    version = sign_both(org, charter)
    assert version.pdf.startswith(b"%PDF-")
    assert version.pdf_sha256 == signing.sha256_hex(version.pdf)
    (output_dir / "signed.pdf").write_bytes(version.pdf)
    text = pdf_text(version.pdf)
    flat = re.sub(r"\s+", "", text)
    for expected in ("Logistique", "Magasins", "Alice Head", "Bruno Head"):
        assert expected in text
    for c in charter.commitments:
        assert c.title in text
    assert version.fingerprint in flat
    assert "Shelf out-of-stock rate" in text
    assert "DRAFT" not in text


def test_unsigned_version_is_marked_draft_on_every_page(org, make_charter, output_dir):
    charter = make_charter(commitments=(30, 30))
    version = submit(org, charter)
    data = signing.version_pdf(version)
    (output_dir / "draft.pdf").write_bytes(data)
    import io

    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(data)).pages
    assert len(pages) > 1
    for page in pages:
        assert "not signed" in page.extract_text()


def test_sixty_commitments_break_across_pages_with_page_numbers(org, make_charter, output_dir):
    charter = make_charter(commitments=(30, 30))
    version = sign_both(org, charter)
    (output_dir / "sixty.pdf").write_bytes(version.pdf)
    pages = pdf_pages(version.pdf)
    assert pages >= 3
    text = pdf_text(version.pdf)
    for n in range(1, pages + 1):
        assert f"Page {n} of {pages}" in text
    assert text.count("Indicator and target") >= 3  # the table header repeats
    for i in range(1, 31):
        assert f"A commitment {i}" in text and f"B commitment {i}" in text
