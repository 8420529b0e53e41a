"""Anomaly rows: written once per (point, factor, type, slot), cleared when newer data removes them.

Findings are inserted with ``ON CONFLICT DO NOTHING`` on that key, so a record
judged twice (a duplicate packet, two writers at once) leaves one anomaly. New
anomalies are *pending*: :mod:`engine.anomalies.cases` opens or joins their
closure task in a transaction of its own. When a slot is judged again (a
corrected resend, or a record arriving after its missing-data anomaly) the
anomalies the new data no longer shows are cleared, on the row and as an audit
event on the task.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Table, select, text, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from engine.actors import SYSTEM
from engine.audit import trail as audit
from engine.db import is_postgres, utcnow
from engine.monitoring.evaluation import Finding
from engine.monitoring.models import Anomaly, AnomalyCase

log = logging.getLogger(__name__)

ANOMALIES: Table = Anomaly.__table__  # type: ignore[assignment]
CLEARED_BY_RESEND = "resend"
CLEARED_BY_ARRIVAL = "late_arrival"

SlotKey = tuple[int, str, datetime]
"""(point id, CN, data time) of a judged slot."""


def record(session: Session, findings: Sequence[Finding], revision: int = 1) -> set[tuple[int, str, str, datetime]]:
    """Insert findings not yet known; returns the keys of those that are new."""
    if not findings:
        return set()
    make = pg_insert if is_postgres(session) else sqlite_insert
    now = utcnow()
    rows = [{
        "point_id": f.point_id, "factor": f.factor, "anomaly_type": f.anomaly_type, "cn": f.cn,
        "period_start": f.period_start, "period_end": f.period_end, "values": f.values, "params": f.params,
        "revision": revision, "case_id": None, "pending": True, "detected_at": now, "cleared_at": None,
        "cleared_reason": None,
    } for f in sorted(findings, key=lambda f: f.key)]
    statement = make(ANOMALIES).on_conflict_do_nothing(
        index_elements=["point_id", "factor", "anomaly_type", "period_start"],
    ).returning(ANOMALIES.c.point_id, ANOMALIES.c.factor, ANOMALIES.c.anomaly_type, ANOMALIES.c.period_start)
    new = {(r.point_id, r.factor, r.anomaly_type, r.period_start) for r in session.execute(statement, rows)}
    _restore_cleared(session, [f for f in findings if f.key not in new])
    return new


def _restore_cleared(session: Session, findings: Sequence[Finding]) -> None:
    """A finding that was cleared and is back (a resend undone by another resend) counts again."""
    if not findings:
        return
    keys = [f.key for f in findings]
    rows = session.scalars(select(Anomaly).where(
        tuple_(Anomaly.point_id, Anomaly.factor, Anomaly.anomaly_type, Anomaly.period_start).in_(keys),
        Anomaly.cleared_at.is_not(None)).with_for_update())
    for anomaly in rows:
        anomaly.cleared_at, anomaly.cleared_reason = None, None
        anomaly.pending = anomaly.case_id is None
        case = session.get(AnomalyCase, anomaly.case_id) if anomaly.case_id else None
        if case is not None:
            case.cleared_count = max(0, case.cleared_count - 1)
        audit.record(session, SYSTEM, "monitoring.anomaly_restored", instance_id=case.instance_id if case else None,
                     payload=_describe(anomaly))


def clear_resolved(
    session: Session, reasons: dict[SlotKey, str], findings: Sequence[Finding]
) -> list[Anomaly]:
    """Clear open anomalies of slots judged again that the new findings no longer contain.

    :param reasons: every slot judged again, with why (``resend`` or ``late_arrival``).
    """
    if not reasons:
        return []
    still = {f.key for f in findings}
    ids = _open_anomaly_ids(session, sorted(reasons))
    if not ids:
        return []
    candidates = session.scalars(select(Anomaly).where(Anomaly.id.in_(ids)).order_by(Anomaly.id).with_for_update())
    cleared = [a for a in candidates if (a.point_id, a.factor, a.anomaly_type, a.period_start) not in still]
    now = utcnow()
    for anomaly in cleared:
        anomaly.cleared_at = now
        anomaly.cleared_reason = reasons.get((anomaly.point_id, anomaly.cn, anomaly.period_start), CLEARED_BY_RESEND)
        anomaly.pending = False
    for anomaly in cleared:
        _audit_cleared(session, anomaly)
    return cleared


def _open_anomaly_ids(session: Session, slots: list[SlotKey]) -> list[int]:
    """Ids of uncleared anomalies in these slots (usually none: one cheap query for the whole batch)."""
    if is_postgres(session):
        query = text(
            "SELECT a.id FROM anomalies a JOIN unnest(CAST(:points AS integer[]), CAST(:cns AS varchar[]), "
            "CAST(:times AS timestamptz[])) AS s(point_id, cn, period_start) "
            "ON a.point_id = s.point_id AND a.cn = s.cn AND a.period_start = s.period_start "
            "WHERE a.cleared_at IS NULL")
        params = {"points": [p for p, _, _ in slots], "cns": [c for _, c, _ in slots], "times": [t for _, _, t in slots]}
        return list(session.scalars(query, params))
    return list(session.scalars(select(Anomaly.id).where(
        tuple_(Anomaly.point_id, Anomaly.cn, Anomaly.period_start).in_(slots), Anomaly.cleared_at.is_(None))))


def _audit_cleared(session: Session, anomaly: Anomaly) -> None:
    case = session.get(AnomalyCase, anomaly.case_id) if anomaly.case_id else None
    if case is not None:
        case.cleared_count += 1
    payload = {**_describe(anomaly), "reason": anomaly.cleared_reason,
               "all_cleared": bool(case and case.cleared_count >= case.anomaly_count)}
    audit.record(session, SYSTEM, "monitoring.anomaly_cleared", instance_id=case.instance_id if case else None,
                 payload=payload)
    log.info("anomaly %s (%s %s at %s) cleared by %s", anomaly.id, anomaly.factor, anomaly.anomaly_type,
             anomaly.period_start.isoformat(), anomaly.cleared_reason)


def _describe(anomaly: Anomaly) -> dict[str, object]:
    return {"anomaly_id": anomaly.id, "case_id": anomaly.case_id, "point_id": anomaly.point_id,
            "factor": anomaly.factor, "anomaly_type": anomaly.anomaly_type,
            "period_start": anomaly.period_start.isoformat(), "period_end": anomaly.period_end.isoformat()}
