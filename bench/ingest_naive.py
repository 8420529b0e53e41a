"""Simple baselines for the ingest benchmark, written the obvious way, to compare the real code with.

- :func:`naive_parse`: split the frame with ``str.split``, the standard's bit-by-bit CRC loop.
- :class:`NaiveIngestor`: per record, look the point up, read the stored row, insert it with the
  ORM, read its predecessors with one query per record and judge; the receiver commits each
  packet on its own (``batch_size=1``), as a first version would.
- :func:`naive_judge`: the rules per record with one history query per record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.monitoring import anomaly_rows as anomalies
from engine.monitoring.codes import HOURLY
from engine.monitoring.evaluation import Slot, evaluate
from engine.monitoring.ingest import Ingestor
from engine.monitoring.models import Measurement, MonitoringPoint
from engine.monitoring.records import MeasurementRecord, Outcome, PacketResult, refused

HOUR = timedelta(hours=1)


def naive_crc(data: bytes) -> int:
    """Appendix A of HJ 212-2017, as printed: eight shift-and-XOR rounds per byte."""
    crc = 0xFFFF
    for byte in data:
        crc = (crc >> 8) ^ byte
        for _ in range(8):
            lsb = crc & 1
            crc >>= 1
            if lsb:
                crc ^= 0xA001
    return crc


def naive_parse(frame: bytes) -> dict[str, Any]:
    """Check length and CRC, then split fields; values stay text except the numbers of factors."""
    body = frame.rstrip(b"\r\n")
    segment, crc = body[6:-4], body[-4:]
    if int(body[2:6]) != len(segment) or naive_crc(segment) != int(crc, 16):
        raise ValueError("bad frame")
    text = segment.decode()
    header, _, cp = text.partition(";CP=&&")
    fields = dict(item.split("=", 1) for item in header.split(";"))
    values: dict[str, dict[str, Any]] = {}
    for item in cp.rstrip("&").replace(";", ",").split(","):
        name, _, value = item.partition("=")
        code, _, suffix = name.partition("-")
        if suffix:
            values.setdefault(code, {})[suffix] = value if suffix == "Flag" else float(value)
        elif name:
            fields[name] = value
    return {"fields": fields, "values": values}


class NaiveIngestor(Ingestor):
    """Row by row: the shape of a first version, for the baseline (same results, no batching)."""

    def ingest(self, session: Session, records: Sequence[MeasurementRecord], *, trusted: bool = False,
               received_at: datetime | None = None) -> list[PacketResult]:
        return [self._one(session, record, received_at or self.clock()) for record in records]

    def _one(self, session: Session, record: MeasurementRecord, received_at: datetime) -> PacketResult:
        point = session.scalars(select(MonitoringPoint).where(MonitoringPoint.mn == record.mn)).first()
        if point is None or not self.directory.passwords.check(point.password_hash, record.pw):
            return refused("unknown_mn", "unknown point or wrong password", record)
        assert record.data_time is not None
        existing = session.get(Measurement, (point.id, record.cn, record.data_time))
        if existing is not None:
            return PacketResult(Outcome.DUPLICATE, record.mn, record.cn, record.data_time)
        session.add(Measurement(point_id=point.id, cn=record.cn, data_time=record.data_time,
                                factors=dict(record.factors), n_factors=len(record.factors),
                                n_valid=len(record.factors), revision=1, qn=record.qn, received_at=received_at,
                                delay_s=0))
        session.flush()
        info = self.directory.lookup(session, [record.mn])[record.mn]
        assert info is not None
        naive_judge(session, info, record)
        return PacketResult(Outcome.STORED, record.mn, record.cn, record.data_time)


def naive_judge(session: Session, info: Any, record: MeasurementRecord) -> int:
    """Judge one record reading its predecessors with a query of its own; returns the findings."""
    assert record.data_time is not None
    rows = session.execute(select(Measurement.data_time, Measurement.factors).where(
        Measurement.point_id == info.id, Measurement.cn == HOURLY, Measurement.data_time < record.data_time,
        Measurement.data_time >= record.data_time - 6 * HOUR)).all()
    earlier: dict[datetime, Mapping[str, Any]] = {row.data_time: row.factors for row in rows}
    found = evaluate(Slot(info, HOURLY, record.data_time, HOUR, frozenset("FMDCB")), record.factors, earlier.get)
    anomalies.record(session, found)
    return len(found)
