"""Back up the logbook database while the app runs.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot even
while crews are writing. PostgreSQL: ``pg_dump`` in its custom format (restore with ``pg_restore``)
when the program is installed, otherwise a clear message.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sar_planner.errors import LogbookError
from sar_planner.logbook.audit import audit_event
from sar_planner.logbook.db import Database

__all__ = ["backup_database"]


def backup_database(db: Database, out: Path, actor: str = "unknown") -> Path:
    """Write a backup of ``db`` to ``out`` (a new file; an existing file is refused).

    Returns the path written. A successful backup is audited (``backup``, by ``actor``: the user
    name or ``cli:<os user>``), with its file and size.

    Raises
    ------
    LogbookError
        ``logbook.err_backup_exists``, ``logbook.err_backup_failed`` or ``logbook.err_no_pg_dump``.
    """
    out = out.expanduser().resolve()
    if out.exists():
        raise LogbookError("logbook.err_backup_exists", file=str(out))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LogbookError("logbook.err_backup_failed", file=str(out), reason=str(exc)) from exc
    tmp = out.with_name(out.name + ".part")
    if db.backend == "sqlite":
        source = db.engine.url.database
        if not source or source == ":memory:":
            raise LogbookError("logbook.err_backup_failed", file=str(out), reason="in-memory database")
        try:
            src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
            dst = sqlite3.connect(tmp)
            try:
                src.backup(dst)
            finally:
                dst.close()
                src.close()
            tmp.replace(out)
        except (sqlite3.Error, OSError) as exc:
            tmp.unlink(missing_ok=True)
            raise LogbookError("logbook.err_backup_failed", file=str(out), reason=str(exc)) from exc
        _audit_backup(db, actor, out)
        return out
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise LogbookError("logbook.err_no_pg_dump")
    url = db.engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    cmd = [pg_dump, "--format=custom", f"--file={tmp}", "--no-owner",
           f"--host={url.host or 'localhost'}", f"--port={url.port or 5432}",
           f"--username={url.username or ''}", url.database or ""]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=3600, check=False)
    if result.returncode != 0:
        tmp.unlink(missing_ok=True)
        reason = (result.stderr.strip().splitlines() or ["pg_dump failed"])[-1]
        raise LogbookError("logbook.err_backup_failed", file=str(out), reason=reason)
    tmp.replace(out)
    _audit_backup(db, actor, out)
    return out


def _audit_backup(db: Database, actor: str, out: Path) -> None:
    audit_event(db, actor, "backup", "database", {"file": str(out), "bytes": out.stat().st_size,
                                                  "backend": db.backend})
