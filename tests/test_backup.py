"""Backup and restore (`flask export` / `flask import`): nothing lost, nothing half-written.

The demo organisation, seeded through the migrations' schema as `make run` does, is exported,
imported into an empty database and exported again: the same rows, ids kept, the audit chain
and the stored PDFs intact. Damaged archives and occupied databases are refused before anything
is written.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select, text

from sla_contracts import create_app
from sla_contracts.demo import data
from sla_contracts.extensions import db
from sla_contracts.models import AuditEvent, Charter, CharterVersion, User

from .plugins.app_db import IsolatedClient, app_test_config, postgres_database_url
from .plugins.people import Browser


def _fresh_url(database_url: str, tmp_path: Path, name: str) -> str:
    if database_url.startswith("postgresql"):
        return postgres_database_url(database_url, name, fresh=True)
    return f"sqlite:///{tmp_path / f'{name}.sqlite'}"


def _app(url: str):
    app = create_app(app_test_config(url))
    app.test_client_class = IsolatedClient
    return app


def _invoke(app, *args: str):
    with app.app_context():
        result = app.test_cli_runner().invoke(args=list(args))
        db.session.remove()
        db.engine.dispose()
    return result


def _members(archive: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(archive) as z:
        return {n: z.read(n) for n in z.namelist() if n != "manifest.json"}


def _manifest(archive: Path) -> dict:
    with zipfile.ZipFile(archive) as z:
        return json.loads(z.read("manifest.json"))


@pytest.fixture(scope="module")
def exported(database_url, tmp_path_factory):
    """The demo organisation on a migrated database, and its archive."""
    tmp = tmp_path_factory.mktemp("backup")
    source = _app(_fresh_url(database_url, tmp, "backup_source"))
    with source.app_context():
        upgrade()
        db.engine.dispose()
    seeded = _invoke(source, "seed-demo")
    assert seeded.exit_code == 0, seeded.output
    archive = tmp / "organisation.zip"
    result = _invoke(source, "export", "--output", str(archive))
    assert result.exit_code == 0, result.output
    with source.app_context():
        pdfs = dict(
            db.session.execute(
                select(CharterVersion.id, CharterVersion.pdf).where(CharterVersion.pdf.is_not(None))
            ).all()
        )
        events = db.session.scalar(select(func.count(AuditEvent.id)))
        db.engine.dispose()
    return {"app": source, "archive": archive, "pdfs": pdfs, "events": events, "tmp": tmp}


@pytest.fixture
def empty_app(database_url, tmp_path):
    app = _app(_fresh_url(database_url, tmp_path, "backup_target"))
    yield app
    with app.app_context():
        db.engine.dispose()


def _count(app, model) -> int:
    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(model))
        db.session.remove()
        db.engine.dispose()
    return n


def test_the_archive_holds_every_table_with_a_manifest_of_checksums(exported):
    manifest = _manifest(exported["archive"])
    assert manifest["format"] == "reciproque-backup/1"
    assert manifest["revision"]  # the schema's migration revision
    tables = manifest["tables"]
    for name in ("users", "departments", "charters", "charter_versions", "signatures",
                 "audit_events", "reviews", "notifications", "readings"):  # fmt: skip
        assert tables[name]["rows"] > 0, name
        assert len(tables[name]["sha256"]) == 64
    assert tables["audit_events"]["rows"] == exported["events"]
    assert exported["pdfs"], "the demo's charters in force have stored PDFs"


def test_export_import_export_gives_the_same_content_and_the_copy_verifies(exported, empty_app):
    result = _invoke(empty_app, "import", str(exported["archive"]))
    assert result.exit_code == 0, result.output
    assert "Imported" in result.output

    again = exported["tmp"] / "again.zip"
    assert _invoke(empty_app, "export", "--output", str(again)).exit_code == 0
    assert _members(again) == _members(exported["archive"])  # row for row, ids kept
    assert _manifest(again)["tables"] == _manifest(exported["archive"])["tables"]

    verified = _invoke(empty_app, "verify-audit")
    assert verified.exit_code == 0, verified.output
    assert f"Audit chain: {exported['events']} events, every link intact." in verified.output
    assert "fingerprints and PDF hashes match" in verified.output


def test_the_restored_database_knows_its_size_at_once(exported, empty_app):
    """Statistics gathered after the load: PostgreSQL plans for the rows it now holds."""
    assert _invoke(empty_app, "import", str(exported["archive"])).exit_code == 0
    with empty_app.app_context():
        charters = db.session.scalar(select(func.count()).select_from(Charter))
        if db.engine.dialect.name == "postgresql":
            known = db.session.scalar(
                text("SELECT reltuples FROM pg_class WHERE relname = 'charters'")
            )
        else:
            known = db.session.scalar(
                text("SELECT CAST(stat AS INTEGER) FROM sqlite_stat1 WHERE tbl = 'charters'")
            )
        db.session.remove()
    assert charters > 0 and known == charters, (known, charters)


def test_the_restored_app_serves_the_same_signed_pdfs_byte_for_byte(exported, empty_app):
    assert _invoke(empty_app, "import", str(exported["archive"])).exit_code == 0
    with empty_app.app_context():
        head = db.session.scalar(select(User).where(User.email == data.ADMIN["email"]))
        versions = db.session.execute(
            select(CharterVersion.id, CharterVersion.charter_id, CharterVersion.number).where(
                CharterVersion.pdf.is_not(None)
            )
        ).all()
        db.session.remove()
    assert head is not None and len(versions) == len(exported["pdfs"])
    with empty_app.app_context():  # the client ends the test's transaction before each call
        client = Browser(empty_app.test_client())
        client.login(data.ADMIN["email"], data.DEMO_PASSWORD)
        for version_id, charter_id, number in versions:
            answer = client.get(f"/charters/{charter_id}/versions/{number}/pdf")
            assert answer.status_code == 200, (charter_id, number)
            assert answer.data == exported["pdfs"][version_id]
        db.session.remove()
    # New rows after a restore take new ids (PostgreSQL's sequences moved past the copy's).
    created = _invoke(
        empty_app, "create-user", "--email", "new@example.com", "--name", "N", "--password", "x"
    )
    assert created.exit_code == 0, created.output


def _altered(archive: Path, tmp: Path) -> Path:
    """A copy whose users file has one character changed (the ZIP itself stays readable)."""
    target = tmp / "altered.zip"
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(target, "w") as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "tables/users.jsonl":
                content = content.replace(b'"is_admin": false', b'"is_admin": true', 1)
            dst.writestr(info, content)
    return target


def test_a_truncated_or_altered_archive_is_refused_and_nothing_is_written(
    exported, empty_app, tmp_path
):
    whole = exported["archive"].read_bytes()
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(whole[: len(whole) // 2])
    result = _invoke(empty_app, "import", str(truncated))
    assert result.exit_code == 1
    assert "Error: This is not a complete backup archive (truncated" in result.output
    assert _count(empty_app, User) == 0

    altered = _altered(exported["archive"], tmp_path)
    result = _invoke(empty_app, "import", str(altered))
    assert result.exit_code == 1
    assert "Error: The file of table users does not match the manifest's checksum" in result.output
    assert _count(empty_app, User) == 0

    garbage = tmp_path / "garbage.zip"
    garbage.write_bytes(b"not an archive at all")
    assert _invoke(empty_app, "import", str(garbage)).exit_code == 1
    assert _count(empty_app, User) == 0


def test_a_database_with_rows_is_refused_and_keeps_its_own(exported, empty_app):
    assert _invoke(empty_app, "init-db").exit_code == 0
    made = _invoke(
        empty_app, "create-user", "--email", "only@example.com", "--name", "O", "--password", "x"
    )
    assert made.exit_code == 0, made.output
    result = _invoke(empty_app, "import", str(exported["archive"]))
    assert result.exit_code == 1
    assert "Error: The database is not empty (rows in" in result.output
    assert _count(empty_app, User) == 1
