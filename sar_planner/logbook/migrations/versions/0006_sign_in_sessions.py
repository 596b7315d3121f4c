"""Sign-in sessions that outlive a page reload: one row per browser sign-in, so a signed session
token (:mod:`sar_planner.auth`) can be checked, expired and ended from the server side.

The browser keeps only a token signed with the server's key that names this row and a random
nonce; the row keeps the SHA-256 of that nonce (never the token or the password), who signed in,
when it was last seen (idle expiry), when and why it ended (sign-out, account disabled), and the
incident number of the mission in hand, so a reload brings the crew back to that mission.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_TABLE = "sign_in_session"


def upgrade() -> None:
    op.create_table(
        _TABLE,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("nonce_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_reason", sa.String(20), nullable=True),
        sa.Column("mission_incident", sa.String(40), nullable=True),
        sa.CheckConstraint("length(nonce_sha256) = 64", name="ck_sign_in_session_nonce"),
        sa.CheckConstraint("(ended_at IS NULL AND ended_reason IS NULL) OR "
                           "(ended_at IS NOT NULL AND ended_reason IS NOT NULL)",
                           name="ck_sign_in_session_ended"),
    )
    op.create_index("ix_sign_in_session_user_id", _TABLE, ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_session_user_id", table_name=_TABLE)
    op.drop_table(_TABLE)
