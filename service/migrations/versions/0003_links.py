"""Links between sentences stored through the service (one per source sentence and annotator).

Revision ID: 0003_links
Revises: 0002_team
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_links"
down_revision = "0002_team"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "links",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(64), nullable=False, unique=True),
        sa.Column("doc_id", sa.String(200), nullable=False),
        sa.Column("source_start", sa.Integer, nullable=False),
        sa.Column("source_end", sa.Integer, nullable=False),
        sa.Column("target_start", sa.Integer, nullable=False),
        sa.Column("target_end", sa.Integer, nullable=False),
        sa.Column("source_text", sa.Text),
        sa.Column("target_text", sa.Text),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("annotator", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200)),
        sa.Column("updated_at", sa.DateTime(timezone=True)),
        sa.Column("updated_by", sa.String(200)),
    )
    op.create_index("ix_links_doc_id", "links", ["doc_id"])
    op.create_index("ix_links_annotator", "links", ["annotator"])


def downgrade() -> None:
    op.drop_table("links")
