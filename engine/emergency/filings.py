"""应急预案备案 (emergency_plan_filing): an enterprise files its emergency plan; the county checks completeness.

Filing numbers follow 企业事业单位突发环境事件应急预案备案管理办法: region code, year,
sequence and risk level (L 一般, M 较大, H 重大), with T for a plan covering several
regions — e.g. ``440106-2026-001-L``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.audit import trail as audit
from engine.db import utcnow
from engine.emergency.models import EmergencyPlanFiling
from engine.errors import NotFound
from engine.instances import service as instances
from engine.instances.casework import (
    assign_number,
    local_year,
    next_sequence,
    require_own_enterprise,
    start_and_submit,
)
from engine.instances.service import StartRequest
from engine.workflow.hooks import ProcessHooks, StartContext, StepContext
from engine.workflow.models import ProcessInstance

PROCESS_KEY = "emergency_plan_filing"
HOOKS = ProcessHooks(PROCESS_KEY)
FORM_KEY = "emergency_plan_submit"
RISK_LETTERS = {"general": "L", "larger": "M", "major": "H"}

HOOKS.starters(Role.ENTERPRISE)


def submit(session: Session, actor: Actor, region_code: str, data: dict[str, Any]) -> ProcessInstance:
    """File a plan with its documents in one step (start and first task).

    :raises NotAllowed: unless the actor is the enterprise.
    :raises InvalidForm: naming the fields that are wrong.
    """
    request = StartRequest(process_key=PROCESS_KEY, region_code=region_code, enterprise_code=actor.enterprise_code,
                           subject=f"应急预案备案：{str(data.get('plan_name') or '')[:100]}")
    return start_and_submit(session, actor, request, FORM_KEY, data)


@HOOKS.before_start
def _enterprise_only(context: StartContext) -> dict[str, Any]:
    require_own_enterprise(context.actor, context.enterprise_code, "申请应急预案备案")
    return {"kind": "emergency_plan"}


@HOOKS.after("start")
def _open(context: StepContext) -> None:
    instance = context.instance
    context.session.add(EmergencyPlanFiling(instance_id=instance.id, enterprise_code=instance.enterprise_code or "",
                                            region_code=instance.region_code, status="submitted"))
    context.session.flush()


@HOOKS.after("submit")
def _record_plan(context: StepContext) -> None:
    filing = _of(context.session, context.instance.id)
    data = context.data
    filing.plan_name = str(data.get("plan_name") or "")[:200]
    filing.risk_level = data.get("risk_level")
    filing.cross_region = bool(data.get("cross_region"))
    filing.documents = list(data.get("documents") or [])
    filing.status = "submitted"


@HOOKS.after("county_check")
def _record_check(context: StepContext) -> None:
    if context.data.get("decision") != "return":
        return
    filing = _of(context.session, context.instance.id)
    filing.status, filing.missing_items = "returned", str(context.data.get("missing_items") or "")
    filing.return_rounds += 1


@HOOKS.after("end_filed")
def _issue_number(context: StepContext) -> None:
    session = context.session
    filing = _of(session, context.instance.id)
    prefix = f"{filing.region_code}-{local_year()}-"
    suffix = RISK_LETTERS.get(filing.risk_level or "", "L") + ("T" if filing.cross_region else "")

    def make() -> str:
        return f"{prefix}{next_sequence(session, EmergencyPlanFiling.filing_number, prefix):03d}-{suffix}"

    number = assign_number(session, filing, "filing_number", make)
    filing.status, filing.filed_by, filing.filed_at, filing.missing_items = "filed", context.actor.username, utcnow(), ""
    audit.record(session, context.actor, "emergency.filed", instance_id=context.instance.id,
                 payload={"filing": filing.id, "filing_number": number})


@HOOKS.after("end_refused")
def _refuse(context: StepContext) -> None:
    filing = _of(context.session, context.instance.id)
    filing.status = "refused"
    audit.record(context.session, context.actor, "emergency.refused", instance_id=context.instance.id,
                 payload={"filing": filing.id, "return_rounds": filing.return_rounds})


def _of(session: Session, instance_id: int) -> EmergencyPlanFiling:
    return session.scalars(select(EmergencyPlanFiling).where(EmergencyPlanFiling.instance_id == instance_id)).one()


def filing_of(session: Session, actor: Actor, instance_id: int) -> EmergencyPlanFiling:
    """:raises NotFound: when the instance carries no filing or lies outside the actor's scope."""
    instances.get(session, actor, instance_id)
    filing = session.scalars(select(EmergencyPlanFiling).where(EmergencyPlanFiling.instance_id == instance_id)).first()
    if filing is None:
        raise NotFound(f"instance {instance_id} carries no emergency plan filing")
    return filing
