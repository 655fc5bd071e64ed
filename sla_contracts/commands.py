"""Command-line commands: ``flask --app app <command>``."""

from __future__ import annotations

import click
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, select

from .auth.passwords import hash_password
from .extensions import db
from .models import Department, Membership, Role, User


def register(app: Flask) -> None:
    """Attach the commands to ``app``."""

    @app.cli.command("init-db")
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

    @app.cli.command("seed-demo")
    @click.option(
        "--if-empty",
        is_flag=True,
        default=False,
        help="Do nothing when the directory already has a department (used by `make run`).",
    )
    def seed_demo_command(if_empty: bool) -> None:
        """Load the demo organisation (idempotent)."""
        from .demo import has_departments, print_demo_accounts, seed_demo
        from .demo.data import ADMIN
        from .signing.pdf_store import store_missing_pdfs

        if if_empty and has_departments():
            click.echo("The database already has departments: demo organisation not loaded.")
            if db.session.scalar(select(User.id).where(User.email == ADMIN["email"])):
                print_demo_accounts(click.echo)
            return
        created = seed_demo()
        db.session.commit()
        store_missing_pdfs()  # rendered after the commit, never inside the seed's transaction
        click.echo("Demo organisation loaded." if created else "Demo organisation already there.")
        print_demo_accounts(click.echo)

    @app.cli.command("create-user")
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    @click.option("--password", default=None, help="Asked for when not given.")
    @click.option("--admin", is_flag=True, default=False)
    @click.option("--department", "department_code", default=None, help="Department short code.")
    @click.option("--role", type=click.Choice(["head", "member"]), default="member")
    @click.option("--locale", type=click.Choice(["fr", "en"]), default="fr")
    def create_user(
        email: str,
        name: str,
        password: str | None,
        admin: bool,
        department_code: str | None,
        role: str,
        locale: str,
    ) -> None:
        """Create a person, optionally head or member of a department."""
        email = email.strip().lower()
        if db.session.scalar(select(User).where(func.lower(User.email) == email)):
            raise click.ClickException(f"A user with e-mail {email} already exists.")
        department = None
        if department_code:
            department = db.session.scalar(
                select(Department).where(func.upper(Department.code) == department_code.upper())
            )
            if department is None:
                raise click.ClickException(f"No department with code {department_code}.")
        if password is None:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        if not password:
            raise click.ClickException("The password cannot be empty.")
        user = User(
            email=email,
            name=name.strip(),
            password_hash=hash_password(password),
            is_admin=admin,
            locale=locale,
        )
        db.session.add(user)
        if department is not None:
            db.session.add(Membership(user=user, department=department, role=Role(role)))
        db.session.commit()
        where = f" ({role} of {department.code})" if department else ""
        click.echo(f"Created {email}{' (admin)' if admin else ''}{where}.")

    from .reviews.commands import register as register_review_commands

    register_review_commands(app)
