"""Matching the tax side's records to the register: taxpayers to enterprises, tax sources to outlets.

A taxpayer matches the enterprise with its unified social credit code; a tax source matches the
monitoring point (the permitted outlet) of that enterprise with its outlet code. What neither code
matches waits on a page per county until a reviewer links it (to an enterprise, or a point) or marks
it as not regulated; each resolution is one :class:`MatchLink`, audited. The matched data is SQL
(:func:`taxpayer_matches`, :func:`source_matches`), so the inspection rules join it set-wise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, case, func, literal, null, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Subquery

from engine.actors import Actor, Role
from engine.audit import trail as audit
from engine.errors import Conflict, InvalidInput, NotAllowed, NotFound
from engine.exchange.datacheck.models import MatchLink, RecordKind, Resolution
from engine.exchange.models import TaxSource, TaxTaxpayer
from engine.monitoring.models import Enterprise, MonitoringPoint
from engine.scoping import can_see_instance, instance_clause

REVIEWERS = frozenset({Role.ADMIN, Role.PROVINCE_REVIEWER, Role.CITY_REVIEWER, Role.COUNTY_REVIEWER})
PAGE_SIZE = 50


def taxpayer_matches() -> Subquery:
    """Every taxpayer with the enterprise it matches (``enterprise_id`` NULL: unmatched or not regulated).

    Columns: ``credit_code``, ``record_key``, ``enterprise_id``, ``region_code`` (the enterprise's when
    matched, else the tax side's), ``resolution`` (NULL when the credit code matched by itself).
    """
    link = select(MatchLink).where(MatchLink.record_kind == RecordKind.TAXPAYER).subquery("taxpayer_link")
    by_code = select(Enterprise.id, Enterprise.credit_code).subquery("by_code")
    enterprise_id = case((link.c.resolution == Resolution.LINKED, link.c.enterprise_id),
                         (link.c.resolution == Resolution.NOT_REGULATED, null()), else_=by_code.c.id)
    matched = (select(TaxTaxpayer.credit_code, TaxTaxpayer.record_key, enterprise_id.label("enterprise_id"),
                      TaxTaxpayer.region_code.label("tax_region_code"), link.c.resolution)
               .outerjoin(by_code, by_code.c.credit_code == TaxTaxpayer.credit_code)
               .outerjoin(link, link.c.record_key == TaxTaxpayer.record_key)).subquery("tm0")
    return (select(matched, func.coalesce(Enterprise.region_code, matched.c.tax_region_code).label("region_code"),
                   Enterprise.credit_code.label("enterprise_code"))
            .outerjoin(Enterprise, Enterprise.id == matched.c.enterprise_id)).subquery("taxpayer_matches")


def outlet_points() -> Subquery:
    """One monitoring point per enterprise and outlet code (the lowest id when a code is reused)."""
    return (select(MonitoringPoint.enterprise_id, MonitoringPoint.outlet_code, func.min(MonitoringPoint.id).label("id"))
            .where(MonitoringPoint.outlet_code != "")
            .group_by(MonitoringPoint.enterprise_id, MonitoringPoint.outlet_code)).subquery("outlet_points")


def source_matches(taxpayers: Subquery | None = None) -> Subquery:
    """Every tax source with its taxpayer's enterprise and the point of its outlet (``point_id`` NULL: none).

    Columns: the tax source's own (``record_key``, ``source_no``, ``credit_code``, ``outlet_code``,
    ``pollutant_code``, ``method``, ``valid_from``, ``valid_to``), ``enterprise_id``, ``region_code``,
    ``point_id``, ``resolution``.
    """
    tm = taxpayers if taxpayers is not None else taxpayer_matches()
    link = select(MatchLink).where(MatchLink.record_kind == RecordKind.TAX_SOURCE).subquery("source_link")
    points = outlet_points()
    point_id = case((link.c.resolution == Resolution.LINKED, link.c.point_id),
                    (link.c.resolution == Resolution.NOT_REGULATED, null()), else_=points.c.id)
    return (select(TaxSource.record_key, TaxSource.source_no, TaxSource.credit_code, TaxSource.outlet_code,
                   TaxSource.pollutant_code, TaxSource.method, TaxSource.valid_from, TaxSource.valid_to,
                   tm.c.enterprise_id, tm.c.region_code, tm.c.enterprise_code, point_id.label("point_id"),
                   link.c.resolution)
            .join(tm, tm.c.credit_code == TaxSource.credit_code)
            .outerjoin(points, and_(points.c.enterprise_id == tm.c.enterprise_id,
                                    points.c.outlet_code == TaxSource.outlet_code))
            .outerjoin(link, link.c.record_key == TaxSource.record_key)).subquery("source_matches")


@dataclass(frozen=True)
class Unmatched:
    kind: str  # taxpayer / tax_source
    record_key: str
    credit_code: str
    name: str  # taxpayer name, or the tax source's outlet and pollutant
    region_code: str
    outlet_code: str
    pollutant_code: str


@dataclass(frozen=True)
class UnmatchedPage:
    items: list[Unmatched]
    total: int
    page: int
    page_size: int


def require_reviewer(actor: Actor) -> None:
    """:raises NotAllowed: unless a reviewer or administrator."""
    if not actor.roles & REVIEWERS:
        raise NotAllowed("仅审核人员处理匹配 (matching is for reviewers)")


def _unmatched_query(actor: Actor, region_prefix: str | None) -> Select[Any]:
    tm = taxpayer_matches()
    taxpayers = (select(literal(RecordKind.TAXPAYER.value).label("kind"), tm.c.record_key, tm.c.credit_code,
                        TaxTaxpayer.name.label("name"), tm.c.region_code, literal("").label("outlet_code"),
                        literal("").label("pollutant_code"))
                 .join(TaxTaxpayer, TaxTaxpayer.record_key == tm.c.record_key)
                 .where(tm.c.enterprise_id.is_(None), tm.c.resolution.is_(None)))
    sm = source_matches(tm)
    sources = (select(literal(RecordKind.TAX_SOURCE.value).label("kind"), sm.c.record_key, sm.c.credit_code,
                      sm.c.source_no.label("name"), sm.c.region_code, sm.c.outlet_code, sm.c.pollutant_code)
               .where(sm.c.enterprise_id.is_not(None), sm.c.point_id.is_(None), sm.c.resolution.is_(None),
                      sm.c.method == "automatic"))
    both = taxpayers.union_all(sources).subquery("unmatched")
    query = select(both).where(instance_clause(actor, both.c.region_code, both.c.credit_code))
    if region_prefix:
        query = query.where(both.c.region_code.startswith(region_prefix, autoescape=True))
    return query


def unmatched(session: Session, actor: Actor, *, region_prefix: str | None = None, page: int = 1,
              page_size: int = PAGE_SIZE) -> UnmatchedPage:
    """The records no code matched and nobody resolved yet, within the actor's region.

    Tax sources count only when measured by automatic monitoring (others have no point to match).

    :raises NotAllowed: unless a reviewer or administrator.
    """
    require_reviewer(actor)
    query = _unmatched_query(actor, region_prefix).subquery("page")
    total = int(session.scalar(select(func.count()).select_from(query)) or 0)
    rows = session.execute(select(query).order_by(query.c.region_code, query.c.kind, query.c.record_key)
                           .offset((max(page, 1) - 1) * page_size).limit(page_size)).all()
    return UnmatchedPage([Unmatched(**row._mapping) for row in rows], total, max(page, 1), page_size)


def counts_by_region(session: Session, actor: Actor) -> dict[str, int]:
    """How many records wait per county (the page's overview).

    :raises NotAllowed: unless a reviewer or administrator.
    """
    require_reviewer(actor)
    query = _unmatched_query(actor, None).subquery("waiting")
    rows = session.execute(select(query.c.region_code, func.count()).group_by(query.c.region_code)
                           .order_by(query.c.region_code))
    return {str(row[0]): int(row[1]) for row in rows}


def resolve(session: Session, actor: Actor, kind: str, record_key: str, *, resolution: str,
            enterprise_code: str | None = None, point_mn: str | None = None, note: str = "") -> MatchLink:
    """Link a record (taxpayer → enterprise by credit code; tax source → point by MN) or mark it not regulated.

    :raises NotAllowed: unless a reviewer. :raises NotFound: unknown record, or outside the actor's region.
    :raises InvalidInput: naming ``resolution``, ``enterprise_code`` or ``point_mn``.
    :raises Conflict: the record is already resolved.
    """
    require_reviewer(actor)
    record = _waiting_record(session, actor, kind, record_key)
    if resolution not in (Resolution.LINKED, Resolution.NOT_REGULATED):
        raise InvalidInput("处理方式无效 (invalid resolution)", fields={"resolution": ["须为 linked 或 not_regulated"]})
    enterprise_id, point_id = None, None
    if resolution == Resolution.LINKED:
        enterprise_id, point_id = _link_target(session, actor, record, enterprise_code, point_mn)
    link = MatchLink(record_kind=kind, record_key=record_key, region_code=record.region_code, resolution=resolution,
                     enterprise_id=enterprise_id, point_id=point_id, note=note[:2000], resolved_by=actor.username)
    session.add(link)
    session.flush()
    audit.record(session, actor, "exchange.match_resolve", payload={
        "kind": kind, "record_key": record_key, "resolution": resolution, "enterprise_id": enterprise_id,
        "point_id": point_id, "note": link.note})
    return link


def _waiting_record(session: Session, actor: Actor, kind: str, record_key: str) -> Unmatched:
    if kind not in (RecordKind.TAXPAYER, RecordKind.TAX_SOURCE):
        raise InvalidInput("记录类型无效 (invalid record kind)", fields={"kind": ["须为 taxpayer 或 tax_source"]})
    if session.scalar(select(MatchLink.id).where(MatchLink.record_kind == kind, MatchLink.record_key == record_key)):
        raise Conflict(f"{record_key} 已处理 (already resolved)")
    query = _unmatched_query(actor, None).subquery("one")
    row = session.execute(select(query).where(query.c.kind == kind, query.c.record_key == record_key)).first()
    if row is None:
        raise NotFound(f"unmatched record {record_key!r} not found")
    return Unmatched(**row._mapping)


def _link_target(session: Session, actor: Actor, record: Unmatched, enterprise_code: str | None,
                 point_mn: str | None) -> tuple[int, int | None]:
    if record.kind == RecordKind.TAXPAYER:
        enterprise = session.scalars(select(Enterprise).where(Enterprise.credit_code == (enterprise_code or ""))).first()
        if enterprise is None or not _covers(actor, enterprise):
            raise InvalidInput("未找到该企业 (no such enterprise)", fields={"enterprise_code": ["企业名录中无此信用代码"]})
        return enterprise.id, None
    sm = source_matches().alias("sm_one")
    enterprise_id = session.scalar(select(sm.c.enterprise_id).where(sm.c.record_key == record.record_key))
    point = session.scalars(select(MonitoringPoint).where(MonitoringPoint.mn == (point_mn or ""),
                                                          MonitoringPoint.enterprise_id == enterprise_id)).first()
    if point is None:
        raise InvalidInput("该企业无此监测点 (no such point of the enterprise)", fields={"point_mn": ["须为该企业的监测点 MN"]})
    return point.enterprise_id, point.id


def _covers(actor: Actor, enterprise: Enterprise) -> bool:
    return can_see_instance(actor, enterprise.region_code, enterprise.credit_code)


def resolutions(session: Session, actor: Actor, limit: int = 100) -> list[MatchLink]:
    """The latest resolutions within the actor's region (the page's history).

    :raises NotAllowed: unless a reviewer or administrator.
    """
    require_reviewer(actor)
    return list(session.scalars(select(MatchLink).where(instance_clause(actor, MatchLink.region_code, literal("")))
                                .order_by(MatchLink.resolved_at.desc(), MatchLink.id.desc()).limit(limit)))
