"""reminders people can live with: snoozed reminders, a weekly digest, muted kinds

Revision ID: e5a9c3b7d142
Revises: 7aa4d4b5d8b1
Create Date: 2026-12-04 01:20:00

Notifications gain their snooze (until, how many times, when it was escalated); outbox rows
their one-click unsubscribe link; ``muted_kinds`` holds the kinds a person muted by e-mail;
``users.email_frequency`` accepts ``weekly``.
"""

from alembic import op
import sqlalchemy as sa

from sla_contracts.timeutil import UTCDateTime

revision = "e5a9c3b7d142"
down_revision = "7aa4d4b5d8b1"
branch_labels = None
depends_on = None

OLD = ("immediately", "daily", "never")
NEW = ("immediately", "daily", "weekly", "never")


def _frequencies(values):
    if op.get_context().dialect.name == "sqlite":  # no constraint in place on SQLite
        return
    op.drop_constraint(op.f("ck_users_email_frequency"), "users", type_="check")
    op.create_check_constraint(
        op.f("ck_users_email_frequency"), "users", sa.column("email_frequency").in_(values)
    )


def upgrade():
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("snoozed_until", UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("snooze_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("escalated_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_notifications_snoozed_until"), ["snoozed_until"], unique=False
        )
    with op.batch_alter_table("outbox_emails", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unsubscribe_url", sa.String(length=500), nullable=True))
    op.create_table(
        "muted_kinds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_muted_kinds_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_muted_kinds")),
        sa.UniqueConstraint("user_id", "kind", name=op.f("uq_muted_kinds_user_id_kind")),
    )
    _frequencies(NEW)


def downgrade():
    users = sa.table("users", sa.column("email_frequency"))
    op.execute(
        users.update().where(users.c.email_frequency == "weekly").values(email_frequency="daily")
    )
    _frequencies(OLD)
    op.drop_table("muted_kinds")
    with op.batch_alter_table("outbox_emails", schema=None) as batch_op:
        batch_op.drop_column("unsubscribe_url")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_snoozed_until"))
        batch_op.drop_column("escalated_at")
        batch_op.drop_column("snooze_count")
        batch_op.drop_column("snoozed_until")
