"""actions owned by a person; a review's carried-over actions

Revision ID: b3f1a7c2d905
Revises: 3c5e7a9b1d24
Create Date: 2026-12-03 14:10:00

An action item gains the person who owns it (``owner_user_id``; actions from before keep only
their department). A review keeps which earlier actions were still open when it started
(``review_carried_actions``): the meeting shows them first, to update their status. Reviews in
progress at upgrade time get the charter's open actions from their other reviews.
"""

import sqlalchemy as sa
from alembic import op

revision = "b3f1a7c2d905"
down_revision = "3c5e7a9b1d24"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("action_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_user_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_action_items_owner_user_id"), ["owner_user_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_action_items_owner_user_id_users"),
            "users",
            ["owner_user_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_table(
        "review_carried_actions",
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["action_items.id"],
            name=op.f("fk_review_carried_actions_action_id_action_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_review_carried_actions_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("review_id", "action_id", name=op.f("pk_review_carried_actions")),
    )
    with op.batch_alter_table("review_carried_actions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_carried_actions_action_id"), ["action_id"], unique=False
        )
    op.execute(
        "INSERT INTO review_carried_actions (review_id, action_id) "
        "SELECT r.id, a.id FROM reviews r JOIN action_items a ON a.charter_id = r.charter_id "
        "WHERE r.status = 'in_progress' AND a.status = 'open' "
        "AND (a.review_id IS NULL OR a.review_id <> r.id)"
    )


def downgrade():
    with op.batch_alter_table("review_carried_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_carried_actions_action_id"))
    op.drop_table("review_carried_actions")
    with op.batch_alter_table("action_items", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_action_items_owner_user_id_users"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_action_items_owner_user_id"))
        batch_op.drop_column("owner_user_id")
