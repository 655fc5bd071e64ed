"""PAdES signatures: PDF bytes in, signed PDF bytes out (pyHanko), and their check.

Pure: no model, no database, no Flask. The caller gives the signer (loaded once per process
from the organisation's PKCS#12 file, :func:`load_signer`), the lines of the visible
appearance and, for PAdES B-T, a timestamper. The signature is a PAdES baseline signature
(``ETSI.CAdES.detached``) appended as one incremental update: its byte range covers the whole
file but the signature value itself, so any later change (one byte, or an appended update) is
seen by every PDF reader and by :func:`signature_status`.

The visible appearance is placed where the template reserved room for it: an empty element
with the id :data:`FIELD_ANCHOR` (WeasyPrint writes every id as a named destination, which
gives its page and top-left corner), :data:`FIELD_WIDTH_MM` × :data:`FIELD_HEIGHT_MM` large.
"""

from __future__ import annotations

import asyncio
import io
import threading
import unicodedata
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.font.basic import SimpleFontEngineFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext

FIELD_NAME = "Reciproque"
FIELD_ANCHOR = "pades-signature"
# The room the template keeps for the appearance (templates/pdf/charter.css, .pades-field).
FIELD_WIDTH_MM = 174
FIELD_HEIGHT_MM = 24
POINTS_PER_MM = 72 / 25.4
FONT_SIZE = 8


@dataclass(frozen=True)
class Placement:
    page: int  # 0-based
    box: tuple[int, int, int, int]  # x1, y1, x2, y2 in PDF points (origin bottom left)


def field_placement(pdf: bytes, anchor: str = FIELD_ANCHOR) -> Placement | None:
    """Where the template reserved the appearance: the anchor's page and box, or None."""
    return _placement(PdfFileReader(io.BytesIO(pdf), strict=False), anchor)


def _named(tree, name: str):
    """The value of ``name`` in a PDF name tree (``/Names`` pairs, ``/Kids`` below)."""
    if tree is None:
        return None
    pairs = tree.get("/Names")
    if pairs is not None:
        for index in range(0, len(pairs) - 1, 2):
            if str(pairs[index]) == name:
                return pairs[index + 1]
    for kid in tree.get("/Kids") or ():
        found = _named(kid, name)
        if found is not None:
            return found
    return None


def _page_refs(node) -> list:
    refs = []
    for kid in node.raw_get("/Kids"):
        page = kid.get_object()
        if page.get("/Type") == "/Pages":
            refs.extend(_page_refs(page))
        else:
            refs.append(kid.reference)
    return refs


def _placement(reader: PdfFileReader, anchor: str) -> Placement | None:
    """The anchor's placement, read with pyHanko's reader (the one signing parses anyway)."""
    names = reader.root.get("/Names")
    destination = _named(names.get("/Dests") if names is not None else None, anchor)
    if destination is None:
        return None
    if isinstance(destination, generic.DictionaryObject):
        destination = destination["/D"]
    page_ref = destination.raw_get(0).reference
    left, top = float(destination[2] or 0), float(destination[3] or 0)
    width, height = FIELD_WIDTH_MM * POINTS_PER_MM, FIELD_HEIGHT_MM * POINTS_PER_MM
    box = (round(left), round(top - height), round(left + width), round(top))
    return Placement(_page_refs(reader.root["/Pages"]).index(page_ref), box)


_REPLACEMENTS = {"—": "-", "–": "-", "’": "'", "‘": "'", "“": '"', "”": '"', "·": "-"}
_REPLACEMENTS |= {"Œ": "OE", "œ": "oe", "Ł": "L", "ł": "l", "Ø": "O", "ß": "ss"}


def _printable(line: str) -> str:
    """``line`` in the characters the appearance's standard font shows (WinAnsi's Latin-1).

    The appearance uses a PDF standard font (no font file to embed, which keeps signing
    quick): letters outside Latin-1 lose their accent (NFKD), dashes and quotes become their
    ASCII forms. The exact names are printed in the document itself, under the signature.
    """
    out = []
    for old, new in _REPLACEMENTS.items():
        line = line.replace(old, new)
    for char in line:
        if ord(char) < 0x20:
            continue
        if ord(char) <= 0xFF:
            out.append(char)
            continue
        plain = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
        out.append("".join(c for c in plain if not unicodedata.combining(c)) or "?")
    return "".join(out)


def _stamp_style(lines: list[str]) -> TextStampStyle:
    text = "\n".join(_printable(line).replace("%", "%%") for line in lines)
    return TextStampStyle(
        stamp_text=text,
        text_box_style=TextBoxStyle(
            font=SimpleFontEngineFactory.default_factory(), font_size=FONT_SIZE
        ),
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(6),
        ),
        border_width=1,
        background=None,
    )


