"""Benchmark the digital signature of the stored PDF (prints figures; not a test).

    .venv/bin/python benchmarks/bench_pades.py [--database-url URL] [--rounds N]

On the 40-commitment charter of bench_pdf.py, signed by both heads:
1. What signing adds to activation: the stored PDF's render alone (values, template,
   WeasyPrint) against render + PAdES signature (the app's path, ``pdf_store``), and the bytes
   the signature adds to the file.
2. The app's signing step (anchor lookup, visible appearance listing both heads) against
   bare pyHanko signing the same rendered file (invisible PAdES signature, same key).
   Target: app / bare <= 1.2.
Activation itself stays outside any database lock: the render and the signature both run
after the signing transaction commits (tests/test_signed_pdf_store.py checks the lock).
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter  # noqa: E402
from pyhanko.sign import signers  # noqa: E402
from pyhanko.sign.fields import SigSeedSubFilter  # noqa: E402
from weasyprint import HTML  # noqa: E402

from benchmarks.bench_pdf import PASSWORD, WARM_UP, build, make_app  # noqa: E402
from sla_contracts.charters import negotiation  # noqa: E402
from sla_contracts.extensions import db  # noqa: E402
from sla_contracts.models import CharterVersion  # noqa: E402
from sla_contracts.pdf import pades  # noqa: E402
from sla_contracts.signing import certificate, pdf_store, signatures  # noqa: E402


def timed(function, rounds: int) -> tuple[float, list[float], object]:
    times, result = [], None
    for _ in range(rounds):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times, result


def bare_pyhanko(pdf: bytes, signer) -> bytes:
    """pyHanko alone: an invisible PAdES signature over the same file, nothing else."""
    meta = signers.PdfSignatureMetadata(field_name="Bare", subfilter=SigSeedSubFilter.PADES)
    return signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer
    ).getvalue()


def ms(values: list[float]) -> list[int]:
    return [round(v * 1000) for v in values]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp())
    url = args.database_url or f"sqlite:///{workdir}/bench.sqlite"
    app = make_app(url)
    app.config["SIGNING_DEMO_CERT"] = str(workdir / "signing-demo.p12")
    HTML(string=WARM_UP).write_pdf()
    with app.app_context():
        charter, head_a, head_b, _member = build(app)
        for commitment in charter.commitments:
            for head in (head_a, head_b):
                negotiation.agree(head, commitment, commitment.lock_version)
        db.session.commit()
        version = signatures.submit_charter(head_a, charter)
        db.session.commit()
        for head in (head_a, head_b):
            signatures.sign_charter(head, charter, version.number, PASSWORD, "10.0.0.1")
            db.session.commit()
        version_id = version.id
        seal = certificate.signer()  # made and loaded once per process, as in the app

        def render():
            return pdf_store.render_version_pdf(db.session.get(CharterVersion, version_id))

        def render_and_sign():
            v = db.session.get(CharterVersion, version_id)
            return pdf_store._render_and_sign_outside_transaction(v)

        render(), render_and_sign()  # warm both paths
        render_times, sign_times = [], []
        for _ in range(args.rounds):  # alternated, so that a busy machine slows both alike
            _median, times, rendered = timed(render, 1)
            render_times += times
            _median, times, signed = timed(render_and_sign, 1)
            sign_times += times
        render_alone, with_sign = statistics.median(render_times), statistics.median(sign_times)
        lines = pdf_store.signature_lines(
            pdf_store.pdf_values(db.session.get(CharterVersion, version_id)),
            certificate.organisation(seal),
        )
        app_times, bare_times = [], []
        for _ in range(args.rounds * 3):
            _median, times, _signed = timed(
                lambda: pades.sign_pdf(rendered, seal, lines, reason="bench"), 1
            )
            app_times += times
            _median, times, bare = timed(lambda: bare_pyhanko(rendered, seal), 1)
            bare_times += times
        app_step, bare_step = statistics.median(app_times), statistics.median(bare_times)
        assert pades.signature_status(signed).intact and pades.signature_status(bare).signed
    print("Stored PDF of a 40-commitment charter, signed by both heads (median of runs, ms)")
    print(f"  render alone:           {render_alone * 1000:7.1f} {ms(render_times)}")
    print(f"  render + PAdES sign:    {with_sign * 1000:7.1f} {ms(sign_times)}")
    added = with_sign - render_alone
    print(f"  signing adds:           {added * 1000:7.1f} ms ({added / render_alone:.1%})")
    print(f"  (the signing step alone, below: {app_step * 1000:.1f} ms)")
    print(
        f"  bytes: {len(rendered):,} rendered, {len(signed):,} signed "
        f"(+{len(signed) - len(rendered):,}); bare pyHanko +{len(bare) - len(rendered):,}"
    )
    print("Signing the same rendered file (median of runs, ms)")
    print(f"  app (appearance, both heads): {app_step * 1000:6.1f} {ms(app_times)}")
    print(f"  bare pyHanko (invisible):     {bare_step * 1000:6.1f} {ms(bare_times)}")
    print(f"  ratio app / bare: {app_step / bare_step:.3f}  (target <= 1.2)")
    fastest = min(app_times) / min(bare_times)
    print(
        f"  fastest runs: {min(app_times) * 1000:.1f} / {min(bare_times) * 1000:.1f} ms"
        f" = {fastest:.3f}"
    )


if __name__ == "__main__":
    main()
