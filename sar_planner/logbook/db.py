"""The database: one engine and one session factory for the whole app, migrated on start.

SQLite by default (a file in the data folder, WAL journal, foreign keys on, a busy timeout) and
PostgreSQL when ``SAR_PLANNER_DATABASE_URL`` says so. The Alembic migration scripts ship inside
this package (``sar_planner/logbook/migrations``) and are applied by :func:`open_database`.

Opening an up-to-date database does not load Alembic: the revision stored in the database is
compared with the head of the shipped scripts (:func:`head_revision`, read from their text). When
a migration is due, one station migrates at a time (an advisory lock on PostgreSQL, the write lock
on SQLite) and the others find the work done; one that waits too long is told the database is
being prepared and to try again.

Writes go through :meth:`Database.write`, which takes the write lock at the start of the
transaction on SQLite (``BEGIN IMMEDIATE``) so two writers never deadlock, and retries a few
times when the database is busy.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DataError, DBAPIError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from sar_planner.errors import LogbookError, redact_secrets
from sar_planner.settings import get_settings

__all__ = ["Database", "open_database", "normalise_url", "get_database", "reset_database_cache", "migrate",
           "head_revision", "stored_revision", "table_names", "MIGRATIONS_DIR", "MIGRATION_WAIT_S"]

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

    def serialise(self, session: Session, name: str) -> None:
        """Make write transactions about ``name`` run one at a time (until this one ends).

        PostgreSQL: a transaction-level advisory lock on the name (READ COMMITTED alone lets two
        transactions both see "nothing there yet"); SQLite: nothing to do, a write transaction
        holds the whole database from its ``BEGIN IMMEDIATE``.
        """
        if self.backend == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": f"sar_planner:{name}"})

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
        if isinstance(exc, DataError):  # PostgreSQL: a NUL character, a value too long for its column
            raise LogbookError("logbook.err_text_value",
                               detail=redact_secrets(str(exc.orig).strip().splitlines()[0])[:200]) from None
        if isinstance(exc, OperationalError) or exc.connection_invalidated:
            if _is_retryable(exc):
                raise LogbookError("logbook.err_busy") from exc
            raise LogbookError("logbook.err_unreachable", url=_safe_url(db.engine),
                               detail=(redact_secrets(str(exc.orig).strip().splitlines()[0])
                                       if exc.orig else "")) from exc
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


def _alembic_config() -> Any:
    from alembic.config import Config  # loaded only when a migration runs (start-up speed)

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


_REVISION_LINE = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.MULTILINE)


@functools.lru_cache(maxsize=1)
def head_revision() -> str:
    """The head of the shipped migration scripts, read from their ``revision`` / ``down_revision``
    lines without loading Alembic (the scripts are plain assignments; Alembic's own check, run by
    the tests, must agree).

    Raises
    ------
    LogbookError
        ``logbook.err_migrations_broken`` when the scripts do not form a single line of revisions.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        found = dict(_REVISION_LINE.findall(path.read_text(encoding="utf-8")))
        if "revision" not in found:
            continue
        revisions.add(ast.literal_eval(found["revision"]))
        parent = ast.literal_eval(found.get("down_revision", "None"))
        if isinstance(parent, str):
            parents.add(parent)
        elif parent:
            parents.update(parent)
    heads = revisions - parents
    if len(heads) != 1:
        raise LogbookError("logbook.err_migrations_broken", heads=", ".join(sorted(heads)) or "none")
    return heads.pop()


def stored_revision(conn: Connection) -> str | None:
    """The schema revision stored in the database (Alembic's table), or None when it has none yet."""
    if not conn.dialect.has_table(conn, "alembic_version"):
        return None
    rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    return rows[0][0] if len(rows) == 1 else None


#: The PostgreSQL advisory-lock key that serialises migrations between stations ("SARMIGR").
_MIGRATION_LOCK_KEY = 0x5341524D49475200 & 0x7FFFFFFFFFFFFFFF
#: How long a station waits for another station's migration before it says "being prepared".
MIGRATION_WAIT_S = 120.0


def migrate(engine: Engine, wait_s: float = MIGRATION_WAIT_S) -> bool:
    """Bring the schema to the newest migration (Alembic ``upgrade head``) unless it is there already.

    An up-to-date database is recognised by comparing its stored revision with
    :func:`head_revision`, without loading Alembic (well under 0.1 s). Otherwise one station
    migrates at a time: PostgreSQL holds an advisory lock for the migrating transaction, SQLite
    its write lock (``BEGIN IMMEDIATE``); a station that waited re-reads the revision and finds the
    work done. Returns True when this call migrated.

    Raises
    ------
    LogbookError
        ``logbook.err_preparing`` when another station's migration holds the lock longer than
        ``wait_s`` seconds (try again shortly).
    """
    head = head_revision()
    postgres = engine.dialect.name == "postgresql"
    options = {} if postgres else {_WRITE_OPTION: True}
    deadline = time.monotonic() + wait_s
    while True:
        try:
            with engine.connect() as conn:
                if stored_revision(conn) == head:
                    return False
            with engine.execution_options(**options).begin() as conn:
                if postgres:
                    conn.exec_driver_sql(f"SET LOCAL lock_timeout = {int(wait_s * 1000)}")
                    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK_KEY})")
                if stored_revision(conn) == head:  # another station migrated while this one waited
                    return False
                from alembic import command

                cfg = _alembic_config()
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                return True
        except DBAPIError as exc:
            busy = _is_retryable(exc)
            if busy and not postgres and time.monotonic() < deadline:
                continue  # SQLite: BEGIN IMMEDIATE waited its busy timeout; wait again
            if busy or "already exists" in str(exc.orig).lower():
                raise LogbookError("logbook.err_preparing") from None
            raise


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
    except (ArgumentError, NoSuchModuleError, ValueError):
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
