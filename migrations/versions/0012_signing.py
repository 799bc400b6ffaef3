"""certificate PDFs signed (PAdES): who signed the stored PDF; a course job's list of who meets the rules;
the participants' evaluation of a cohort's training

Revision ID: 0012_signing
Revises: 0011_quizlisten
Create Date: 2026-12-07 17:20:00

"""
from alembic import op
import sqlalchemy as sa

import kopedu.db


# revision identifiers, used by Alembic.
revision = "0012_signing"
down_revision = "0011_quizlisten"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("certificate") as batch_op:
        batch_op.add_column(sa.Column("pdf_signer", sa.String(length=300), nullable=True))
    with op.batch_alter_table("certificate_job") as batch_op:
        batch_op.add_column(sa.Column("eligible_ids", sa.JSON(), nullable=True))
    op.create_table(
        "training_evaluation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("created_at", kopedu.db.TZDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohort.id"], name=op.f("fk_training_evaluation_cohort_id_cohort"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["enrollment_id"], ["enrollment.id"],
                                name=op.f("fk_training_evaluation_enrollment_id_enrollment"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_evaluation")),
        sa.UniqueConstraint("enrollment_id", name=op.f("uq_training_evaluation_enrollment_id")),
    )
    op.create_index(op.f("ix_training_evaluation_cohort_id"), "training_evaluation", ["cohort_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_training_evaluation_cohort_id"), table_name="training_evaluation")
    op.drop_table("training_evaluation")
    with op.batch_alter_table("certificate_job") as batch_op:
        batch_op.drop_column("eligible_ids")
    with op.batch_alter_table("certificate") as batch_op:
        batch_op.drop_column("pdf_signer")
