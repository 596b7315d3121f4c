"""A mission keeps its planning inputs as typed by the crew (datum, IPP text, uncertainty, subject
category, quartiles, terrain class, model, terrain entry, notes): one JSON column, NULL until the
crew first saves them. Each change is in the audit log with the values before and after.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("mission", sa.Column("planning_inputs", sa.JSON(), nullable=True))


def downgrade() -> None:
    # SQLite 3.35+ and PostgreSQL both drop a column in place (no table copy, so the sortie
    # table's foreign key to the mission stays untouched).
    op.execute("ALTER TABLE mission DROP COLUMN planning_inputs")
