"""Region-scoped Dinas: a certificate template per issuing region (certificate_template.region_code).

Revision ID: 0010_region
Revises: 0006_offline
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_region"
down_revision = "0006_offline"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("certificate_template") as batch:
        batch.add_column(sa.Column("region_code", sa.String(length=10), nullable=True))
        batch.create_unique_constraint(batch.f("uq_certificate_template_region_code"), ["region_code"])
        batch.create_foreign_key(batch.f("fk_certificate_template_region_code_region"), "region",
                                 ["region_code"], ["code"])


def downgrade():
    op.execute("DELETE FROM certificate_template WHERE region_code IS NOT NULL")
    with op.batch_alter_table("certificate_template") as batch:
        batch.drop_constraint(batch.f("fk_certificate_template_region_code_region"), type_="foreignkey")
        batch.drop_constraint(batch.f("uq_certificate_template_region_code"), type_="unique")
        batch.drop_column("region_code")
