"""The signed PDF is rendered after the signature commits, stored once, and heals on download."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import weasyprint
from sqlalchemy import event, func, select, text

from sla_contracts import events
from sla_contracts.extensions import db
from sla_contracts.models import AuditEvent, CharterStatus, CharterVersion
from sla_contracts.signing import amendments, pdf_store, share_links, signatures, verification
from sla_contracts.signing.versions import sha256_hex

from .api_helpers import ApiClient, token_for
from .plugins.people import TEST_PASSWORD
from .signing_helpers import NOW, submit

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def awaiting_last_signature(org, make_charter):
    """A charter signed by side A: side B's signature puts it in force."""
    charter = make_charter(commitments=(2, 1))
    submit(org, charter)
    signatures.sign_charter(org.head_a, charter, 1, TEST_PASSWORD, "10.0.0.1", NOW)
    db.session.commit()
    return charter


@pytest.fixture
def signed_without_pdf(org, awaiting_last_signature):
    """In force, but the process stopped between the signature's commit and the render."""
    charter = awaiting_last_signature
    signatures.sign_charter(org.head_b, charter, 1, TEST_PASSWORD, "10.0.0.2", NOW)
    db.session.commit()
    version = db.session.scalar(
        select(CharterVersion).where(CharterVersion.charter_id == charter.id)
    )
    assert version.activated_at is not None and version.pdf is None
    return charter


def _version_row() -> tuple[bool, bool]:
    """(in force, PDF stored) as any other connection sees it now."""
    with db.engine.connect() as connection:
        row = connection.execute(
            text("SELECT activated_at IS NOT NULL, pdf IS NOT NULL FROM charter_versions")
        ).one()
    return bool(row[0]), bool(row[1])


def _write_lock_is_free() -> bool:
    """On SQLite: could another process start a write right now, without waiting?"""
    if db.engine.dialect.name != "sqlite":
        return True
    probe = sqlite3.connect(db.engine.url.database, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        probe.close()


def _stored_events() -> int:
    return db.session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "pdf_stored")
    )


