"""Checking the tax side's records one by one: fields (schemas), then what needs the stored data.

Each refusal names the field and a reason code of :data:`REASONS`. Whether a tax source's outlet is in the
enterprise's permit is *not* a refusal: an unpermitted outlet is a finding of matching and data inspection,
which need the record stored. What is refused here is what makes a record meaningless: a wrong check
character, an unknown region, a taxpayer or source the exchange has never received, a return whose outlet is
not its source's, a unit that does not fit, a period outside the batch or the allowed age.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from marshmallow import Schema, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import identifiers
from engine.exchange.categories import Category
from engine.exchange.models import TaxReturn, TaxSource, TaxTaxpayer
from engine.exchange.records import SCHEMAS

CHINA = timezone(timedelta(hours=8))
CHUNK = 5000

REASONS: dict[str, str] = {
    "invalid": "字段格式或取值有误 (field malformed or out of range)",
    "credit_code_check": "统一社会信用代码校验位错误 (credit code check character wrong)",
    "unknown_region": "行政区划代码不存在 (unknown division code)",
    "unknown_taxpayer": "纳税人未报送基础信息 (taxpayer not received)",
    "unknown_source": "税源未报送 (tax source not received)",
    "unknown_outlet": "排放口与税源登记不符 (outlet differs from the tax source's)",
    "unknown_return": "申报记录不存在 (return not received)",
    "unknown_enterprise": "平台无此企业 (enterprise not in the register)",
    "unit_mismatch": "单位与污染物类别不符 (unit does not fit the pollutant kind)",
    "period": "所属期超出批次期间或允许范围 (period outside the batch or the allowed range)",
    "duplicate_in_batch": "同一批次内记录重复 (record key repeated in the batch)",
    "already_received": "该复核提请已受理，不能更改 (review request already received, cannot change)",
    "not_started": "复核提请未能受理 (review request could not be started)",
}
UNIT_OF_KIND = {"air": "mg/m3", "water": "mg/L"}


@dataclass(frozen=True)
class Problem:
    field: str
    reason: str
    message: str


@dataclass
class Lookups:
    """What the checks need from the database, loaded once per batch for the keys the batch names; records
    accepted earlier in the same batch are added as they pass."""

    taxpayers: set[str] = field(default_factory=set)
    sources: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # source_no → credit, outlet, kind
    returns: set[str] = field(default_factory=set)
    checked_codes: dict[str, bool] = field(default_factory=dict)  # credit code → check character right

    def valid_code(self, code: str) -> bool:
        """The check character, computed once per code and batch (a taxpayer has many lines)."""
        if code not in self.checked_codes:
            self.checked_codes[code] = identifiers.valid_credit_code(code)
        return self.checked_codes[code]

    def learn(self, category: Category, record: Mapping[str, Any]) -> None:
        if category is Category.TAXPAYERS:
            self.taxpayers.add(record["credit_code"])
        elif category is Category.TAX_SOURCES:
            self.sources[record["source_no"]] = (record["credit_code"], record["outlet_code"], record["pollutant_kind"])
        elif category is Category.TAX_RETURNS:
            self.returns.add(record["return_no"])


def load_lookups(session: Session, raw: Sequence[Mapping[str, Any]]) -> Lookups:
    """The stored taxpayers, sources and returns the raw records refer to."""
    lookups = Lookups()
    credit_codes = _values(raw, "credit_code")
    for chunk in _chunks(credit_codes):
        lookups.taxpayers.update(session.scalars(select(TaxTaxpayer.credit_code)
                                                 .where(TaxTaxpayer.credit_code.in_(chunk))))
    for chunk in _chunks(_values(raw, "source_no")):
        for source_no, credit, outlet, kind in session.execute(select(
                TaxSource.source_no, TaxSource.credit_code, TaxSource.outlet_code, TaxSource.pollutant_kind)
                .where(TaxSource.source_no.in_(chunk))):
            lookups.sources[source_no] = (credit, outlet, kind)
    for chunk in _chunks(_values(raw, "return_no")):
        lookups.returns.update(session.scalars(select(TaxReturn.return_no).where(TaxReturn.return_no.in_(chunk))))
    return lookups


def _values(raw: Sequence[Mapping[str, Any]], name: str) -> list[str]:
    return sorted({value for record in raw if isinstance(value := record.get(name), str) and len(value) <= 60})


def _chunks(values: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


@dataclass(frozen=True)
class Window:
    """The months a record may belong to: not after the batch's month nor this month, not older than allowed."""

    earliest: str
    latest: str

    @classmethod
    def of(cls, batch_period: str, max_age_months: int, now: datetime) -> Window:
        today = now.astimezone(CHINA).date()
        this_month = f"{today.year:04d}-{today.month:02d}"
        months = today.year * 12 + today.month - 1 - max_age_months
        return cls(f"{months // 12:04d}-{months % 12 + 1:02d}", min(batch_period[:7], this_month))

    def holds(self, month: str) -> bool:
        return self.earliest <= month <= self.latest


