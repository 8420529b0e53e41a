"""SQL helpers for batches: one array parameter on PostgreSQL instead of one parameter per value.

A list of 1,000 values in ``IN (…)`` is 1,000 bind parameters, which the driver
scans and binds on every call (and PostgreSQL plans anew); ``= ANY(:array)`` is
one. SQLite keeps ``IN``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Integer, String, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from engine.db import is_postgres

_ARRAY_TYPES: dict[type, Any] = {int: ARRAY(Integer), str: ARRAY(String)}


def among(session: Session, column: Any, values: Sequence[int] | Sequence[str]) -> ColumnElement[bool]:
    """``column IN values`` for a batch of ints or strings, as an array comparison on PostgreSQL."""
    if not is_postgres(session) or not values:
        clause: ColumnElement[bool] = column.in_(list(values))
        return clause
    kind = _ARRAY_TYPES[type(values[0])]
    compared: ColumnElement[bool] = column == any_(bindparam(None, list(values), type_=kind))
    return compared
