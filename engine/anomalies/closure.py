"""超标/异常数据闭环 (anomaly_closure): evidence rules, conclusions and referrals to enforcement.

- ``repeated`` (a repeated anomaly of one point, as the monitoring side judges it) is a
  start fact the model routes on; it defaults to false.
- Closing records the conclusion on the monitoring side's anomaly case (by instance);
  a referral (移交执法) also leaves a referral record with its reference number.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.anomalies.models import EnforcementReferral
from engine.audit import trail as audit
from engine.db import utcnow
from engine.errors import NotFound
from engine.instances import service as instances
from engine.instances.casework import assign_number, local_year, next_sequence
from engine.monitoring.models import AnomalyCase
from engine.workflow.hooks import IndexFields, ProcessHooks, StartContext, StepContext

PROCESS_KEY = "anomaly_closure"
HOOKS = ProcessHooks(PROCESS_KEY, IndexFields(kind=("anomaly_type", "kind"), point=("point_mn", "point")))
DEFAULT_CONCLUSION = "explanation_accepted"  # 说明合理: accepted without a conclusion chosen
REFERRED = "referred"


@HOOKS.before_start
def _normalize(context: StartContext) -> dict[str, Any]:
    return {**context.data, "repeated": context.data.get("repeated") is True}


@HOOKS.after("end_closed")
def _close(context: StepContext) -> None:
    conclusion = str(context.data.get("conclusion") or DEFAULT_CONCLUSION)
    _conclude(context, conclusion)


@HOOKS.after("end_referred")
def _refer(context: StepContext) -> None:
    session, instance = context.session, context.instance
    case = _conclude(context, REFERRED)
    referral = EnforcementReferral(
        reference_no=f"pending-{instance.id}", instance_id=instance.id, anomaly_case_id=case.id if case else None,
        enterprise_code=instance.enterprise_code, region_code=instance.region_code,
        opinion=str(context.data.get("opinion") or ""), referred_by=context.actor.username)
    session.add(referral)
    session.flush()
    prefix = f"YJZF-{instance.region_code}-{local_year()}-"
    number = assign_number(session, referral, "reference_no",
                           lambda: f"{prefix}{next_sequence(session, EnforcementReferral.reference_no, prefix):04d}")
    audit.record(session, context.actor, "anomaly.refer", instance_id=instance.id,
                 payload={"referral": referral.id, "reference_no": number, "opinion": referral.opinion})


def _conclude(context: StepContext, conclusion: str) -> AnomalyCase | None:
    case = context.session.scalars(select(AnomalyCase).where(AnomalyCase.instance_id == context.instance.id)).first()
    if case is not None:
        case.conclusion, case.closed_at, case.updated_at = conclusion, utcnow(), utcnow()
    audit.record(context.session, context.actor, "anomaly.conclude", instance_id=context.instance.id,
                 payload={"conclusion": conclusion, "case": case.id if case else None})
    return case


def referral_of(session: Session, actor: Actor, instance_id: int) -> EnforcementReferral:
    """:raises NotFound: when the instance was not referred or lies outside the actor's scope."""
    instances.get(session, actor, instance_id)
    referral = session.scalars(select(EnforcementReferral).where(EnforcementReferral.instance_id == instance_id)).first()
    if referral is None:
        raise NotFound(f"instance {instance_id} was not referred to enforcement")
    return referral


def conclusion_of(session: Session, actor: Actor, instance_id: int) -> str | None:
    """The conclusion the instance closed with, from its audit trail (also when no anomaly case row exists)."""
    for event in reversed(instances.timeline(session, actor, instance_id)):
        if event.action == "anomaly.conclude":
            return str(event.payload.get("conclusion"))
    return None
