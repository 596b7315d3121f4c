"""A covering index for the unit's running count and the summary statistics: (status, task type,
aircraft, takeoff, landing). The counts by status, task and aircraft and their flight hours then
read the index alone instead of every sortie row with its plan and track (on 100,000 sorties in
SQLite, 0.33 s of CPU for the GROUP BY became 0.05 s; scripts/bench_stats.py).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_sortie_stats", "sortie",
                    ["status", "task_type", "aircraft_id", "takeoff_at", "landing_at"])


def downgrade() -> None:
    op.drop_index("ix_sortie_stats", table_name="sortie")
