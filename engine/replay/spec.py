"""What a replay is asked: a draft rule set (checked by the live rules' own validation), a period and a scope.

A draft is JSON of the shape::

    {"rules": {"constant": {"count": 4}, "grouping": {"join_gap_hours": 2}},
     "factors": {"<MN>": {"<factor code>": {"zero": {"count": 4}}}}}

``rules`` gives rule or settings groups, each complete or partial (missing parameters
keep the current value); ``factors`` replaces the rule overrides of the factors it
names (as :func:`engine.monitoring.registry.update_factor` would). Errors name the
field as ``rules.<group>.<parameter>`` or ``factors.<MN>.<code>.<rule>.<parameter>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import InvalidInput
from engine.identifiers import valid_credit_code
from engine.monitoring import registry, rules
from engine.monitoring.models import Enterprise, MonitoringPoint, PointFactor
from engine.monitoring.rules import RuleBook
from engine.regions import RegionLevel, region_tree

CHINA = timezone(timedelta(hours=8))
SCOPE_KINDS = ("province", "city", "county", "enterprise")
PROVINCE = "440000"
MAX_DAYS = 366


@dataclass(frozen=True)
class Draft:
    """A checked draft: the groups it changes (complete) and the factor overrides it replaces."""

    rules: Mapping[str, Mapping[str, Any]]
    factors: Mapping[str, Mapping[str, Mapping[str, Any]]]

    def as_json(self) -> dict[str, Any]:
        return {"rules": {k: dict(v) for k, v in self.rules.items()},
                "factors": {mn: {code: dict(o) for code, o in codes.items()} for mn, codes in self.factors.items()}}

    def book(self, current: RuleBook) -> RuleBook:
        """The rule book with this draft's groups over the current ones."""
        return RuleBook({key: dict(self.rules.get(key, params)) for key, params in current.params.items()})


def same_value(a: Any, b: Any) -> bool:
    """Parameters compare equal regardless of the order of a list of flags (the checks sort them)."""
    if isinstance(a, list) and isinstance(b, list):
        return sorted(map(str, a)) == sorted(map(str, b))
    return bool(a == b)


