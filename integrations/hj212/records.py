"""From parsed HJ 212 packets to the engine's :class:`~engine.monitoring.records.MeasurementRecord`."""

from __future__ import annotations

from datetime import datetime

from engine.monitoring.records import MeasurementRecord, Refusal

from .errors import PacketRefused
from .packet import Packet
from .parser import parse_packet


def to_record(packet: Packet) -> MeasurementRecord:
    """The engine's view of a packet: factor fields by attribute name, times as ISO text."""
    factors = {}
    for code, values in packet.values.items():
        fields = {name: value for name, value in values.__dict__.items() if value is not None}
        sample_time = fields.get("sample_time")
        if isinstance(sample_time, datetime):
            fields["sample_time"] = sample_time.isoformat()
        factors[code] = fields
    return MeasurementRecord(mn=packet.mn, cn=packet.cn, data_time=packet.data_time, factors=factors, pw=packet.pw,
                             st=packet.st, qn=packet.qn)


def parse_line(line: str | bytes) -> MeasurementRecord | Refusal:
    """Parse one frame for :func:`engine.monitoring.ingest.ingest_packets` (the web API's parse function)."""
    try:
        packet = parse_packet(line.rstrip(b"\r\n") if isinstance(line, bytes) else line.rstrip("\r\n"))
    except PacketRefused as exc:
        return Refusal(exc.reason.value, exc.detail)
    if packet.is_split:
        return Refusal("bad_split", "split packets (PNUM/PNO) must be sent whole over HTTP")
    return to_record(packet)
