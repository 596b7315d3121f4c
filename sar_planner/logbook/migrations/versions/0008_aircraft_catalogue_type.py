"""Each aircraft on the unit's roster can be linked to its type in the asset catalogue
(``aircraft.asset_id``, the catalogue id, e.g. ``m350-h20t``): a sortie logged with a flown track
but without the plan it flew then counts on the mission map with that type's sweep width for the
height it flew (issue 15). Existing aircraft keep NULL until an administrator chooses their type
once on the Settings page; nothing is guessed from the free-text ``type_name``.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("aircraft") as batch:
        batch.add_column(sa.Column("asset_id", sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("aircraft") as batch:
        batch.drop_column("asset_id")
