"""The record of each category as marshmallow schemas: what the tax bureau sends (loaded and checked field by
field) and what the platform offers (the payload of an outgoing record). The OpenAPI document is built from
these same schemas, so the tax bureau builds against exactly what is checked.

Units: concentrations in mg/m³ (air) or mg/L (water); emission volumes in kg or t (stored in kg); money in
yuan with two decimals; dates ISO 8601; months ``YYYY-MM``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from marshmallow import RAISE, Schema, fields, validate

from engine.exchange.categories import Category

MONTH = validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", error="须为 YYYY-MM (a month YYYY-MM)")
CODE = validate.Regexp(r"^[A-Za-z0-9_\-/.]{1,60}$", error="编号只能含字母、数字和 _-/. (letters, digits, _-/.)")
CREDIT_CODE = validate.Length(equal=18, error="统一社会信用代码须为 18 位 (18 characters)")
POLLUTANT = validate.Regexp(r"^[a-w]\d{5}$", error="须为 HJ 212 污染物编码，如 a21026 (an HJ 212 factor code)")
OUTLET = validate.Regexp(r"^[A-Z]{1,4}\d{1,6}$", error="须为排污许可排放口编码，如 DA001 (a permit outlet code)")
NON_NEGATIVE = validate.Range(min=0, error="不能为负数 (must not be negative)")
# apispec writes a Decimal field's bound as the field serialises it ("0.00", a string), which is not a valid
# JSON Schema ``minimum``; the documented bound is given as the number it is.
MONEY_DOC = {"minimum": 0, "description": "元, at most two decimals (a JSON number or a decimal string)"}
CONCENTRATION_UNITS = ("mg/m3", "mg/L")
EMISSION_UNITS = {"kg": 1.0, "t": 1000.0}
POLLUTANT_KINDS = ("air", "water", "solid", "noise")
METHODS = ("automatic", "monitoring", "coefficient", "balance", "sampling")  # 自动监测/监测机构/排污系数/物料衡算/抽样测算
REVIEW_REASONS = ("abnormal_return", "late_filing")


class _Strict(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


class TaxpayerRecord(_Strict):
    """纳税人基础信息. Key: ``credit_code``."""

    credit_code = fields.String(required=True, validate=CREDIT_CODE)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    region_code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$"),
                                metadata={"description": "GB/T 2260 区划代码 of the taxpayer's seat"})
    tax_authority = fields.String(load_default="", validate=validate.Length(max=100))
    status = fields.String(load_default="normal", validate=validate.OneOf(("normal", "deregistered")))
    registered_on = fields.Date(load_default=None, allow_none=True)


class TaxSourceRecord(_Strict):
    """税源信息: one pollutant at one outlet. Key: ``source_no``."""

    source_no = fields.String(required=True, validate=CODE)
    credit_code = fields.String(required=True, validate=CREDIT_CODE)
    outlet_code = fields.String(required=True, validate=OUTLET)
    pollutant_kind = fields.String(required=True, validate=validate.OneOf(POLLUTANT_KINDS))
    pollutant_code = fields.String(required=True, validate=POLLUTANT)
    method = fields.String(required=True, validate=validate.OneOf(METHODS))
    permit_number = fields.String(load_default="", validate=validate.Length(max=40))
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(load_default=None, allow_none=True)


class TaxReturnRecord(_Strict):
    """申报信息: one month of one tax source. Key: ``return_no/source_no/month``."""

    return_no = fields.String(required=True, validate=CODE)
    credit_code = fields.String(required=True, validate=CREDIT_CODE)
    source_no = fields.String(required=True, validate=CODE)
    outlet_code = fields.String(required=True, validate=OUTLET)
    pollutant_code = fields.String(required=True, validate=POLLUTANT)
    month = fields.String(required=True, validate=MONTH)
    concentration = fields.Float(load_default=None, allow_none=True, validate=NON_NEGATIVE, allow_nan=False)
    concentration_unit = fields.String(load_default="", validate=validate.OneOf(("", *CONCENTRATION_UNITS)))
    emission = fields.Float(required=True, validate=NON_NEGATIVE, allow_nan=False)
    emission_unit = fields.String(required=True, validate=validate.OneOf(tuple(EMISSION_UNITS)))
    equivalents = fields.Float(load_default=None, allow_none=True, validate=NON_NEGATIVE, allow_nan=False)
    tax_amount = fields.Decimal(required=True, places=2, validate=NON_NEGATIVE, as_string=True, metadata=MONEY_DOC)
    declared_on = fields.Date(required=True)


class TaxPaymentRecord(_Strict):
    """入库信息. Key: ``payment_no``."""

    payment_no = fields.String(required=True, validate=CODE)
    credit_code = fields.String(required=True, validate=CREDIT_CODE)
    return_no = fields.String(required=True, validate=CODE)
    tax_period = fields.String(required=True, validate=MONTH)
    amount = fields.Decimal(required=True, places=2, validate=NON_NEGATIVE, as_string=True, metadata=MONEY_DOC)
    paid_on = fields.Date(required=True)


class _ReportedFigure(_Strict):
    pollutant = fields.String(required=True, validate=validate.Length(min=1, max=20))
    outlet = fields.String(load_default=None, validate=validate.Length(max=40))
    emission_kg = fields.Float(required=True, validate=NON_NEGATIVE, allow_nan=False)
    concentration = fields.Float(load_default=None, validate=NON_NEGATIVE, allow_nan=False)
    unit = fields.String(load_default=None, validate=validate.Length(max=20))


class ReviewRequestRecord(_Strict):
    """复核提请: starts a 涉税复核 (tax_review) process at the enterprise's county. Key: ``request_no``."""

    request_no = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_\-]{1,60}$"))
    credit_code = fields.String(required=True, validate=CREDIT_CODE)
    tax_period = fields.String(required=True, validate=MONTH)
    reason = fields.String(required=True, validate=validate.OneOf(REVIEW_REASONS))
    reported = fields.List(fields.Nested(_ReportedFigure), required=True, validate=validate.Length(min=1, max=50))
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class OnlineMonitoringRecord(_Strict):
    """在线监测数据: a month of one factor at one outlet. Key: ``mn/factor/month``."""

    credit_code = fields.String(required=True)
    month = fields.String(required=True)
    mn = fields.String(required=True)
    outlet_code = fields.String(required=True)
    point_kind = fields.String(required=True, metadata={"enum": ["air", "water"]})
    factor = fields.String(required=True)
    unit = fields.String(required=True)
    basis = fields.String(required=True, metadata={"description": "hourly: mean of hourly means (air); "
                                                                  "daily: mean of daily means (water)"})
    mean_concentration = fields.Float(allow_none=True, required=True)
    emission_kg = fields.Float(allow_none=True, required=True)
    valid_days = fields.Integer(required=True)
    valid_values = fields.Integer(required=True)
    flags = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)


