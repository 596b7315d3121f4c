"""The database: one engine and one session factory for the whole app, migrated on start.

SQLite by default (a file in the data folder, WAL journal, foreign keys on, a busy timeout) and
PostgreSQL when ``SAR_PLANNER_DATABASE_URL`` says so. The Alembic migration scripts ship inside
this package (``sar_planner/logbook/migrations``) and are applied by :func:`open_database`.

Writes go through :meth:`Database.write`, which takes the write lock at the start of the
transaction on SQLite (``BEGIN IMMEDIATE``) so two writers never deadlock, and retries a few
times when the database is busy.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from sar_planner.errors import LogbookError, redact_secrets
from sar_planner.settings import get_settings

__all__ = ["Database", "open_database", "normalise_url", "get_database", "reset_database_cache", "migrate", "table_names",
           "MIGRATIONS_DIR"]

T = TypeVar("T")

#: The Alembic script folder inside the package.
MIGRATIONS_DIR = Path(__file__).with_name("migrations")

_SQLITE_BUSY_TIMEOUT_S = 5.0
#: How long PostgreSQL waits for a row lock before giving up (then the write is retried), ms.
_PG_LOCK_TIMEOUT_MS = 5_000
_WRITE_ATTEMPTS = 4
_WRITE_OPTION = "sar_planner_write"


class Database:
    """An engine, its session factory and the retrying write transaction.

    Parameters
    ----------
    engine:
        A SQLAlchemy engine made by :func:`open_database` (which sets up SQLite properly).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(
            engine.execution_options(**{_WRITE_OPTION: True}), expire_on_commit=False)

    @property
    def backend(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading (rolled back at the end)."""
        with _translate_errors(self), self.sessions() as session:
            yield session

    def write(self, work: Callable[[Session], T]) -> T:
        """Run ``work(session)`` in one write transaction and commit; retry when the database is busy.

        ``work`` must be safe to run again from the start (it is, if it only touches the session).
        On SQLite the transaction begins with ``BEGIN IMMEDIATE``; on PostgreSQL the work locks
        what it needs (``SELECT ... FOR UPDATE``). Serialization failures and deadlocks on
        PostgreSQL, and "database is locked" on SQLite, are retried with a random back-off.

        Raises
        ------
        LogbookError
            ``logbook.err_busy`` when every attempt found the database busy, or
            ``logbook.err_unreachable`` when it cannot be reached at all.
        """
        for attempt in range(_WRITE_ATTEMPTS):
            try:
                with _translate_errors(self, retryable_passthrough=True):
                    with self._write_sessions() as session, session.begin():
                        return work(session)
            except _Retry:
                time.sleep(random.uniform(0.05, 0.2) * (attempt + 1))
        raise LogbookError("logbook.err_busy")

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


class _Retry(Exception):
    pass


def _is_retryable(exc: DBAPIError) -> bool:
    text = str(exc.orig).lower() if exc.orig is not None else str(exc).lower()
    if "database is locked" in text or "database table is locked" in text:
        return True
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return sqlstate in ("40001", "40P01", "55P03")  # serialization failure, deadlock, lock not available


@contextlib.contextmanager
def _translate_errors(db: Database, retryable_passthrough: bool = False) -> Iterator[None]:
    try:
        yield
    except DBAPIError as exc:
        if retryable_passthrough and _is_retryable(exc):
            raise _Retry from exc
        if isinstance(exc, OperationalError) or exc.connection_invalidated:
            if _is_retryable(exc):
                raise LogbookError("logbook.err_busy") from exc
            raise LogbookError("logbook.err_unreachable", url=_safe_url(db.engine),
                               detail=redact_secrets(str(exc.orig).strip().splitlines()[0]) if exc.orig else "") from exc
        raise


def _safe_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _sqlite_setup(engine: Engine, busy_timeout_s: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (SQLAlchemy's pysqlite recipe)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(_WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (Alembic ``upgrade head``)."""
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def normalise_url(url: str) -> URL:
    """``url`` parsed, with the PostgreSQL driver this package ships (psycopg 3) filled in.

    ``postgres://`` (Heroku, libpq and many servers' own notation, which SQLAlchemy 2 rejects) and
    a bare ``postgresql://`` both mean PostgreSQL through ``postgresql+psycopg``.

    Raises
    ------
    sqlalchemy.exc.ArgumentError
        When the text is not a URL at all.
    """
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def open_database(url: str | None = None, *, migrate_schema: bool = True,
                  lock_wait_s: float | None = None) -> Database:
    """Connect to the logbook database and apply any pending migrations.

    Parameters
    ----------
    url:
        A SQLAlchemy URL; default ``get_settings().database_url`` (SQLite in the data folder).
    migrate_schema:
        Apply Alembic migrations (default true).
    lock_wait_s:
        How long one attempt waits for another station's write lock before it is retried
        (default 5 s on both backends); tests shorten it.

    Raises
    ------
    LogbookError
        ``logbook.err_bad_url`` for a URL no driver understands, ``logbook.err_unreachable`` when
        the server cannot be reached or the file cannot be opened.
    """
    if url is None:
        settings = get_settings()
        settings.ensure_dirs()
        url = settings.database_url
    try:
        parsed = normalise_url(url)
        if parsed.get_backend_name() == "sqlite":
            if parsed.database not in (None, "", ":memory:"):
                Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            wait = _SQLITE_BUSY_TIMEOUT_S if lock_wait_s is None else lock_wait_s
            engine = create_engine(parsed, connect_args={"timeout": wait, "check_same_thread": False})
            _sqlite_setup(engine, wait)
        elif parsed.get_backend_name() == "postgresql":
            wait_ms = _PG_LOCK_TIMEOUT_MS if lock_wait_s is None else int(lock_wait_s * 1000)
            engine = create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=10,
                                   connect_args={"connect_timeout": 10,
                                                 "options": f"-c lock_timeout={wait_ms}"})
        else:
            raise LogbookError("logbook.err_bad_url", url=redact_secrets(url))
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise LogbookError("logbook.err_bad_url", url=redact_secrets(url)) from None
    db = Database(engine)
    if migrate_schema:
        with _translate_errors(db):
            migrate(engine)
    return db


_cache: dict[str, Database] = {}
_cache_lock = threading.Lock()


def get_database() -> Database:
    """The one :class:`Database` of this process for the configured URL (opened and migrated once)."""
    url = get_settings().database_url
    with _cache_lock:
        db = _cache.get(url)
        if db is None:
            db = open_database(url)
            _cache[url] = db
        return db


def reset_database_cache() -> None:
    """Forget (and close) the cached databases; tests use this between data folders."""
    with _cache_lock:
        for db in _cache.values():
            db.dispose()
        _cache.clear()


def table_names(db: Database) -> list[str]:
    """Names of the tables in the database (for checks and tests)."""
    return sorted(inspect(db.engine).get_table_names())
