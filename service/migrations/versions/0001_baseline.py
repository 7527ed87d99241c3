"""Baseline: the schema argmine created with ``create_all`` before it had migrations.

Frozen on purpose: these are the table definitions as they shipped, so a
database made by that version is this revision (``service.migrate`` stamps it)
and upgrades from here. Never edit it; add a new revision instead.

Revision ID: 0001_baseline
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "annotations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(64), nullable=False, unique=True),
        sa.Column("text_key", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("stance", sa.String(16), nullable=False),
        sa.Column("risk", sa.Boolean, nullable=False),
        sa.Column("doc_id", sa.String(200)),
        sa.Column("start", sa.Integer),
        sa.Column("end", sa.Integer),
        sa.Column("annotator", sa.String(200)),
        sa.Column("note", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    for column in ("text_key", "role", "stance", "risk", "doc_id", "annotator"):
        op.create_index(f"ix_annotations_{column}", "annotations", [column])
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("force", sa.Boolean, nullable=False),
        sa.Column("config", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("progress", sa.Float, nullable=False),
        sa.Column("annotations", sa.Integer, nullable=False),
        sa.Column("baseline_version", sa.String(100)),
        sa.Column("version", sa.String(100)),
        sa.Column("metrics", sa.JSON),
        sa.Column("baseline_metrics", sa.JSON),
        sa.Column("activated", sa.Boolean, nullable=False),
        sa.Column("decision", sa.Text),
        sa.Column("error", sa.Text),
    )
    op.create_index("ix_jobs_status", "jobs", ["status"])


def downgrade() -> None:
    op.drop_table("jobs")
    op.drop_table("annotations")
