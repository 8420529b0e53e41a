"""What the 运行监控 page shows: the figures, each beside its threshold, the open alerts and the jobs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.alerts import figures
from engine.alerts import thresholds as alerts
from engine.scoping import require_admin


@dataclass(frozen=True)
class Board:
    reading: figures.Figures
    levels: dict[str, float]
    thresholds: alerts.Thresholds
    open_alerts: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        limits = {t.figure: {"limit": t.limit, "above": t.above,
                             "crossed": t.figure in self.levels and t.crossed(self.levels[t.figure])}
                  for t in self.thresholds.items}
        r = self.reading
        return {
            "at": r.at.isoformat(), "levels": self.levels, "thresholds": limits,
            "config_version": self.thresholds.version, "labels": alerts.LABELS,
            "open_tasks": r.open_tasks, "overdue_tasks": r.overdue_tasks, "completed_tasks": r.completed_tasks,
            "evidence": {"free_bytes": r.evidence_free_bytes, "total_bytes": r.evidence_total_bytes},
            "jobs": [{"job": j.job_id, "last_started_at": j.last_started_at.isoformat(), "age_seconds": j.age_seconds,
                      "duration_seconds": j.last_duration_seconds, "ok": j.last_ok, "runs": j.runs,
                      "failures": j.failures} for j in r.jobs],
            "alerts": self.open_alerts,
        }


def board(session: Session, actor: Actor, evidence_dir: Path, now: datetime) -> Board:
    """:raises NotAllowed: unless the actor is an administrator."""
    require_admin(actor, "仅管理员可查看运行监控 (administrators only)")
    reading = figures.read(session, evidence_dir, now)
    open_alerts = [{"id": a.id, "figure": a.figure, "label": alerts.LABELS.get(a.figure, a.figure), "value": a.value,
                    "threshold": a.threshold, "opened_at": a.opened_at.isoformat(),
                    "ticket_instance_id": a.ticket_instance_id} for a in alerts.open_alerts(session)]
    return Board(reading, reading.levels(), alerts.thresholds(session), open_alerts)
