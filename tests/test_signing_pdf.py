"""The charter PDF: what a reader finds in it, on every page, and what it never fetches."""

from __future__ import annotations

import io
import re
import socket

import pytest
from pypdf import PdfReader

from sla_contracts.pdf import StaticOnlyURLFetcher
from sla_contracts.signing import pdf_store, versions

from .signing_helpers import pdf_pages, pdf_text, sign_both, submit


def test_signed_pdf_names_both_sides_every_commitment_signers_and_fingerprint(
    org, make_charter, output_dir
):
    charter = make_charter(commitments=(3, 2))
    version = sign_both(org, charter)
    assert version.pdf.startswith(b"%PDF-")
    assert version.pdf_sha256 == versions.sha256_hex(version.pdf)
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
    data = pdf_store.version_pdf(version)
    (output_dir / "draft.pdf").write_bytes(data)
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


# ---------------------------------------------------------------- the renderer never fetches


@pytest.fixture
def listener():
    """A socket on 127.0.0.1 that must never be connected to."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.setblocking(False)
    yield sock
    sock.close()


def assert_no_connection(sock) -> None:
    try:
        conn, _ = sock.accept()
    except BlockingIOError:
        return
    conn.close()
    pytest.fail("the PDF renderer connected to the listening socket")


def hostile_texts(port: int) -> list[str]:
    return [
        f'<img src="http://127.0.0.1:{port}/x">',
        "file:///etc/passwd",
        '<img src="../../../../etc/passwd">',
        f"<style>@import url(http://127.0.0.1:{port}/a.css); body {{ background: "
        f"url(file:///etc/passwd) }}</style>",
        f'<link rel="attachment" href="http://127.0.0.1:{port}/leak">',
    ]


def test_user_text_is_printed_literally_and_nothing_is_fetched(
    org, make_charter, make_commitment, listener, output_dir
):
    port = listener.getsockname()[1]
    charter = make_charter(commitments=(0, 1))
    texts = hostile_texts(port)
    make_commitment(
        charter,
        org.logistics,
        title=texts[0],
        service_standard=texts[1],
        indicator=texts[2][:200],
        measurement_method=texts[3],
        customer_impact=texts[4],
    )
    version = sign_both(org, charter)
    (output_dir / "hostile.pdf").write_bytes(version.pdf)
    assert_no_connection(listener)
    flat = re.sub(r"[\s\u2010]+", "", pdf_text(version.pdf))  # wrapped and hyphenated
    for text in texts:
        assert re.sub(r"\s+", "", text)[:60] in flat
    assert b"root:x:0:0" not in version.pdf
    assert b"/EmbeddedFile" not in version.pdf


def test_fetcher_refuses_network_files_outside_static_and_traversal(app, listener, tmp_path):
    port = listener.getsockname()[1]
    static = tmp_path / "static"
    static.mkdir()
    (static / "ok.css").write_text("body { color: red }")
    (tmp_path / "secret.txt").write_text("secret")
    (static / "link.css").symlink_to(tmp_path / "secret.txt")
    fetcher = StaticOnlyURLFetcher(static)
    refused = [
        f"http://127.0.0.1:{port}/x",
        f"https://127.0.0.1:{port}/x",
        "ftp://127.0.0.1/x",
        "data:text/plain,hello",
        "file:///etc/passwd",
        f"file://{static}/../secret.txt",
        f"file://{static}/%2e%2e/secret.txt",
        f"file://{static}/link.css",
        f"file://127.0.0.1{static}/ok.css",
    ]
    for url in refused:
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert fetcher.fetch(f"file://{static}/ok.css").read() == b"body { color: red }"
    assert_no_connection(listener)


def test_raw_html_with_every_known_trap_makes_no_request(app, listener, caplog):
    """Even HTML that was not escaped cannot make the renderer fetch: the fetcher is the wall."""
    from sla_contracts.pdf import html_to_pdf

    port = listener.getsockname()[1]
    html = f"""<html><head>
      <link rel="stylesheet" href="http://127.0.0.1:{port}/style.css">
      <link rel="attachment" href="file:///etc/passwd">
      <link rel="attachment" href="http://127.0.0.1:{port}/attach">
      <style>@import url("http://127.0.0.1:{port}/import.css");
        body {{ background: url("http://127.0.0.1:{port}/bg.png") }}
        @font-face {{ font-family: x; src: url("http://127.0.0.1:{port}/f.woff") }}</style>
      </head><body><img src="http://127.0.0.1:{port}/img.png">
      <img src="file:///etc/passwd"><img src="../../../etc/passwd">
      <object data="http://127.0.0.1:{port}/obj"></object>
      <iframe src="http://127.0.0.1:{port}/frame"></iframe>
      <p>hello</p></body></html>"""
    with caplog.at_level("WARNING", logger="sla_contracts.pdf"):
        data = html_to_pdf(html)
    assert data.startswith(b"%PDF-")
    refused = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    for name in ("style.css", "import.css", "bg.png", "img.png", "attach", "/etc/passwd"):
        assert any(name in message for message in refused), (name, refused)
    assert_no_connection(listener)
    assert b"root:x:0:0" not in data and b"/EmbeddedFile" not in data


# ---------------------------------------------------------------- the end of the charter


@pytest.mark.parametrize("per_side", [2, 3, 10, 11, 12])
def test_signature_block_is_never_alone_on_the_last_page(org, make_charter, per_side):
    """With these lengths the signatures used to fall alone on a page of their own: the last
    commitment now goes with them (the table header repeats above it)."""
    charter = make_charter(commitments=(per_side, per_side))
    version = submit(org, charter)
    pages = PdfReader(io.BytesIO(pdf_store.version_pdf(version))).pages
    last = pages[-1].extract_text()
    assert "Signatures" in last
    assert f"B commitment {per_side}" in last, "the signatures are alone on the last page"


def test_times_in_the_pdf_are_local_with_a_readable_zone(org, make_charter):
    charter = make_charter(commitments=(1, 1))
    version = sign_both(org, charter)  # signed at 09:30 UTC on 2 March 2026: 10:30 in Paris
    # The charter's pages (the certificate of completion, last, gives UTC times on purpose).
    pages = PdfReader(io.BytesIO(version.pdf)).pages
    text = " ".join(" ".join(p.extract_text() for p in pages[:-1]).split())
    assert "Signed on 2 March 2026, 10:30 (Paris time)" in text
    assert "frozen on 2 March 2026, 10:30 (Paris time)" in text
    assert "+0100" not in text and "+01:00" not in text and "UTC" not in text
    assert "2026-03-02 09:30:00 UTC" in pages[-1].extract_text()
    version.language = "fr"  # the PDF is in the language the charter was submitted in
    french = " ".join(pdf_text(pdf_store.render_version_pdf(version)).split())
    assert "Signé le 2 mars 2026, 10:30 (heure de Paris)" in french
