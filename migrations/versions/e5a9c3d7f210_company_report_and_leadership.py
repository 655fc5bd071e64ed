"""the monthly report for leadership: who reads it (users.is_leadership), its stored PDF

Revision ID: e5a9c3d7f210
Revises: e5a9c3b7d142
Create Date: 2026-12-04 01:30:00

Nobody is leadership at first: an administrator ticks it on the person's page.
"""

import sqlalchemy as sa
from alembic import op

import sla_contracts.timeutil

revision = "e5a9c3d7f210"
down_revision = "e5a9c3b7d142"
branch_labels = None
depends_on = None


def upgrade():
    # In place, never a batch (copy and move) on SQLite: dropping the old ``users`` table would
    # cascade into every table that refers to it. The server default stays (raw SQL inserts).
    op.add_column(
        "users",
        sa.Column("is_leadership", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "company_report_pdfs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("content_key", sa.String(length=64), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("rendered_at", sla_contracts.timeutil.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_company_report_pdfs")),
        sa.UniqueConstraint(
            "month", "language", name=op.f("uq_company_report_pdfs_month_language")
        ),
    )


def downgrade():
    op.drop_table("company_report_pdfs")
    op.drop_column("users", "is_leadership")  # SQLite ≥ 3.35 drops a column in place
