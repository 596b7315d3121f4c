"""The database itself refuses to lose the record: no DELETE of sorties, their kept versions or
the audit log; no UPDATE of kept versions or audit rows; a sortie's number never changes.

The planner never issues such statements; these triggers stop a mistaken script or a manual SQL
session too (an administrator who must correct a row uses an amendment, which keeps history).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

#: (trigger name, table, event, condition or None)
_RULES = (
    ("sortie_no_delete", "sortie", "DELETE", None),
    ("sortie_number_fixed", "sortie", "UPDATE OF number", "NEW.number <> OLD.number"),
    ("sortie_revision_no_delete", "sortie_revision", "DELETE", None),
    ("sortie_revision_no_update", "sortie_revision", "UPDATE", None),
    ("audit_entry_no_delete", "audit_entry", "DELETE", None),
    ("audit_entry_no_update", "audit_entry", "UPDATE", None),
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name, table, event, when in _RULES:
            cond = f" WHEN {when}" if when else ""
            op.execute(f"CREATE TRIGGER {name} BEFORE {event} ON {table}{cond} BEGIN "
                       f"SELECT RAISE(ABORT, 'the logbook never deletes or rewrites {table} rows'); END")
        return
    op.execute("""
        CREATE FUNCTION sar_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'the logbook never deletes or rewrites % rows', TG_TABLE_NAME
                USING ERRCODE = 'integrity_constraint_violation';
        END $$""")
    for name, table, event, when in _RULES:
        cond = f" WHEN ({when})" if when else ""
        op.execute(f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW{cond} "
                   "EXECUTE FUNCTION sar_refuse_change()")


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name, table, _, _ in _RULES:
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + ("" if sqlite else f" ON {table}"))
    if not sqlite:
        op.execute("DROP FUNCTION IF EXISTS sar_refuse_change()")
