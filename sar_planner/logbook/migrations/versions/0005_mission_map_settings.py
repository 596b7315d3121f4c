"""A mission's map settings become stored facts: planning inputs of version 1 or 2 are upgraded to
version 3, which holds ``model`` (never None) and ``settings`` (every setting that changes the
map: grid half-width and cell size, terrain-model options, segment rule and size, consensus
weight and points, time-cap time), with the values the Probability page used by default when
these inputs were saved written out explicitly. So an earlier mission gives the map it gave
before, now from stored facts (``radius_m``/``cell_m`` None = the page's default grid rule, as
before; no time cap, as case scoring and the command line built it). Each upgraded mission gets
an audit row (``upgrade_inputs``) with the values before and after.

The defaults are written here as literals on purpose: they are what the page used up to this
migration, and a later change of the program's defaults must not change what this migration wrote.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

import datetime as dt
import json

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

#: The Probability page's defaults up to this migration (version 3's ``settings``).
SETTINGS_V3_DEFAULTS = {
    "radius_m": None,
    "cell_m": None,
    "max_slope_deg": 40.0,
    "drainage_weight": 0.0,
    "uphill_share": None,
    "track_weight": 0.0,
    "track_friction": 1.0,
    "segment_rule": "grid",
    "segment_km": 2.0,
    "consensus_weight": 0.5,
    "consensus_points": None,
    "time_cap_at": None,
}


def upgraded(value: dict) -> dict:
    """A version-1 or -2 inputs dict as version 3 (other versions unchanged)."""
    if not isinstance(value, dict) or value.get("version") not in (1, 2):
        return value
    out = dict(value)
    out.setdefault("features", [])
    out["model"] = out.get("model") or "rings"
    out["settings"] = dict(SETTINGS_V3_DEFAULTS)
    out["version"] = 3
    return out


def _load(value):
    return json.loads(value) if isinstance(value, str) else value


def upgrade() -> None:
    bind = op.get_bind()
    mission = sa.table("mission", sa.column("id", sa.Integer), sa.column("incident_number", sa.String),
                       sa.column("planning_inputs", sa.JSON))
    audit = sa.table("audit_entry", sa.column("at", sa.DateTime(timezone=True)),
                     sa.column("actor", sa.String), sa.column("action", sa.String),
                     sa.column("entity", sa.String), sa.column("entity_id", sa.Integer),
                     sa.column("details", sa.JSON))
    rows = bind.execute(sa.select(mission.c.id, mission.c.incident_number,
                                  mission.c.planning_inputs)
                        .where(mission.c.planning_inputs.is_not(None))).all()
    now = dt.datetime.now(dt.UTC)
    for mid, incident, raw in rows:
        before = _load(raw)
        after = upgraded(before)
        if after is before:
            continue
        bind.execute(mission.update().where(mission.c.id == mid).values(planning_inputs=after))
        bind.execute(audit.insert().values(
            at=now, actor="migration 0005", action="upgrade_inputs", entity="mission",
            entity_id=mid, details={"incident_number": incident, "before": before,
                                    "after": after}))


def downgrade() -> None:
    # a version-3 dict read by the earlier program: the settings are dropped, the model kept
    bind = op.get_bind()
    mission = sa.table("mission", sa.column("id", sa.Integer), sa.column("planning_inputs", sa.JSON))
    for mid, raw in bind.execute(sa.select(mission.c.id, mission.c.planning_inputs)
                                 .where(mission.c.planning_inputs.is_not(None))).all():
        value = _load(raw)
        if isinstance(value, dict) and value.get("version") == 3:
            down = {k: v for k, v in value.items() if k != "settings"}
            down["version"] = 2
            bind.execute(mission.update().where(mission.c.id == mid).values(planning_inputs=down))
