"""Ingest: check packets against the registry, store them, judge them, and keep their anomalies.

One call is one batch in the caller's transaction:

1. look the MNs up (cached :class:`~engine.monitoring.registry.PointDirectory`), check each
   packet's password against the point's hash (remembered once verified);
2. write the data (:mod:`~engine.monitoring.store`: duplicates stored once, corrected
   resends replace with history);
3. judge new and replaced hourly records (:mod:`~engine.monitoring.evaluation`), with the
   points' earlier records read per batch (:mod:`~engine.monitoring.history`);
4. insert the findings as pending anomalies and clear those that new data removed.

Opening closure tasks for pending anomalies is a separate transaction
(:func:`engine.anomalies.cases.open_pending`), so a slow or failing workflow start
never holds up or loses data.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.audit import trail as audit
from engine.db import utcnow
from engine.monitoring import anomaly_rows as anomalies
from engine.monitoring import store
from engine.monitoring.codes import DATA_COMMANDS, HOURLY
from engine.monitoring.evaluation import Finding, Slot, evaluate
from engine.monitoring.history import Deeper, History, RecentRecords
from engine.monitoring.records import (
    FactorData,
    LineParser,
    MeasurementRecord,
    Outcome,
    PacketResult,
    Refusal,
    period_length,
    refused,
)
from engine.monitoring.registry import PointDirectory, PointInfo
from engine.scoping import require_admin

log = logging.getLogger(__name__)

RULE_COMMANDS = frozenset({HOURLY})
"""Commands whose records are judged by the anomaly rules (hourly data, as the department does)."""

DEFAULT_FUTURE_TOLERANCE = timedelta(minutes=10)
HOUR = timedelta(hours=1)


@dataclass(slots=True)
class _Accepted:
    index: int
    point: PointInfo
    row: store.Row


@dataclass
class Ingestor:
    """Ingest with a registry cache; one per process (receiver writer, web app), shared by its threads."""

    directory: PointDirectory = field(default_factory=PointDirectory)
    recent: RecentRecords = field(default_factory=RecentRecords)
    future_tolerance: timedelta = DEFAULT_FUTURE_TOLERANCE
    clock: Callable[[], datetime] = utcnow

    def ingest(
        self, session: Session, records: Sequence[MeasurementRecord], *, trusted: bool = False,
        received_at: datetime | None = None,
    ) -> list[PacketResult]:
        """Store and judge a batch; one result per record, in order.

        :param trusted: skip the password check (an operator's back-fill, not a logger).
        :param received_at: when the packets arrived (default now), for timeliness.
        """
        received_at = received_at or self.clock()
        results: list[PacketResult | None] = [None] * len(records)
        points = self.directory.lookup(session, {record.mn for record in records})
        invalid = frozenset(self.directory.book(session).rule("validity")["invalid_flags"])
        accepted: list[_Accepted] = []
        for index, record in enumerate(records):
            outcome = self._check(record, points.get(record.mn), trusted, received_at)
            if isinstance(outcome, PacketResult):
                results[index] = outcome
            else:
                accepted.append(_Accepted(index, outcome, _row(record, outcome, invalid, received_at)))
        written = store.write(session, [item.row for item in accepted])
        for item, done in zip(accepted, written):
            results[item.index] = PacketResult(done.outcome, item.point.mn, item.row.cn, item.row.data_time)
            if item.row.cn == HOURLY:
                self.recent.put(item.row.point_id, item.row.data_time, done.revision, item.row.factors)
        judged = [(item, done) for item, done in zip(accepted, written)
                  if item.row.cn in RULE_COMMANDS and done.outcome in (Outcome.STORED, Outcome.REPLACED)]
        if judged:
            self._judge(session, judged, invalid, received_at, results)
        return [result for result in results if result is not None]

    def judge_stored(self, session: Session, records: Sequence[MeasurementRecord]) -> int:
        """Judge hourly records that are already stored, as ingest would (re-evaluation, the rules benchmark).

        Findings are recorded as pending anomalies; returns how many were found.
        """
        points = self.directory.lookup(session, {record.mn for record in records})
        invalid = frozenset(self.directory.book(session).rule("validity")["invalid_flags"])
        items = [_Accepted(index, point, _row(record, point, invalid, record.data_time))
                 for index, record in enumerate(records)
                 if record.data_time is not None and (point := points.get(record.mn)) is not None]
        results: list[PacketResult | None] = [PacketResult(Outcome.STORED) for _ in records]
        earliest = min((item.row.data_time for item in items), default=self.clock())
        return self._judge(session, [(item, store.Written(Outcome.STORED, 1)) for item in items], invalid,
                           earliest, results)

    def _check(
        self, record: MeasurementRecord, point: PointInfo | None, trusted: bool, received_at: datetime
    ) -> PacketResult | PointInfo:
        if point is None:
            return refused("unknown_mn", f"MN {record.mn} is not a registered monitoring point", record)
        if not trusted and not self.directory.passwords.check(point.password_hash, record.pw):
            return refused("wrong_password", f"wrong password for MN {record.mn}", record)
        if not point.active:
            return refused("inactive_point", f"monitoring point {record.mn} is not active", record)
        if record.cn not in DATA_COMMANDS:
            return PacketResult(Outcome.IGNORED, record.mn, record.cn, record.data_time)
        if record.data_time is None:
            return refused("missing_datatime", f"CN={record.cn} data carries no DataTime", record)
        if record.data_time > received_at + self.future_tolerance:
            return refused("future_datatime", f"DataTime {record.data_time.isoformat()} lies in the future", record)
        return point

    def _judge(
        self, session: Session, judged: list[tuple[_Accepted, store.Written]], invalid: frozenset[str],
        received_at: datetime, results: list[PacketResult | None],
    ) -> int:
        history = History(session, ((i.row.point_id, i.row.data_time, i.row.factors) for i, _ in judged), self.recent)
        findings: list[Finding] = []
        reasons: dict[anomalies.SlotKey, str] = {}
        late_after = timedelta(minutes=self.directory.book(session).rule("missing")["deadline_minutes"])
        deeper: list[tuple[_Accepted, Slot]] = []
        for item, done in judged:
            row = item.row
            slot = Slot(item.point, row.cn, row.data_time, HOUR, invalid)
            try:
                found = evaluate(slot, row.factors, history.lookup(row.point_id))
            except Deeper:
                deeper.append((item, slot))
                found = []
            self._note(item, found, results)
            findings.extend(found)
            if done.outcome == Outcome.REPLACED:
                reasons[(row.point_id, row.cn, row.data_time)] = anomalies.CLEARED_BY_RESEND
            elif row.data_time + HOUR + late_after <= received_at:
                reasons[(row.point_id, row.cn, row.data_time)] = anomalies.CLEARED_BY_ARRIVAL
        if deeper:
            history.load_deeper((item.point, item.row.data_time) for item, _ in deeper)
            for item, slot in deeper:
                found = evaluate(slot, item.row.factors, history.lookup(item.row.point_id, final=True))
                self._note(item, found, results)
                findings.extend(found)
        revision = max((done.revision for _, done in judged), default=1)
        anomalies.record(session, findings, revision)
        anomalies.clear_resolved(session, reasons, [f for f in findings if (f.point_id, f.cn, f.period_start) in reasons])
        return len(findings)

    @staticmethod
    def _note(item: _Accepted, found: list[Finding], results: list[PacketResult | None]) -> None:
        result = results[item.index]
        if result is not None and found:
            result.anomalies = [f"{f.factor}:{f.anomaly_type}" for f in found]


def _row(record: MeasurementRecord, point: PointInfo, invalid: frozenset[str], received_at: datetime) -> store.Row:
    assert record.data_time is not None
    factors = record.factors if isinstance(record.factors, dict) else dict(record.factors)
    n_factors, n_valid = value_counts(point, factors, invalid)
    step = period_length(record.cn, rtd_interval_s=point.rtd_interval_s,
                         minute_interval_min=point.minute_interval_min)
    delay = int((received_at - (record.data_time + step)).total_seconds())
    return store.Row(
        point_id=point.id, cn=record.cn, data_time=record.data_time, factors=factors, n_factors=n_factors,
        n_valid=n_valid, qn=record.qn,
        received_at=received_at, delay_s=max(-2**31, min(delay, 2**31 - 1)),
    )


def value_counts(point: PointInfo, factors: Mapping[str, FactorData], invalid: frozenset[str]) -> tuple[int, int]:
    """(registered factor values present, those not flagged invalid): the rates' counters of one record."""
    present = [factors[code] for code in point.factors if code in factors]
    return len(present), sum(1 for data in present if data.get("flag") not in invalid)


def ingest_packets(
    session: Session, lines: Iterable[str], *, parse: LineParser, ingestor: Ingestor | None = None,
    open_tasks: Callable[[Session], object] | None = None,
) -> list[PacketResult]:
    """Parse raw HJ 212 lines with ``parse`` (injected: the parser lives in integrations) and ingest them.

    Blank lines are skipped; one result per other line, in order. With
    ``open_tasks`` (e.g. :func:`engine.anomalies.cases.open_tasks_now`) the closure tasks of new anomalies are
    opened in a savepoint,
    so a failing workflow start leaves the data stored and the anomalies pending
    for the scheduler.
    """
    parsed: list[MeasurementRecord | Refusal] = [parse(line) for line in lines if line.strip()]
    records = [item for item in parsed if isinstance(item, MeasurementRecord)]
    stored = iter((ingestor or Ingestor()).ingest(session, records))
    results = [refused(item.reason, item.detail) if isinstance(item, Refusal) else next(stored) for item in parsed]
    if open_tasks is not None and any(result.anomalies for result in results):
        open_tasks(session)
    return results


def backfill(
    session: Session, actor: Actor, records: Sequence[MeasurementRecord], *, ingestor: Ingestor | None = None,
    source: str = "",
) -> list[PacketResult]:
    """Import records an operator supplies (CSV back-fill): no password check, audited with the counts.

    :raises NotAllowed: unless the actor is an admin.
    """
    require_admin(actor, "only administrators back-fill monitoring data")
    results = (ingestor or Ingestor()).ingest(session, records, trusted=True)
    counts = Counter(result.outcome.value for result in results)
    audit.record(session, actor, "monitoring.import", payload={"source": source, "records": len(records),
                                                                "outcomes": dict(counts)})
    return results
