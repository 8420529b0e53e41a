"""Ingest benchmark: parsing, end-to-end receive over TCP on PostgreSQL, and rule evaluation, each against a baseline.

Run by hand (not a test)::

    .venv/bin/python -m bench.ingest --points 7000 --hours 6 --workers 2 \\
        --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test

1. **parse**: ``parse_packet`` (frame, CRC, fields, values) on one core, over
   realistic hourly packets, each dropped after parsing as the receiver does,
   against :func:`bench.ingest_naive.naive_parse` (``str.split`` and the
   standard's bit-by-bit CRC).
2. **receive**: ``--points`` points registered in a new PostgreSQL database;
   ``bench.ingest_client`` (another process) sends ``--hours`` hours of their
   packets (Flag 5, a reply each) over ``--connections`` connections to
   ``--workers`` receiver processes forked from this one
   (:class:`~integrations.hj212.workers.Workers`, as ``ecoloop receive
   --workers``; 0: one :class:`~integrations.hj212.receiver.Receiver` in a
   thread of this process), which parse, check passwords, store, judge, open
   tasks and answer. Rate = packets ÷ (last reply − first byte sent); *steady*
   = records stored per second between 10 % and 90 % of them. CPU per packet is
   shown for the receivers, the client and the whole machine.
   Baseline: one receiver in a thread with :class:`~bench.ingest_naive.NaiveIngestor`
   committing every packet alone, on ``--baseline-hours`` hours (0: skipped).
3. **rules**: a day of hourly data for the points, stored, then judged by
   ``Ingestor.judge_stored`` in batches of 1,000 (history read per batch),
   against :func:`~bench.ingest_naive.naive_judge` (one history query per
   record) on ``--baseline-records`` records.

Results and the machine go to stdout; figures are kept in ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bench.databases import DEFAULT_PG_URL, bench_database, machine
from bench.ingest_naive import NaiveIngestor, naive_judge, naive_parse
from bench.ingest_setup import frames, hourly_records, register_points
from engine import processes as bundled_processes
from engine.db import make_engine, make_session_factory
from engine.demo.accounts import ADMIN
from engine.monitoring import store
from engine.monitoring.ingest import Ingestor
from engine.monitoring.models import Anomaly, Measurement
from engine.monitoring.registry import PointDirectory
from engine.workflow import deployment as processes
from engine.workflow.bundle import bundled_model_files, read_model_file
from integrations.hj212.parser import parse_packet
from integrations.hj212.receiver import Receiver, ReceiverSettings
from integrations.hj212.workers import Workers, merged

HOUR = timedelta(hours=1)
TARGET_PARSE = 30_000.0
TARGET_RECEIVE = 5_000.0


def main(argv: Sequence[str] | None = None) -> int:
    bundled_processes.wire()
    args = _arguments(argv)
    info = machine(args.pg_url)
    print("machine: " + "; ".join(f"{k} {v}" for k, v in info.items()))
    print(f"load average before: {os.getloadavg()}")
    if "parse" in args.parts:
        _parse(args)
    if "receive" in args.parts:
        _receive(args)
    if "rules" in args.parts:
        _rules(args)
    print(f"load average after: {os.getloadavg()}")
    return 0


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=7000)
    parser.add_argument("--hours", type=int, default=6)
    parser.add_argument("--baseline-hours", type=int, default=1)
    parser.add_argument("--baseline-records", type=int, default=5000)
    parser.add_argument("--connections", type=int, default=7000)
    parser.add_argument("--workers", type=int, default=2,
                        help="receiver processes (ecoloop receive --workers); 0: one receiver in a thread of this process")
    parser.add_argument("--parse-packets", type=int, default=100_000)
    parser.add_argument("--parts", default="parse,receive,rules")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    return parser.parse_args(argv)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)


STANDARD_EXAMPLE = (b"##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;"
                    b"CP=&&RtdInterval=30&&1C80\r\n")


def _parse(args: argparse.Namespace) -> None:
    """Packets per second of CPU time on one core (the machine is shared; wall time is also shown)."""
    points = register_points_in_memory(2000)
    hourly = frames(hourly_records(points, _now() - 10 * HOUR, 10))
    realtime = [frame for frame in frames([replace(r, cn="2011", factors={
        code: {"rtd": data["avg"], "flag": data["flag"]} for code, data in r.factors.items()})
        for r in hourly_records(points, _now() - 10 * HOUR, 10)])]
    for label, sample in (("hourly (Min/Avg/Max/Flag × 5–6 factors)", hourly),
                          ("real-time (Rtd/Flag × 5–6 factors)", realtime),
                          ("the standard's example (CN 1062)", [STANDARD_EXAMPLE])):
        todo = (sample * (args.parse_packets // len(sample) + 1))[: args.parse_packets]
        fast, fast_wall = _rate(lambda: _each(parse_packet, todo), len(todo))
        naive, _ = _rate(lambda: _each(naive_parse, todo[: len(todo) // 5]), len(todo) // 5)
        size = sum(map(len, sample)) / len(sample)
        print(f"parse {label}, {size:.0f} B: {fast:,.0f} packets per CPU-second ({fast_wall:,.0f}/s wall; target ≥ "
              f"{TARGET_PARSE:,.0f}: {_mark(fast >= TARGET_PARSE)}); baseline {naive:,.0f}; ratio {fast / naive:.1f}×")


def _each(parse: Any, todo: list[bytes]) -> None:
    """Parse every frame and drop the result, as the receiver does (keeping 100,000 packets alive would
    time the garbage collector walking them, about a third more)."""
    for raw in todo:
        parse(raw)


def register_points_in_memory(count: int) -> list[Any]:
    from engine.monitoring.synthetic import SimPoint, demo_mn

    return [SimPoint(mn=demo_mn("440106", n // 2, n % 2 + 1), kind="air" if n % 2 == 0 else "water")
            for n in range(count)]


def _rate(work: Any, count: int) -> tuple[float, float]:
    """(per CPU-second of this process, per wall-clock second)."""
    cpu, wall = time.process_time(), time.perf_counter()
    work()
    return count / (time.process_time() - cpu), count / (time.perf_counter() - wall)


def _database(url: str) -> tuple[Any, sessionmaker[Session]]:
    engine = make_engine(url, pool_size=4)
    factory = make_session_factory(engine)
    with factory.begin() as session:
        for path in bundled_model_files():
            processes.deploy(session, ADMIN, *read_model_file(path))
    return engine, factory


def _receive(args: argparse.Namespace) -> None:
    start = _now() - (args.hours + 1) * HOUR
    runs = (("receive", args.hours, False), ("receive baseline", args.baseline_hours, True))
    for label, hours, naive in [run for run in runs if run[1] > 0]:  # --baseline-hours 0 skips the baseline
        with bench_database("postgres", args.pg_url) as url:
            engine, factory = _database(url)
            points = register_points(factory, args.points, start - timedelta(days=1))
            traffic = frames(hourly_records(points, start, hours, episode_rate=0.002))
            result, stats = _run_receiver(factory, traffic, args.connections, naive, 0 if naive else args.workers)
            with factory() as session:
                stored = session.scalar(select(func.count()).select_from(Measurement))
                found = session.scalar(select(func.count()).select_from(Anomaly))
            _report_receive(label, result, stored, found, stats)
            engine.dispose()


def _run_receiver(factory: sessionmaker[Session], traffic: list[bytes], connections: int, naive: bool,
                  workers: int = 0) -> tuple[dict[str, Any], dict[str, Any]]:
    """Serve ``traffic`` to the client; ``workers`` > 0 forks that many receiver processes, else one in a thread."""
    settings = ReceiverSettings(host="127.0.0.1", port=0, batch_size=1 if naive else 1000, max_pending=50_000)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = time.process_time()
    if workers:
        pool = Workers(factory, settings, workers)
        result = _send(pool.port, traffic, connections)
        per_worker = pool.stop()
        stats = merged(per_worker)
        progress = _merged_progress([one.get("progress", []) for one in per_worker])
    else:
        result, stats, progress = _run_in_thread(factory, settings, traffic, connections, naive)
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    children_cpu = used.ru_utime + used.ru_stime - children.ru_utime - children.ru_stime - result["client_process_cpu_s"]
    result["steady"] = _steady(progress)
    stats.pop("progress", None)
    stats["writer_busy_s"] = round(stats.get("writer_busy_s", 0.0), 1)
    stats["receiver_cpu_s"] = round(time.process_time() - cpu + children_cpu, 1)
    return result, stats


def _run_in_thread(factory: sessionmaker[Session], settings: ReceiverSettings, traffic: list[bytes],
                   connections: int, naive: bool) -> tuple[dict[str, Any], dict[str, Any], list[tuple[float, int]]]:
    ingestor = NaiveIngestor(PointDirectory()) if naive else Ingestor(PointDirectory())
    receiver, ready, stop = Receiver(factory, settings, ingestor), threading.Event(), threading.Event()

    async def serve() -> None:
        await receiver.start()
        ready.set()
        while not stop.is_set():
            await asyncio.sleep(0.1)
        await receiver.close()

    thread = threading.Thread(target=lambda: asyncio.run(serve()), daemon=True)
    thread.start()
    ready.wait(30)
    try:
        result = _send(receiver.port, traffic, connections)
    finally:
        stop.set()
        thread.join(120)
    stats = {**dict(receiver.stats), "writer_busy_s": receiver.writer.stats.busy_seconds,
             "batches": receiver.writer.stats.batches}
    return result, stats, list(receiver.writer.stats.progress)


def _send(port: int, traffic: list[bytes], connections: int) -> dict[str, Any]:
    """Run ``bench.ingest_client`` (another process) against the receiver; returns its JSON report."""
    with tempfile.NamedTemporaryFile("wb", suffix=".txt", delete=False) as handle:
        handle.write(b"\n".join(frame.rstrip(b"\n") for frame in traffic) + b"\n")
    try:
        output = subprocess.run(
            [sys.executable, "-m", "bench.ingest_client", "--port", str(port), "--frames", handle.name,
             "--connections", str(connections)], check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(handle.name)
    result: dict[str, Any] = json.loads(output)
    return result


def _merged_progress(progresses: list[list[tuple[float, int]]]) -> list[tuple[float, int]]:
    """(time, records stored so far by all workers) from each worker's own running totals."""
    steps = []
    for progress in progresses:
        previous = 0
        for moment, total in progress:
            steps.append((moment, total - previous))
            previous = total
    merged_progress, total = [], 0
    for moment, count in sorted(steps):
        total += count
        merged_progress.append((moment, total))
    return merged_progress


