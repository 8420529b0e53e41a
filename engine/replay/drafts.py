"""Draft rule sets: saved and edited by administrators, then activated from a replay or with a written reason.

Activation changes the live rules through the live services
(:func:`engine.monitoring.rules.update_rule`, :func:`engine.monitoring.registry.update_factor`),
so each changed group and factor is versioned and audited with before/after as any
other change, and one ``monitoring.rules_activate`` event links the replay (or gives
the reason).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.audit import trail as audit
from engine.db import utcnow, valid_id
from engine.errors import Conflict, InvalidInput, NotFound
from engine.monitoring import registry, rules
from engine.monitoring.models import MonitoringPoint, PointFactor
from engine.replay.models import ReplayRun, ReplayStatus, RuleDraft
from engine.replay.spec import Draft, check_draft, same_params
from engine.scoping import require_admin

ADMINS_ONLY = "only administrators edit rule drafts"


def save(session: Session, actor: Actor, raw: Any, *, name: str = "", draft_id: int | None = None) -> RuleDraft:
    """Create or replace a draft after checking it as a replay would (audited).

    :raises InvalidInput: naming the bad field. :raises Conflict: the draft was already activated.
    """
    require_admin(actor, ADMINS_ONLY)
    book = rules.load_book(session)
    draft = check_draft(session, raw, book)
    draft = Draft({key: params for key, params in draft.rules.items() if not same_params(book.rule(key), params)},
                  draft.factors)
    name = (name or "").strip()[:100] or "规则草案"
    row = get(session, actor, draft_id) if draft_id is not None else None
    if row is not None and row.activated_at is not None:
        raise Conflict(f"draft {row.id} was activated and can no longer be edited")
    cleaned = draft.as_json()
    if row is None:
        row = RuleDraft(name=name, rules=cleaned["rules"], factors=cleaned["factors"], created_by=actor.username,
                        created_at=utcnow(), updated_at=utcnow())
        session.add(row)
    else:
        row.name, row.rules, row.factors, row.updated_at = name, cleaned["rules"], cleaned["factors"], utcnow()
    session.flush()
    audit.record(session, actor, "replay.draft_save", payload={"draft_id": row.id, "name": row.name, "draft": cleaned})
    return row


def get(session: Session, actor: Actor, draft_id: object) -> RuleDraft:
    """:raises NotFound: unknown id."""
    require_admin(actor, ADMINS_ONLY)
    row = session.get(RuleDraft, draft_id) if valid_id(draft_id) else None
    if row is None:
        raise NotFound(f"draft {draft_id} not found")
    return row


def listed(session: Session, actor: Actor, limit: int = 20) -> list[RuleDraft]:
    require_admin(actor, ADMINS_ONLY)
    return list(session.scalars(select(RuleDraft).order_by(RuleDraft.updated_at.desc(), RuleDraft.id.desc())
                                .limit(limit)))


def content(row: RuleDraft) -> dict[str, Any]:
    return {"rules": dict(row.rules), "factors": dict(row.factors)}


def activate(session: Session, actor: Actor, draft_id: object, *, replay_id: object = None,
             reason: str = "") -> RuleDraft:
    """Put a draft live: from a finished replay of exactly this draft, or with a written reason.

    :raises InvalidInput: neither a replay nor a reason (field ``reason``), or the draft no longer
        validates against today's rules. :raises Conflict: the replay is not a finished replay of
        this draft, or the draft was already activated.
    """
    row = get(session, actor, draft_id)
    if row.activated_at is not None:
        raise Conflict(f"draft {row.id} is already active")
    reason = (reason or "").strip()
    run = _replay_of(session, row, replay_id) if replay_id not in (None, "") else None
    if run is None and not reason:
        raise InvalidInput("activation needs a replay or a reason",
                           fields={"reason": ["未经预演启用须填写理由 (a reason is required without a replay)"]})
    draft = check_draft(session, content(row), rules.load_book(session))
    changed = _apply(session, actor, draft)
    row.activated_at, row.activated_by = utcnow(), actor.username
    session.flush()
    audit.record(session, actor, "monitoring.rules_activate", payload={
        "draft_id": row.id, "run": run.id if run else None, "reason": reason, "changed": changed})
    return row


def _replay_of(session: Session, row: RuleDraft, replay_id: object) -> ReplayRun:
    run = session.get(ReplayRun, replay_id) if valid_id(replay_id) else None
    if run is None:
        raise NotFound(f"replay {replay_id} not found")
    if run.status != ReplayStatus.DONE or run.draft != content(row):
        raise Conflict(f"replay {run.id} is not a finished replay of draft {row.id} as it stands")
    return run


def _apply(session: Session, actor: Actor, draft: Draft) -> list[str]:
    """Change what differs through the live services; returns the groups and factors changed."""
    book = rules.load_book(session)
    changed = []
    for key, params in draft.rules.items():
        if not same_params(book.rule(key), params):
            rules.update_rule(session, actor, key, dict(params))
            changed.append(key)
    for mn, codes in draft.factors.items():
        for code, overrides in codes.items():
            factor = session.scalar(select(PointFactor).join(MonitoringPoint, MonitoringPoint.id == PointFactor.point_id)
                                    .where(MonitoringPoint.mn == mn, PointFactor.code == code))
            if factor is None or dict(factor.rule_params or {}) == dict(overrides):
                continue
            limits = {name: getattr(factor, name) for name in registry.LIMIT_FIELDS}
            registry.update_factor(session, actor, factor.id, limits=limits, rule_params=dict(overrides))
            changed.append(f"{mn}.{code}")
    return changed
