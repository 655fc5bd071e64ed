"""With ``TSA_URL`` set, the stored PDF's signature carries an RFC 3161 timestamp (PAdES B-T).

The timestamp authority is a real one on this machine: ``openssl ts -reply`` behind a small
HTTP server, with its own certificate (extended key usage timeStamping) made for the test.
"""

from __future__ import annotations

import io
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from asn1crypto import cms, tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils.reader import PdfFileReader

from sla_contracts.extensions import db
from sla_contracts.models import CharterVersion
from sla_contracts.pdf import pades

from .signing_helpers import sign_both
from .test_pades import pdfsig

OPENSSL = "/usr/bin/openssl"


def _tsa_files(folder: Path) -> Path:
    """A TSA key and certificate, and the openssl configuration that answers with them."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test timestamp authority")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, hashes.SHA256())
    )
    (folder / "tsa.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (folder / "tsa.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "serial").write_text("01\n")
    config = folder / "tsa.cnf"
    config.write_text(
        f"""[ tsa ]
default_tsa = test_tsa
[ test_tsa ]
dir = {folder}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.crt
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""
    )
    return config


@pytest.fixture
def tsa(tmp_path):
    """A running RFC 3161 authority: its URL, and how many requests it answered."""
    folder = tmp_path / "tsa"
    folder.mkdir()
    config = _tsa_files(folder)
    answered: list[int] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with lock:
                query = folder / f"q{len(answered)}.tsq"
                reply = folder / f"r{len(answered)}.tsr"
                query.write_bytes(body)
                subprocess.run(
                    [OPENSSL, "ts", "-reply", "-config", str(config), "-queryfile", str(query)]
                    + ["-out", str(reply)],
                    check=True,
                    capture_output=True,
                    timeout=30,
                )
                answered.append(len(body))
            data = reply.read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tsa", answered
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _timestamp_token(pdf: bytes) -> tsp.TSTInfo | None:
    embedded = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    for attribute in embedded.signer_info["unsigned_attrs"] or []:
        if attribute["type"].native == "signature_time_stamp_token":
            token: cms.ContentInfo = attribute["values"][0]
            return token["content"]["encap_content_info"]["content"].parsed
    return None


def test_with_a_timestamp_authority_the_signature_carries_an_rfc3161_timestamp(
    org, make_charter, app, tsa, tmp_path
):
    url, answered = tsa
    app.config["TSA_URL"] = url
    charter = make_charter(commitments=(1, 1))
    version = db.session.get(CharterVersion, sign_both(org, charter).id)
    assert answered, "the authority was asked"
    token = _timestamp_token(version.pdf)
    assert token is not None
    assert token["policy"].dotted == "1.3.6.1.4.1.99999.1"  # issued by our authority
    status = pades.signature_status(version.pdf)
    assert status.intact and status.timestamped
    report = pdfsig(version.pdf, tmp_path)
    assert "Signature is Valid." in report and "Total document signed" in report, report


def test_without_a_timestamp_authority_there_is_no_timestamp(org, make_charter, app):
    assert not app.config["TSA_URL"]
    charter = make_charter(commitments=(1, 1))
    version = db.session.get(CharterVersion, sign_both(org, charter).id)
    assert _timestamp_token(version.pdf) is None
    assert not pades.signature_status(version.pdf).timestamped
