"""Verifiable draws: commit (seed commitment + inputs hash recorded), run, reveal, redraw — each audited.

No one, an administrator included, can draw quietly: only the plan's organiser commits and runs a draw,
a second draw of a plan is a redraw with its reason that supersedes (never deletes) the first, and the
commitment is recorded before the result exists. See docs/inspection-draw.md.
"""

from __future__ import annotations

import secrets
from datetime import date

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from engine.actors import SYSTEM, Actor
from engine.audit import trail as audit
from engine.db import utcnow
from engine.errors import Conflict, InvalidInput, NotAllowed, NotFound
from engine.inspection import algorithm, inputs
from engine.inspection.access import manages
from engine.inspection.models import Draw, DrawAssignment, DrawStatus, InspectionPlan, PlanStatus


def _organised_plan(session: Session, actor: Actor, plan_id: int, *, lock: bool) -> InspectionPlan:
    """The plan, if the actor organises it; ``lock`` serialises commits of one plan (its row locked)."""
    plan = session.get(InspectionPlan, plan_id, with_for_update=lock or None)
    if plan is None or not manages(actor, plan.body_region_code):
        raise NotFound(f"抽查计划 {plan_id} 不存在 (no such plan)")
    if plan.organiser != actor.username:
        raise NotAllowed("只有计划的组织者可以抽取 (only the plan's organiser draws)")
    return plan


def current(session: Session, plan_id: int) -> Draw | None:
    """The plan's latest draw that is not superseded (committed, drawn or revealed)."""
    return session.scalars(select(Draw).where(Draw.plan_id == plan_id, Draw.status != DrawStatus.SUPERSEDED)
                           .order_by(Draw.sequence.desc()).limit(1)).first()


def commit(session: Session, actor: Actor, plan_id: int, redraw_reason: str = "") -> Draw:
    """Freeze the inputs, choose a secret seed, record both hashes (audited) — before any result exists.

    A plan that already has a draw gets a redraw: ``redraw_reason`` is required and the earlier draw is
    superseded (kept, visible). A revealed draw is final.

    :raises NotAllowed: not the organiser.  :raises Conflict: the plan's draw is revealed or the plan closed.
    :raises InvalidInput: a redraw without reason, or inputs that cannot be drawn (see :func:`inputs.freeze`).
    """
    plan = _organised_plan(session, actor, plan_id, lock=True)
    history = list(session.scalars(select(Draw).where(Draw.plan_id == plan.id).order_by(Draw.sequence.desc())))
    earlier = next((d for d in history if d.status != DrawStatus.SUPERSEDED), None)
    if plan.status == PlanStatus.CLOSED or (earlier and earlier.status == DrawStatus.REVEALED):
        raise Conflict("抽取结果已公开，不能重新抽取 (the draw is revealed; it is final)")
    if earlier is not None and not redraw_reason.strip():
        raise InvalidInput("重新抽取须说明理由 (a redraw needs its reason)", fields={"reason": ["此项为必填项"]})
    document = inputs.freeze(session, plan)
    seed = secrets.token_hex(32)
    sequence = history[0].sequence + 1 if history else 1
    draw = Draw(plan_id=plan.id, sequence=sequence, algorithm=algorithm.ALGORITHM, status=DrawStatus.COMMITTED,
                seed_commitment=algorithm.commitment(seed),
                inputs_hash=algorithm.sha256_hex(algorithm.canonical(document)), inputs=document, seed=seed,
                redraw_of_id=earlier.id if earlier else None, redraw_reason=redraw_reason.strip(),
                committed_by=actor.username)
    if earlier is not None:
        earlier.status = DrawStatus.SUPERSEDED
    session.add(draw)
    session.flush()
    audit.record(session, actor, "inspection.draw_commit", payload={
        "key": draw.id, "plan": plan.id, "number": sequence, "commitment": draw.seed_commitment,
        "inputs_hash": draw.inputs_hash, "replaced": earlier.id if earlier else None, "reason": draw.redraw_reason})
    return draw


