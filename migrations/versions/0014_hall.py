"""hall: attempt counters in the database (login and self check-in limits shared by every worker)

Revision ID: 0014_hall
Revises: 0013_scale
Create Date: 2026-12-07 16:40:00

"""
from alembic import op
import sqlalchemy as sa

import kopedu.db


# revision identifiers, used by Alembic.
revision = '0014_hall'
down_revision = '0013_scale'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'attempt_counter',
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('window', sa.Integer(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('expires_at', kopedu.db.TZDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key', 'window', name=op.f('pk_attempt_counter')),
    )
    with op.batch_alter_table('attempt_counter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attempt_counter_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('attempt_counter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attempt_counter_expires_at'))
    op.drop_table('attempt_counter')
