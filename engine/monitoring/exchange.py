"""What machine clients exchange through the API: HJ 212 packets in, anomalies out, the tax side's figures.

Scoping follows :mod:`engine.scoping`: anomalies are visible to whoever can see
instances of the enterprise's region or credit code; the tax figures of a
period to the tax client, admins and reviewers covering the enterprise.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.audit import trail as audit
from engine.db import valid_id
from engine.errors import InvalidInput, NotFound
from engine.monitoring.ingest import ingest_packets
from engine.monitoring.models import Anomaly, Enterprise, MonitoringPoint
from engine.monitoring.records import LineParser, PacketResult
from engine.scoping import can_see_instance, instance_clause

MAX_PACKETS = 5000


def ingest_hj212(session: Session, actor: Actor, lines: Sequence[str], parse: LineParser,
                 open_tasks: Callable[[Session], object] | None = None) -> list[PacketResult]:
    """Ingest HJ 212 packets (one per line); each packet's own password (PW) is checked against its point.

    ``open_tasks`` opens the closure tasks of new anomalies at once (see :func:`ingest_packets`).

    :raises InvalidInput: no packet, or more than :data:`MAX_PACKETS`.
    """
    packets = [line for line in lines if line.strip()]
    if not packets or len(packets) > MAX_PACKETS:
        raise InvalidInput("请提交 HJ 212 数据包 (no packets)",
                           fields={"body": [f"每行一个数据包，1–{MAX_PACKETS} 行 (1–{MAX_PACKETS} packets, one per line)"]})
    results = ingest_packets(session, packets, parse=parse, open_tasks=open_tasks)
    counts = Counter(result.outcome.value for result in results)
    audit.record(session, actor, "monitoring.ingest", payload={"packets": len(packets), "outcomes": dict(counts)})
    return results


@dataclass(frozen=True)
class AnomalyRow:
    anomaly: Anomaly
    point: MonitoringPoint
    enterprise: Enterprise


@dataclass(frozen=True)
class AnomalyPage:
    items: list[AnomalyRow]
    total: int
    page: int
    per_page: int


def list_anomalies(session: Session, actor: Actor, *, pending: bool | None = None, since: datetime | None = None,
                   enterprise_code: str | None = None, page: int = 1, per_page: int = 50) -> AnomalyPage:
    """Anomalies of the enterprises the actor may see, newest period first."""
    conditions: list[Any] = [instance_clause(actor, Enterprise.region_code, Enterprise.credit_code)]
    if pending is not None:
        conditions.append(Anomaly.pending.is_(pending))
    if since is not None:
        conditions.append(Anomaly.period_start >= since)
    if enterprise_code:
        conditions.append(Enterprise.credit_code == enterprise_code)
    joined = (select(Anomaly, MonitoringPoint, Enterprise).join(MonitoringPoint, MonitoringPoint.id == Anomaly.point_id)
              .join(Enterprise, Enterprise.id == MonitoringPoint.enterprise_id).where(*conditions))
    total = session.scalar(select(func.count()).select_from(joined.subquery())) or 0
    per_page, page = max(1, min(per_page, 200)), max(1, page)
    rows = session.execute(joined.order_by(Anomaly.period_start.desc(), Anomaly.id.desc())
                           .offset((page - 1) * per_page).limit(per_page)).all()
    return AnomalyPage([AnomalyRow(*row) for row in rows], total, page, per_page)


def get_anomaly(session: Session, actor: Actor, anomaly_id: int) -> AnomalyRow:
    """:raises NotFound: unknown, or of an enterprise outside the actor's scope."""
    row = session.execute(
        select(Anomaly, MonitoringPoint, Enterprise).join(MonitoringPoint, MonitoringPoint.id == Anomaly.point_id)
        .join(Enterprise, Enterprise.id == MonitoringPoint.enterprise_id).where(Anomaly.id == anomaly_id)
    ).one_or_none() if valid_id(anomaly_id) else None
    if row is None or not can_see_instance(actor, row[2].region_code, row[2].credit_code):
        raise NotFound(f"anomaly {anomaly_id} not found")
    return AnomalyRow(*row)
