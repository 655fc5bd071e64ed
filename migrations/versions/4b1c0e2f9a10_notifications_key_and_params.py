"""inbox messages stored as a message key and parameters, rendered when read

Revision ID: 4b1c0e2f9a10
Revises: d6d7270c6a81
Create Date: 2026-12-01 22:10:00

Existing rows keep their old rendered text as the ``legacy_text`` parameter, which the
renderer shows as is.
"""

import sqlalchemy as sa
from alembic import op

revision = "4b1c0e2f9a10"
down_revision = "d6d7270c6a81"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("params", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("actor_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("object_type", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("object_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("idempotency_key", sa.String(length=200), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_notifications_actor_id_users"),
            "users",
            ["actor_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_notifications_user_id_idempotency_key"), ["user_id", "idempotency_key"]
        )

    notifications = sa.table(
        "notifications",
        sa.column("id", sa.Integer()),
        sa.column("message", sa.Text()),
        sa.column("params", sa.JSON()),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(notifications.c.id, notifications.c.message)).all()
    if rows:
        connection.execute(
            notifications.update()
            .where(notifications.c.id == sa.bindparam("row_id"))
            .values(params=sa.bindparam("legacy", type_=sa.JSON())),
            [{"row_id": id_, "legacy": {"legacy_text": message}} for id_, message in rows],
        )

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column("params", existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column("message")


def downgrade():
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message", sa.Text(), nullable=True))

    notifications = sa.table(
        "notifications",
        sa.column("id", sa.Integer()),
        sa.column("kind", sa.String()),
        sa.column("message", sa.Text()),
        sa.column("params", sa.JSON()),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(notifications.c.id, notifications.c.kind, notifications.c.params)
    ).all()
    if rows:
        connection.execute(
            notifications.update()
            .where(notifications.c.id == sa.bindparam("row_id"))
            .values(message=sa.bindparam("text")),
            [
                {"row_id": id_, "text": (params or {}).get("legacy_text", kind)}
                for id_, kind, params in rows
            ],
        )

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column("message", existing_type=sa.Text(), nullable=False)
        batch_op.drop_constraint(
            batch_op.f("uq_notifications_user_id_idempotency_key"), type_="unique"
        )
        batch_op.drop_constraint(batch_op.f("fk_notifications_actor_id_users"), type_="foreignkey")
        batch_op.drop_column("idempotency_key")
        batch_op.drop_column("object_id")
        batch_op.drop_column("object_type")
        batch_op.drop_column("actor_id")
        batch_op.drop_column("params")
