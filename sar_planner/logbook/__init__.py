"""The logbook: missions and sorties in a database, the unit's running sortie count, review and
amendments with kept history, an audit log of every change, statistics, imports and exports.

Start with :func:`~sar_planner.logbook.db.get_database` (the app's one database, migrated on
first use); every function takes that :class:`~sar_planner.logbook.db.Database` and an
:class:`~sar_planner.auth.Actor` (who acts, for permissions and the audit log).
"""

from __future__ import annotations

import importlib
from typing import Any

_HOME = {
    "AuditRecord": "audit", "audit_log": "audit",
    "Totals": "counter", "running_totals": "counter", "set_opening_balance": "counter",
    "Database": "db", "get_database": "db", "open_database": "db", "reset_database_cache": "db",
}
_RECORDS = ("RevisionRecord", "SortieInput", "SortieRecord", "add_aircraft", "add_crew_member",
            "amend_sortie", "approve_sortie", "close_mission", "get_sortie", "list_aircraft",
            "list_crew", "list_missions", "list_sorties", "log_sortie", "open_mission",
            "return_sortie", "set_aircraft_active", "sortie_history", "submit_sortie", "update_sortie")
_HOME.update(dict.fromkeys(_RECORDS, "records"))


def __getattr__(name: str) -> Any:
    # Imported on first use: sar_planner.auth and the records module need each other's parts.
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'sar_planner.logbook' has no attribute {name!r}")
    return getattr(importlib.import_module(f"sar_planner.logbook.{module}"), name)


__all__ = [
    "AuditRecord", "audit_log", "Totals", "running_totals", "set_opening_balance", "Database",
    "get_database", "open_database", "reset_database_cache", "RevisionRecord", "SortieInput",
    "SortieRecord", "add_aircraft", "add_crew_member", "amend_sortie", "approve_sortie",
    "close_mission", "get_sortie", "list_aircraft", "list_crew", "list_missions", "list_sorties",
    "log_sortie", "open_mission", "return_sortie", "set_aircraft_active", "sortie_history",
    "submit_sortie", "update_sortie",
]
