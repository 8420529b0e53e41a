"""The 数据监查表 in the application: findings listed within the reviewer's region, and starting their verification."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.errors import Conflict, InvalidInput, NotFound
from engine.exchange.datacheck.matching import require_reviewer
from engine.exchange.datacheck.models import Finding, FindingStatus
from engine.exchange.datacheck.rule_defaults import RULE_NAMES
from engine.identifiers import valid_credit_code
from engine.instances import service as instances
from engine.instances.service import StartRequest
from engine.scoping import instance_clause
from engine.workflow.models import ProcessInstance

PROCESS_KEY = "tax_data_verification"
PAGE_SIZE = 50


@dataclass(frozen=True)
class FindingFilter:
    period: str | None = None
    rule: str | None = None
    status: str | None = None
    region_prefix: str | None = None


@dataclass(frozen=True)
class FindingPage:
    items: list[Finding]
    total: int
    page: int
    page_size: int


def _query(actor: Actor, wanted: FindingFilter) -> Select[Finding]:
    query = select(Finding).where(instance_clause(actor, Finding.region_code, Finding.taxpayer_code))
    if wanted.period:
        query = query.where(Finding.period == wanted.period)
    if wanted.rule:
        if wanted.rule not in RULE_NAMES:
            raise InvalidInput("rule: 未知的监查规则 (unknown rule)", fields={"rule": ["未知的监查规则"]})
        query = query.where(Finding.rule == wanted.rule)
    if wanted.status:
        if wanted.status not in {s.value for s in FindingStatus}:
            raise InvalidInput("status: 未知的状态 (unknown status)", fields={"status": ["未知的状态"]})
        query = query.where(Finding.status == wanted.status)
    if wanted.region_prefix:
        query = query.where(Finding.region_code.startswith(wanted.region_prefix, autoescape=True))
    return query


def listing(session: Session, actor: Actor, wanted: FindingFilter, *, page: int = 1,
            page_size: int = PAGE_SIZE) -> FindingPage:
    """Findings within the actor's region, newest month first.

    :raises NotAllowed: unless a reviewer or administrator. :raises InvalidInput: unknown rule or status.
    """
    require_reviewer(actor)
    query = _query(actor, wanted)
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = session.scalars(query.order_by(Finding.period.desc(), Finding.region_code, Finding.rule, Finding.id)
                           .offset((max(page, 1) - 1) * page_size).limit(page_size))
    return FindingPage(list(rows), total, max(page, 1), page_size)


def get(session: Session, actor: Actor, finding_id: int) -> Finding:
    """:raises NotFound: unknown, or outside the actor's region. :raises NotAllowed: unless a reviewer."""
    require_reviewer(actor)
    row = session.scalars(select(Finding).where(Finding.id == finding_id, instance_clause(
        actor, Finding.region_code, Finding.taxpayer_code))).first() if 0 < finding_id < 2**31 else None
    if row is None:
        raise NotFound(f"finding {finding_id} not found")
    return row


def start_verification(session: Session, actor: Actor, finding_id: int, note: str = "") -> ProcessInstance:
    """Send a finding to its county for verification (starts ``tax_data_verification``).

    :raises NotFound: unknown finding, or outside the actor's region.
    :raises Conflict: the finding is not open (already verifying, decided or cleared).
    :raises NotAllowed: the actor may not start work in the finding's region.
    """
    finding = get(session, actor, finding_id)
    if finding.status != FindingStatus.OPEN:
        raise Conflict(f"监查发现 {finding_id} 状态为 {finding.status}，不能再发起核实 (not open)")
    code = finding.taxpayer_code if valid_credit_code(finding.taxpayer_code) else None
    return instances.start(session, actor, StartRequest(
        PROCESS_KEY, finding.region_code, code, business_key=f"finding-{finding.id}",
        subject=f"涉税数据监查核实：{RULE_NAMES[finding.rule]}（{finding.period}）",
        data={"finding_id": finding.id, "note": note[:2000]}))

