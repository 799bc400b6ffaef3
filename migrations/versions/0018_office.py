"""office: the issuing office's address and the daftar hadir's approval block ("Mengetahui,")

Revision ID: 0018_office
Revises: 0017_plankawal
Create Date: 2026-12-07 17:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_office'
down_revision = '0017_plankawal'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificate_template', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('approver_title', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('approver_name', sa.String(length=160), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('approver_nip', sa.String(length=30), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('certificate_template', schema=None) as batch_op:
        batch_op.drop_column('approver_nip')
        batch_op.drop_column('approver_name')
        batch_op.drop_column('approver_title')
        batch_op.drop_column('address')
