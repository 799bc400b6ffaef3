"""numerical and matching questions: a numerical answer's tolerance, a matching pair's right side

Revision ID: 0010_quiztypes
Revises: 0006_offline
Create Date: 2026-12-07 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010_quiztypes"
down_revision = "0006_offline"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("choice") as batch_op:
        batch_op.add_column(sa.Column("tolerance", sa.String(length=40), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("match", sa.Text(), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("choice") as batch_op:
        batch_op.drop_column("match")
        batch_op.drop_column("tolerance")
