"""numerical and matching questions (a numerical answer's tolerance, a matching pair's right side) and
lesson narrations (a trainer's recorded reading of a lesson)

Revision ID: 0011_quizlisten
Revises: 0010_region
Create Date: 2026-12-07 17:00:00

"""
from alembic import op
import sqlalchemy as sa

import kopedu.db


# revision identifiers, used by Alembic.
revision = "0011_quizlisten"
down_revision = "0010_region"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("choice") as batch_op:
        batch_op.add_column(sa.Column("tolerance", sa.String(length=40), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("match", sa.Text(), nullable=False, server_default=""))
    op.create_table(
        "lesson_narration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("stored_name", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("content_type", sa.String(length=120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("recorded", sa.Boolean(), nullable=False),
        sa.Column("created_at", kopedu.db.TZDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["lesson_id"], ["lesson.id"], name=op.f("fk_lesson_narration_lesson_id_lesson"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lesson_narration")),
        sa.UniqueConstraint("lesson_id", name=op.f("uq_lesson_narration_lesson_id")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_lesson_narration_stored_name")),
    )


def downgrade():
    op.drop_table("lesson_narration")
    with op.batch_alter_table("choice") as batch_op:
        batch_op.drop_column("match")
        batch_op.drop_column("tolerance")
