"""the minutes PDF of a closed review is stored once per language, keyed by its content

Revision ID: c4d2e8a7f051
Revises: b7d41c9e2f05
Create Date: 2026-12-03 14:10:00

Reviews closed before have no stored minutes: the first download renders and stores them.
"""

import sqlalchemy as sa
from alembic import op

import sla_contracts.timeutil

revision = "c4d2e8a7f051"
down_revision = "b7d41c9e2f05"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "review_minutes_pdfs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("content_key", sa.String(length=64), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("rendered_at", sla_contracts.timeutil.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_review_minutes_pdfs_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_minutes_pdfs")),
        sa.UniqueConstraint(
            "review_id", "language", name=op.f("uq_review_minutes_pdfs_review_id_language")
        ),
    )


def downgrade():
    op.drop_table("review_minutes_pdfs")
