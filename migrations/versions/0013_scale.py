"""National scale: trigram indexes for the name searches (PostgreSQL)

On PostgreSQL the pg_trgm extension lets `lower(name) LIKE '%q%'` use a GIN index instead of reading
every row: the user list (names, e-mail) and the cohort selectors (names). SQLite keeps the plain
LIKE scan (a small embedded install). The indexes are on expressions, which autogenerate leaves alone.

Revision ID: 0013_scale
Revises: 0012_signing
"""
from alembic import op

revision = "0013_scale"
down_revision = "0012_signing"
branch_labels = None
depends_on = None

TRIGRAM = {  # index name → (table, expression)
    "ix_user_full_name_trgm": ('"user"', "lower(full_name)"),
    "ix_user_email_trgm": ('"user"', "lower(email)"),
    "ix_cohort_name_trgm": ("cohort", "lower(name)"),
}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, (table, expression) in TRIGRAM.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (({expression}) gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in TRIGRAM:
        op.execute(f"DROP INDEX IF EXISTS {name}")
