"""Backup and restore: the whole organisation in one archive (``flask export`` / ``flask import``).

The archive is a ZIP file:

- ``tables/<table>.jsonl``: every row of every table of the models' metadata, one JSON object
  per line in primary-key order, ids kept. Values are JSON, except four tagged kinds:
  ``{"$b": base64}`` (bytes: the stored PDFs), ``{"$dt": ISO}`` (date-times, UTC),
  ``{"$d": ISO}`` (dates) and ``{"$n": "1.5"}`` (decimals).
- ``manifest.json``: the format, the schema's migration revision, and per table its row count
  and the SHA-256 of its file.

Nothing is interpreted: rows go back as they were read, so the audit chain's hashes, the
versions' fingerprints and the stored PDFs' bytes are the same after a restore (``verify-audit``
passes on the copy). Importing checks the whole archive first (every member's checksum, the
row counts, the revision), refuses a database that is not empty, then writes every row in one
transaction: a refused or failed import writes nothing.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.exc import SQLAlchemyError

from .errors import DomainError
from .extensions import db
from .timeutil import utcnow

FORMAT = "reciproque-backup/1"
MANIFEST = "manifest.json"
CHUNK = 500


class BackupError(DomainError):
    """An archive that cannot be restored, or a database it cannot be restored into."""

    code = "backup_refused"
    status = 400


@dataclass(frozen=True)
class TableCount:
    name: str
    rows: int


# ---------------------------------------------------------------- values


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$b": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$n": str(value)}
    if isinstance(value, Enum):
        return value.value
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((tag, raw),) = value.items()
        if tag == "$b":
            return base64.b64decode(raw)
        if tag == "$dt":
            return datetime.fromisoformat(raw)
        if tag == "$d":
            return date.fromisoformat(raw)
        if tag == "$n":
            return Decimal(raw)
    return value


def _line(row: dict[str, Any]) -> bytes:
    return (
        json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=False, sort_keys=True)
        + "\n"
    ).encode("utf-8")


# ---------------------------------------------------------------- the schema


def tables() -> list[Table]:
    """Every table of the models, parents before children (the order rows are restored in)."""
    return list(db.metadata.sorted_tables)


def _revision() -> str | None:
    try:
        return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:
        db.session.rollback()
        return None


def _rows(table: Table) -> Iterator[dict[str, Any]]:
    order = list(table.primary_key.columns) or list(table.columns)
    result = db.session.execute(select(table).order_by(*order).execution_options(yield_per=CHUNK))
    for row in result.mappings():
        yield dict(row)


# ---------------------------------------------------------------- export


def export_archive(target: Path | io.BufferedIOBase) -> list[TableCount]:
    """Write the whole database to ``target`` (a path or a binary file); count rows per table.

    Reads in one transaction (a consistent copy on PostgreSQL, whose default isolation sees
    one snapshot per statement: the reads run inside ``REPEATABLE READ`` there).
    """
    if db.engine.dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    counts: list[TableCount] = []
    entries: dict[str, dict[str, Any]] = {}
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in tables():
            digest = hashlib.sha256()
            rows = 0
            with archive.open(f"tables/{table.name}.jsonl", "w") as member:
                for row in _rows(table):
                    line = _line(row)
                    digest.update(line)
                    member.write(line)
                    rows += 1
            entries[table.name] = {"rows": rows, "sha256": digest.hexdigest()}
            counts.append(TableCount(table.name, rows))
        manifest = {
            "format": FORMAT,
            "created_at": utcnow().isoformat(),
            "revision": _revision(),
            "tables": entries,
        }
        archive.writestr(MANIFEST, json.dumps(manifest, indent=2, sort_keys=True))
    db.session.rollback()  # a read-only transaction: nothing to keep
    return counts


# ---------------------------------------------------------------- import


def _open(source: Path | io.BufferedIOBase) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise BackupError(
            f"This is not a complete backup archive (truncated or not a ZIP file): {error}."
        ) from error


def _manifest(archive: zipfile.ZipFile) -> dict[str, Any]:
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except KeyError as error:
        raise BackupError("The archive has no manifest.json: not a Réciproque backup.") from error
    except (ValueError, zipfile.BadZipFile, OSError, EOFError) as error:
        raise BackupError(f"The archive's manifest cannot be read: {error}.") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"Unknown archive format {manifest.get('format')!r} (this version reads {FORMAT})."
        )
    return manifest


def check_archive(source: Path | io.BufferedIOBase) -> dict[str, Any]:
    """Read the whole archive once and check it against its manifest; return the manifest.

    Refuses (``BackupError``, naming the table) a member missing, altered, truncated or with
    another number of rows than the manifest says, and tables this schema does not have.
    """
    with _open(source) as archive:
        manifest = _manifest(archive)
        known = {table.name for table in tables()}
        listed = manifest.get("tables") or {}
        unknown = sorted(set(listed) - known)
        if unknown:
            raise BackupError(
                f"The archive holds tables this version does not know: {', '.join(unknown)}."
            )
        missing = sorted(known - set(listed))
        if missing:
            raise BackupError(f"The archive lacks tables: {', '.join(missing)}.")
        for name, entry in sorted(listed.items()):
            digest = hashlib.sha256()
            rows = 0
            try:
                with archive.open(f"tables/{name}.jsonl") as member:
                    for line in member:
                        digest.update(line)
                        rows += 1
            except KeyError as error:
                raise BackupError(f"The archive lacks the file of table {name}.") from error
            except (zipfile.BadZipFile, OSError, EOFError) as error:
                raise BackupError(f"The file of table {name} is damaged: {error}.") from error
            if digest.hexdigest() != entry.get("sha256") or rows != entry.get("rows"):
                raise BackupError(
                    f"The file of table {name} does not match the manifest's checksum: the "
                    "archive was altered or damaged. Nothing was restored."
                )
    return manifest


def _existing_rows() -> list[str]:
    return [
        table.name
        for table in tables()
        if db.session.scalar(select(func.count()).select_from(table))
    ]


def _chunks(lines: Iterable[bytes]) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for line in lines:
        chunk.append({k: _decode(v) for k, v in json.loads(line).items()})
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _reset_sequences() -> None:
    """PostgreSQL: move each id sequence past the restored ids (SQLite needs nothing)."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in tables():
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not pk[0].autoincrement or pk[0].type.python_type is not int:
            continue
        following = select(func.coalesce(func.max(pk[0]), 0) + 1).scalar_subquery()
        sequence = func.pg_get_serial_sequence(table.name, pk[0].name)
        db.session.execute(select(func.setval(sequence, following, False)))