def sign_pdf(
    pdf: bytes,
    signer: signers.Signer,
    lines: list[str],
    *,
    timestamper: TimeStamper | None = None,
    reason: str | None = None,
    location: str | None = None,
    placement: Placement | None = None,
) -> bytes:
    """``pdf`` signed (PAdES) by ``signer``, its visible appearance showing ``lines``.

    The appearance goes where the template reserved room (:func:`field_placement`), or
    ``placement`` if given; a PDF without the room gets an invisible signature. With a
    ``timestamper``, the signature carries an RFC 3161 timestamp (PAdES B-T).
    """
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    where = placement or _placement(writer.prev, FIELD_ANCHOR)
    spec = fields.SigFieldSpec(
        sig_field_name=FIELD_NAME,
        on_page=where.page if where else 0,
        box=where.box if where else None,
    )
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location=location,
        use_pades_lta=False,
    )
    pdf_signer = signers.PdfSigner(
        meta,
        signer=signer,
        timestamper=timestamper,
        stamp_style=_stamp_style(lines),
        new_field_spec=spec,
    )
    return _run(lambda: pdf_signer.async_sign_pdf(writer)).getvalue()


def _run(make):
    """Run pyHanko's coroutine ``make()`` to its end from synchronous code.

    pyHanko's synchronous calls use ``asyncio.run``, which refuses to start inside a thread
    whose event loop is running (Playwright's synchronous API in the browser tests, an
    asynchronous server): there, the coroutine runs on a thread of its own.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


def http_timestamper(url: str, timeout: float = 10) -> TimeStamper:
    """An RFC 3161 timestamp client for the authority at ``url``."""
    return HTTPTimeStamper(url, timeout=timeout)


# ---------------------------------------------------------------- the certificate


def load_signer(p12: bytes, password: str | None) -> signers.SimpleSigner:
    """The signer in a PKCS#12 archive (its key and certificate); ValueError if unreadable."""
    return signers.SimpleSigner.load_pkcs12_data(
        p12, other_certs=(), passphrase=password.encode() if password else None
    )


def demo_certificate(organisation: str, *, years: int = 10) -> bytes:
    """A self-signed PKCS#12 archive (EC P-256, no passphrase) naming ``organisation``.

    For demonstration only: readers show its signatures as valid but not trusted.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, organisation),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        ]
    )
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    return pkcs12.serialize_key_and_certificates(
        b"reciproque-demo", key, certificate, None, serialization.NoEncryption()
    )


def write_new_file(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` (mode 0600) unless it exists; True when written."""
    import os

    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return True


# ---------------------------------------------------------------- the check


@dataclass(frozen=True)
class SignatureStatus:
    """What a PDF reader would say of a file's digital signature."""

    signed: bool  # it has a signature
    intact: bool  # one signature, cryptographically valid, over the entire file
    timestamped: bool = False  # it carries an RFC 3161 signature timestamp (B-T)
    signer: str = ""  # the certificate's subject, as readers show it
    coverage: str = ""  # pyHanko's coverage level (ENTIRE_FILE when nothing was appended)


UNSIGNED = SignatureStatus(signed=False, intact=False)

_STATUS_CACHE: OrderedDict[bytes, SignatureStatus] = OrderedDict()
_STATUS_LOCK = threading.Lock()


def signature_status(pdf: bytes) -> SignatureStatus:
    """Check the signatures of ``pdf`` with pyHanko: intact only if exactly one signature
    covers the whole file and its value matches the bytes (trust in the certificate is not
    asked: the organisation's own certificate may be self-signed)."""
    import hashlib

    key = hashlib.sha256(pdf).digest()
    with _STATUS_LOCK:
        if key in _STATUS_CACHE:
            return _STATUS_CACHE[key]
    status = _check(pdf)
    with _STATUS_LOCK:
        _STATUS_CACHE[key] = status
        while len(_STATUS_CACHE) > 64:
            _STATUS_CACHE.popitem(last=False)
    return status


def _check(pdf: bytes) -> SignatureStatus:
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception:  # noqa: BLE001 - an unreadable file has no intact signature
        return UNSIGNED
    if not embedded:
        return UNSIGNED
    try:
        cert = embedded[0].signer_cert
        context = ValidationContext(trust_roots=[cert], allow_fetching=False)
        status = _run(lambda: async_validate_pdf_signature(embedded[0], context, skip_diff=True))
    except (SigningError, ValueError, KeyError, TypeError):
        return SignatureStatus(signed=True, intact=False)
    coverage = status.coverage
    return SignatureStatus(
        signed=True,
        intact=bool(
            len(embedded) == 1
            and status.intact
            and status.valid
            and coverage == SignatureCoverageLevel.ENTIRE_FILE
        ),
        timestamped=status.timestamp_validity is not None,
        signer=cert.subject.human_friendly,
        coverage=coverage.name if coverage is not None else "",
    )
