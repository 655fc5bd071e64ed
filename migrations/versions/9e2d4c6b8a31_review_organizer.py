"""the head who scheduled a review meeting is the organiser of its calendar invitations

Revision ID: 9e2d4c6b8a31
Revises: 7c3e5a1d2b90
Create Date: 2026-12-02 01:30:00

Meetings scheduled before have no organiser: their invitations keep naming the app's sender.
"""

import sqlalchemy as sa
from alembic import op

revision = "9e2d4c6b8a31"
down_revision = "7c3e5a1d2b90"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organizer_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_reviews_organizer_id_users"),
            "users",
            ["organizer_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_reviews_organizer_id_users"), type_="foreignkey")
        batch_op.drop_column("organizer_id")
