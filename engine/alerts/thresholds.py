"""Thresholds on the run-state figures, and the alerts that crossing one opens.

The thresholds are configuration data (``runstate_alerts``, shipped in
``workflows/bpmn/runstate_alerts.config.json`` with its schema; changed by administrators
under 系统管理 → 流程配置, each change a new audited version). A figure crossing its threshold
opens one alert (a row, an audit event), notifies every administrator in the notification
centre and by mail (for those who enabled it), and, when ``open_ticket`` is set, starts a
``support_ticket`` instance so the ticket process (工单化管理) covers the alert. The alert
clears, audited, when the figure is back within the threshold; it opens again the next time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import trail as audit
from engine.actors import SYSTEM
from engine.errors import EcoLoopError
from engine.notifications.models import NotificationKind
from engine.runstate.models import RunstateAlert
from engine.alerts.figures import Figures
from engine.workflow import configs
from engine.instances import service as instances
from engine.notifications import centre as notifications

log = logging.getLogger(__name__)

CONFIG_KEY = "runstate_alerts"
TICKET_PROCESS = "support_ticket"

# figure → (configuration key, True when crossing means rising above the limit)
RULES: dict[str, tuple[str, bool]] = {
    "overdue_tasks": ("overdue_tasks_max", True),
    "open_tasks": ("open_tasks_max", True),
    "mail_queue": ("mail_queue_max", True),
    "mail_failed": ("mail_failed_max", True),
    "report_queue": ("report_queue_max", True),
    "report_failed": ("report_failed_max", True),
    "scheduler_lag_seconds": ("scheduler_lag_seconds_max", True),
    "failed_jobs": ("failed_jobs_max", True),
    "evidence_free_percent": ("evidence_free_percent_min", False),
}

LABELS = {
    "overdue_tasks": "逾期任务数", "open_tasks": "在办任务数", "mail_queue": "待发邮件数", "mail_failed": "发送失败邮件数",
    "report_queue": "排队报表数", "report_failed": "失败报表数", "scheduler_lag_seconds": "定时扫描滞后（秒）",
    "failed_jobs": "运行失败的定时作业数", "evidence_free_percent": "证据存储剩余空间（%）",
}


@dataclass(frozen=True)
class Threshold:
    figure: str
    limit: float
    above: bool

    def crossed(self, value: float) -> bool:
        return value > self.limit if self.above else value < self.limit


@dataclass(frozen=True)
class Thresholds:
    version: int
    items: list[Threshold]
    values: dict[str, Any]


@dataclass
class Evaluation:
    opened: list[RunstateAlert] = field(default_factory=list)
    cleared: list[RunstateAlert] = field(default_factory=list)


def thresholds(session: Session) -> Thresholds:
    """The thresholds in force (the newest configuration version over the shipped defaults)."""
    values = configs.current_values(session, CONFIG_KEY)
    items = [Threshold(figure, float(values[key]), above) for figure, (key, above) in RULES.items() if key in values]
    return Thresholds(configs.current_version(session, CONFIG_KEY), items, values)


def open_alerts(session: Session) -> list[RunstateAlert]:
    return list(session.scalars(select(RunstateAlert).where(RunstateAlert.cleared_at.is_(None))
                                .order_by(RunstateAlert.opened_at)))


def evaluate(session: Session, figures: Figures) -> Evaluation:
    """Open an alert for each figure beyond its threshold that has none open; clear those back within."""
    rules = thresholds(session)
    levels = figures.levels()
    current = {alert.figure: alert for alert in open_alerts(session)}
    result = Evaluation()
    for threshold in rules.items:
        value = levels.get(threshold.figure)
        if value is None:
            continue
        alert = current.get(threshold.figure)
        if threshold.crossed(value) and alert is None:
            result.opened.append(_open(session, threshold, value, rules, figures.at))
        elif alert is not None and not threshold.crossed(value):
            alert.cleared_at = figures.at
            audit.record(session, SYSTEM, "runstate.alert_cleared",
                         payload={"alert": alert.id, "figure": alert.figure, "value": value})
            result.cleared.append(alert)
    session.flush()
    return result


def _open(session: Session, threshold: Threshold, value: float, rules: Thresholds, at: datetime) -> RunstateAlert:
    alert = RunstateAlert(figure=threshold.figure, value=value, threshold=threshold.limit,
                          config_version=rules.version, opened_at=at)
    session.add(alert)
    session.flush()
    sign = ">" if threshold.above else "<"
    title = f"运行告警：{LABELS.get(threshold.figure, threshold.figure)} {value:g} {sign} {threshold.limit:g}"
    body = (f"指标 {threshold.figure} 当前值 {value:g}，阈值 {threshold.limit:g}（阈值配置第 {rules.version} 版）。"
            f"请在 系统管理 → 运行监控 查看。")
    if rules.values.get("open_ticket"):
        alert.ticket_instance_id = _ticket(session, rules.values, title, body)
    audit.record(session, SYSTEM, "runstate.alert",
                 payload={"alert": alert.id, "figure": alert.figure, "value": value, "threshold": threshold.limit,
                          "config_version": rules.version, "ticket": alert.ticket_instance_id})
    notifications.notify_people(session, notifications.administrators(session), NotificationKind.RUNSTATE_ALERT,
                                title, body,
                                instance_id=alert.ticket_instance_id)
    log.warning("run-state alert %s opened: %s = %s beyond %s", alert.id, alert.figure, value, threshold.limit)
    return alert


def _ticket(session: Session, values: dict[str, Any], title: str, body: str) -> int | None:
    """Start a support ticket for the alert; an alert still notifies when the ticket cannot start."""
    request = instances.StartRequest(
        TICKET_PROCESS, str(values.get("ticket_region_code") or "440000"), subject=title,
        data={"subsystem": str(values.get("ticket_subsystem") or ""), "summary": title[:200], "description": body,
              "contact": "EcoLoop 运行监控"})
    try:
        with session.begin_nested():
            return instances.start(session, SYSTEM, request).id
    except EcoLoopError as error:
        log.error("run-state alert could not open a support ticket: %s", error.message)
        return None
