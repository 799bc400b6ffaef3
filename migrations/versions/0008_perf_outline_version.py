"""course.outline_version: the key of the per-process outline cache

Revision ID: 0006_perf
Revises: 0006_security
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0006_perf"
down_revision = "0006_security"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("course") as batch:
        batch.add_column(sa.Column("outline_version", sa.String(length=16), nullable=True))
    course = sa.table("course", sa.column("id", sa.Integer), sa.column("outline_version", sa.String))
    connection = op.get_bind()
    for (course_id,) in connection.execute(sa.select(course.c.id)).fetchall():
        connection.execute(course.update().where(course.c.id == course_id)
                           .values(outline_version=secrets.token_hex(8)))
    with op.batch_alter_table("course") as batch:
        batch.alter_column("outline_version", existing_type=sa.String(length=16), nullable=False)


def downgrade():
    with op.batch_alter_table("course") as batch:
        batch.drop_column("outline_version")
