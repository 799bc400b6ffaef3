"""the business-plan workbook: assignment.kind, rubric criteria linked to workbook steps, business_plan
and business_plan_snapshot

Revision ID: 0016_plans
Revises: 0015_offline
"""
from alembic import op
import sqlalchemy as sa

import kopedu.db


revision = "0016_plans"
down_revision = "0015_offline"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("assignment") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=20), server_default="text_file", nullable=False))
    with op.batch_alter_table("rubric_criterion") as batch:
        batch.add_column(sa.Column("steps", sa.JSON(), nullable=True))
    op.create_table(
        "business_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("copied_from_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", kopedu.db.TZDateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", kopedu.db.TZDateTime(timezone=True), nullable=True),
        sa.Column("passed_at", kopedu.db.TZDateTime(timezone=True), nullable=True),
        sa.Column("created_at", kopedu.db.TZDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["assignment_id"], ["assignment.id"],
                                name=op.f("fk_business_plan_assignment_id_assignment"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_business_plan_user_id_user"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["cooperative_id"], ["cooperative.id"],
                                name=op.f("fk_business_plan_cooperative_id_cooperative"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["copied_from_id"], ["business_plan.id"],
                                name=op.f("fk_business_plan_copied_from_id_business_plan"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_plan")),
        sa.UniqueConstraint("assignment_id", "user_id", name=op.f("uq_business_plan_assignment_id_user_id")),
    )
    with op.batch_alter_table("business_plan") as batch:
        batch.create_index(batch.f("ix_business_plan_assignment_id"), ["assignment_id"], unique=False)
        batch.create_index(batch.f("ix_business_plan_user_id"), ["user_id"], unique=False)
        batch.create_index(batch.f("ix_business_plan_cooperative_id"), ["cooperative_id"], unique=False)
    op.create_table(
        "business_plan_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=True),
        sa.Column("created_at", kopedu.db.TZDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["business_plan.id"],
                                name=op.f("fk_business_plan_snapshot_plan_id_business_plan"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["version_id"], ["submission_version.id"],
                                name=op.f("fk_business_plan_snapshot_version_id_submission_version"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_plan_snapshot")),
        sa.UniqueConstraint("version_id", name=op.f("uq_business_plan_snapshot_version_id")),
    )
    with op.batch_alter_table("business_plan_snapshot") as batch:
        batch.create_index(batch.f("ix_business_plan_snapshot_plan_id"), ["plan_id"], unique=False)


def downgrade():
    with op.batch_alter_table("business_plan_snapshot") as batch:
        batch.drop_index(batch.f("ix_business_plan_snapshot_plan_id"))
    op.drop_table("business_plan_snapshot")
    with op.batch_alter_table("business_plan") as batch:
        batch.drop_index(batch.f("ix_business_plan_cooperative_id"))
        batch.drop_index(batch.f("ix_business_plan_user_id"))
        batch.drop_index(batch.f("ix_business_plan_assignment_id"))
    op.drop_table("business_plan")
    with op.batch_alter_table("rubric_criterion") as batch:
        batch.drop_column("steps")
    with op.batch_alter_table("assignment") as batch:
        batch.drop_column("kind")