def _steady(progress: list[tuple[float, int]]) -> float:
    """Records stored per second between the batches that passed 10 % and 90 % of the total."""
    if len(progress) < 3:
        return 0.0
    total = progress[-1][1]
    low = next(p for p in progress if p[1] >= total * 0.1)
    high = next(p for p in progress if p[1] >= total * 0.9)
    return (high[1] - low[1]) / (high[0] - low[0]) if high[0] > low[0] else 0.0


def _report_receive(label: str, result: dict[str, Any], stored: int | None, found: int | None,
                    stats: dict[str, Any]) -> None:
    seconds = result["last_reply"] - result["first_send"]
    rate = result["replies"] / seconds if seconds > 0 else 0.0
    steady = result["steady"]  # stored per second by the writer between 10 % and 90 % of the records
    target = "" if "baseline" in label else f" (target ≥ {TARGET_RECEIVE:,.0f}: {_mark(steady >= TARGET_RECEIVE)})"
    packets = max(1, result["replies"])
    per_packet = stats["receiver_cpu_s"] / packets * 1e6
    client = result["client_cpu_s"] / packets * 1e6
    machine = result["machine_cpu_s"] / packets * 1e6
    print(f"{label}: {result['sent']:,} packets over {result['connections']:,} connections, {result['replies']:,} "
          f"answered in {seconds:.1f} s = {rate:,.0f} packets/s overall, {steady:,.0f}/s steady{target}; "
          f"{stored:,} rows stored, {found:,} anomalies; CPU per packet: receiver {per_packet:,.0f} µs (its whole run), client {client:,.0f} µs, "
          f"whole machine {machine:,.0f} µs (receiver, client, PostgreSQL and any other load, first byte to last "
          f"reply; {os.cpu_count()} cores allow {(os.cpu_count() or 1) / machine * 1e6:,.0f}/s at that cost); {stats}")