def run(session: Session, actor: Actor, draw_id: int) -> Draw:
    """Run a committed draw with its frozen inputs and seed; store the assignments and the result hash.

    :raises NotFound:  :raises NotAllowed: not the organiser.  :raises Conflict: not in the committed state.
    """
    draw = session.get(Draw, draw_id, with_for_update=True)
    if draw is None:
        raise NotFound(f"抽取 {draw_id} 不存在 (no such draw)")
    plan = _organised_plan(session, actor, draw.plan_id, lock=False)  # the draw's row lock suffices
    if draw.status != DrawStatus.COMMITTED:
        raise Conflict("该次抽取已执行或已被替代 (the draw is not awaiting its run)")
    result = algorithm.run(draw.inputs, draw.seed)
    if result:  # one executemany: a city's draw holds hundreds of rows
        session.execute(insert(DrawAssignment), [
            {"draw_id": draw.id, "position": a.position, "object_id": a.object_id, "object_class": a.object_class,
             "officer1_id": a.officer_ids[0], "officer2_id": a.officer_ids[1],
             "planned_date": date.fromisoformat(a.planned_date)} for a in result])
    draw.result_hash = algorithm.result_hash(result)
    draw.status, draw.drawn_by, draw.drawn_at = DrawStatus.DRAWN, actor.username, utcnow()
    plan.status, plan.updated_at = PlanStatus.DRAWN, utcnow()
    session.flush()
    audit.record(session, actor, "inspection.draw_run",
                 payload={"key": draw.id, "plan": plan.id, "records": len(result), "result": draw.result_hash})
    return draw


def reveal(session: Session, actor: Actor, draw_id: int, today: date) -> Draw:
    """Publish the seed once every planned inspection date has passed (organiser or administrator).

    :raises NotFound:  :raises NotAllowed:  :raises Conflict: not drawn, or an inspection date still ahead.
    """
    draw = session.get(Draw, draw_id, with_for_update=True)
    plan = session.get(InspectionPlan, draw.plan_id) if draw else None
    if draw is None or plan is None or not manages(actor, plan.body_region_code):
        raise NotFound(f"抽取 {draw_id} 不存在 (no such draw)")
    if not (actor.is_admin or actor.username == plan.organiser):
        raise NotAllowed("只有计划的组织者或管理员可以公开随机种子 (organiser or administrator)")
    if draw.status != DrawStatus.DRAWN:
        raise Conflict("只有已执行且未被替代的抽取可以公开种子 (only a drawn draw is revealed)")
    last = session.scalar(select(func.max(DrawAssignment.planned_date)).where(DrawAssignment.draw_id == draw.id))
    if last is not None and last >= today:
        raise Conflict(f"检查尚未全部完成（最后计划检查日 {last.isoformat()}）(inspections ahead)")
    draw.status, draw.revealed_by, draw.revealed_at = DrawStatus.REVEALED, actor.username, utcnow()
    session.flush()
    audit.record(session, actor, "inspection.draw_reveal", payload={"key": draw.id, "plan": plan.id})
    return draw


def reveal_due(session: Session, today: date) -> list[int]:
    """Reveal, as the system, every drawn draw whose planned dates are all past (the nightly job); audited."""
    last = (select(DrawAssignment.draw_id, func.max(DrawAssignment.planned_date).label("last"))
            .group_by(DrawAssignment.draw_id).subquery())
    due = list(session.scalars(select(Draw).join(last, last.c.draw_id == Draw.id)
                               .where(Draw.status == DrawStatus.DRAWN, last.c.last < today)))
    for draw in due:
        draw.status, draw.revealed_by, draw.revealed_at = DrawStatus.REVEALED, SYSTEM.username, utcnow()
        audit.record(session, SYSTEM, "inspection.draw_reveal", payload={"key": draw.id, "plan": draw.plan_id})
    session.flush()
    return [draw.id for draw in due]
