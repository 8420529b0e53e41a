"""``ecoloop simulate``: data loggers sending hourly HJ 212 packets to a receiver over TCP.

Simulated time starts at ``start`` (by default a day ago) and advances one hour
per round, each point sending its hourly packet (CN 2061, Flag 5: reply
wanted); once simulated time catches up with the clock, the next round waits
for its hour to end. Values come from :class:`engine.monitoring.synthetic.TrafficModel`
(occasional exceedances, stuck and zero values, maintenance flags and gaps);
a share of packets get a broken CRC. ``rate`` caps packets per second over all
connections (0: as fast as the receiver takes them).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from engine.monitoring.synthetic import SimPoint, TrafficModel

from .builder import build_packet
from .packet import FLAG_REPLY, FactorValues
from .times import make_qn

log = logging.getLogger(__name__)

HOUR = timedelta(hours=1)
FLAG_2017_REPLY = 4 | FLAG_REPLY


@dataclass
class SimulationReport:
    sent: int = 0
    bad_crc: int = 0
    gaps: int = 0
    replies: int = 0
    rounds: int = 0
    seconds: float = 0.0
    last_slot: datetime | None = None
    episodes: dict[str, int] = field(default_factory=dict)


def corrupt_crc(frame: str) -> str:
    """The same frame with its CRC changed (the data are intact, the checksum is not)."""
    body, crc = frame[:-6], frame[-6:-2]
    return f"{body}{(int(crc, 16) ^ 0x5A5A):04X}\r\n"


def packets_for_slot(points: Sequence[SimPoint], slot: datetime, model: TrafficModel, report: SimulationReport,
                     *, bad_crc: float = 0.0, rng: random.Random | None = None) -> Iterator[tuple[int, bytes]]:
    """(point index, frame bytes) of each point's hourly packet for ``slot``; gaps send nothing."""
    rng = rng or model.rng
    for index, point in enumerate(points):
        factors = model.hourly(point, slot)
        if point.episode:  # point-hours spent in each kind of episode
            report.episodes[point.episode] = report.episodes.get(point.episode, 0) + 1
        if factors is None:
            report.gaps += 1
            continue
        frame = build_packet(st=point.st, cn="2061", pw=point.password, mn=point.mn, qn=make_qn(slot + HOUR),
                             flag=FLAG_2017_REPLY, data_time=slot,
                             values={code: FactorValues.from_attrs(data) for code, data in factors.items()})
        if bad_crc and rng.random() < bad_crc:
            frame = corrupt_crc(frame)
            report.bad_crc += 1
        yield index, frame.encode()


class _Pacer:
    """Allows ``rate`` sends per second (0: no limit), in small bursts."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.started = time.monotonic()
        self.count = 0

    async def wait(self) -> None:
        self.count += 1
        if self.rate <= 0:
            if self.count % 256 == 0:
                await asyncio.sleep(0)
            return
        ahead = self.count / self.rate - (time.monotonic() - self.started)
        if ahead > 0.01:
            await asyncio.sleep(ahead)


REPLY_WAIT_SECONDS = 5.0


async def simulate(
    points: Sequence[SimPoint], host: str, port: int, *, rate: float = 50.0, duration: float = 60.0,
    start: datetime | None = None, seed: int = 1, connections: int = 20, bad_crc: float = 0.01,
    episode_rate: float = 0.02,
) -> SimulationReport:
    """Send traffic for ``duration`` seconds (or until the clock is reached and ``duration`` ends)."""
    report = SimulationReport()
    model = TrafficModel(seed=seed, episode_rate=episode_rate)
    slot = start or (datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) - timedelta(hours=24))
    count = max(1, min(connections, len(points)))
    streams = [await asyncio.open_connection(host, port) for _ in range(count)]
    readers = [asyncio.create_task(_count_replies(reader, report)) for reader, _ in streams]
    pacer, began = _Pacer(rate), time.monotonic()
    deadline = began + duration
    try:
        while time.monotonic() < deadline:
            wait = (slot + HOUR - datetime.now(timezone.utc)).total_seconds()
            if wait > 0:
                await asyncio.sleep(min(wait, deadline - time.monotonic()))
                continue
            for index, frame in packets_for_slot(points, slot, model, report, bad_crc=bad_crc):
                writer = streams[index % count][1]
                writer.write(frame)
                report.sent += 1
                await pacer.wait()
                if writer.transport.get_write_buffer_size() > 1 << 20:
                    await writer.drain()
                if time.monotonic() >= deadline:
                    break
            report.rounds, report.last_slot, slot = report.rounds + 1, slot, slot + HOUR
            log.info("simulated %s: %d packets sent so far", report.last_slot.isoformat(), report.sent)
    finally:
        for _, writer in streams:
            with contextlib.suppress(ConnectionError):
                await writer.drain()
        await _replies_settled(report)
        for (_, writer), reader in zip(streams, readers):
            writer.close()
            reader.cancel()
        report.seconds = time.monotonic() - began
    return report


async def _replies_settled(report: SimulationReport) -> None:
    """Wait until every well-formed packet is answered, or :data:`REPLY_WAIT_SECONDS` without a new answer.

    A receiver answers after its commit, so on a busy machine the last answers trail the last packet
    by more than a fixed pause; a receiver that stopped answering ends the wait after the quiet time.
    """
    expected, seen, quiet_since = report.sent - report.bad_crc, -1, time.monotonic()
    while report.replies < expected and time.monotonic() - quiet_since < REPLY_WAIT_SECONDS:
        if report.replies != seen:
            seen, quiet_since = report.replies, time.monotonic()
        await asyncio.sleep(0.05)


async def _count_replies(reader: asyncio.StreamReader, report: SimulationReport) -> None:
    with contextlib.suppress(asyncio.CancelledError, ConnectionError):
        while line := await reader.readline():
            if b"CN=9014" in line:
                report.replies += 1
