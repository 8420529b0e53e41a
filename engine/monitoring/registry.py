"""The registry: enterprises, monitoring points (MN) and their factors, and a cached read view for ingest.

Registration and factor edits are admin services (audited). Ingest reads the
registry through :class:`PointDirectory`, an in-process snapshot per MN that is
reloaded after ``ttl`` seconds, so a packet costs a dictionary look-up, and a
changed limit or rule reaches ingest within ``ttl``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.audit import trail as audit
from engine.db import utcnow, valid_id
from engine.errors import Conflict, InvalidInput, NotFound
from engine.identifiers import valid_credit_code, valid_region
from engine.monitoring import rules
from engine.monitoring.checks import Checks, compile_checks
from engine.monitoring.models import Enterprise, MonitoringPoint, PointFactor, PointKind
from engine.monitoring.passwords import VerifiedPasswords, hash_password
from engine.monitoring.sql import among
from engine.scoping import require_admin

ADMINS_ONLY = "only administrators change the monitoring registry"

LIMIT_FIELDS = ("upper_limit", "lower_limit", "range_upper", "range_lower")
_MAX_CACHED = 100_000


@dataclass(frozen=True, slots=True)
class FactorInfo:
    code: str
    name: str
    unit: str
    upper_limit: float | None
    lower_limit: float | None
    range_upper: float | None
    range_lower: float | None
    rules: Mapping[str, Mapping[str, Any]]
    checks: Checks = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "checks", compile_checks(
            self.rules, self.upper_limit, self.lower_limit, self.range_upper, self.range_lower))


@dataclass(frozen=True, slots=True)
class PointInfo:
    """What ingest needs to know about one point, its enterprise and its factors."""

    id: int
    mn: str
    name: str
    kind: str
    active: bool
    password_hash: str
    rtd_interval_s: int
    minute_interval_min: int
    monitoring_since: datetime
    enterprise_id: int
    enterprise_name: str
    credit_code: str
    region_code: str
    key_unit: bool
    factors: Mapping[str, FactorInfo] = field(default_factory=dict)


@dataclass(frozen=True)
class FactorSpec:
    code: str
    name: str = ""
    unit: str = ""
    upper_limit: float | None = None
    lower_limit: float | None = None
    range_upper: float | None = None
    range_lower: float | None = None
    rule_params: Mapping[str, Any] = field(default_factory=dict)


def register_enterprise(
    session: Session, actor: Actor, *, credit_code: str, name: str, region_code: str, industry: str = "",
    key_unit: bool = False,
) -> Enterprise:
    """:raises InvalidInput: bad credit or region code. :raises Conflict: the credit code exists."""
    require_admin(actor, ADMINS_ONLY)
    errors: dict[str, list[str]] = {}
    if not valid_credit_code(credit_code):
        errors["credit_code"] = [f"{credit_code!r} 不是有效的统一社会信用代码 (invalid credit code)"]
    if not valid_region(region_code):
        errors["region_code"] = [f"{region_code!r} 不是有效的广东省行政区划代码 (not a Guangdong region code)"]
    if not name.strip():
        errors["name"] = ["必填 (required)"]
    if errors:
        raise InvalidInput("cannot register the enterprise", fields=errors)
    if session.scalar(select(Enterprise.id).where(Enterprise.credit_code == credit_code)) is not None:
        raise Conflict(f"enterprise {credit_code} is already registered")
    row = Enterprise(credit_code=credit_code, name=name.strip(), region_code=region_code, industry=industry,
                     key_unit=key_unit)
    session.add(row)
    session.flush()
    audit.record(session, actor, "monitoring.enterprise_register",
                 payload={"credit_code": credit_code, "name": row.name, "region_code": region_code})
    return row


def register_point(
    session: Session, actor: Actor, enterprise: Enterprise, *, mn: str, name: str, kind: str, password: str,
    factors: Iterable[FactorSpec], outlet_code: str = "", rtd_interval_s: int = 30, minute_interval_min: int = 10,
    monitoring_since: datetime | None = None, password_hash: str | None = None,
) -> MonitoringPoint:
    """Register a logger by MN with its factors; ``password_hash`` lets a caller reuse one derivation.

    :raises InvalidInput: bad MN, kind, intervals or factor values. :raises Conflict: the MN exists.
    """
    require_admin(actor, ADMINS_ONLY)
    _check_point(mn, kind, rtd_interval_s, minute_interval_min)
    if session.scalar(select(MonitoringPoint.id).where(MonitoringPoint.mn == mn)) is not None:
        raise Conflict(f"monitoring point {mn} is already registered")
    point = MonitoringPoint(
        enterprise_id=enterprise.id, mn=mn, name=name, outlet_code=outlet_code, kind=kind,
        rtd_interval_s=rtd_interval_s, minute_interval_min=minute_interval_min,
        password_hash=password_hash or hash_password(password), active=True,
        monitoring_since=monitoring_since or utcnow(),
    )
    session.add(point)
    session.flush()
    for spec in factors:
        session.add(_factor_row(point.id, spec))
    session.flush()
    audit.record(session, actor, "monitoring.point_register",
                 payload={"mn": mn, "enterprise": enterprise.credit_code, "kind": kind})
    return point


def _check_point(mn: str, kind: str, rtd_interval_s: int, minute_interval_min: int) -> None:
    errors: dict[str, list[str]] = {}
    if not mn or len(mn) > 64 or not mn.isascii() or not mn.isalnum():
        errors["mn"] = ["MN 须为 1–64 位字母数字 (1 to 64 letters or digits)"]
    if kind not in tuple(PointKind):
        errors["kind"] = ["须为 water 或 air (water or air)"]
    if not 1 <= rtd_interval_s <= 86400:
        errors["rtd_interval_s"] = ["须在 1 至 86400 秒之间"]
    if not 1 <= minute_interval_min <= 1440:
        errors["minute_interval_min"] = ["须在 1 至 1440 分钟之间"]
    if errors:
        raise InvalidInput("cannot register the monitoring point", fields=errors)


def _factor_row(point_id: int, spec: FactorSpec) -> PointFactor:
    limits = check_limits({name: getattr(spec, name) for name in LIMIT_FIELDS})
    overrides = check_overrides(spec.rule_params)
    return PointFactor(point_id=point_id, code=spec.code, name=spec.name, unit=spec.unit, rule_params=overrides,
                       **limits)


def check_limits(values: Mapping[str, Any]) -> dict[str, float | None]:
    """:raises InvalidInput: a limit that is not a finite number (None clears it)."""
    cleaned: dict[str, float | None] = {}
    errors: dict[str, list[str]] = {}
    for name in LIMIT_FIELDS:
        value = values.get(name)
        if value is None:
            cleaned[name] = None
            continue
        number, error = rules._check_value(("float", -1e12, 1e12), value)
        if error:
            errors[name] = [error]
        cleaned[name] = number
    if errors:
        raise InvalidInput("invalid limits", fields=errors)
    return cleaned


def check_overrides(overrides: Any) -> dict[str, Any]:
    """Per-factor rule overrides: ``{"zero": {"count": 4}}``; only anomaly rules, parameters checked."""
    if not isinstance(overrides, Mapping):
        raise InvalidInput("rule overrides must be an object", fields={"rule_params": ["须为对象"]})
    cleaned: dict[str, Any] = {}
    for key, params in overrides.items():
        if key not in rules.RULE_DEFAULTS:
            raise InvalidInput(f"unknown rule {key!r}", fields={f"rule_params.{key}": ["未知规则 (unknown rule)"]})
        cleaned[key] = rules.check_params(key, params, partial=True, field_prefix=f"rule_params.{key}.")
    return {key: params for key, params in cleaned.items() if params}


def update_factor(
    session: Session, actor: Actor, factor_id: int, *, limits: Mapping[str, Any], rule_params: Any
) -> PointFactor:
    """Change a factor's limits and rule overrides (admins only, audited with before/after).

    :raises NotFound: no such factor. :raises InvalidInput: naming the bad field.
    """
    require_admin(actor, ADMINS_ONLY)
    factor = session.get(PointFactor, factor_id) if valid_id(factor_id) else None
    if factor is None:
        raise NotFound(f"factor {factor_id} not found")
    cleaned_limits, cleaned_rules = check_limits(limits), check_overrides(rule_params)
    before = {**{name: getattr(factor, name) for name in LIMIT_FIELDS}, "rule_params": dict(factor.rule_params)}
    for name, value in cleaned_limits.items():
        setattr(factor, name, value)
    factor.rule_params = cleaned_rules
    session.flush()
    point = session.get(MonitoringPoint, factor.point_id)
    audit.record(session, actor, "monitoring.factor_change", payload={
        "mn": point.mn if point else None, "factor": factor.code, "before": before,
        "after": {**cleaned_limits, "rule_params": cleaned_rules}})
    return factor


def point_by_mn(session: Session, mn: str) -> MonitoringPoint | None:
    return session.scalar(select(MonitoringPoint).where(MonitoringPoint.mn == mn))


_POINT_COLUMNS = (
    MonitoringPoint.id, MonitoringPoint.mn, MonitoringPoint.name, MonitoringPoint.kind, MonitoringPoint.active,
    MonitoringPoint.password_hash, MonitoringPoint.rtd_interval_s, MonitoringPoint.minute_interval_min,
    MonitoringPoint.monitoring_since, Enterprise.id.label("enterprise_id"), Enterprise.name.label("enterprise_name"),
    Enterprise.credit_code, Enterprise.region_code, Enterprise.key_unit,
)
_FACTOR_COLUMNS = (
    PointFactor.point_id, PointFactor.code, PointFactor.name, PointFactor.unit, PointFactor.upper_limit,
    PointFactor.lower_limit, PointFactor.range_upper, PointFactor.range_lower,
    cast(PointFactor.rule_params, Text).label("rule_params"),
)


def load_points(
    session: Session, book: rules.RuleBook, mns: Iterable[str] | None = None,
    factor_cache: dict[tuple[Any, ...], FactorInfo] | None = None,
) -> dict[str, PointInfo]:
    """Read points (all, or those of ``mns``) with their enterprise and factors into :class:`PointInfo`.

    Plain rows, not ORM objects: the receiver reloads thousands of points a minute.
    ``factor_cache`` (for one ``book``) shares one :class:`FactorInfo` between
    factors registered alike, so their overrides are decoded and compiled once.
    """
    query = select(*_POINT_COLUMNS).join(Enterprise, Enterprise.id == MonitoringPoint.enterprise_id)
    wanted = None if mns is None else sorted(set(mns))
    if wanted is not None:
        query = query.where(among(session, MonitoringPoint.mn, wanted))
    points = session.execute(query).all()
    factors: dict[int, dict[str, FactorInfo]] = {point.id: {} for point in points}
    cache = {} if factor_cache is None else factor_cache
    if points:
        factor_query = select(*_FACTOR_COLUMNS)
        if wanted is not None:
            factor_query = factor_query.where(among(session, PointFactor.point_id, list(factors)))
        for row in session.execute(factor_query):
            if row.point_id in factors:
                key = tuple(row)[1:]
                info = cache.get(key)
                if info is None:
                    info = cache[key] = FactorInfo(
                        row.code, row.name, row.unit, row.upper_limit, row.lower_limit, row.range_upper,
                        row.range_lower, book.for_factor(json.loads(row.rule_params or "{}")))
                factors[row.point_id][row.code] = info
    return {point.mn: PointInfo(**{name: getattr(point, name) for name in _POINT_FIELDS}, factors=factors[point.id])
            for point in points}


_POINT_FIELDS = tuple(column.key for column in _POINT_COLUMNS)


class PointDirectory:
    """Cached :class:`PointInfo` by MN (and the rule book), each entry reloaded after ``ttl`` seconds.

    Thread-safe; shared by a receiver's writer thread or a web process's request threads.
    """

    def __init__(self, ttl: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._points: dict[str, tuple[float, PointInfo | None]] = {}
        self._book: tuple[float, rules.RuleBook] | None = None
        self._factors: dict[tuple[Any, ...], FactorInfo] = {}
        self._lock = threading.Lock()
        self.passwords = VerifiedPasswords()

    def book(self, session: Session) -> rules.RuleBook:
        now = self._clock()
        cached = self._book
        if cached is None or now - cached[0] > self.ttl:
            cached = (now, rules.load_book(session))
            self._book, self._factors = cached, {}
        return cached[1]

    def lookup(self, session: Session, mns: Iterable[str]) -> dict[str, PointInfo | None]:
        """Points by MN (None for an unknown MN), loading those not cached or expired in one query."""
        now = self._clock()
        wanted = set(mns)
        found: dict[str, PointInfo | None] = {}
        stale = []
        for mn in wanted:
            hit = self._points.get(mn)
            if hit is None or now - hit[0] > self.ttl:
                stale.append(mn)
            else:
                found[mn] = hit[1]
        if stale:
            loaded = load_points(session, self.book(session), stale, self._factors)
            with self._lock:
                if len(self._points) > _MAX_CACHED:  # garbage MNs must not grow memory without bound
                    self._points.clear()
                for mn in stale:
                    found[mn] = loaded.get(mn)
                    self._points[mn] = (now, found[mn])
        return found


def list_points(session: Session, *, limit: int | None = None, active_only: bool = True) -> list[MonitoringPoint]:
    """Registered points in id order (the simulator's loggers, admin lists)."""
    query = select(MonitoringPoint).order_by(MonitoringPoint.id)
    if active_only:
        query = query.where(MonitoringPoint.active.is_(True))
    return list(session.scalars(query.limit(limit)))


def point_with_factors(session: Session, actor: Actor, mn: str) -> tuple[MonitoringPoint, Enterprise, list[PointFactor]]:
    """A point by MN with its enterprise and factors, for the admin rules page.

    :raises NotAllowed: unless the actor is an admin. :raises NotFound: no such MN.
    """
    require_admin(actor, ADMINS_ONLY)
    point = point_by_mn(session, mn)
    if point is None:
        raise NotFound(f"monitoring point {mn} not found")
    enterprise = session.get(Enterprise, point.enterprise_id)
    assert enterprise is not None
    factors = list(session.scalars(select(PointFactor).where(PointFactor.point_id == point.id).order_by(PointFactor.code)))
    return point, enterprise, factors
