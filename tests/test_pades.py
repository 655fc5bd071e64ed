"""The stored PDF of a version in force is digitally signed (PAdES), checked by pyHanko and by
poppler's ``pdfsig``, a reader nobody here wrote; altered copies are refused everywhere."""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pypdf import PdfReader
from sqlalchemy import select, update

from sla_contracts.charters import operations as charters
from sla_contracts.extensions import db
from sla_contracts.models import AuditEvent, CharterVersion
from sla_contracts.pdf import pades
from sla_contracts.signing import amendments, certificate, pdf_store, verification

from .api_helpers import ApiClient, token_for
from .plugins.app_db import SIGNING_DEMO_CERT
from .signing_helpers import NOW, sign_both

ROOT = Path(__file__).resolve().parent.parent
PDFSIG = "/usr/bin/pdfsig"


def pdfsig(data: bytes, tmp_path: Path, name: str = "copy.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    done = subprocess.run(
        [PDFSIG, str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    return done.stdout + done.stderr


def one_byte_changed(data: bytes) -> bytes:
    """The file with one byte of its signed content changed (a letter of the producer, or a
    byte in the middle of the first signed range)."""
    altered = bytearray(data)
    at = data.find(b"WeasyPrint")
    index = at + 1 if at > 0 else data.index(b"/ByteRange") // 2
    altered[index] = ord("E") if altered[index] != ord("E") else ord("F")
    return bytes(altered)


def with_incremental_update(data: bytes) -> bytes:
    """A copy with one more incremental update appended (a changed catalogue), as a PDF editor
    would save it: the signed revision stays intact, the file is no longer what was signed."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    writer.root["/PageMode"] = generic.NameObject("/UseOutlines")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _unescape(literal: str) -> str:
    """A PDF literal string's text: octal and backslash escapes decoded."""
    return re.sub(
        r"\\([0-7]{1,3}|.)",
        lambda m: chr(int(m[1], 8)) if m[1][0] in "01234567" else m[1],
        literal,
    )


def appearance_text(data: bytes) -> tuple[int, str]:
    """The signature widget's page (0-based) and the text drawn by its appearance stream."""
    reader = PdfReader(io.BytesIO(data))
    for number, page in enumerate(reader.pages):
        for annotation in page.get("/Annots") or []:
            widget = annotation.get_object()
            if widget.get("/FT") == "/Sig" or widget.get("/Parent", {}).get("/FT") == "/Sig":
                stream = widget["/AP"]["/N"].get_object()
                chunks = [stream.get_data()]
                for xobject in (stream.get("/Resources", {}).get("/XObject") or {}).values():
                    chunks.append(xobject.get_object().get_data())
                raw = b"".join(chunks).decode("latin-1")
                shown = re.findall(r"\(((?:\\.|[^\\)])*)\)\s*Tj", raw)
                return number, " ".join(_unescape(t) for t in shown)
    raise AssertionError("no signature widget")


@pytest.fixture
def signed(org, make_charter):
    charter = make_charter(commitments=(1, 1))
    version = sign_both(org, charter)
    return charter, db.session.get(CharterVersion, version.id)


# ---------------------------------------------------------------- the signed file


def test_the_stored_pdf_is_the_signed_file_and_its_hash_is_that_of_the_signed_bytes(signed):
    _charter, version = signed
    pdf = version.pdf
    assert version.pdf_sha256 == hashlib.sha256(pdf).hexdigest()
    stored = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "pdf_stored")).one()
    assert stored.data["pdf_sha256"] == version.pdf_sha256
    status = pades.signature_status(pdf)
    assert status.signed and status.intact and status.coverage == "ENTIRE_FILE"
    assert "Réciproque demo — for demonstration only" in status.signer
    # PAdES: ETSI.CAdES.detached, one signature, whose byte range ends at the end of the file.
    embedded = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    assert len(embedded) == 1
    assert embedded[0].sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    byte_range = list(embedded[0].sig_object["/ByteRange"])
    assert byte_range[0] == 0 and byte_range[2] + byte_range[3] == len(pdf)


def test_the_visible_signature_lists_both_heads_on_the_signature_page(org, signed):
    _charter, version = signed
    page, text = appearance_text(version.pdf)
    pages = PdfReader(io.BytesIO(version.pdf)).pages
    assert "Signatures" in pages[page].extract_text()  # the page where both signatures are
    assert "Digitally signed for Réciproque demo - for demonstration only" in text
    when = NOW.strftime("%Y-%m-%d %H:%M:%S UTC")
    assert f"Alice Head, for Logistique: signed {when}" in text
    assert f"Bruno Head, for Magasins: signed {when}" in text
    assert version.fingerprint in text
    # The box sits inside the page, where the template left room for it.
    placement = pades.field_placement(pdf_store.render_version_pdf(version))
    x1, y1, x2, y2 = placement.box
    width, height = (float(v) for v in pages[page].mediabox[2:])
    assert placement.page == page and 0 < x1 < x2 < width and 0 < y1 < y2 < height


