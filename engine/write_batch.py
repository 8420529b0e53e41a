"""The writes that move an instance one step, sent together.

A task completion writes four rows' worth of statements: the finished task, the next task's
index row, the instance's state and an audit event. Each statement is a round trip to
PostgreSQL and a pass through SQLAlchemy and psycopg, which together cost more than the
server's work on them. A :class:`WriteBatch` collects them and, on PostgreSQL, sends them as
one statement: each write a data-modifying ``WITH``, the final ``SELECT`` counting the rows
each touched and fetching what they return. On SQLite (in-process, no round trips to save)
they run one after another.

PostgreSQL runs all parts of one statement on one snapshot, in no defined order, so the
writes of a batch must not touch the same row or read what another of them writes. The
callers' writes do not: one task row, new task rows, the instance row, the audit chain.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Select,
    Table,
    UpdateBase,
    bindparam,
    func,
    insert,
    inspect,
    literal_column,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from engine.db import Base, is_postgres, table_of
from engine.errors import Conflict

Done = Callable[[int, "tuple[Any, ...] | None"], None]
"""Told, once the batch ran, how many rows a write touched and the first row it returned (if it returns any)."""


@dataclass(frozen=True)
class _Write:
    statement: UpdateBase
    params: dict[str, Any]
    done: Done | None


class WriteBatch:
    """Writes collected during a step and run by :meth:`run`, as one statement on PostgreSQL."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._writes: list[_Write] = []

    def add(self, statement: UpdateBase, params: dict[str, Any], done: Done | None = None) -> None:
        """Queue a statement built once (so its compiled form is cached), with bind names no other write
        of the batch uses."""
        self._writes.append(_Write(statement, params, done))

    def update_row(self, row: Base, values: dict[str, Any], *, check: str | None = None,
                   conflict: str | None = None) -> None:
        """UPDATE one mapped row by primary key; the object holds the values as committed at once.

        :param check: a column that must still hold the object's value (an optimistic version check);
            when it does not, :meth:`run` raises :class:`Conflict` with the message ``conflict``.
        """
        mapper = inspect(row).mapper
        table = mapper.local_table
        assert isinstance(table, Table)
        prefix = f"{table.name}__"
        params = {f"{prefix}{name}": value for name, value in values.items()}
        for column in table.primary_key:
            params[f"{prefix}key_{column.key}"] = getattr(row, mapper.get_property_by_column(column).key)
        if check is not None:
            params[f"{prefix}check"] = getattr(row, check)
        for name, value in values.items():
            set_committed_value(row, name, value)

        def matched(count: int, _returned: tuple[Any, ...] | None) -> None:
            if count != 1 and conflict is not None:
                raise Conflict(conflict)

        self.add(_row_update(table, tuple(values), check), params, matched)

    def insert_rows(self, rows: Sequence[Base]) -> None:
        """INSERT new mapped objects, every column given, in one multi-row statement."""
        if not rows:
            return
        table = table_of(type(rows[0]))
        params = {f"{table.name}__row{i}__{column.key}": getattr(row, column.key) for i, row in enumerate(rows)
                  for column in table.columns}
        self.add(_rows_insert(table, len(rows)), params)

    def run(self) -> None:
        """Send the queued writes, then tell each its outcome (which may raise, e.g. :class:`Conflict`)."""
        writes, self._writes = self._writes, []
        if not writes:
            return
        _require_own_bind_names(writes)
        if len(writes) > 1 and is_postgres(self.session):
            outcomes = self._run_combined(writes)
        else:
            outcomes = [self._run_one(write) for write in writes]
        for write, (count, returned) in zip(writes, outcomes):
            if write.done is not None:
                write.done(count, returned)

    def _run_one(self, write: _Write) -> tuple[int, tuple[Any, ...] | None]:
        result = self.session.execute(write.statement, write.params)
        if not write.statement.exported_columns:
            return result.rowcount, None  # type: ignore[attr-defined]
        rows = result.all()
        return len(rows), tuple(rows[0]) if rows else None

    def _run_combined(self, writes: list[_Write]) -> list[tuple[int, tuple[Any, ...] | None]]:
        combined = _combined(tuple(write.statement for write in writes))
        params: dict[str, Any] = {}
        for write in writes:
            params.update(write.params)
        values: tuple[Any, ...] = tuple(self.session.execute(combined.statement, params).one())
        outcomes: list[tuple[int, tuple[Any, ...] | None]] = []
        for at, returned in zip(combined.count_at, combined.returned_at):
            count = int(values[at])
            outcomes.append((count, values[returned] if returned is not None and count else None))
        return outcomes


def _require_own_bind_names(writes: list[_Write]) -> None:
    """Writes of one batch share one parameter dict on PostgreSQL: a name used twice would give one
    write the other's value. Checked on every backend, so that a clash shows in every test run."""
    seen: set[str] = set()
    for write in writes:
        names = _bind_names(write.statement)
        if names & seen:
            raise ValueError(f"writes of one batch use the same bind names: {sorted(names & seen)}")
        seen |= names


@functools.lru_cache(maxsize=256)
def _bind_names(statement: UpdateBase) -> frozenset[str]:
    """The names of a statement's parameters (literal values get anonymous names of their own)."""
    return frozenset(name for name, bind in statement.compile().binds.items() if not bind.unique)


@dataclass(frozen=True)
class _Combined:
    statement: Select[Any]
    count_at: tuple[int, ...]
    returned_at: tuple[slice | None, ...]


@functools.lru_cache(maxsize=64)
def _combined(statements: tuple[UpdateBase, ...]) -> _Combined:
    """One SELECT over the writes as data-modifying WITHs: per write the number of rows it touched,
    then the columns it returns (single-row writes only). Built once per sequence of statements."""
    columns: list[Any] = []
    count_at: list[int] = []
    returned_at: list[slice | None] = []
    for position, statement in enumerate(statements):
        returning = list(statement.exported_columns)
        cte = (statement if returning else statement.returning(literal_column("1"))).cte(f"w{position}")
        count_at.append(len(columns))
        columns.append(select(func.count()).select_from(cte).scalar_subquery())
        first = len(columns)
        columns += [select(cte.c[i]).scalar_subquery() for i in range(len(returning))]
        returned_at.append(slice(first, len(columns)) if returning else None)
    return _Combined(select(*columns), tuple(count_at), tuple(returned_at))


@functools.cache
def _row_update(table: Table, columns: tuple[str, ...], check: str | None) -> UpdateBase:
    """UPDATE of the given columns by primary key, binds named after the table (unique within a batch)."""
    prefix = f"{table.name}__"
    conditions = [column == bindparam(f"{prefix}key_{column.key}") for column in table.primary_key]
    if check is not None:
        conditions.append(table.c[check] == bindparam(f"{prefix}check"))
    return update(table).where(*conditions).values(
        {name: bindparam(f"{prefix}{name}", type_=table.c[name].type) for name in columns})


@functools.cache
def _rows_insert(table: Table, count: int) -> UpdateBase:
    """INSERT … SELECT of bound values, one SELECT per row: SQLAlchemy caches its compiled form (a
    multi-row VALUES would be compiled again on every execution)."""
    rows = [select(*(bindparam(f"{table.name}__row{i}__{column.key}", type_=column.type)
                     for column in table.columns)) for i in range(count)]
    return insert(table).from_select([column.key for column in table.columns],
                                     rows[0] if count == 1 else union_all(*rows))
