"""The register's rows read and written in sets: whole-register snapshots for comparison, bulk inserts and updates.

An import of 40,000 enterprises is a handful of statements per table (executemany
batches), not 40,000 ORM objects: :func:`write_enterprises` and :func:`write_points`
take records as :mod:`engine.register.rows` parses them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import JSON, delete, insert, select, update
from sqlalchemy.orm import Session

from engine.db import Base, is_postgres, table_of, utcnow
from engine.monitoring.models import Enterprise, ListMembership, MonitoringPoint, PointDowntime, PointFactor
from engine.monitoring.sql import among
from engine.register import codes
from engine.register.rows import ENTERPRISE_HEADERS, Record

FILING = "filing"
"""``PointDowntime.source`` of a suspension kept in the register (停运/检修 报备)."""
ENTERPRISE_FIELDS = tuple(name for name in ENTERPRISE_HEADERS.values() if name != "memberships")
POINT_FIELDS = ("mn", "name", "outlet_code", "kind", "rtd_interval_s", "minute_interval_min", "monitoring_since",
                "monitoring_until")
FACTOR_FIELDS = ("code", "name", "unit", "standard", "upper_limit", "lower_limit", "range_lower", "range_upper")
_CHUNK = 5000
T = TypeVar("T")


def chunks(values: Sequence[T], size: int = _CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def bulk_insert(session: Session, model: type[Base], rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys): ``COPY … FROM STDIN`` on PostgreSQL, executemany elsewhere.

    COPY streams the rows in one statement; multi-row INSERTs of this width cost more in
    building and parsing the statement than in writing the rows.
    """
    if not rows:
        return
    if not is_postgres(session):
        session.execute(insert(model), list(rows))
        return
    table = table_of(model)
    columns = list(rows[0])
    json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
    names = ", ".join(f'"{name}"' for name in columns)
    cursor: Any = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    with cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([json.dumps(row[c], ensure_ascii=False) if c in json_columns else row[c] for c in columns])


def membership_order(membership: tuple[int, str]) -> tuple[int, int]:
    return -membership[0], list(codes.MEDIA).index(membership[1])


def stored_enterprises(session: Session, credit_code: str | None = None) -> dict[str, Record]:
    """Every enterprise (or the one of ``credit_code``) by credit code, with ``id``, ``version`` and list memberships."""
    columns = [getattr(Enterprise, name) for name in ENTERPRISE_FIELDS]
    found: dict[str, Record] = {}
    by_id: dict[int, Record] = {}
    query = select(Enterprise.id, Enterprise.version, *columns)
    memberships = select(ListMembership.enterprise_id, ListMembership.year, ListMembership.medium)
    if credit_code is not None:
        query = query.where(Enterprise.credit_code == credit_code)
        memberships = memberships.join(Enterprise, Enterprise.id == ListMembership.enterprise_id).where(
            Enterprise.credit_code == credit_code)
    for row in session.execute(query):
        record = dict(row._mapping)
        record["memberships"] = []
        found[record["credit_code"]] = by_id[record["id"]] = record
    for member in session.execute(memberships):
        by_id[member.enterprise_id]["memberships"].append((member.year, member.medium))
    for record in found.values():
        record["memberships"].sort(key=membership_order)
        record["former_names"] = [name for name in (record["former_names"] or "").split("；") if name]
    return found


def stored_points(session: Session, mn: str | None = None) -> dict[str, Record]:
    """Every point (or the one of ``mn``) by MN, with its enterprise's credit code, factors and filed suspensions."""
    columns = [getattr(MonitoringPoint, name) for name in POINT_FIELDS]
    query = select(MonitoringPoint.id, MonitoringPoint.version, MonitoringPoint.password_hash,
                   MonitoringPoint.enterprise_id, Enterprise.credit_code, *columns).join(
        Enterprise, Enterprise.id == MonitoringPoint.enterprise_id)
    factor_columns = [getattr(PointFactor, name) for name in FACTOR_FIELDS]
    factors = select(PointFactor.point_id, PointFactor.rule_params, *factor_columns)
    downtimes = select(PointDowntime.point_id, PointDowntime.reason, PointDowntime.starts_at,
                       PointDowntime.ends_at).where(PointDowntime.source == FILING)
    if mn is not None:
        query = query.where(MonitoringPoint.mn == mn)
        the_point = select(MonitoringPoint.id).where(MonitoringPoint.mn == mn).scalar_subquery()
        factors = factors.where(PointFactor.point_id == the_point)
        downtimes = downtimes.where(PointDowntime.point_id == the_point)
    found: dict[str, Record] = {}
    by_id: dict[int, Record] = {}
    for row in session.execute(query):
        record = dict(row._mapping)
        record.update(factors=[], suspensions=[], rule_params={})
        found[record["mn"]] = by_id[record["id"]] = record
    for row in session.execute(factors):
        record = by_id[row.point_id]
        record["factors"].append({name: getattr(row, name) for name in FACTOR_FIELDS})
        record["rule_params"][row.code] = row.rule_params or {}
    for point_id, reason, starts_at, ends_at in session.execute(downtimes):
        by_id[point_id]["suspensions"].append((reason, starts_at, ends_at))
    for record in found.values():
        record["factors"].sort(key=lambda f: f["code"])
        record["suspensions"].sort(key=lambda s: (s[1], s[2], s[0]))
    return found


