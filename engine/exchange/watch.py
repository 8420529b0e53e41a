"""Telling administrators (notification centre and mail) when a category is late or a batch was refused beyond
the threshold; each lapse is announced once (``exchange_alerts``) and audited."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.actors import SYSTEM
from engine.audit import trail as audit
from engine.db import utcnow
from engine.exchange import schedule as schedules
from engine.exchange.categories import LABELS, Category
from engine.exchange.models import Direction, ExchangeAlert, ExchangeBatch
from engine.exchange.status import CHINA, category_status
from engine.notifications import centre as notifications
from engine.notifications.models import NotificationKind

log = logging.getLogger(__name__)

LOOKBACK = timedelta(days=7)


def check(session: Session, now: datetime | None = None) -> list[ExchangeAlert]:
    """Raise the alerts not raised yet: late categories, and recent batches refused beyond the threshold."""
    moment = now or utcnow()
    raised = [_late(session, status.category, status.due_at, status.lag_hours)
              for status in category_status(session, moment) if status.late]
    share = schedules.current(session).refusal_share
    batches = session.scalars(select(ExchangeBatch).where(
        ExchangeBatch.direction == Direction.IN.value, ExchangeBatch.received_at >= moment - LOOKBACK,
        ExchangeBatch.refused > 0).order_by(ExchangeBatch.id))
    raised += [_refusals(session, batch, share) for batch in batches
               if batch.refused / max(batch.record_count, 1) > share]
    return [alert for alert in raised if alert is not None]


def _late(session: Session, category: str, due_at: datetime | None, lag_hours: float | None) -> ExchangeAlert | None:
    label = LABELS[Category(category)]
    subject = due_at.isoformat() if due_at else "never"
    when = f"应于 {due_at.astimezone(CHINA).strftime('%Y-%m-%d %H:%M')} 前交换" if due_at else "尚未收到任何批次"
    title = f"涉税数据交换延迟：{label}"
    body = f"类别 {label}（{category}）{when}，已滞后 {lag_hours or 0:g} 小时。请在 涉税交换 → 同步状态 查看。"
    return _raise(session, "late", category, subject, {"due_at": subject, "lag_hours": lag_hours}, title, body)


def _refusals(session: Session, batch: ExchangeBatch, share: float) -> ExchangeAlert | None:
    label = LABELS[Category(batch.category)]
    ratio = batch.refused / max(batch.record_count, 1)
    title = f"涉税交换批次拒收过多：{label} {batch.batch_no}"
    body = (f"批次 {batch.batch_no}（{label}）共 {batch.record_count} 条，拒收 {batch.refused} 条（{ratio:.1%}），"
            f"超过阈值 {share:.1%}。请在 涉税交换 → 同步状态 查看拒收原因。")
    detail = {"batch_no": batch.batch_no, "refused": batch.refused, "records": batch.record_count, "threshold": share}
    return _raise(session, "refusals", batch.category, str(batch.id), detail, title, body)


def _raise(session: Session, kind: str, category: str, subject: str, detail: dict[str, Any], title: str,
           body: str) -> ExchangeAlert | None:
    taken = session.scalar(select(ExchangeAlert.id).where(ExchangeAlert.kind == kind,
                                                          ExchangeAlert.category == category,
                                                          ExchangeAlert.subject == subject[:64]))
    if taken is not None:
        return None
    alert = ExchangeAlert(kind=kind, category=category, subject=subject[:64], detail=detail)
    try:
        with session.begin_nested():
            session.add(alert)
            session.flush()
    except IntegrityError:  # another watcher raised it meanwhile
        return None
    audit.record(session, SYSTEM, "exchange.alert", payload={"kind": kind, "category": category, "detail": detail})
    notifications.notify_people(session, notifications.administrators(session), NotificationKind.EXCHANGE_ALERT,
                                title, body)
    log.warning("exchange alert %s: %s %s", kind, category, subject)
    return alert