def load(category: Category, raw: Any) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The record loaded by its category's schema, or the fields at fault."""
    schema: Schema = _SCHEMA_INSTANCES[category]
    if not isinstance(raw, Mapping):
        return None, [Problem("record", "invalid", "记录须为 JSON 对象 (a record must be an object)")]
    try:
        loaded: dict[str, Any] = schema.load(raw)
    except ValidationError as exc:
        return None, [Problem(str(name), "invalid", _message(messages))
                      for name, messages in _by_field(exc.messages).items()]
    return loaded, []


_SCHEMA_INSTANCES: dict[Category, Schema] = {category: schema() for category, schema in SCHEMAS.items()}


def _by_field(messages: Any) -> dict[str, Any]:
    return messages if isinstance(messages, dict) else {"record": messages}


def _message(messages: Any) -> str:
    if isinstance(messages, dict):
        return "; ".join(f"{key}: {_message(value)}" for key, value in messages.items())[:300]
    if isinstance(messages, list):
        return "; ".join(_message(value) for value in messages)[:300]
    return str(messages)[:300]


def check(category: Category, record: Mapping[str, Any], lookups: Lookups, window: Window) -> list[Problem]:
    """What the stored data says against a loaded record."""
    problems: list[Problem] = []
    code = record.get("credit_code")
    if code is not None and not lookups.valid_code(code):
        problems.append(_problem("credit_code", "credit_code_check"))
    elif category in (Category.TAX_SOURCES, Category.TAX_RETURNS, Category.TAX_PAYMENTS) \
            and code not in lookups.taxpayers:
        problems.append(_problem("credit_code", "unknown_taxpayer"))
    problems.extend(_CHECKS[category](record, lookups, window))
    return problems


def _taxpayer(record: Mapping[str, Any], lookups: Lookups, window: Window) -> list[Problem]:
    if not identifiers.valid_region(record["region_code"]):
        return [_problem("region_code", "unknown_region")]
    return []


def _source(record: Mapping[str, Any], lookups: Lookups, window: Window) -> list[Problem]:
    problems = []
    start: date = record["valid_from"]
    if f"{start.year:04d}-{start.month:02d}" > window.latest:  # a source may date back years, not forward
        problems.append(_problem("valid_from", "period"))
    if record["valid_to"] is not None and record["valid_to"] < start:
        problems.append(Problem("valid_to", "invalid", "截止日期早于起始日期 (ends before it starts)"))
    return problems


def _return(record: Mapping[str, Any], lookups: Lookups, window: Window) -> list[Problem]:
    problems = []
    if not window.holds(record["month"]):
        problems.append(_problem("month", "period"))
    source = lookups.sources.get(record["source_no"])
    if source is None:
        return [*problems, _problem("source_no", "unknown_source")]
    credit, outlet, kind = source
    if credit != record["credit_code"]:
        problems.append(Problem("source_no", "unknown_source", "税源不属于该纳税人 (the source is another taxpayer's)"))
    if outlet != record["outlet_code"]:
        problems.append(_problem("outlet_code", "unknown_outlet"))
    unit = record["concentration_unit"]
    if record["concentration"] is not None and unit != UNIT_OF_KIND.get(kind, unit or "?"):
        problems.append(_problem("concentration_unit", "unit_mismatch"))
    return problems


def _payment(record: Mapping[str, Any], lookups: Lookups, window: Window) -> list[Problem]:
    problems = []
    if not window.holds(record["tax_period"]):
        problems.append(_problem("tax_period", "period"))
    if record["return_no"] not in lookups.returns:
        problems.append(_problem("return_no", "unknown_return"))
    return problems


def _review(record: Mapping[str, Any], lookups: Lookups, window: Window) -> list[Problem]:
    return [] if window.holds(record["tax_period"]) else [_problem("tax_period", "period")]


_CHECKS = {Category.TAXPAYERS: _taxpayer, Category.TAX_SOURCES: _source, Category.TAX_RETURNS: _return,
           Category.TAX_PAYMENTS: _payment, Category.REVIEW_REQUESTS: _review}


def _problem(name: str, reason: str) -> Problem:
    return Problem(name, reason, REASONS[reason])