def _rules(args: argparse.Namespace) -> None:
    start = _now() - 25 * HOUR
    with bench_database("postgres", args.pg_url) as url:
        engine, factory = _database(url)
        points = register_points(factory, args.points, start - timedelta(days=1))
        day = hourly_records(points, start, 24, episode_rate=0.01)
        ingestor = Ingestor(PointDirectory())
        _store_only(factory, ingestor, day)
        judge = Ingestor(PointDirectory())
        with factory() as session:  # registry cache warm, as in a running receiver
            judge.directory.lookup(session, [p.mn for p in points])
        started = time.perf_counter()
        found = 0
        for offset in range(0, len(day), 1000):
            with factory.begin() as session:
                found += judge.judge_stored(session, day[offset:offset + 1000])
        fast = time.perf_counter() - started
        sample = day[len(day) // 2: len(day) // 2 + args.baseline_records]
        started = time.perf_counter()
        with factory.begin() as session:
            for record in sample:
                info = judge.directory.lookup(session, [record.mn])[record.mn]
                naive_judge(session, info, record)
            session.rollback()
        naive_rate = len(sample) / (time.perf_counter() - started)
        factors = sum(len(r.factors) for r in day)
        print(f"rules: a day of {len(day):,} hourly records ({factors:,} factor values) of {args.points:,} points "
              f"judged in {fast:.1f} s = {len(day) / fast:,.0f} records/s, {found:,} findings; baseline "
              f"{naive_rate:,.0f} records/s (a day would take {len(day) / naive_rate:.0f} s); "
              f"ratio {len(day) / fast / naive_rate:.1f}×")
        engine.dispose()


def _store_only(factory: sessionmaker[Session], ingestor: Ingestor, records: list[Any]) -> None:
    """Write the day without judging it (the rules are measured separately)."""
    with factory() as session:
        found = ingestor.directory.lookup(session, {r.mn for r in records})
    point_ids = {mn: info.id for mn, info in found.items() if info is not None}
    for offset in range(0, len(records), 2000):
        rows = [store.Row(point_ids[r.mn], r.cn, r.data_time, dict(r.factors), len(r.factors), len(r.factors), None,
                          r.data_time + HOUR, 0) for r in records[offset:offset + 2000]]
        with factory.begin() as session:
            store.write(session, rows)


def _mark(ok: bool) -> str:
    return "met" if ok else "NOT met"


if __name__ == "__main__":
    sys.exit(main())