def write_enterprises(session: Session, added: Sequence[Record], changed: Sequence[tuple[Record, Record]]) -> None:
    """Insert ``added`` and update ``changed`` (stored, new) pairs, replacing list memberships, in sets."""
    now = utcnow()
    ids: dict[str, int] = {}
    if added:
        bulk_insert(session, Enterprise, [{**_enterprise_values(record), "created_at": now, "version": 1}
                                          for record in added])
        ids.update(enterprise_ids(session, [record["credit_code"] for record in added]))
    if changed:
        session.execute(update(Enterprise), [
            {**_enterprise_values(new), "id": old["id"], "version": old["version"] + 1, "updated_at": now}
            for old, new in changed])
        ids.update({old["credit_code"]: old["id"] for old, new in changed})
    replaced = [ids[old["credit_code"]] for old, new in changed if old["memberships"] != new["memberships"]]
    for part in chunks(replaced):
        session.execute(delete(ListMembership).where(among(session, ListMembership.enterprise_id, list(part))))
    memberships = [{"enterprise_id": ids[record["credit_code"]], "year": year, "medium": medium}
                   for record in [*added, *(new for old, new in changed if old["memberships"] != new["memberships"])]
                   for year, medium in record["memberships"]]
    bulk_insert(session, ListMembership, memberships)


def _enterprise_values(record: Mapping[str, Any]) -> dict[str, Any]:
    values = {name: record[name] for name in ENTERPRISE_FIELDS}
    values["former_names"] = "；".join(record["former_names"])
    values["key_unit"] = bool(record["memberships"])
    return values


def enterprise_ids(session: Session, credit_codes: Iterable[str]) -> dict[str, int]:
    wanted = sorted(set(credit_codes))
    found: dict[str, int] = {}
    for part in chunks(wanted):
        found.update({code: id_ for id_, code in session.execute(
            select(Enterprise.id, Enterprise.credit_code).where(among(session, Enterprise.credit_code, list(part))))})
    return found


def _point_ids(session: Session, mns: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for part in chunks(sorted(mns)):
        found.update({mn: id_ for id_, mn in session.execute(
            select(MonitoringPoint.id, MonitoringPoint.mn).where(among(session, MonitoringPoint.mn, list(part))))})
    return found


def write_points(session: Session, added: Sequence[Record], changed: Sequence[tuple[Record, Record]]) -> None:
    """Insert and update points, replacing the factors and filed suspensions of those whose lists changed.

    Each new record carries ``password_hash``; a factor kept by code keeps its rule overrides.
    """
    now = utcnow()
    owners = enterprise_ids(session, [r["credit_code"] for r in added] + [n["credit_code"] for _, n in changed])
    ids: dict[str, int] = {}
    if added:
        bulk_insert(session, MonitoringPoint, [
            {**_point_values(r, owners), "password_hash": r["password_hash"], "active": _active(r, now),
             "created_at": now, "version": 1} for r in added])
        ids.update(_point_ids(session, [r["mn"] for r in added]))
    if changed:
        session.execute(update(MonitoringPoint), [
            {**_point_values(new, owners), "id": old["id"], "password_hash": new["password_hash"],
             "active": _active(new, now), "version": old["version"] + 1, "updated_at": now} for old, new in changed])
        ids.update({old["mn"]: old["id"] for old, _ in changed})
    _replace_factors(session, ids, added, changed)
    _replace_suspensions(session, ids, added, changed, now)


def _active(record: Mapping[str, Any], now: datetime) -> bool:
    return record["monitoring_until"] is None or record["monitoring_until"] > now


def _point_values(record: Mapping[str, Any], owners: Mapping[str, int]) -> dict[str, Any]:
    return {**{name: record[name] for name in POINT_FIELDS}, "enterprise_id": owners[record["credit_code"]]}


def _replace_factors(session: Session, ids: Mapping[str, int], added: Sequence[Record],
                     changed: Sequence[tuple[Record, Record]]) -> None:
    redone = [(old, new) for old, new in changed if old["factors"] != new["factors"]]
    for part in chunks([old["id"] for old, _ in redone]):
        session.execute(delete(PointFactor).where(among(session, PointFactor.point_id, list(part))))
    rows = [{**factor, "point_id": ids[record["mn"]], "rule_params": kept.get(factor["code"], {})}
            for record, kept in [*((r, {}) for r in added), *((new, old["rule_params"]) for old, new in redone)]
            for factor in record["factors"]]
    bulk_insert(session, PointFactor, rows)


def _replace_suspensions(session: Session, ids: Mapping[str, int], added: Sequence[Record],
                         changed: Sequence[tuple[Record, Record]], now: datetime) -> None:
    redone = [new for old, new in changed if old["suspensions"] != new["suspensions"]]
    for part in chunks([ids[new["mn"]] for new in redone]):
        session.execute(delete(PointDowntime).where(
            PointDowntime.source == FILING, among(session, PointDowntime.point_id, list(part))))
    rows = [{"point_id": ids[record["mn"]], "reason": reason, "starts_at": start, "ends_at": end, "source": FILING,
             "created_by": record.get("changed_by", "register"), "created_at": now}
            for record in [*added, *redone] for reason, start, end in record["suspensions"]]
    bulk_insert(session, PointDowntime, rows)