def test_final_signature_commits_without_the_pdf_then_stores_it_outside_any_transaction(
    org, awaiting_last_signature, login_as, monkeypatch
):
    charter = awaiting_last_signature
    head_b = login_as(org.head_b)
    commits: list[tuple[bool, bool]] = []
    renders: list[tuple[bool, bool]] = []

    def after_commit(session) -> None:
        if not session.in_nested_transaction():  # a savepoint's release is no commit
            commits.append(_version_row())

    write_pdf = weasyprint.HTML.write_pdf

    def watched_write_pdf(self, *args, **kwargs):
        renders.append((db.session().in_transaction(), _write_lock_is_free()))
        return write_pdf(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", watched_write_pdf)
    event.listen(db.session, "after_commit", after_commit)
    try:
        response = head_b.post(
            f"/charters/{charter.id}/sign", {"version": 1, "password": TEST_PASSWORD}
        )
    finally:
        event.remove(db.session, "after_commit", after_commit)
    assert response.status_code == 302
    in_force = [stored for active, stored in commits if active]
    assert in_force[0] is False, "the signature committed before any PDF was stored"
    assert in_force[-1] is True, "the PDF is stored right after"
    assert renders == [(False, True)], "one render, with no transaction or write lock held"
    version = db.session.scalar(select(CharterVersion))
    assert version.pdf_sha256 == sha256_hex(version.pdf)
    assert _stored_events() == 1


def test_final_signature_over_the_api_answers_with_the_stored_pdf_hash(
    org, awaiting_last_signature, client
):
    api = ApiClient(client, token_for(org.head_b))
    response = api.post(
        f"/api/v1/charters/{awaiting_last_signature.id}/sign",
        {"version": 1, "password": TEST_PASSWORD},
    )
    assert response.status_code == 201, response.get_json()
    version = db.session.scalar(select(CharterVersion))
    assert version.pdf_sha256 is not None
    assert response.get_json()["version"]["pdf_sha256"] == version.pdf_sha256


def test_missing_pdf_is_stored_at_first_download_and_never_changes(
    org, signed_without_pdf, login_as, runner
):
    url = f"/charters/{signed_without_pdf.id}"
    head = login_as(org.head_a)
    assert head.get(url).status_code == 200
    page = head.get(f"{url}/versions/1").get_data(as_text=True)
    assert "stored when it is first downloaded" in page
    db.session.remove()
    audit = runner.invoke(args=["verify-audit"])
    assert audit.exit_code == 0, audit.output  # not stored yet is not a broken archive
    first = head.get(f"{url}/versions/1/pdf")
    second = head.get(f"{url}/versions/1/pdf")
    assert first.status_code == second.status_code == 200
    assert first.data.startswith(b"%PDF-") and second.data == first.data
    version = db.session.scalar(select(CharterVersion))
    assert version.pdf == first.data and version.pdf_sha256 == sha256_hex(first.data)
    assert _stored_events() == 1
    assert verification.verify_pdf_file(first.data).authentic


def test_share_link_and_api_serve_a_pdf_stored_on_their_first_need(org, signed_without_pdf, client):
    _link, token = share_links.create_share_link(org.head_a, signed_without_pdf, 7)
    db.session.commit()
    shared = client.get(f"/s/{token}")
    assert shared.status_code == 200 and shared.data.startswith(b"%PDF-")
    api = ApiClient(client, token_for(org.head_b))
    by_api = api.get(f"/api/v1/charters/{signed_without_pdf.id}/versions/1/pdf")
    assert by_api.status_code == 200 and by_api.data == shared.data
    assert _stored_events() == 1


def test_two_first_downloads_at_once_store_one_render(org, signed_without_pdf, app, login_as):
    heads = [login_as(org.head_a), login_as(org.head_b)]
    url = f"/charters/{signed_without_pdf.id}/versions/1/pdf"
    db.session.commit()  # the test holds no transaction while they race
    barrier = threading.Barrier(len(heads))
    results: dict[int, object] = {}

    def download(index: int) -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                response = heads[index].client.get(url)
                results[index] = (response.status_code, response.data)
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - reported below
            results[index] = error

    threads = [threading.Thread(target=download, args=(i,)) for i in range(len(heads))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    version = db.session.scalar(select(CharterVersion))
    assert results == {0: (200, version.pdf), 1: (200, version.pdf)}
    assert _stored_events() == 1


def test_a_later_render_never_replaces_the_stored_copy(org, signed_without_pdf):
    version_id = db.session.scalar(select(CharterVersion.id))
    first = pdf_store.store_rendered_pdf(version_id, b"%PDF-1.7 first worker's render")
    second = pdf_store.store_rendered_pdf(version_id, b"%PDF-1.7 second worker's render")
    assert first == second == b"%PDF-1.7 first worker's render"
    version = db.session.scalar(select(CharterVersion))
    assert version.pdf_sha256 == sha256_hex(first)
    assert _stored_events() == 1


def test_stored_pdf_removed_afterwards_is_reported_missing(org, signed_without_pdf, runner):
    version_id = db.session.scalar(select(CharterVersion.id))
    pdf_store.signed_pdf(version_id)
    db.session.execute(text("UPDATE charter_versions SET pdf = NULL, pdf_sha256 = NULL"))
    db.session.commit()
    db.session.remove()
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 1
    assert "signed PDF is missing" in result.output


def test_ending_a_charter_publishes_the_event_reviews_listens_to(
    org, signed_without_pdf, monkeypatch
):
    heard = []

    def listener(*, charter, actor, now):
        heard.append((charter.id, actor.id, charter.status, now))

    handlers = events._handlers[events.CHARTER_ENDED]
    monkeypatch.setitem(events._handlers, events.CHARTER_ENDED, [*handlers, listener])
    amendments.end_charter(org.head_a, signed_without_pdf, "Replaced", now=NOW)
    assert heard == [(signed_without_pdf.id, org.head_a.id, CharterStatus.ENDED, NOW)]


def test_signing_never_imports_reviews():
    modules = [
        "sla_contracts.signing." + path.stem
        for path in (ROOT / "sla_contracts" / "signing").glob("*.py")
    ]
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.startswith('sla_contracts.reviews')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
