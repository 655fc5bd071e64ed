"""presence rows need no write-ahead log (PostgreSQL: UNLOGGED)

Revision ID: 6b2e8d4f1a93
Revises: 5a7f3c1e9b42
Create Date: 2026-12-02 13:30:00

A presence row lives a minute: the poll that rewrites it should not wait for a disk flush.
A crash empties an unlogged table; people are "here" again at their next poll. SQLite has
no such thing and is left alone.
"""

from alembic import op

revision = "6b2e8d4f1a93"
down_revision = "5a7f3c1e9b42"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE charter_presence SET UNLOGGED")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE charter_presence SET LOGGED")
