"""The ingest benchmark's data loggers, as a separate process (so they do not share the receiver's GIL).

Reads frames (one per line) from a file, opens ``--connections`` TCP connections
(each MN always on the same one), then sends everything as fast as the
receiver takes it and counts the replies. Prints one JSON object: sent,
replies, wall-clock times of the first byte sent and the last reply, the
reply count per 0.25 s, and between first byte and last reply the CPU time of
this process and of the whole machine.

    python -m bench.ingest_client --port 6212 --frames frames.txt --connections 7000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import zlib
from collections.abc import Sequence


async def _main(host: str, port: int, frames: list[bytes], connections: int, timeout: float) -> dict[str, object]:
    groups: list[list[bytes]] = [[] for _ in range(connections)]
    for frame in frames:
        mn = frame.split(b"MN=", 1)[1].split(b";", 1)[0]
        groups[zlib.crc32(mn) % connections].append(frame)
    groups = [group for group in groups if group]
    streams = []
    for _ in groups:
        streams.append(await asyncio.open_connection(host, port, limit=1 << 20))
    ticks: list[float] = []
    started, busy, cpu = time.time(), machine_busy_seconds(), time.process_time()
    readers = [asyncio.create_task(_read(reader, len(group), ticks)) for (reader, _), group in zip(streams, groups)]
    await asyncio.gather(*(_send(writer, group) for (_, writer), group in zip(streams, groups)))
    await asyncio.wait(readers, timeout=timeout)
    busy, cpu = machine_busy_seconds() - busy, time.process_time() - cpu
    for _, writer in streams:
        writer.close()
    ticks.sort()
    deciles = [ticks[int(len(ticks) * share) - 1] for share in (0.1, 0.9)] if len(ticks) >= 10 else [started, started]
    return {"sent": len(frames), "replies": len(ticks), "connections": len(groups), "first_send": started,
            "last_reply": ticks[-1] if ticks else started, "reply_10_percent": deciles[0],
            "reply_90_percent": deciles[1], "per_quarter_second": _histogram(ticks, started),
            "machine_cpu_s": busy, "client_cpu_s": cpu, "client_process_cpu_s": time.process_time()}


def machine_busy_seconds() -> float:
    """CPU seconds all processes of the machine have used since boot (``/proc/stat``), idle and I/O wait excluded."""
    with open("/proc/stat") as stat:
        user, nice, system, _idle, _iowait, irq, softirq, *_ = (int(v) for v in stat.readline().split()[1:])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


async def _send(writer: asyncio.StreamWriter, frames: list[bytes]) -> None:
    for offset in range(0, len(frames), 32):
        writer.write(b"".join(frames[offset:offset + 32]))
        await writer.drain()


async def _read(reader: asyncio.StreamReader, expected: int, ticks: list[float]) -> None:
    count = 0
    while count < expected:
        line = await reader.readline()
        if not line:
            return
        count += 1
        ticks.append(time.time())


def _histogram(ticks: list[float], started: float) -> list[int]:
    if not ticks:
        return []
    counts = [0] * (int((ticks[-1] - started) * 4) + 1)
    for tick in ticks:
        counts[int((tick - started) * 4)] += 1
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--frames", required=True)
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args(argv)
    with open(args.frames, "rb") as source:
        frames = [line + b"\n" for line in source.read().split(b"\n") if line]
    result = asyncio.run(_main(args.host, args.port, frames, args.connections, args.timeout))
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
