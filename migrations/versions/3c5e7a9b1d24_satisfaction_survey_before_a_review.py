"""satisfaction survey before a review: each person of both sides rates the other side

Revision ID: 3c5e7a9b1d24
Revises: c3e8a1f4b6d2
Create Date: 2026-12-03 14:00:48

One row per person asked (or answering) and review; the score stays empty until they answer.
"""

import sqlalchemy as sa
from alembic import op

import sla_contracts.timeutil

# revision identifiers, used by Alembic.
revision = "3c5e7a9b1d24"
down_revision = "c3e8a1f4b6d2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "satisfaction_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("irritant", sa.String(length=300), nullable=False),
        sa.Column("asked_at", sla_contracts.timeutil.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sla_contracts.timeutil.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", sla_contracts.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "score IS NULL OR score BETWEEN 1 AND 5", name=op.f("ck_satisfaction_answers_score")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_satisfaction_answers_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_satisfaction_answers_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_satisfaction_answers_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_satisfaction_answers")),
        sa.UniqueConstraint(
            "review_id", "user_id", name=op.f("uq_satisfaction_answers_review_id_user_id")
        ),
    )
    with op.batch_alter_table("satisfaction_answers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_satisfaction_answers_review_id"), ["review_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_satisfaction_answers_user_id"), ["user_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("satisfaction_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_satisfaction_answers_user_id"))
        batch_op.drop_index(batch_op.f("ix_satisfaction_answers_review_id"))

    op.drop_table("satisfaction_answers")
