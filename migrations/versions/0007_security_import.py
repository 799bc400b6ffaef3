"""participant import: rows kept parsed instead of the uploaded file

Revision ID: 0006_security
Revises: 0006_trust
"""
from alembic import op
import sqlalchemy as sa


revision = "0006_security"
down_revision = "0006_trust"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("participant_import", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parsed", sa.JSON(), nullable=True))
        batch_op.drop_constraint(batch_op.f("uq_participant_import_stored_name"), type_="unique")
        batch_op.drop_column("stored_name")


def downgrade():
    with op.batch_alter_table("participant_import", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stored_name", sa.String(length=80), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_participant_import_stored_name"), ["stored_name"])
        batch_op.drop_column("parsed")