class SupervisoryMonitoringRecord(_Strict):
    """监督性监测数据: one result of a monitoring station's sampling. Key: ``report_no/outlet_code/pollutant_code``."""

    report_no = fields.String(required=True)
    credit_code = fields.String(required=True)
    outlet_code = fields.String(required=True)
    pollutant_code = fields.String(required=True)
    sampled_on = fields.Date(required=True)
    concentration = fields.Float(required=True)
    unit = fields.String(required=True)
    limit = fields.Float(allow_none=True, required=True)
    exceeded = fields.Boolean(required=True)
    station = fields.String(required=True)


class _PermitPollutant(_Strict):
    code = fields.String(required=True)
    name = fields.String(required=True)
    unit = fields.String(required=True)
    limit = fields.Float(allow_none=True, required=True)
    standard = fields.String(required=True)


class _PermitOutlet(_Strict):
    outlet_code = fields.String(required=True)
    kind = fields.String(required=True, metadata={"enum": ["air", "water"]})
    mn = fields.String(required=True)
    name = fields.String(required=True)
    pollutants = fields.List(fields.Nested(_PermitPollutant), required=True)


class PermitRecord(_Strict):
    """排污许可及排放口: an enterprise's permit and its outlets with their pollutants and limits. Key: ``credit_code``."""

    credit_code = fields.String(required=True)
    name = fields.String(required=True)
    region_code = fields.String(required=True)
    permit_number = fields.String(required=True)
    permit_class = fields.String(required=True, metadata={"enum": ["key", "simplified", "registration", ""]})
    valid_from = fields.Date(allow_none=True, required=True)
    valid_to = fields.Date(allow_none=True, required=True)
    status = fields.String(required=True)
    outlets = fields.List(fields.Nested(_PermitOutlet), required=True)


class PenaltyRecord(_Strict):
    """行政处罚: an administrative penalty as entered or imported (credit facts of kind ``penalty``). Key: ``P<id>``."""

    credit_code = fields.String(required=True)
    reference = fields.String(required=True, metadata={"description": "行政处罚决定书文号"})
    decided_on = fields.Date(required=True)
    description = fields.String(required=True)
    source = fields.String(required=True)


class ReviewFeedbackRecord(_Strict):
    """复核反馈: the environment department's review opinion. Key: the request number, or ``INS-…`` for a
    data-inspection verification."""

    request_no = fields.String(required=True)
    credit_code = fields.String(required=True)
    tax_period = fields.String(required=True)
    source = fields.String(required=True, metadata={"enum": ["tax_review", "inspection"]})
    conclusion = fields.String(required=True)
    opinion = fields.String(required=True)
    reviewed_emission_kg = fields.Float(allow_none=True, required=True)
    reviewed_concentration = fields.Float(allow_none=True, required=True)
    answered_at = fields.DateTime(allow_none=True, required=True)


SCHEMAS: dict[Category, type[Schema]] = {
    Category.REVIEW_REQUESTS: ReviewRequestRecord,
    Category.TAXPAYERS: TaxpayerRecord,
    Category.TAX_SOURCES: TaxSourceRecord,
    Category.TAX_RETURNS: TaxReturnRecord,
    Category.TAX_PAYMENTS: TaxPaymentRecord,
    Category.ONLINE_MONITORING: OnlineMonitoringRecord,
    Category.SUPERVISORY_MONITORING: SupervisoryMonitoringRecord,
    Category.PERMITS: PermitRecord,
    Category.PENALTIES: PenaltyRecord,
    Category.REVIEW_FEEDBACK: ReviewFeedbackRecord,
}

KEYS: dict[Category, Callable[[Mapping[str, Any]], str]] = {
    Category.REVIEW_REQUESTS: lambda r: str(r["request_no"]),
    Category.TAXPAYERS: lambda r: str(r["credit_code"]),
    Category.TAX_SOURCES: lambda r: str(r["source_no"]),
    Category.TAX_RETURNS: lambda r: f"{r['return_no']}/{r['source_no']}/{r['month']}",
    Category.TAX_PAYMENTS: lambda r: str(r["payment_no"]),
}
"""The natural key of an incoming record, from its raw fields (so a refused record is still named)."""


def record_key(category: Category, raw: Mapping[str, Any]) -> str:
    """The key of a raw incoming record, or "" when the fields that make it are missing."""
    try:
        return KEYS[category](raw)[:200]
    except (KeyError, TypeError):
        return ""
