"""Database plumbing: the declarative base, engines and sessions.

Services receive a :class:`~sqlalchemy.orm.Session` and only ``flush()``; the
edges (a request, a scheduler job, a CLI command) commit.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from datetime import datetime, timezone
from time import monotonic
from typing import Any, TypeVar

from sqlalchemy import DateTime, MetaData, Table, create_engine, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError, IntegrityError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import GenericFunction
from sqlalchemy.types import String, TypeDecorator

T = TypeVar("T")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp stored in UTC on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


MAX_ID = 2**31 - 1  # the largest value of an INTEGER key on PostgreSQL


def valid_id(value: object) -> bool:
    """Whether a number can be a row id, so a forged huge id is 'not found' instead of a database error."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout so two processes can share it."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    engine = create_engine(url, **kwargs)
    _ping_after_idle(engine)
    return engine


PING_AFTER_IDLE_S = 10.0


def _ping_after_idle(engine: Engine) -> None:
    """Check a pooled PostgreSQL connection before use only when it has been idle for a while.

    ``pool_pre_ping`` would cost a round trip on every checkout, more than a tenth of a
    task completion. Connections die while idle — a server restart, a firewall's idle
    timeout — so one that came back to the pool moments ago is used without a check; if
    the server went away in between, its first statement fails, SQLAlchemy sees the
    disconnect and replaces the pool's connections, and that one request gets an error.
    """

    @event.listens_for(engine, "connect")
    @event.listens_for(engine, "checkin")
    def _idle_from_now(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if monotonic() - record.info.get("idle_since", 0.0) < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(f"pooled connection failed its ping: {exc}") from exc


def make_session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, expire_on_commit=False)


REPLICA = "ecoloop.replica"
"""``Session.info`` key marking a session bound to the read replica."""


def read_sessions(primary: sessionmaker[Session], replica_url: str) -> sessionmaker[Session]:
    """The sessions of the paths that only read — reports, replays, dashboards.

    Where a read replica is configured (``ECOLOOP_DATABASE_REPLICA_URL``) they are bound to it,
    so those long aggregations leave the primary's CPU, I/O and buffers to the writers; otherwise
    they are the primary's own ``primary``. Replica sessions run READ ONLY transactions (a streaming
    standby refuses writes anyway; an ordinary server given as the replica must not take any) and are
    marked with :data:`REPLICA` so a read path can leave out its incidental write-back
    (:func:`on_replica`). Data on a replica lags the primary by its replication delay.
    """
    if not replica_url:
        return primary
    engine = make_engine(replica_url)
    if engine.dialect.name == "postgresql":
        engine = engine.execution_options(postgresql_readonly=True)
    return sessionmaker(bind=engine, expire_on_commit=False, info={REPLICA: True})


def on_replica(session: Session) -> bool:
    """Whether the session reads from the replica (where nothing may be written)."""
    return bool(session.info.get(REPLICA))


class sha256_hex(GenericFunction[str]):  # noqa: N801 - SQL function names are lower case
    """``sha256_hex(text)``: the hex sha256 of the text's UTF-8 bytes, computed by the database."""

    type = String()
    inherit_cache = True


@compiles(sha256_hex, "postgresql")
def _sha256_hex_postgresql(element: sha256_hex, compiler: SQLCompiler, **kw: Any) -> str:
    return f"encode(sha256(convert_to({compiler.process(element.clauses, **kw)}, 'UTF8')), 'hex')"


@compiles(sha256_hex, "sqlite")
def _sha256_hex_sqlite(element: sha256_hex, compiler: SQLCompiler, **kw: Any) -> str:
    return f"ecoloop_sha256_hex({compiler.process(element.clauses, **kw)})"


def _sha256_hex_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # let SQLAlchemy's "begin" event issue BEGIN itself
    dbapi_connection.create_function("ecoloop_sha256_hex", 1, _sha256_hex_of, deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    """Take SQLite's write lock at BEGIN, the equivalent of row locks: two writers never interleave."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def locked_singleton(session: Session, model: type[T], key: int, make: Callable[[], T]) -> T:
    """Lock a one-row table's row for update, creating it first if it does not exist yet.

    Two first writers may both find the row missing; the insert runs in a savepoint so
    the loser's duplicate key is swallowed and it locks the winner's row instead.
    """
    key_column = model.id  # type: ignore[attr-defined]
    statement = select(model).where(key_column == key).with_for_update().execution_options(populate_existing=True)
    row = session.scalars(statement).one_or_none()
    if row is not None:
        return row
    try:
        with session.begin_nested():
            session.add(make())
    except IntegrityError:
        pass
    return session.scalars(statement).one()


def is_postgres(engine_or_session: Any) -> bool:
    bind = getattr(engine_or_session, "bind", None) or engine_or_session
    return bind.dialect.name == "postgresql"


def table_of(model: type[Base]) -> Table:
    """A mapped class's table, typed as one (``__table__`` is typed as any FromClause)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


def column_values(row: Base) -> dict[str, Any]:
    """Every column of a mapped object (as an INSERT's parameters)."""
    return {key: getattr(row, key) for key in _column_keys(type(row))}


@functools.cache
def _column_keys(model: type[Base]) -> tuple[str, ...]:
    return tuple(column.key for column in table_of(model).columns)
