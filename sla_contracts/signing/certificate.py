"""The organisation's signing certificate: configured, or the demonstration one made once.

``SIGNING_CERT_P12`` (a PKCS#12 file) and ``SIGNING_CERT_PASSWORD`` name the certificate that
signs the stored PDF of every version in force. Without them, a self-signed certificate naming
"Réciproque demo — for demonstration only" is made at ``SIGNING_DEMO_CERT`` (under
``instance/``) the first time it is needed (``init-db`` makes it, so ``make run`` says so once).
The signer is loaded once per process and kept (a new file, by path or modification time, is
loaded again). ``TSA_URL``, when set, adds an RFC 3161 timestamp to each signature.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from pathlib import Path

from flask import current_app
from pyhanko.sign import signers
from pyhanko.sign.timestamps import TimeStamper

from ..config import INSTANCE
from ..pdf import pades

log = logging.getLogger(__name__)

DEMO_ORGANISATION = "Réciproque demo — for demonstration only"
DEMO_WARNING = (
    "PDFs are signed with a self-signed certificate made for demonstration only ({path}): "
    "set SIGNING_CERT_P12 and SIGNING_CERT_PASSWORD to the organisation's certificate."
)

_LOCK = threading.Lock()
_CACHE: dict[str, tuple[tuple, signers.SimpleSigner]] = {}


def demo_path() -> Path:
    """Where the demonstration certificate lives (a test app never uses the repository's)."""
    path = Path(current_app.config.get("SIGNING_DEMO_CERT") or INSTANCE / "signing-demo.p12")
    if current_app.testing and path.resolve().is_relative_to(INSTANCE.resolve()):
        path = Path(tempfile.gettempdir()) / "reciproque-test-signing-demo.p12"
    return path


def ensure_demo_certificate() -> Path | None:
    """Make the demonstration certificate unless one is configured or made; its path if made."""
    if current_app.config.get("SIGNING_CERT_P12"):
        return None
    path = demo_path()
    if path.exists():
        return None
    with _LOCK:
        if not pades.write_new_file(path, pades.demo_certificate(DEMO_ORGANISATION)):
            return None
    log.warning(DEMO_WARNING.format(path=path))
    return path


def signer() -> signers.SimpleSigner:
    """The process's signer: the configured certificate, else the demonstration one."""
    configured = current_app.config.get("SIGNING_CERT_P12")
    password = current_app.config.get("SIGNING_CERT_PASSWORD") or None
    if configured:
        path = Path(configured)
    else:
        ensure_demo_certificate()
        path = demo_path()
        password = None
    stat = path.stat()
    key = (stat.st_mtime_ns, stat.st_size, password)
    with _LOCK:
        cached = _CACHE.get(str(path))
        if cached is not None and cached[0] == key:
            return cached[1]
        loaded = pades.load_signer(path.read_bytes(), password)
        _CACHE[str(path)] = (key, loaded)
    if not configured:
        log.info(DEMO_WARNING.format(path=path))
    return loaded


def organisation(loaded: signers.SimpleSigner) -> str:
    """The organisation a certificate names (its O, else its CN)."""
    subject = loaded.signing_cert.subject.native
    return subject.get("organization_name") or subject.get("common_name") or ""


def timestamper() -> TimeStamper | None:
    """The RFC 3161 timestamp authority's client if ``TSA_URL`` is set."""
    url = current_app.config.get("TSA_URL")
    return pades.http_timestamper(url) if url else None
