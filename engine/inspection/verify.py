"""Recompute a draw bit for bit from its published inputs and seed, and say which check failed.

Four checks: the seed matches the commitment recorded before the draw; the inputs match their hash; both
hashes are the ones the audit trail recorded when the draw was committed (so rewriting a hash in the
draws table is caught too); the algorithm run again gives exactly the stored assignments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit.models import AuditEvent
from engine.errors import NotFound
from engine.inspection import algorithm
from engine.inspection.algorithm import Assignment, DrawInfeasible
from engine.inspection.models import Draw, DrawAssignment, DrawStatus


@dataclass(frozen=True)
class Check:
    name: str  # seed / inputs / audit / result
    ok: bool
    detail: str


@dataclass
class Verification:
    draw_id: int
    checks: list[Check] = field(default_factory=list)
    recomputed_hash: str | None = None

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(check.ok for check in self.checks)


def stored_assignments(session: Session, draw_id: int) -> list[Assignment]:
    rows = session.scalars(select(DrawAssignment).where(DrawAssignment.draw_id == draw_id)
                           .order_by(DrawAssignment.position))
    return [Assignment(r.position, r.object_id, r.object_class, (r.officer1_id, r.officer2_id),
                       r.planned_date.isoformat()) for r in rows]


def check_document(draw_id: int, inputs: dict[str, Any], seed: str, commitment: str, inputs_hash: str,
                   stored: list[Assignment]) -> Verification:
    """The checks that need nothing but the published values (what any third party can run)."""
    result = Verification(draw_id)
    seed_ok = algorithm.commitment(seed) == commitment
    result.checks.append(Check("seed", seed_ok, "sha256(seed) = 承诺值" if seed_ok else
                               f"sha256(seed) = {algorithm.commitment(seed)} ≠ 承诺值 {commitment}"))
    actual = algorithm.sha256_hex(algorithm.canonical(inputs))
    result.checks.append(Check("inputs", actual == inputs_hash, "输入清单摘要一致" if actual == inputs_hash else
                               f"输入清单摘要 {actual} ≠ 公布值 {inputs_hash}"))
    try:
        recomputed = algorithm.run(inputs, seed)
    except (DrawInfeasible, KeyError, TypeError, ValueError) as exc:
        result.checks.append(Check("result", False, f"无法重算 (cannot recompute): {exc}"))
        return result
    result.recomputed_hash = algorithm.result_hash(recomputed)
    differing = [a.position for a, b in zip(recomputed, stored) if a != b]
    same = not differing and len(recomputed) == len(stored)
    result.checks.append(Check("result", same, f"重算结果与公布结果一致（{len(stored)} 条）" if same else
                               f"重算结果不一致：第 {differing[:5] or [min(len(recomputed), len(stored))]} 条起"))
    return result


def verify(session: Session, draw_id: int, *, public: bool) -> Verification:
    """Verify a stored draw; ``public`` callers (the public page) may verify only revealed draws.

    :raises NotFound: no such draw, or (public) its seed is not revealed yet.
    """
    draw = session.get(Draw, draw_id)
    if draw is None or draw.status == DrawStatus.COMMITTED or (public and draw.status != DrawStatus.REVEALED):
        raise NotFound(f"抽取 {draw_id} 不存在或尚未公开 (no such revealed draw)")
    result = check_document(draw.id, draw.inputs, draw.seed, draw.seed_commitment, draw.inputs_hash,
                            stored_assignments(session, draw.id))
    result.checks.insert(2, _audit_check(session, draw))
    return result


def _audit_check(session: Session, draw: Draw) -> Check:
    recorded: dict[str, Any] | None = None
    payload: dict[str, Any]
    for payload in session.scalars(select(AuditEvent.payload).where(AuditEvent.action == "inspection.draw_commit")
                                   .order_by(AuditEvent.seq.desc())):
        if payload.get("key") == draw.id:
            recorded = payload
            break
    if recorded is None:
        return Check("audit", False, "审计记录中没有该次抽取的承诺 (no commitment in the audit trail)")
    same = (recorded.get("commitment"), recorded.get("inputs_hash")) == (draw.seed_commitment, draw.inputs_hash)
    return Check("audit", same, "承诺值与审计记录一致" if same else "承诺值或输入摘要与抽取前的审计记录不一致")
