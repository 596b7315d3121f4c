"""Approved means unchangeable, in the database; sign-in lock-outs survive a restart.

1. Triggers refuse every change to an approved (or imported historical) sortie and its crew rows
   except through the amendment path: an UPDATE of such a sortie, and an UPDATE or DELETE of its
   crew rows (or a new crew row on an approved sortie), is refused unless the same transaction holds
   that sortie's row in ``sortie_amendment``. :func:`sar_planner.logbook.records.amend_sortie`
   adds that row first and removes it before it commits, and writes the kept revision and the audit
   row in the same transaction, so the permit is never visible outside an amendment. A raw SQL
   ``UPDATE sortie SET status = 'draft'`` (to rewrite it through the API afterwards), a changed
   remark or a deleted crew row is refused on both backends.
2. On PostgreSQL, TRUNCATE of the sortie, its crew, its kept revisions and the audit log is refused
   (a statement-level trigger; DELETE was refused row by row since 0002, SQLite has no TRUNCATE).
3. ``sign_in_lockout``: wrong passwords in a row per user name and when the last one was, so a
   lock-out (:mod:`sar_planner.auth`) holds across a restart and on every station of a shared
   database.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_FINAL = "('approved', 'historical')"
_MSG = ("the logbook never deletes or rewrites an approved or historical sortie: "
        "change it with an amendment, which keeps the earlier version")
_TRUNCATE_GUARDED = ("sortie", "sortie_crew", "sortie_revision", "audit_entry")


def _permit(sortie_id: str) -> str:
    return f"EXISTS (SELECT 1 FROM sortie_amendment WHERE sortie_amendment.sortie_id = {sortie_id})"


def _final(sortie_id: str, statuses: str = _FINAL) -> str:
    return f"(SELECT status FROM sortie WHERE sortie.id = {sortie_id}) IN {statuses}"


#: SQLite: (trigger name, table, event, condition): the change is refused when the condition holds.
_RULES = (
    ("sortie_final_no_update", "sortie", "UPDATE",
     f"OLD.status IN {_FINAL} AND NOT {_permit('OLD.id')}"),
    ("sortie_crew_final_no_update", "sortie_crew", "UPDATE",
     f"({_final('OLD.sortie_id')} OR {_final('NEW.sortie_id')}) AND NOT {_permit('OLD.sortie_id')}"),
    ("sortie_crew_final_no_delete", "sortie_crew", "DELETE",
     f"{_final('OLD.sortie_id')} AND NOT {_permit('OLD.sortie_id')}"),
    # a history import inserts the crew of a new historical sortie, so only approved ones are closed here
    ("sortie_crew_final_no_insert", "sortie_crew", "INSERT",
     _final("NEW.sortie_id", "('approved')") + " AND NOT " + _permit("NEW.sortie_id")),
)


def upgrade() -> None:
    op.create_table(
        "sortie_amendment",
        sa.Column("sortie_id", sa.Integer(), sa.ForeignKey("sortie.id"), primary_key=True),
    )
    op.create_table(
        "sign_in_lockout",
        sa.Column("username", sa.String(80), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("failures >= 0", name="ck_sign_in_lockout_failures"),
    )
    if op.get_bind().dialect.name == "sqlite":
        for name, table, event, when in _RULES:
            op.execute(f"CREATE TRIGGER {name} BEFORE {event} ON {table} WHEN {when} BEGIN "
                       f"SELECT RAISE(ABORT, '{_MSG}'); END")
        return
    # PostgreSQL allows no subquery in a trigger's WHEN, so the same rules are written out in PL/pgSQL
    op.execute(f"""
        CREATE FUNCTION sar_guard_final_sortie() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF OLD.status IN {_FINAL}
               AND NOT EXISTS (SELECT 1 FROM sortie_amendment WHERE sortie_id = OLD.id) THEN
                RAISE EXCEPTION '{_MSG}' USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN NEW;
        END $$""")
    op.execute(f"""
        CREATE FUNCTION sar_guard_final_crew() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                IF EXISTS (SELECT 1 FROM sortie WHERE id = NEW.sortie_id AND status = 'approved')
                   AND NOT EXISTS (SELECT 1 FROM sortie_amendment WHERE sortie_id = NEW.sortie_id) THEN
                    RAISE EXCEPTION '{_MSG}' USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                RETURN NEW;
            END IF;
            IF EXISTS (SELECT 1 FROM sortie WHERE id = OLD.sortie_id AND status IN {_FINAL})
               AND NOT EXISTS (SELECT 1 FROM sortie_amendment WHERE sortie_id = OLD.sortie_id) THEN
                RAISE EXCEPTION '{_MSG}' USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            IF TG_OP = 'UPDATE' THEN
                IF EXISTS (SELECT 1 FROM sortie WHERE id = NEW.sortie_id AND status IN {_FINAL})
                   AND NOT EXISTS (SELECT 1 FROM sortie_amendment WHERE sortie_id = NEW.sortie_id) THEN
                    RAISE EXCEPTION '{_MSG}' USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                RETURN NEW;
            END IF;
            RETURN OLD;
        END $$""")
    op.execute("CREATE TRIGGER sortie_final_no_update BEFORE UPDATE ON sortie FOR EACH ROW "
               "EXECUTE FUNCTION sar_guard_final_sortie()")
    op.execute("CREATE TRIGGER sortie_crew_final BEFORE INSERT OR UPDATE OR DELETE ON sortie_crew "
               "FOR EACH ROW EXECUTE FUNCTION sar_guard_final_crew()")
    for table in _TRUNCATE_GUARDED:
        op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION sar_refuse_change()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name, _, _, _ in _RULES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS sortie_final_no_update ON sortie")
        op.execute("DROP TRIGGER IF EXISTS sortie_crew_final ON sortie_crew")
        for table in _TRUNCATE_GUARDED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS sar_guard_final_sortie()")
        op.execute("DROP FUNCTION IF EXISTS sar_guard_final_crew()")
    op.drop_table("sign_in_lockout")
    op.drop_table("sortie_amendment")