def test_the_appearance_is_in_the_charter_language(org, make_charter):
    org.head_a.locale = "fr"  # the author's language is the charter's
    db.session.commit()
    charter = make_charter(commitments=(1, 1))
    version = sign_both(org, charter)
    assert version.language == "fr"
    _page, text = appearance_text(db.session.get(CharterVersion, version.id).pdf)
    assert "Signé électroniquement pour Réciproque demo - for demonstration only" in text
    assert f"Alice Head, pour Logistique : signé le {NOW:%Y-%m-%d %H:%M:%S} UTC" in text


def test_pdfsig_finds_the_stored_pdf_valid_and_wholly_signed(signed, tmp_path):
    _charter, version = signed
    report = pdfsig(version.pdf, tmp_path)
    assert "Signature Validation: Signature is Valid." in report, report
    assert "Total document signed" in report and "Not total document signed" not in report
    assert "Signature Type: ETSI.CAdES.detached" in report
    assert "Réciproque demo — for demonstration only" in report
    # Self-signed: poppler cannot trust it (README says so).
    assert "Certificate Validation: Certificate is Trusted" not in report


def test_a_copy_with_one_byte_changed_is_refused_by_pdfsig_pyhanko_and_the_app(signed, tmp_path):
    _charter, version = signed
    altered = one_byte_changed(version.pdf)
    assert altered != version.pdf and len(altered) == len(version.pdf)
    report = pdfsig(altered, tmp_path)
    assert "Signature Validation: Signature is Valid." not in report, report
    assert "Digest Mismatch" in report
    assert not pades.signature_status(altered).intact
    result = verification.verify_pdf_file(altered)
    assert not result.authentic and result.query == hashlib.sha256(altered).hexdigest()


def test_a_copy_with_an_extra_incremental_update_is_refused(signed, tmp_path):
    _charter, version = signed
    updated = with_incremental_update(version.pdf)
    assert updated.startswith(version.pdf) and len(updated) > len(version.pdf)
    report = pdfsig(updated, tmp_path)
    assert "Not total document signed" in report, report
    status = pades.signature_status(updated)
    assert status.signed and not status.intact and status.coverage == "ENTIRE_REVISION"
    result = verification.verify_pdf_file(updated)
    assert not result.authentic  # recognised by its printed fingerprint at most, never signed
    assert verification.verify_pdf_file(version.pdf).authentic


def test_an_amendment_gets_its_own_signed_pdf_and_the_first_stays_as_it_was(org, signed):
    charter, v1 = signed
    first = v1.pdf
    amendments.open_amendment(org.head_b, charter, NOW)
    db.session.commit()
    charters.add_commitment(
        org.head_b,
        charter,
        org.stores.id,
        {
            "title": "Weekly stock count",
            "service_standard": "Count every Monday",
            "indicator": "Counts done",
            "target": "100",
            "unit": "%",
            "customer_impact": "Accurate stock shown to customers",
        },
    )
    db.session.commit()
    v2 = db.session.get(CharterVersion, sign_both(org, charter, NOW + timedelta(days=40)).id)
    db.session.refresh(v1)
    assert v1.pdf == first and v1.pdf_sha256 == hashlib.sha256(first).hexdigest()
    assert v2.pdf != first and pades.signature_status(v2.pdf).intact
    _page, text = appearance_text(v2.pdf)
    assert (NOW + timedelta(days=40)).strftime("%Y-%m-%d %H:%M:%S UTC") in text


# ---------------------------------------------------------------- API and pages


def test_api_serves_the_signed_file_and_says_its_signature_is_intact(org, signed, client):
    charter, version = signed
    api = ApiClient(client, token_for(org.head_a))
    served = api.get(f"/api/v1/charters/{charter.id}/versions/1/pdf")
    assert served.status_code == 200 and served.data == version.pdf
    assert pades.signature_status(served.data).intact
    verdict = api.get(f"/api/v1/verify/{version.fingerprint}").get_json()
    assert verdict["authentic"] is True and verdict["pdf_signature_intact"] is True
    by_hash = api.get(f"/api/v1/verify/{version.pdf_sha256}").get_json()
    assert by_hash["matched"] == "pdf" and by_hash["pdf_signature_intact"] is True
    unknown = api.get("/api/v1/verify/" + "c" * 64).get_json()
    assert unknown["authentic"] is False and unknown["pdf_signature_intact"] is None


