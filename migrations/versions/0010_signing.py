"""certificate PDFs signed (PAdES): who signed the stored PDF; a course job's list of who meets the rules

Revision ID: 0010_signing
Revises: 0006_offline
Create Date: 2026-12-07 17:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010_signing"
down_revision = "0006_offline"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("certificate") as batch_op:
        batch_op.add_column(sa.Column("pdf_signer", sa.String(length=300), nullable=True))
    with op.batch_alter_table("certificate_job") as batch_op:
        batch_op.add_column(sa.Column("eligible_ids", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("certificate_job") as batch_op:
        batch_op.drop_column("eligible_ids")
    with op.batch_alter_table("certificate") as batch_op:
        batch_op.drop_column("pdf_signer")
