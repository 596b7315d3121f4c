"""A mission keeps the detection (POD) maps uploaded for it: the file as uploaded, its SHA-256, the
grid it lies on (CRS, transform, shape), who added it and when, and a soft removal (who, when,
why). The database refuses to delete a row or to rewrite it; the only change allowed is the one
removal of a map still applied (so a removed map stays in the record, as the logbook keeps
history, migration 0002). At most one applied map per mission has a given file name or content.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_TABLE = "mission_pod_map"
#: Columns fixed once the row is written (a removal sets only removed_by/_at/_reason).
_FIXED = ("mission_id", "file_name", "content", "sha256", "size_bytes", "crs_wkt", "epsg",
          "transform", "rows", "cols", "added_by", "added_by_id", "added_at")


def _changed(sqlite: bool) -> str:
    """The trigger's condition: a fixed column changes, or a removal is changed after it."""
    differs = "IS NOT" if sqlite else "IS DISTINCT FROM"  # NULL-safe on each backend
    fixed = " OR ".join(f"NEW.{c} {differs} OLD.{c}" for c in _FIXED)
    return f"{fixed} OR OLD.removed_at IS NOT NULL"


def upgrade() -> None:
    op.create_table(
        _TABLE,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("mission_id", sa.Integer(), sa.ForeignKey("mission.id"), nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("crs_wkt", sa.Text(), nullable=False),
        sa.Column("epsg", sa.Integer(), nullable=True),
        sa.Column("transform", sa.String(400), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("cols", sa.Integer(), nullable=False),
        sa.Column("added_by", sa.String(40), nullable=False),
        sa.Column("added_by_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_by", sa.String(40), nullable=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("length(sha256) = 64", name="ck_pod_map_sha256"),
        sa.CheckConstraint("size_bytes > 0", name="ck_pod_map_size"),
        sa.CheckConstraint("rows > 0 AND cols > 0", name="ck_pod_map_shape"),
        sa.CheckConstraint("(removed_at IS NULL AND removed_by IS NULL) OR "
                           "(removed_at IS NOT NULL AND removed_by IS NOT NULL)",
                           name="ck_pod_map_removed"),
    )
    op.create_index("ix_mission_pod_map_mission_id", _TABLE, ["mission_id"])
    applied = sa.text("removed_at IS NULL")
    op.create_index("uq_pod_map_applied_name", _TABLE, ["mission_id", "file_name"], unique=True,
                    sqlite_where=applied, postgresql_where=applied)
    op.create_index("uq_pod_map_applied_sha256", _TABLE, ["mission_id", "sha256"], unique=True,
                    sqlite_where=applied, postgresql_where=applied)
    if op.get_bind().dialect.name == "sqlite":
        for name, event, when in (("pod_map_no_delete", "DELETE", None),
                                  ("pod_map_no_rewrite", "UPDATE", _changed(True))):
            cond = f" WHEN {when}" if when else ""
            op.execute(f"CREATE TRIGGER {name} BEFORE {event} ON {_TABLE}{cond} BEGIN "
                       f"SELECT RAISE(ABORT, 'the logbook never deletes or rewrites {_TABLE} rows'); "
                       "END")
        return
    # sar_refuse_change() is the function of migration 0002
    op.execute(f"CREATE TRIGGER pod_map_no_delete BEFORE DELETE ON {_TABLE} FOR EACH ROW "
               "EXECUTE FUNCTION sar_refuse_change()")
    op.execute(f"CREATE TRIGGER pod_map_no_rewrite BEFORE UPDATE ON {_TABLE} FOR EACH ROW "
               f"WHEN ({_changed(False)}) EXECUTE FUNCTION sar_refuse_change()")


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name in ("pod_map_no_delete", "pod_map_no_rewrite"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + ("" if sqlite else f" ON {_TABLE}"))
    op.drop_index("uq_pod_map_applied_sha256", table_name=_TABLE)
    op.drop_index("uq_pod_map_applied_name", table_name=_TABLE)
    op.drop_index("ix_mission_pod_map_mission_id", table_name=_TABLE)
    op.drop_table(_TABLE)
