"""SQLAlchemy engine and sessions, created unbound and bound by the app factory."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"
SQLITE_MMAP_BYTES = 1 << 30


class Base(DeclarativeBase):
    """Declarative base of every model; domain packages import it from here."""


def resolve_database_url(url: str) -> str:
    """Empty means the embedded SQLite file; plain postgresql:// means psycopg 3."""
    if not url:
        INSTANCE_DIR.mkdir(exist_ok=True)
        return f"sqlite:///{INSTANCE_DIR / 'xinbao.sqlite3'}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def make_engine(url: str) -> Engine:
    url = resolve_database_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # No pre-ping: it costs a round trip on every checkout (a third of a webhook message's
    # time). A connection broken by a database restart is found by the first statement that
    # uses it; the pool then discards every connection of that age, and the webhook retries
    # that first statement once (``handlers.dispatch``). Recycling bounds how old one gets;
    # connecting gives up after a few seconds rather than holding a reply past WeChat's 5.
    return create_engine(url, pool_recycle=1800, pool_size=10, max_overflow=20,
                         connect_args={"connect_timeout": 3})


def execute_side_by_side(engine: Engine, statements: Sequence[str], workers: int = 2,
                         setup: Sequence[str] = ()) -> None:
    """Each statement on a connection and in a transaction of its own, ``workers`` at a time,
    in the order given: maintenance (index builds, ANALYZE) that PostgreSQL runs one core per
    backend. ``setup`` runs first on each connection (SET ...) and is reset after."""

    def run(statement: str) -> None:
        with engine.connect() as connection:
            for setting in setup:
                connection.execute(text(setting))
            connection.execute(text(statement))
            connection.commit()
            if setup:
                connection.execute(text("RESET ALL"))
                connection.commit()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(run, statements))  # list(): raise the first failure here


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the web process and a terminal command read while one writes.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    # Pages read through a memory map, not a read() each: at a million buyers the lookups'
    # slowest (cold pages) went from ~10 to ~8 ms p99 (lights_bench).
    cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
    cursor.close()


class Database:
    """One engine per process and a thread-scoped session removed at the end of a request."""

    def __init__(self, url: str) -> None:
        self.url = resolve_database_url(url)
        self.engine = make_engine(url)
        self.session_factory = sessionmaker(bind=self.engine, expire_on_commit=False)
        self.session: scoped_session[Session] = scoped_session(self.session_factory)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def new_session(self) -> Iterator[Session]:
        """A session of its own, for jobs and threads outside a request."""
        session = self.session_factory()
        try:
            yield session
        finally:
            session.close()

    def remove(self) -> None:
        self.session.remove()


# What a database that cannot be reached (refusing, restarting, a connection dropped) raises.
UNAVAILABLE = (OperationalError, InterfaceError)


def is_disconnect(error: BaseException) -> bool:
    """A pooled connection found dead (the database restarted): safe to retry once."""
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)
