"""what a commitment depends on: the other side's commitments of the same charter

Revision ID: b7d1e4a2c9f3
Revises: b3f1a7c2d905
Create Date: 2026-12-03 14:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "b7d1e4a2c9f3"
down_revision = "b3f1a7c2d905"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "commitment_prerequisites",
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("prerequisite_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "commitment_id <> prerequisite_id",
            name=op.f("ck_commitment_prerequisites_not_itself"),
        ),
        sa.ForeignKeyConstraint(
            ["commitment_id"],
            ["commitments.id"],
            name=op.f("fk_commitment_prerequisites_commitment_id_commitments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["prerequisite_id"],
            ["commitments.id"],
            name=op.f("fk_commitment_prerequisites_prerequisite_id_commitments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "commitment_id", "prerequisite_id", name=op.f("pk_commitment_prerequisites")
        ),
    )
    op.create_index(
        op.f("ix_commitment_prerequisites_prerequisite_id"),
        "commitment_prerequisites",
        ["prerequisite_id"],
        unique=False,
    )


def downgrade():
    op.drop_index(
        op.f("ix_commitment_prerequisites_prerequisite_id"), table_name="commitment_prerequisites"
    )
    op.drop_table("commitment_prerequisites")
