"""client writes: the target a write changes and the time it was chosen on the phone (newest choice
wins, one row per user and target), and an index on applied_at for the nightly prune

Revision ID: 0015_offline
Revises: 0014_hall
Create Date: 2026-12-07 16:40:00

"""
from alembic import op
import sqlalchemy as sa

import kopedu.db


# revision identifiers, used by Alembic.
revision = "0015_offline"
down_revision = "0014_hall"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("client_write", schema=None) as batch_op:
        batch_op.add_column(sa.Column("target", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("chosen_at", kopedu.db.TZDateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_client_write_user_id_target"), ["user_id", "target"])
        batch_op.create_index(batch_op.f("ix_client_write_applied_at"), ["applied_at"], unique=False)


def downgrade():
    with op.batch_alter_table("client_write", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_write_applied_at"))
        batch_op.drop_constraint(batch_op.f("uq_client_write_user_id_target"), type_="unique")
        batch_op.drop_column("chosen_at")
        batch_op.drop_column("target")
