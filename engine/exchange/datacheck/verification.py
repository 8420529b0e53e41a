"""涉税数据监查核实 (tax_data_verification): the county verifies a finding; the conclusion goes to the tax side.

The start data carries the finding id; the county's answer (confirmed / dismissed, an opinion, optionally
the verified emissions) is stored on the finding and queued as review feedback (复核反馈) for the tax side
to pull, keyed ``INS-<finding id>`` so a repeated hook corrects rather than duplicates it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Role
from engine.audit import trail as audit
from engine.db import utcnow
from engine.errors import Conflict, InvalidInput, NotAllowed
from engine.exchange import outgoing
from engine.exchange.datacheck.models import Finding, FindingStatus
from engine.exchange.datacheck.rule_defaults import RULE_NAMES
from engine.scoping import can_see_instance
from engine.workflow.hooks import IndexFields, ProcessHooks, StartContext, StepContext

PROCESS_KEY = "tax_data_verification"
HOOKS = ProcessHooks(PROCESS_KEY, IndexFields(kind=("kind",), enterprise_name=("taxpayer_code",)))
REVIEWER_ROLES = frozenset({Role.ADMIN, Role.PROVINCE_REVIEWER, Role.CITY_REVIEWER, Role.COUNTY_REVIEWER})


@HOOKS.before_start
def _check(context: StartContext) -> dict[str, Any]:
    if not context.actor.roles & REVIEWER_ROLES:
        raise NotAllowed("监查核实由审核人员发起 (reviewers start verifications)")
    finding = _finding(context.session, context.data.get("finding_id"))
    if not can_see_instance(context.actor, finding.region_code, finding.taxpayer_code):
        raise NotAllowed("该监查发现不在本辖区 (outside the actor's region)")
    if finding.status != FindingStatus.OPEN or finding.region_code != context.region_code:
        raise Conflict(f"监查发现 {finding.id} 不能发起核实 (not open, or another region)")
    return {"kind": finding.rule, "finding_id": finding.id, "rule_name": RULE_NAMES[finding.rule],
            "period": finding.period, "taxpayer_code": finding.taxpayer_code, "outlet_code": finding.outlet_code,
            "pollutant": finding.pollutant, "declared": finding.declared, "observed": finding.observed,
            "limit": finding.limit, "note": str(context.data.get("note") or "")[:2000]}


@HOOKS.after("start")
def _attach(context: StepContext) -> None:
    finding = _finding(context.session, context.data["finding_id"])
    finding.instance_id, finding.status = context.instance.id, FindingStatus.VERIFYING
    context.session.flush()
    audit.record(context.session, context.actor, "exchange.verification_start", instance_id=context.instance.id,
                 payload={"finding": finding.id, "rule": finding.rule, "period": finding.period})


@HOOKS.after("end_verified")
def _conclude(context: StepContext) -> None:
    data = context.data
    finding = _finding(context.session, data["finding_id"])
    conclusion = str(data.get("conclusion"))
    finding.status = FindingStatus.CONFIRMED if conclusion == "confirmed" else FindingStatus.DISMISSED
    finding.conclusion, finding.opinion = conclusion, str(data.get("opinion") or "")
    finding.verified_by, finding.verified_at = context.actor.username, utcnow()
    outgoing.queue_review_feedback(
        context.session, key=f"INS-{finding.id}", credit_code=finding.taxpayer_code, region_code=finding.region_code,
        tax_period=finding.period, conclusion=conclusion, opinion=finding.opinion,
        reviewed_emission_kg=data.get("verified_emission_kg"), source="inspection")
    audit.record(context.session, context.actor, "exchange.verification_answer", instance_id=context.instance.id,
                 payload={"finding": finding.id, "conclusion": conclusion})


def _finding(session: Session, finding_id: Any) -> Finding:
    row = session.scalars(select(Finding).where(Finding.id == finding_id)).first() \
        if isinstance(finding_id, int) and 0 < finding_id < 2**31 else None
    if row is None:
        raise InvalidInput("监查发现不存在 (no such finding)", fields={"finding_id": ["监查发现不存在"]})
    return row
