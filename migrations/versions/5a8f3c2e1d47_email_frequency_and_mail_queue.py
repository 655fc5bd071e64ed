"""each person chooses how e-mails reach them (at once, a daily digest, inbox only); events
wait in a mail queue for the combined e-mails

Revision ID: 5a8f3c2e1d47
Revises: 9e2d4c6b8a31
Create Date: 2026-12-02 13:20:00

The old opt-out becomes "inbox only" (``never``); everyone else keeps e-mails at once
(``immediately``). Downgrading maps ``never`` back to the opt-out and ``daily`` to e-mails.
"""

import sqlalchemy as sa
from alembic import op

from sla_contracts.timeutil import UTCDateTime

revision = "5a8f3c2e1d47"
down_revision = "9e2d4c6b8a31"
branch_labels = None
depends_on = None

FREQUENCIES = ("immediately", "daily", "never")


def _users_column(column: sa.Column) -> None:
    """Add a column to ``users`` in place. Never a batch (copy and move) on SQLite: dropping
    the old ``users`` table would cascade into every table that refers to it."""
    op.add_column("users", column)


def upgrade():
    # The server default stays: a row written without the column (raw SQL) gets e-mails.
    _users_column(
        sa.Column(
            "email_frequency", sa.String(length=32), nullable=False, server_default="immediately"
        )
    )
    if op.get_context().dialect.name != "sqlite":  # SQLite cannot add a constraint in place
        op.create_check_constraint(
            op.f("ck_users_email_frequency"), "users", sa.column("email_frequency").in_(FREQUENCIES)
        )
    users = sa.table("users", sa.column("email_frequency"), sa.column("is_email_opted_out"))
    op.execute(
        users.update()
        .where(users.c.is_email_opted_out == sa.true())
        .values(email_frequency="never")
    )
    op.drop_column("users", "is_email_opted_out")  # SQLite ≥ 3.35 drops a column in place

    op.create_table(
        "mail_queue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("charter_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("email_key", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_mail_queue_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_mail_queue_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_queue")),
        sa.UniqueConstraint(
            "user_id", "idempotency_key", name=op.f("uq_mail_queue_user_id_idempotency_key")
        ),
    )  # fmt: skip
    with op.batch_alter_table("mail_queue", schema=None) as batch_op:
        batch_op.create_index("ix_mail_queue_waiting", ["mode", "done_at"], unique=False)
        batch_op.create_index(
            "ix_mail_queue_last_told", ["user_id", "charter_id", "done_at"], unique=False
        )


def downgrade():
    op.drop_table("mail_queue")
    _users_column(
        sa.Column("is_email_opted_out", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    users = sa.table("users", sa.column("email_frequency"), sa.column("is_email_opted_out"))
    op.execute(
        users.update().where(users.c.email_frequency == "never").values(is_email_opted_out=True)
    )
    if op.get_context().dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_users_email_frequency"), "users", type_="check")
    op.drop_column("users", "email_frequency")