def same_params(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return set(a) == set(b) and all(same_value(a[name], b[name]) for name in a)


def check_draft(session: Session, raw: Any, current: rules.RuleBook) -> Draft:
    """Validate a draft with the live rules' checks, naming each bad field.

    :raises InvalidInput: with ``rules.…`` / ``factors.…`` field names.
    """
    if not isinstance(raw, Mapping):
        raise InvalidInput("the draft must be a JSON object", fields={"draft": ["须为 JSON 对象 (must be an object)"]})
    errors: dict[str, list[str]] = {}
    unknown = [key for key in raw if key not in ("rules", "factors", "name")]
    for key in unknown:
        errors[f"draft.{key}"] = ["未知字段 (unknown field)"]
    groups = _check_groups(raw.get("rules", {}), current, errors)
    factors = _check_factors(session, raw.get("factors", {}), errors)
    if errors:
        raise InvalidInput("invalid draft", fields=errors)
    return Draft(groups, factors)


def _check_groups(raw: Any, current: rules.RuleBook, errors: dict[str, list[str]]) -> dict[str, dict[str, Any]]:
    if not isinstance(raw, Mapping):
        errors["rules"] = ["须为对象 (must be an object)"]
        return {}
    cleaned: dict[str, dict[str, Any]] = {}
    for key, params in raw.items():
        if key not in rules.DEFAULTS:
            errors[f"rules.{key}"] = [f"未知规则 (unknown rule) {key}"]
            continue
        if not isinstance(params, Mapping):
            errors[f"rules.{key}"] = ["须为对象 (must be an object)"]
            continue
        try:
            cleaned[key] = rules.check_params(key, {**current.rule(key), **params}, field_prefix=f"rules.{key}.")
        except InvalidInput as exc:
            errors.update(exc.fields)
    return cleaned


def _check_factors(session: Session, raw: Any, errors: dict[str, list[str]]) -> dict[str, dict[str, dict[str, Any]]]:
    if not isinstance(raw, Mapping):
        errors["factors"] = ["须为对象 (must be an object)"]
        return {}
    cleaned: dict[str, dict[str, dict[str, Any]]] = {}
    for mn, codes in raw.items():
        registered = _registered_codes(session, str(mn))
        if registered is None:
            errors[f"factors.{mn}"] = ["未登记的监测点 (unknown monitoring point)"]
            continue
        if not isinstance(codes, Mapping):
            errors[f"factors.{mn}"] = ["须为对象 (must be an object)"]
            continue
        for code, overrides in codes.items():
            if code not in registered:
                errors[f"factors.{mn}.{code}"] = ["该监测点未登记此因子 (factor not registered at the point)"]
                continue
            try:
                cleaned.setdefault(str(mn), {})[str(code)] = registry.check_overrides(overrides)
            except InvalidInput as exc:
                errors.update({f"factors.{mn}.{code}.{name.removeprefix('rule_params.')}": messages
                               for name, messages in exc.fields.items()})
    return cleaned


def _registered_codes(session: Session, mn: str) -> set[str] | None:
    point_id = session.scalar(select(MonitoringPoint.id).where(MonitoringPoint.mn == mn))
    if point_id is None:
        return None
    return set(session.scalars(select(PointFactor.code).where(PointFactor.point_id == point_id)))


@dataclass(frozen=True)
class Period:
    """Calendar days ``first`` … ``last`` (inclusive) in China Standard Time."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime(self.first.year, self.first.month, self.first.day, tzinfo=CHINA)

    @property
    def end(self) -> datetime:
        following = self.last + timedelta(days=1)
        return datetime(following.year, following.month, following.day, tzinfo=CHINA)

    @classmethod
    def last_month(cls, now: datetime) -> Period:
        """The last whole calendar month before ``now`` in Asia/Shanghai (the page's default)."""
        first_of_this = now.astimezone(CHINA).date().replace(day=1)
        last = first_of_this - timedelta(days=1)
        return cls(last.replace(day=1), last)

    @classmethod
    def parse(cls, first: Any, last: Any) -> Period:
        """:raises InvalidInput: naming ``from`` or ``to``."""
        errors: dict[str, list[str]] = {}
        parsed = {name: _date(value, name, errors) for name, value in (("from", first), ("to", last))}
        start, end = parsed["from"], parsed["to"]
        if start and end and end < start:
            errors["to"] = ["须不早于开始日期 (must not be before from)"]
        elif start and end and (end - start).days >= MAX_DAYS:
            errors["to"] = [f"预演期间至多 {MAX_DAYS} 天 (at most {MAX_DAYS} days)"]
        if errors or start is None or end is None:
            raise InvalidInput("invalid period", fields=errors)
        return cls(start, end)


def _date(value: Any, name: str, errors: dict[str, list[str]]) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors[name] = ["须为 YYYY-MM-DD 日期 (a date YYYY-MM-DD)"]
        return None


@dataclass(frozen=True)
class Scope:
    """The province, a city, a county (region codes) or one enterprise (its credit code)."""

    kind: str
    code: str

    @classmethod
    def parse(cls, kind: str, code: str | None) -> Scope:
        """:raises InvalidInput: naming ``scope`` or the kind's field (``city``, ``county``, ``enterprise``)."""
        if kind not in SCOPE_KINDS:
            raise InvalidInput("invalid scope", fields={"scope": [f"须为 {'/'.join(SCOPE_KINDS)} 之一"]})
        if kind == "province":
            return cls(kind, PROVINCE)
        code = (code or "").strip()
        if kind == "enterprise":
            if not valid_credit_code(code):
                raise InvalidInput("invalid scope", fields={"enterprise": ["不是有效的统一社会信用代码 (invalid USCC)"]})
            return cls(kind, code)
        region = region_tree().get(code)
        wanted = RegionLevel.CITY if kind == "city" else RegionLevel.COUNTY
        if region is None or region.level is not wanted:
            raise InvalidInput("invalid scope", fields={kind: [f"不是广东省的{'地市' if kind == 'city' else '区县'}代码"]})
        return cls(kind, code)

    def clause(self) -> Any:
        """The filter on enterprises this scope selects."""
        if self.kind == "enterprise":
            return Enterprise.credit_code == self.code
        if self.kind == "province":
            return Enterprise.region_code.like(self.code[:2] + "%")
        prefix = region_tree().scope_prefix(self.code)
        if prefix.kind == "exact":
            return Enterprise.region_code == prefix.value
        return Enterprise.region_code.like(prefix.value + "%")

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind, "code": self.code}
