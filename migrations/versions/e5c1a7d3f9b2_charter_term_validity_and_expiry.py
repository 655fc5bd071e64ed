"""a charter's term: valid_until, renewal, expiry (issue 14, point 4)

Revision ID: e5c1a7d3f9b2
Revises: e5a9c3d7f210
Create Date: 2026-12-04 01:30:00

Charters gain ``term_months`` (12), ``valid_until`` (the last day in force), ``renewal_of``
and ``expired_at``; the status ``expired`` is allowed; versions gain ``valid_until``.

Backfill: every version that came into force is valid until its activation day + 12 months.
A charter with a version in force (or ended with one) is valid until that version's
activation day + 12 months, but never less than 30 days after this migration: a charter
signed more than eleven months ago is not expired by the next job run without its heads
having heard of it (30, 15 and 7 days before). Drafts never signed have none.
"""

import calendar
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from alembic import op

import sla_contracts.timeutil

# revision identifiers, used by Alembic.
revision = "e5c1a7d3f9b2"
down_revision = "e5a9c3d7f210"
branch_labels = None
depends_on = None

OLD = ("draft", "awaiting_signatures", "active", "ended")
NEW = (*OLD, "expired")


def _statuses(values) -> str:
    return "status IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _day(value) -> date:
    if isinstance(value, str):  # SQLite hands text back
        value = datetime.fromisoformat(value)
    return value.date() if isinstance(value, datetime) else value


def _sqlite_checks(connection, old: str, new: str, term: bool) -> None:
    """Rewrite the charters table's CHECK constraints in place (SQLite).

    Recreating the table (Alembic's batch mode) would DROP it, and with foreign keys on
    (``PRAGMA foreign_keys`` cannot change inside the migration's transaction) that deletes
    every review, action and reminder through ON DELETE CASCADE. Allowing one more status and
    adding a check every row meets change nothing on disk: SQLite's documented way is to edit
    the stored CREATE TABLE (https://www.sqlite.org/lang_altertable.html, "other changes").
    """
    sql = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'charters'"
    ).scalar()
    assert old in sql, sql
    sql = sql.replace(old, new)
    check = ", CONSTRAINT ck_charters_term CHECK (term_months BETWEEN 1 AND 60)"
    if term:
        sql = sql[: sql.rindex(")")] + check + ")"
    else:
        sql = sql.replace(check, "")
    version = connection.exec_driver_sql("PRAGMA schema_version").scalar()
    connection.exec_driver_sql("PRAGMA writable_schema = ON")
    connection.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'charters'", (sql,)
    )
    connection.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    connection.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade():
    op.add_column(
        "charters", sa.Column("term_months", sa.Integer(), server_default="12", nullable=False)
    )
    op.add_column("charters", sa.Column("valid_until", sa.Date(), nullable=True))
    op.add_column("charters", sa.Column("renewal_of", sa.Integer(), nullable=True))
    op.add_column(
        "charters",
        sa.Column("expired_at", sla_contracts.timeutil.UTCDateTime(timezone=True), nullable=True),
    )
    op.create_index(op.f("ix_charters_valid_until"), "charters", ["valid_until"], unique=False)
    op.add_column("charter_versions", sa.Column("valid_until", sa.Date(), nullable=True))
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        _sqlite_checks(connection, _statuses(OLD), _statuses(NEW), term=True)
    else:
        op.drop_constraint(op.f("ck_charters_charter_status"), "charters", type_="check")
        op.create_check_constraint(op.f("ck_charters_charter_status"), "charters", _statuses(NEW))
        op.create_check_constraint(
            op.f("ck_charters_term"), "charters", "term_months BETWEEN 1 AND 60"
        )

    connection = op.get_bind()
    versions = sa.table(
        "charter_versions",
        sa.column("id", sa.Integer),
        sa.column("charter_id", sa.Integer),
        sa.column("activated_at", sa.DateTime),
        sa.column("superseded_at", sa.DateTime),
        sa.column("valid_until", sa.Date),
    )
    charters = sa.table("charters", sa.column("id", sa.Integer), sa.column("valid_until", sa.Date))
    floor = datetime.now(UTC).date() + timedelta(days=30)
    rows = connection.execute(
        sa.select(
            versions.c.id, versions.c.charter_id, versions.c.activated_at, versions.c.superseded_at
        ).where(versions.c.activated_at.is_not(None))
    ).all()
    ends = []
    charter_ends = []
    for version_id, charter_id, activated_at, superseded_at in rows:
        end = _add_months(_day(activated_at), 12)
        if superseded_at is None:
            end = max(end, floor)
            charter_ends.append({"cid": charter_id, "end": end})
        ends.append({"vid": version_id, "end": end})
    if ends:
        connection.execute(
            versions.update()
            .where(versions.c.id == sa.bindparam("vid"))
            .values(valid_until=sa.bindparam("end")),
            ends,
        )
    if charter_ends:
        connection.execute(
            charters.update()
            .where(charters.c.id == sa.bindparam("cid"))
            .values(valid_until=sa.bindparam("end")),
            charter_ends,
        )


def downgrade():
    op.execute("UPDATE charters SET status = 'ended' WHERE status = 'expired'")
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        _sqlite_checks(connection, _statuses(NEW), _statuses(OLD), term=False)
    else:
        op.drop_constraint(op.f("ck_charters_term"), "charters", type_="check")
        op.drop_constraint(op.f("ck_charters_charter_status"), "charters", type_="check")
        op.create_check_constraint(op.f("ck_charters_charter_status"), "charters", _statuses(OLD))
    op.drop_column("charter_versions", "valid_until")
    op.drop_index(op.f("ix_charters_valid_until"), table_name="charters")
    for column in ("expired_at", "renewal_of", "valid_until", "term_months"):
        op.drop_column("charters", column)
