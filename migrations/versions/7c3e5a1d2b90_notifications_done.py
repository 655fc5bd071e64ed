"""inbox messages that ask for an action can be marked done, by whom and how

Revision ID: 7c3e5a1d2b90
Revises: 4b1c0e2f9a10
Create Date: 2026-12-01 23:20:00

Existing rows stay as they are (not done): they render and count as before.
"""

import sqlalchemy as sa
from alembic import op

from sla_contracts.timeutil import UTCDateTime

revision = "7c3e5a1d2b90"
down_revision = "4b1c0e2f9a10"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("done_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("done_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("done_reason", sa.String(length=20), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_notifications_done_by_id_users"),
            "users",
            ["done_by_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_notifications_done_by_id_users"), type_="foreignkey")
        batch_op.drop_column("done_reason")
        batch_op.drop_column("done_by_id")
        batch_op.drop_column("done_at")
