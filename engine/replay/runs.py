"""Replay records: ask for a replay (checked, audited), run it in the background with progress, cancel, read.

Every request writes one :class:`ReplayRun` and nothing else; running it reads the
monitoring tables through :func:`reading_session` only, and writes progress, the summary
and the detail to that row. Services only flush, except :func:`execute`, which is a job
body (it commits its own short transactions).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, or_, select, text
from sqlalchemy.orm import Session, sessionmaker

from engine.actors import Actor
from engine.audit import trail as audit
from engine.db import is_postgres, utcnow, valid_id
from engine.errors import Conflict, NotFound
from engine.monitoring import rules
from engine.replay import replayer, workbook
from engine.replay.models import FINISHED, ReplayRun, ReplayStatus, RuleDraft
from engine.replay.spec import Draft, Period, Scope, check_draft
from engine.scoping import require_admin

log = logging.getLogger(__name__)

ADMINS_ONLY = "only administrators replay anomaly rules"
STALE_AFTER = timedelta(minutes=10)
"""A running replay reports progress every chunk (seconds); one silent this long lost its process."""


@contextmanager
def reading_session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """The one place a replay's reads come from: a read-only transaction, rolled back at the end.

    ``sessions`` are the replica's where one is configured (:func:`engine.db.read_sessions`).
    """
    with sessions() as session:
        if is_postgres(session):
            session.execute(text("SET TRANSACTION READ ONLY"))
        try:
            yield session
        finally:
            session.rollback()


def request(session: Session, actor: Actor, raw_draft: Any, period: Period, scope: Scope,
            *, draft_id: int | None = None) -> ReplayRun:
    """Check the draft and queue a replay of it (admins only, audited).

    :raises NotAllowed: unless the actor is an administrator.
    :raises InvalidInput: naming the draft's bad field; nothing is written.
    """
    require_admin(actor, ADMINS_ONLY)
    draft = check_draft(session, raw_draft, rules.load_book(session))
    if draft_id is not None and session.get(RuleDraft, draft_id) is None:
        raise NotFound(f"draft {draft_id} not found")
    run = ReplayRun(draft_id=draft_id, draft=draft.as_json(), period_from=period.first, period_to=period.last,
                    scope_kind=scope.kind, scope_code=scope.code, status=ReplayStatus.QUEUED, progress=0.0,
                    cancel_requested=False, requested_by=actor.username, requested_at=utcnow(), error="")
    session.add(run)
    session.flush()
    audit.record(session, actor, "replay.request", payload={
        "run": run.id, "draft_id": draft_id, "period": f"{period.first.isoformat()}/{period.last.isoformat()}",
        "scope": scope.as_json(), "draft": run.draft})
    return run


def get(session: Session, actor: Actor, run_id: object, *, with_detail: bool = False) -> ReplayRun:
    """:raises NotAllowed: unless admin. :raises NotFound: unknown id."""
    require_admin(actor, ADMINS_ONLY)
    run = session.get(ReplayRun, run_id) if valid_id(run_id) else None
    if run is None:
        raise NotFound(f"replay {run_id} not found")
    if with_detail:
        _ = run.detail
    return run


def finished(session: Session, actor: Actor, run_id: object) -> ReplayRun:
    """A replay that is done, with its detail.

    :raises Conflict: it is still queued or running, or ended without a result.
    """
    run = get(session, actor, run_id, with_detail=True)
    if run.status != ReplayStatus.DONE:
        raise Conflict(f"replay {run.id} has no result ({run.status})")
    return run


def export(session: Session, actor: Actor, run_id: object) -> tuple[ReplayRun, bytes]:
    """A finished replay as an xlsx workbook (audited).

    :raises Conflict: it has no result yet.
    """
    run = finished(session, actor, run_id)
    content = workbook.workbook(run)
    audit.record(session, actor, "replay.export", payload={"run": run.id})
    return run, content


def recent(session: Session, actor: Actor, limit: int = 20) -> list[ReplayRun]:
    require_admin(actor, ADMINS_ONLY)
    return list(session.scalars(select(ReplayRun).order_by(ReplayRun.requested_at.desc(), ReplayRun.id.desc())
                                .limit(limit)))


def cancel(session: Session, actor: Actor, run_id: object) -> ReplayRun:
    """Ask a queued or running replay to stop (audited); a queued one stops at once.

    :raises Conflict: the replay has already finished.
    """
    run = get(session, actor, run_id)
    if run.status in FINISHED:
        raise Conflict(f"replay {run.id} has already finished ({run.status})")
    run.cancel_requested = True
    if run.status == ReplayStatus.QUEUED:
        run.status, run.finished_at = ReplayStatus.CANCELLED, utcnow()
    session.flush()
    audit.record(session, actor, "replay.cancel", payload={"run": run.id})
    return run


def claim(session: Session, run_id: int | None = None) -> int | None:
    """Mark a replay running and return its id: the given one if it is queued, else the oldest queued one,
    or one whose runner stopped reporting progress ``STALE_AFTER`` ago (its process died).

    The row is locked (``SKIP LOCKED``) in the caller's transaction, so two workers never take the same run.
    """
    now = utcnow()
    claimable = or_(ReplayRun.status == ReplayStatus.QUEUED,
                    and_(ReplayRun.status == ReplayStatus.RUNNING, ReplayRun.heartbeat_at < now - STALE_AFTER))
    query = select(ReplayRun).where(claimable)
    if run_id is not None:
        query = query.where(ReplayRun.id == run_id)
    run = session.scalars(query.order_by(ReplayRun.requested_at, ReplayRun.id).limit(1)
                          .with_for_update(skip_locked=True)).first()
    if run is None:
        return None
    run.status, run.started_at, run.heartbeat_at, run.progress = ReplayStatus.RUNNING, now, now, 0.0
    session.flush()
    return run.id


def execute(sessions: sessionmaker[Session], run_id: int, *, reads: sessionmaker[Session] | None = None) -> str:
    """Run a claimed replay to its end: done, cancelled or failed; returns the final status.

    Its reads come from ``reads`` (the read replica's sessions) where given; its record is written
    through ``sessions``.
    """
    with sessions() as session:
        run = session.get(ReplayRun, run_id)
        if run is None or run.status != ReplayStatus.RUNNING:
            return run.status if run else "missing"
        draft = Draft(run.draft["rules"], run.draft["factors"])
        period, scope = Period(run.period_from, run.period_to), Scope(run.scope_kind, run.scope_code)
    try:
        result = replayer.replay(lambda: reading_session(reads or sessions), draft, period, scope,
                                 lambda done, total: _progress(sessions, run_id, done, total))
    except replayer.Cancelled:
        return _finish(sessions, run_id, ReplayStatus.CANCELLED)
    except Exception as error:  # any failure is kept on the record for the administrator
        log.exception("replay %s failed", run_id)
        return _finish(sessions, run_id, ReplayStatus.FAILED, error=f"{type(error).__name__}: {error}"[:2000])
    return _finish(sessions, run_id, ReplayStatus.DONE, result=result)


def run_here(session: Session, run: ReplayRun) -> ReplayRun:
    """Run a queued replay inside the caller's transaction (the demo seed): no progress, no cancel."""

    @contextmanager
    def same_session() -> Iterator[Session]:
        yield session

    run.status, run.started_at, run.heartbeat_at = ReplayStatus.RUNNING, utcnow(), utcnow()
    result = replayer.replay(same_session, Draft(run.draft["rules"], run.draft["factors"]),
                             Period(run.period_from, run.period_to), Scope(run.scope_kind, run.scope_code),
                             lambda done, total: None)
    run.summary, run.detail, run.progress = result.summary, result.detail, 1.0
    run.status, run.finished_at = ReplayStatus.DONE, utcnow()
    session.flush()
    return run


def _progress(sessions: sessionmaker[Session], run_id: int, done: int, total: int) -> None:
    """Record how far the replay got; :raises replayer.Cancelled: when a cancel was asked for."""
    with sessions.begin() as session:
        run = session.get(ReplayRun, run_id)
        if run is None or run.cancel_requested:
            raise replayer.Cancelled()
        run.progress, run.heartbeat_at = (done / total if total else 1.0), utcnow()


def _finish(sessions: sessionmaker[Session], run_id: int, status: ReplayStatus, *, error: str = "",
            result: replayer.Result | None = None) -> str:
    with sessions.begin() as session:
        run = session.get(ReplayRun, run_id)
        assert run is not None
        run.status, run.error, run.finished_at = status, error, utcnow()
        if result is not None:
            run.summary, run.detail, run.progress = result.summary, result.detail, 1.0
    log.info("replay %s %s", run_id, status)
    return status
