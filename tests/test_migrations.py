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
