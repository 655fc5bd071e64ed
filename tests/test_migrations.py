"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from sla_contracts import create_app
from sla_contracts.extensions import db

from .plugins.app_db import app_test_config, postgres_database_url


def _fresh_url(database_url: str, tmp_path) -> str:
    """An empty database beside this worker's test database."""
    if database_url.startswith("postgresql"):
        return postgres_database_url(database_url, "migrations", fresh=True)
    return f"sqlite:///{tmp_path / 'migrated.sqlite'}"


def test_migrations_match_models_and_rerun_is_harmless(database_url, tmp_path):
    app = create_app(app_test_config(_fresh_url(database_url, tmp_path)))
    with app.app_context():
        upgrade()
        upgrade()  # init-db is idempotent
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        db.engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


def test_the_old_e_mail_opt_out_becomes_inbox_only_and_nothing_else_moves(database_url, tmp_path):
    from sqlalchemy import text

    app = create_app(app_test_config(_fresh_url(database_url, tmp_path)))
    with app.app_context():
        upgrade(revision="9e2d4c6b8a31")
        with db.engine.begin() as conn:
            for n, opted_out in ((1, True), (2, False)):
                conn.execute(
                    text(
                        "INSERT INTO users (id, email, name, password_hash, locale, is_admin, "
                        "is_email_opted_out, session_version, created_at) VALUES (:id, :email, "
                        "'A', 'x', 'fr', false, :out, 1, '2027-01-04 09:00:00+00:00')"
                    ),
                    {"id": n, "email": f"u{n}@example.com", "out": opted_out},
                )
            conn.execute(
                text(
                    "INSERT INTO notifications (user_id, kind, params, link, created_at) VALUES "
                    "(1, 'charter_ended', '{}', '', '2027-01-04 09:00:00+00:00')"
                )
            )
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT id, email_frequency FROM users ORDER BY id")).all()
            kept = conn.scalar(text("SELECT count(*) FROM notifications"))
        db.engine.dispose()
    assert [tuple(r) for r in rows] == [(1, "never"), (2, "immediately")]
    assert kept == 1  # the users table was changed in place, not copied (no cascade)