def test_a_stored_file_altered_in_the_database_is_reported_not_intact(org, signed, client):
    charter, version = signed
    altered = one_byte_changed(version.pdf)
    db.session.execute(
        update(CharterVersion).where(CharterVersion.id == version.id).values(pdf=altered)
    )
    db.session.commit()
    api = ApiClient(client, token_for(org.head_a))
    verdict = api.get(f"/api/v1/verify/{version.fingerprint}").get_json()
    assert verdict["authentic"] is True and verdict["pdf_signature_intact"] is False


def test_the_verification_page_says_the_signature_is_intact_in_both_languages(
    org, signed, login_as, client
):
    _charter, version = signed
    head = login_as(org.head_a)
    page = head.get(f"/verify/{version.fingerprint}").get_data(as_text=True)
    assert "carries the organisation's digital signature, intact over the whole" in page
    upload = head.post(
        "/verify", {"file": (io.BytesIO(version.pdf), "charter.pdf")}, content_type=None
    ).get_data(as_text=True)
    assert "intact over the whole file" in upload
    public = client.get(
        f"/verify/{version.fingerprint}", headers={"Accept-Language": "fr"}
    ).get_data(as_text=True)
    assert "intacte sur tout le fichier" in public


# ---------------------------------------------------------------- the certificate


def test_tests_sign_with_a_demo_certificate_outside_the_repository(app, signed):
    assert certificate.demo_path() == SIGNING_DEMO_CERT
    assert SIGNING_DEMO_CERT.exists()
    assert not SIGNING_DEMO_CERT.resolve().is_relative_to(ROOT)


def test_the_demo_certificate_is_made_once_for_signatures_only(app, tmp_path, caplog):
    path = tmp_path / "instance-like" / "signing-demo.p12"
    app.config["SIGNING_DEMO_CERT"] = str(path)
    with caplog.at_level("WARNING"):
        assert certificate.ensure_demo_certificate() == path
    assert "for demonstration only" in caplog.text
    assert certificate.ensure_demo_certificate() is None  # once
    assert path.stat().st_mode & 0o777 == 0o600
    key, cert, _others = pkcs12.load_key_and_certificates(path.read_bytes(), None)
    assert cert.subject.rfc4514_string() == (
        "O=Réciproque demo — for demonstration only,CN=Réciproque demo — for demonstration only"
    )
    from cryptography import x509

    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_cert_sign
    assert certificate.signer() is certificate.signer()  # loaded once per process


def test_a_configured_certificate_with_its_passphrase_signs(org, make_charter, app, tmp_path):
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec

    demo = pkcs12.load_key_and_certificates(pades.demo_certificate("Company Name SA"), None)
    key, cert = demo[0], demo[1]
    assert isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(cert, x509.Certificate)
    p12 = tmp_path / "company.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"company", key, cert, None, BestAvailableEncryption(b"s3cret")
        )
    )
    app.config.update(SIGNING_CERT_P12=str(p12), SIGNING_CERT_PASSWORD="s3cret")
    charter = make_charter(commitments=(1, 1))
    version = db.session.get(CharterVersion, sign_both(org, charter).id)
    status = pades.signature_status(version.pdf)
    assert status.intact and "Company Name SA" in status.signer
    _page, text = appearance_text(version.pdf)
    assert "Digitally signed for Company Name SA" in text


def test_init_db_makes_the_demo_certificate_once_and_says_it_is_for_demonstration(
    tmp_path, monkeypatch
):
    from sla_contracts import create_app

    from .plugins.app_db import app_test_config

    monkeypatch.setenv("SECRET_KEY", "test-secret")  # init-db writes no instance/secret_key
    demo = tmp_path / "signing-demo.p12"
    app = create_app(
        app_test_config(f"sqlite:///{tmp_path / 'fresh.sqlite'}", SIGNING_DEMO_CERT=str(demo))
    )
    runner = app.test_cli_runner()
    first = runner.invoke(args=["init-db"])
    assert first.exit_code == 0, first.output
    assert f"self-signed certificate for demonstration only at {demo}" in first.output
    assert demo.exists()
    second = runner.invoke(args=["init-db"])
    assert second.exit_code == 0 and "demonstration" not in second.output


def test_the_verification_page_says_a_signed_copy_was_changed_after_signing(org, signed, login_as):
    _charter, version = signed
    head = login_as(org.head_a)
    for copy in (one_byte_changed(version.pdf), with_incremental_update(version.pdf)):
        result = verification.verify_pdf_file(copy)
        assert result.changed_after_signing and not result.authentic
        page = head.post(
            "/verify", {"file": (io.BytesIO(copy), "charter.pdf")}, content_type=None
        ).get_data(as_text=True)
        assert "Changed after it was signed" in page
        assert "its digital signature no longer matches its content" in page
        assert "Not a signed version" not in page
    # The stored signed copy itself is authentic, not "changed".
    draft = verification.verify_pdf_file(version.pdf)
    assert draft.authentic and not draft.changed_after_signing
