"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

import os

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from sla_contracts import create_app
from sla_contracts.extensions import db

from .conftest import app_test_config


def _fresh_url(tmp_path) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path / 'migrated.sqlite'}"
    parsed = make_url(url)
    name = f"{parsed.database}_migrations"
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def test_migrations_match_models_and_rerun_is_harmless(tmp_path):
    app = create_app(app_test_config(_fresh_url(tmp_path)))
    with app.app_context():
        upgrade()
        upgrade()  # init-db is idempotent
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        db.engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"
