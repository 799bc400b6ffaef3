"""report_export: large monitoring exports built in the background into the file store

Revision ID: 0019_reportexport
Revises: 0018_office
Create Date: 2026-12-07 21:00:00

"""
from alembic import op
import sqlalchemy as sa

from kopedu.db import TZDateTime


# revision identifiers, used by Alembic.
revision = '0019_reportexport'
down_revision = '0018_office'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'report_export',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=300), nullable=False),
        sa.Column('params', sa.Text(), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('file_path', sa.String(length=200), nullable=True),
        sa.Column('file_size', sa.Integer(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('created_at', TZDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', TZDateTime(timezone=True), nullable=True),
        sa.Column('finished_at', TZDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['requested_by_id'], ['user.id'],
                                name=op.f('fk_report_export_requested_by_id_user'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_export')),
    )
    with op.batch_alter_table('report_export', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_export_key'), ['key'], unique=False)


def downgrade():
    with op.batch_alter_table('report_export', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_export_key'))
    op.drop_table('report_export')
