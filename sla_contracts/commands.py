"""Every command-line command, ``flask --app app <command>``, registered in one place.

Each command reads its options, calls one service inside ``atomic()`` (which commits, or
rolls back and lets the error go on) and prints the outcome. A domain error becomes a
one-line ``Error: …`` and exit status 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import click
from flask import Flask
from flask.cli import with_appcontext
from flask_babel import force_locale
from flask_migrate import upgrade
from sqlalchemy import func, select

from .errors import DomainError
from .extensions import db
from .models import CharterVersion
from .timeutil import utcnow
from .transaction import atomic


@contextmanager
def service() -> Iterator[None]:
    """Run a service in one transaction; show its domain error as a command-line error."""
    try:
        with atomic():
            yield
    except DomainError as error:
        raise click.ClickException(error.message) from error


def parse_now(value: str | None) -> datetime:
    """Read ``--now``: an ISO date-time, UTC when it has no offset; the current time if empty."""
    if not value:
        return utcnow()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as error:
        raise click.BadParameter(f"not an ISO date-time: {value}") from error
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the schema through the migrations (idempotent)."""
    from .config import SECRET_KEY_FILE, ensure_secret_key_file

    upgrade()
    click.echo("Database schema is up to date.")
    if ensure_secret_key_file():
        click.echo(
            f"Wrote a random SECRET_KEY to {SECRET_KEY_FILE} (used when the "
            "SECRET_KEY environment variable is not set)."
        )
    from .signing.certificate import ensure_demo_certificate

    made = ensure_demo_certificate()
    if made is not None:
        click.echo(
            f"Made a self-signed certificate for demonstration only at {made}: it signs the "
            "stored PDFs; set SIGNING_CERT_P12 and SIGNING_CERT_PASSWORD to the "
            "organisation's certificate."
        )


@click.command("seed-demo")
@click.option(
    "--if-empty",
    is_flag=True,
    default=False,
    help="Do nothing when the directory already has a department (used by `make run`).",
)
@with_appcontext
def seed_demo_command(if_empty: bool) -> None:
    """Load the demo organisation (idempotent)."""
    from .auth.service import user_by_email
    from .demo import has_departments, print_demo_accounts, seed_demo
    from .demo.data import ADMIN
    from .signing.pdf_store import store_missing_pdfs

    if if_empty and has_departments():
        click.echo("The database already has departments: demo organisation not loaded.")
        if user_by_email(ADMIN["email"]) is not None:
            print_demo_accounts(click.echo)
        return
    with atomic():
        created = seed_demo()
    store_missing_pdfs()  # rendered after the commit, never inside the seed's transaction
    click.echo("Demo organisation loaded." if created else "Demo organisation already there.")
    print_demo_accounts(click.echo)


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Asked for when not given.",
)
@click.option("--admin", is_flag=True, default=False)
@click.option("--department", "department_code", default=None, help="Department short code.")
@click.option("--role", type=click.Choice(["head", "member"]), default="member")
@click.option("--locale", type=click.Choice(["fr", "en"]), default="fr")
@with_appcontext
def create_user(
    email: str,
    name: str,
    password: str,
    admin: bool,
    department_code: str | None,
    role: str,
    locale: str,
) -> None:
    """Create a person, optionally head or member of a department."""
    from .directory.operations import create_account

    with force_locale("en"), service():  # refusals in the language of the other messages
        user = create_account(
            email=email,
            name=name,
            password=password,
            is_admin=admin,
            locale=locale,
            department_code=department_code,
            role=role,
        )
    where = "".join(f" ({m.role.value} of {m.department.code})" for m in user.memberships)
    click.echo(f"Created {user.email}{' (admin)' if admin else ''}{where}.")


@click.command("run-jobs")
@click.option("--now", "now_text", default=None, help="ISO date-time (UTC if no offset).")
@with_appcontext
def run_jobs(now_text: str | None) -> None:
    """Run every scheduler job once, in order (sla_contracts.jobs.JOBS)."""
    from .jobs import run_all

    now = parse_now(now_text)
    # Each job commits its own small transactions; atomic() ends whatever is left.
    with service():
        results = run_all(now)
    for job_id, result in results.items():
        click.echo(f"{job_id}: {result}")


@click.command("verify-audit")
@with_appcontext
def verify_audit() -> None:
    """Check the audit chain, every version's fingerprint and every archived PDF's hash."""
    from .audit.operations import verify_chain
    from .signing.verification import verify_versions

    report = verify_chain()
    failed = False
    if report.ok:
        click.echo(f"Audit chain: {report.count} events, every link intact.")
    else:
        failed = True
        click.echo(
            f"Audit chain BROKEN at event {report.broken_event_id}: {report.reason}.", err=True
        )
    problems = verify_versions()
    if problems:
        failed = True
        first = problems[0]
        click.echo(
            f"Charter versions: first broken: {first.what} (id {first.object_id}): {first.reason}.",
            err=True,
        )
        for problem in problems[1:]:
            click.echo(f"  also: {problem.what} (id {problem.object_id}): {problem.reason}.")
    else:
        count = db.session.scalar(select(func.count(CharterVersion.id)))
        click.echo(f"Charter versions: {count} checked, fingerprints and PDF hashes match.")
    if failed:
        raise SystemExit(1)


@click.command("export")
@click.option(
    "--output",
    "archive",
    required=True,
    type=click.Path(dir_okay=False, writable=True),
    help="The archive to write (a ZIP file), e.g. reciproque-2027-01-31.zip.",
)
@with_appcontext
def export_command(archive: str) -> None:
    """Write the whole organisation to one backup archive (a ZIP file with a manifest)."""
    from pathlib import Path

    from .backup import export_archive

    path = Path(archive)
    partial = path.with_name(path.name + ".partial")
    counts = export_archive(partial)
    partial.replace(path)  # a crash mid-way leaves no file that looks complete
    rows = sum(c.rows for c in counts)
    click.echo(f"Exported {rows} rows of {len(counts)} tables to {path}.")


@click.command("import")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_command(archive: str) -> None:
    """Restore a backup archive into an empty database (checked first; all or nothing)."""
    from pathlib import Path

    from .backup import import_archive, refresh_statistics

    upgrade()  # an empty database gets this version's schema first
    with service():
        counts = import_archive(Path(archive))
    refresh_statistics()
    rows = sum(c.rows for c in counts)
    click.echo(f"Imported {rows} rows of {len(counts)} tables from {archive}.")


COMMANDS: tuple[click.Command, ...] = (
    init_db,
    seed_demo_command,
    create_user,
    run_jobs,
    verify_audit,
    export_command,
    import_command,
)


def register(app: Flask) -> None:
    """Attach every command to ``app`` (the Flask CLI runs them inside an app context)."""
    for command in COMMANDS:
        app.cli.add_command(command)
