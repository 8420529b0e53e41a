"""The bundled processes' hooks, each declared by the capability that serves it, wired at start.

Every edge that can move a workflow (the app factory, the command line, the
benchmarks, the tests) calls :func:`wire` once before it does; the runtime refuses
to run before that (:func:`engine.workflow.hooks.registry`).

| process | capability |
|---|---|
| anomaly_closure | :mod:`engine.anomalies.closure` |
| credit_objection | :mod:`engine.credit.objections` |
| credit_repair | :mod:`engine.credit.repairs` |
| credit_rating_round | :mod:`engine.credit.rounds` |
| tax_review | :mod:`engine.tax.review` |
| emergency_plan_filing | :mod:`engine.emergency.filings` |
| support_ticket | :mod:`engine.support.tickets` |
| library_entry_review | :mod:`engine.emergency.library.review` |
| tax_data_verification | :mod:`engine.exchange.datacheck.verification` |
| random_inspection | :mod:`engine.inspection.onsite.process` |
"""

from __future__ import annotations

from engine.anomalies import closure
from engine.credit import objections, repairs, rounds
from engine.emergency import filings
from engine.emergency.library import review as library_review
from engine.exchange.datacheck import verification
from engine.inspection.onsite import process as inspection
from engine.support import tickets
from engine.tax import review
from engine.workflow.hooks import REGISTRY, HookRegistry, ProcessHooks

BUNDLED: tuple[ProcessHooks, ...] = (
    closure.HOOKS, objections.HOOKS, repairs.HOOKS, rounds.HOOKS, review.HOOKS, filings.HOOKS, tickets.HOOKS,
    library_review.HOOKS, verification.HOOKS, inspection.HOOKS,
)


def wire(registry: HookRegistry = REGISTRY) -> HookRegistry:
    """Wire every bundled process's hooks into ``registry`` (idempotent)."""
    for declaration in BUNDLED:
        registry.add(declaration)
    return registry
