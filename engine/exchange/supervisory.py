"""监督性监测 results entered or imported by the monitoring stations (through reviewers of the region or an
administrator), kept as the source of the supervisory-monitoring category."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import REVIEWER_ROLES, Actor
from engine.audit import trail as audit
from engine.errors import InvalidInput, NotAllowed
from engine.exchange.models import SupervisoryResult
from engine.exchange.records import CODE, OUTLET, POLLUTANT
from engine.monitoring.models import Enterprise
from engine.scoping import covers_region

MAX_ROWS = 5000


class SupervisoryInput(Schema):
    """One result as a monitoring station reports it."""

    class Meta:
        unknown = RAISE

    report_no = fields.String(required=True, validate=CODE)
    credit_code = fields.String(required=True, validate=validate.Length(equal=18))
    outlet_code = fields.String(required=True, validate=OUTLET)
    pollutant_code = fields.String(required=True, validate=POLLUTANT)
    sampled_on = fields.Date(required=True)
    concentration = fields.Float(required=True, validate=validate.Range(min=0), allow_nan=False)
    unit = fields.String(required=True, validate=validate.OneOf(("mg/m3", "mg/L")))
    limit = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0), allow_nan=False)
    station = fields.String(required=True, validate=validate.Length(min=1, max=100))


def enter(session: Session, actor: Actor, rows: Sequence[Any]) -> list[SupervisoryResult]:
    """Store results (a result entered again under the same report, outlet and pollutant replaces it).

    All or nothing: any row at fault refuses the whole entry, naming ``rows.<n>.<field>``.

    :raises NotAllowed: not an administrator or a reviewer covering every enterprise named.
    :raises InvalidInput: a row is malformed or names an enterprise not in the register.
    """
    if not 1 <= len(rows) <= MAX_ROWS:
        raise InvalidInput("请提交监测结果 (no results)", fields={"rows": [f"1–{MAX_ROWS} 行"]})
    try:
        loaded: list[dict[str, Any]] = SupervisoryInput(many=True).load(rows)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {}
        raise InvalidInput("监测结果有误 (invalid results)", fields={
            f"rows.{n}.{name}": [str(m) for m in msgs] for n, errors in messages.items()
            for name, msgs in (errors.items() if isinstance(errors, dict) else [])}) from None
    regions = dict(session.execute(select(Enterprise.credit_code, Enterprise.region_code).where(
        Enterprise.credit_code.in_({row["credit_code"] for row in loaded}))).all())
    unknown = [f"rows.{n}.credit_code" for n, row in enumerate(loaded) if row["credit_code"] not in regions]
    if unknown:
        raise InvalidInput("平台无此企业 (enterprise not in the register)", fields={name: ["未登记"] for name in unknown})
    if not all(_may_enter(actor, region) for region in regions.values()):
        raise NotAllowed("仅管理员或辖区审核人员可录入监督性监测结果 (admins or the region's reviewers only)")
    stored = [_upsert(session, actor, row) for row in loaded]
    session.flush()
    audit.record(session, actor, "exchange.supervisory", payload={
        "rows": len(stored), "reports": sorted({row["report_no"] for row in loaded})[:20]})
    return stored


def _may_enter(actor: Actor, region_code: str) -> bool:
    return actor.is_admin or any(covers_region(role, actor.region_code, region_code)
                                 for role in actor.roles if role in REVIEWER_ROLES)


def _upsert(session: Session, actor: Actor, row: dict[str, Any]) -> SupervisoryResult:
    result = session.scalars(select(SupervisoryResult).where(
        SupervisoryResult.report_no == row["report_no"], SupervisoryResult.outlet_code == row["outlet_code"],
        SupervisoryResult.pollutant_code == row["pollutant_code"])).one_or_none()
    if result is None:
        result = SupervisoryResult(**row, entered_by=actor.username)
        session.add(result)
    else:
        for name, value in row.items():
            setattr(result, name, value)
        result.entered_by = actor.username
    return result
