"""The audit log for administrators: filtered, paginated, newest first; and the chain verification."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.audit import trail as audit
from engine.audit.models import AuditEvent
from engine.scoping import require_admin

ADMINS_ONLY = "仅管理员可查看审计日志 (administrators only)"

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_PER_PAGE = 200


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    action: str | None = None  # an exact action, or an area such as "task."
    instance_id: int | None = None
    since: date | None = None
    until: date | None = None
    page: int = 1
    per_page: int = 50


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    total: int
    page: int
    per_page: int
    actions: list[str]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def areas(self) -> list[str]:
        return sorted({action.split(".")[0] for action in self.actions})


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), SHANGHAI).astimezone(timezone.utc)


def search(session: Session, actor: Actor, query: AuditFilter) -> AuditPage:
    require_admin(actor, ADMINS_ONLY)
    conditions: list[Any] = []
    if query.actor:
        conditions.append(AuditEvent.actor == query.actor)
    if query.action:
        conditions.append(AuditEvent.action.startswith(query.action, autoescape=True) if query.action.endswith(".")
                          else AuditEvent.action == query.action)
    if query.instance_id is not None:
        conditions.append(AuditEvent.instance_id == query.instance_id)
    if query.since:
        conditions.append(AuditEvent.at >= _day_start(query.since))
    if query.until:
        conditions.append(AuditEvent.at < _day_start(query.until + timedelta(days=1)))
    per_page = max(10, min(query.per_page, MAX_PER_PAGE))
    total = session.scalar(select(func.count()).select_from(AuditEvent).where(*conditions)) or 0
    page = max(1, min(query.page, max(1, -(-total // per_page))))
    events = list(session.scalars(select(AuditEvent).where(*conditions).order_by(AuditEvent.seq.desc())
                                  .offset((page - 1) * per_page).limit(per_page)))
    actions = list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))
    return AuditPage(events, total, page, per_page, actions)


def verify(session: Session, actor: Actor) -> audit.ChainReport:
    """Walk the hash chain and record that it was checked (and what was found)."""
    require_admin(actor, ADMINS_ONLY)
    report = audit.verify(session)
    audit.record(session, actor, "audit.verify",
                 payload={"ok": report.ok, "checked": report.checked, "broken_at": report.broken_at})
    return report


def start_data(session: Session, instance_id: int) -> dict[str, Any]:
    """The data an instance was started with, as its start event recorded it (task and instance pages)."""
    payload = session.scalar(select(AuditEvent.payload).where(AuditEvent.instance_id == instance_id,
                                                              AuditEvent.action == "instance.start"))
    return dict((payload or {}).get("data", {}))
