"""client writes: the ids of writes queued on participants' phones, applied once

Revision ID: 0006_offline
Revises: 0006_perf
Create Date: 2026-12-02 13:45:00

"""
from alembic import op
import sqlalchemy as sa

import kopedu.db


# revision identifiers, used by Alembic.
revision = '0006_offline'
down_revision = '0006_perf'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('client_write',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('applied_at', kopedu.db.TZDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_client_write_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_client_write')),
    sa.UniqueConstraint('user_id', 'client_id', name=op.f('uq_client_write_user_id_client_id'))
    )


def downgrade():
    op.drop_table('client_write')
