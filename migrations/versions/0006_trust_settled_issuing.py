"""Closing a session's attendance ("Tutup presensi") and background certificate jobs

Revision ID: 0006_trust
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa

import kopedu.db


revision = "0006_trust"
down_revision = "0003"  # the head of the chain (0001→0002→0005→0004→0003)
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cohort_session") as batch:
        batch.add_column(sa.Column("attendance_closed_at", kopedu.db.TZDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("attendance_closed_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_cohort_session_attendance_closed_by_id_user"), "user",
                                 ["attendance_closed_by_id"], ["id"], ondelete="SET NULL")
    op.create_table(
        "certificate_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("use_current_template", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("eligible", sa.Integer(), nullable=False),
        sa.Column("issued", sa.Integer(), nullable=False),
        sa.Column("no_longer", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("no_longer_ids", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("updated_at", kopedu.db.TZDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", kopedu.db.TZDateTime(timezone=True), nullable=True),
        sa.Column("created_at", kopedu.db.TZDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["course_id"], ["course.id"], name=op.f("fk_certificate_job_course_id_course"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["requested_by_id"], ["user.id"],
                                name=op.f("fk_certificate_job_requested_by_id_user"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_job")),
    )
    with op.batch_alter_table("certificate_job") as batch:
        batch.create_index(batch.f("ix_certificate_job_course_id"), ["course_id"], unique=False)


def downgrade():
    with op.batch_alter_table("certificate_job") as batch:
        batch.drop_index(batch.f("ix_certificate_job_course_id"))
    op.drop_table("certificate_job")
    with op.batch_alter_table("cohort_session") as batch:
        batch.drop_constraint(op.f("fk_cohort_session_attendance_closed_by_id_user"), type_="foreignkey")
        batch.drop_column("attendance_closed_by_id")
        batch.drop_column("attendance_closed_at")
