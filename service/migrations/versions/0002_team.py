"""A team on one database: per-person tokens, who wrote what, shared state and leases.

Revision ID: 0002_team
Revises: 0001_baseline
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_team"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("annotations") as table:
        table.add_column(sa.Column("created_by", sa.String(200)))
    with op.batch_alter_table("jobs") as table:
        table.add_column(sa.Column("created_by", sa.String(200)))
        table.add_column(sa.Column("replica", sa.String(64)))
        table.add_column(sa.Column("cancel_requested_by", sa.String(200)))
    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200)),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_by", sa.String(200)),
    )
    op.create_index("ix_tokens_name", "tokens", ["name"])
    op.create_table(
        "service_state",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("updated_by", sa.String(200)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "leases",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("job_id", sa.String(32)),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("leases")
    op.drop_table("service_state")
    op.drop_table("tokens")
    with op.batch_alter_table("jobs") as table:
        table.drop_column("cancel_requested_by")
        table.drop_column("replica")
        table.drop_column("created_by")
    with op.batch_alter_table("annotations") as table:
        table.drop_column("created_by")
