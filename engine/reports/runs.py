"""Stored report runs: request, generate (with retries), list and download within the viewer's scope.

A run is generated for the requester's region scope by a reviewer actor of that scope, so a
stored city report shows exactly what that city's reviewers see. The scheduler queues the
monthly reports on the 1st (:func:`queue_monthly`) and works the queue (:func:`process_pending`);
the CLI generates at once. Services only flush; callers commit.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, null, or_, select
from sqlalchemy.orm import Session, undefer

from engine.actors import Actor, Role
from engine.audit import trail as audit
from engine.db import utcnow, valid_id
from engine.errors import NotFound
from engine.regions import region_tree
from engine.reports import builders, scope
from engine.reports.models import ReportRun, ReportStatus
from engine.reports.period import CHINA, Period

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
RETRY_AFTER = timedelta(minutes=5)
MONTHLY_KINDS = ("monthly", "monthly_pdf")
EMERGENCY_MONTHLY_KINDS = ("emergency_monthly", "emergency_monthly_pdf")


class ReportNotFound(NotFound):
    pass


def scope_actor(region_code: str) -> Actor:
    """The reviewer whose scope is exactly the region: the province, a city or a county."""
    if region_code == scope.PROVINCE:
        return Actor("reports", frozenset({Role.PROVINCE_REVIEWER}), region_code, display_name="报表")
    if region_code.endswith("00"):
        return Actor("reports", frozenset({Role.CITY_REVIEWER}), region_code, display_name="报表")
    return Actor("reports", frozenset({Role.COUNTY_REVIEWER}), region_code, display_name="报表")


def request(session: Session, actor: Actor, kind: str, period: str, options: dict[str, Any] | None = None,
            *, scheduled: bool = False) -> ReportRun:
    """Queue a report over the actor's scope.

    :raises InvalidInput: for an unknown kind or a malformed period; :raises NotAllowed: for non-reviewers.
    """
    builders.kind(kind)
    parsed = Period.parse(period)
    scope.require_reviewer(actor)
    run = ReportRun(kind=kind, period=str(parsed), region_code=scope.region_label(actor), options=options or {},
                    status=ReportStatus.QUEUED, scheduled=scheduled, attempts=0, error="",
                    requested_by=actor.username, requested_at=utcnow())
    session.add(run)
    session.flush()
    audit.record(session, actor, "report.request", payload={"run": run.id, "kind": kind, "period": run.period})
    return run


def generate(session: Session, run: ReportRun, now: datetime | None = None, *,
             reader: Session | None = None) -> ReportRun:
    """Build the run's file (reading through ``reader``, the read replica's session, where given);
    a failure is kept on the run (and retried by :func:`process_pending`)."""
    report = builders.kind(run.kind)
    run.status, run.started_at, run.attempts = ReportStatus.RUNNING, utcnow(), run.attempts + 1
    session.flush()
    try:
        with session.begin_nested():
            content = report.build(reader or session, scope_actor(run.region_code), Period.parse(run.period),
                                   now=now, **run.options)
    except Exception as error:  # any failure of a builder is recorded for admins, never raised to the job
        log.exception("report run %s (%s %s) failed", run.id, run.kind, run.period)
        run.status, run.error, run.finished_at = ReportStatus.FAILED, f"{type(error).__name__}: {error}"[:2000], utcnow()
        session.flush()
        return run
    run.content, run.size, run.sha256 = content, len(content), hashlib.sha256(content).hexdigest()
    run.filename = f"{report.title}_{run.region_code}_{run.period}.{report.extension}"
    run.media_type, run.status, run.error, run.finished_at = report.media_type, ReportStatus.DONE, "", utcnow()
    session.flush()
    log.info("report run %s (%s %s, %s) generated: %d bytes", run.id, run.kind, run.period, run.region_code, run.size)
    return run


def pending(session: Session, now: datetime | None = None, limit: int = 5) -> list[ReportRun]:
    """Queued runs, and failed ones due for another attempt, oldest first (locked on PostgreSQL)."""
    now = now or utcnow()
    retry = and_(ReportRun.status == ReportStatus.FAILED, ReportRun.attempts < MAX_ATTEMPTS,
                 ReportRun.finished_at <= now - RETRY_AFTER)
    return list(session.scalars(select(ReportRun).where(or_(ReportRun.status == ReportStatus.QUEUED, retry))
                                .order_by(ReportRun.requested_at, ReportRun.id).limit(limit)
                                .with_for_update(skip_locked=True)))


def queue_monthly(session: Session, now: datetime | None = None,
                  kinds: tuple[str, ...] = MONTHLY_KINDS) -> list[ReportRun]:
    """On the 1st: the previous month's reports of ``kinds`` for the province and each city, unless already queued."""
    local = (now or utcnow()).astimezone(CHINA)
    previous = (local.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    regions = [scope.PROVINCE] + [city.code for city in region_tree().cities()]
    queued = []
    for region in regions:
        for kind in kinds:
            exists = session.scalar(select(ReportRun.id).where(
                ReportRun.kind == kind, ReportRun.period == previous, ReportRun.region_code == region,
                ReportRun.scheduled.is_(True)))
            if exists is None:
                queued.append(request(session, scope_actor(region), kind, previous, scheduled=True))
    return queued


def visible(session: Session, actor: Actor, limit: int = 100) -> list[ReportRun]:
    """The runs whose region the actor's scope covers, newest first."""
    scope.require_reviewer(actor)
    return list(session.scalars(select(ReportRun).where(scope.clause(actor, ReportRun.region_code, null()))
                                .order_by(ReportRun.requested_at.desc(), ReportRun.id.desc()).limit(limit)))


def get(session: Session, actor: Actor, run_id: object, *, with_content: bool = False) -> ReportRun:
    """:raises ReportNotFound: for unknown ids and runs outside the actor's scope."""
    scope.require_reviewer(actor)
    if not valid_id(run_id):
        raise ReportNotFound("报表不存在 (report not found)")
    query = select(ReportRun).where(ReportRun.id == run_id)
    if with_content:
        query = query.options(undefer(ReportRun.content))
    run = session.scalar(query)
    if run is None or not scope.covers(actor, run.region_code, None):
        raise ReportNotFound("报表不存在 (report not found)")
    return run

