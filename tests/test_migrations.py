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


def test_charters_in_force_get_a_term_and_nothing_expires_unannounced(database_url, tmp_path):
    from datetime import UTC, date, datetime, timedelta

    from sqlalchemy import text

    app = create_app(app_test_config(_fresh_url(database_url, tmp_path)))
    stamp = "2026-01-04 09:00:00+00:00"
    with app.app_context():
        upgrade(revision="e5a9c3d7f210")
        with db.engine.begin() as conn:
            for n, code in ((1, "LOG"), (2, "MAG")):
                conn.execute(
                    text(
                        "INSERT INTO departments (id, name, code, created_at) "
                        "VALUES (:id, :code, :code, :at)"
                    ),
                    {"id": n, "code": code, "at": stamp},
                )
            conn.execute(
                text(
                    "INSERT INTO customer_criteria (id, name, definition, unit, direction, "
                    "target, created_at) VALUES (1, 'C', 'D', '%', 'lower_is_better', '2', :at)"
                ),
                {"at": stamp},
            )
            # 1: signed a month ago; 2: signed two years ago (its end long passed); 3: a draft.
            recent = datetime.now(UTC) - timedelta(days=30)
            for cid, status, activated in (
                (1, "active", recent),
                (2, "active", datetime(2024, 6, 1, 10, tzinfo=UTC)),
                (3, "draft", None),
            ):
                conn.execute(
                    text(
                        "INSERT INTO charters (id, title, department_a_id, department_b_id, "
                        "criterion_id, review_cadence_months, status, lock_version, created_at, "
                        "updated_at) VALUES (:id, 'T', 1, 2, 1, 3, :status, 1, :at, :at)"
                    ),
                    {"id": cid, "status": status, "at": stamp},
                )
                if activated is not None:
                    conn.execute(
                        text(
                            "INSERT INTO charter_versions (charter_id, number, content, "
                            "fingerprint, language, created_at, activated_at) VALUES (:id, 1, "
                            "'{}', :fp, 'fr', :at, :activated)"
                        ),
                        {"id": cid, "fp": f"{cid:064d}", "at": stamp, "activated": activated},
                    )
        upgrade()
        with db.engine.begin() as conn:
            ends = dict(
                conn.execute(text("SELECT id, valid_until FROM charters ORDER BY id")).all()
            )
            terms = {r[0] for r in conn.execute(text("SELECT term_months FROM charters"))}
            conn.execute(text("UPDATE charters SET status = 'expired' WHERE id = 2"))
            reviews_kept = conn.scalar(text("SELECT count(*) FROM charters"))
        db.engine.dispose()

    def day(value):
        return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])

    today = datetime.now(UTC).date()
    assert terms == {12} and ends[3] is None and reviews_kept == 3
    assert day(ends[1]) > today + timedelta(days=300)  # activation + 12 months
    assert day(ends[2]) == today + timedelta(days=30)  # never less than 30 days from now
