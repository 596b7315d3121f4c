"""The audit log: one append-only row for every change to the logbook (who, when, what, values)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sar_planner.logbook.db import Database
from sar_planner.logbook.models import AuditEntry

__all__ = ["AuditRecord", "record_audit", "audit_event", "audit_log", "jsonable"]


@dataclass(frozen=True)
class AuditRecord:
    """One audit row. ``at`` is UTC."""

    id: int
    at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_id: int | None
    details: dict[str, Any]


def jsonable(value: Any) -> Any:
    """``value`` with datetimes as ISO 8601 UTC strings, so it can be stored as JSON."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def record_audit(session: Session, actor: str, action: str, entity: str, entity_id: int | None,
                 details: dict[str, Any]) -> None:
    """Add an audit row in the caller's transaction (it commits or rolls back with the change)."""
    session.add(AuditEntry(at=dt.datetime.now(dt.UTC), actor=actor[:40], action=action,
                           entity=entity, entity_id=entity_id, details=jsonable(details)))


def audit_event(db: Database, actor: str, action: str, entity: str, details: dict[str, Any],
                entity_id: int | None = None) -> None:
    """Audit something done outside a logbook change (an export, a backup, a terrain import) in a
    transaction of its own, once it has succeeded."""
    db.write(lambda session: record_audit(session, actor, action, entity, entity_id, details))


def audit_log(db: Database, entity: str | None = None, entity_id: int | None = None,
              limit: int = 1000) -> list[AuditRecord]:
    """The newest ``limit`` audit rows, newest first, optionally for one entity."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if entity is not None:
        stmt = stmt.where(AuditEntry.entity == entity)
    if entity_id is not None:
        stmt = stmt.where(AuditEntry.entity_id == entity_id)
    with db.read() as session:
        return [AuditRecord(a.id, a.at, a.actor, a.action, a.entity, a.entity_id, a.details)
                for a in session.scalars(stmt)]
