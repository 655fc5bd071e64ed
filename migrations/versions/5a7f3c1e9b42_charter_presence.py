"""who has a charter page open now; what each revision was about (the activity feed)

Revision ID: 5a7f3c1e9b42
Revises: 5a8f3c2e1d47
Create Date: 2026-12-02 13:15:00

Revisions written before have no object: the feed names the charter for them.
"""

import sqlalchemy as sa
from alembic import op

import sla_contracts.timeutil

revision = "5a7f3c1e9b42"
down_revision = "5a8f3c2e1d47"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "charter_presence",
        sa.Column("charter_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("seen_at", sla_contracts.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["charter_id"],
            ["charters.id"],
            name=op.f("fk_charter_presence_charter_id_charters"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_charter_presence_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("charter_id", "user_id", name=op.f("pk_charter_presence")),
    )
    op.create_index(
        "ix_charter_presence_charter_id_seen_at",
        "charter_presence",
        ["charter_id", "seen_at"],
        unique=False,
    )
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("object_type", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("object_id", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.drop_column("object_id")
        batch_op.drop_column("object_type")
    op.drop_index("ix_charter_presence_charter_id_seen_at", table_name="charter_presence")
    op.drop_table("charter_presence")