def refresh_statistics() -> None:
    """Let the database gather statistics on what was just loaded (``ANALYZE``, committed).

    Right after a bulk load PostgreSQL still plans for the empty tables it knew (the home
    page became a nested loop over 460,000 rows at 5,000 charters) until autovacuum comes by.
    """
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def import_archive(source: Path | io.BufferedIOBase) -> list[TableCount]:
    """Load an archive into this (migrated, empty) database, all or nothing; count rows.

    Runs in the caller's transaction (the command wraps it in ``atomic()``): flushes, never
    commits. Checks the archive completely before writing anything.
    """
    manifest = check_archive(source)
    revision = _revision()
    if manifest.get("revision") != revision:
        raise BackupError(
            f"The archive was made at schema revision {manifest.get('revision')}, this "
            f"database is at {revision}: run both at the same version of Réciproque "
            "(`flask init-db` brings an empty database to this version's schema)."
        )
    occupied = _existing_rows()
    if occupied:
        raise BackupError(
            "The database is not empty (rows in "
            f"{', '.join(occupied[:5])}{'…' if len(occupied) > 5 else ''}): import restores "
            "into an empty database only."
        )
    if hasattr(source, "seek"):
        source.seek(0)
    counts: list[TableCount] = []
    with _open(source) as archive:
        for table in tables():
            rows = 0
            with archive.open(f"tables/{table.name}.jsonl") as member:
                for chunk in _chunks(member):
                    db.session.execute(table.insert(), chunk)
                    rows += len(chunk)
            counts.append(TableCount(table.name, rows))
    _reset_sequences()
    return counts
