"""Monitoring commands: ``receive``, ``simulate``, ``import-csv`` and the ``monitoring`` group.

Each command commits at its own edge (per batch where it loops).
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from datetime import date, datetime, timezone
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from engine.anomalies import jobs as anomaly_jobs
from engine.monitoring import csv_import, rates, registry
from engine.monitoring import jobs as monitoring_jobs
from engine.monitoring.ingest import Ingestor, backfill
from engine.monitoring.records import Outcome
from engine.monitoring.settings import MonitoringSettings
from engine.monitoring.synthetic import SimPoint
from integrations.hj212.receiver import (
    ReceiverSettings,
    collect_garbage_less_often,
    serve,
)
from integrations.hj212.simulator import simulate
from integrations.hj212.workers import serve_workers
from web.cli_support import operator, session_factory
from web.replay.cli import replay_command


@click.command("receive")
@click.option("--host", default=None, help="address to listen on [0.0.0.0]")
@click.option("--port", default=None, type=int, help="TCP port [6212]")
@click.option("--idle-timeout", default=None, type=float, help="seconds a silent connection is kept [300]")
@click.option("--batch-size", default=None, type=int, help="records per database transaction [1000]")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="receiver processes accepting on the same port (about one core each)")
@with_appcontext
def receive(host: str | None, port: int | None, idle_timeout: float | None, batch_size: int | None,
            workers: int) -> None:
    """Receive HJ 212 packets from data loggers over TCP until interrupted (Ctrl-C or SIGTERM)."""
    raw = current_app.extensions["ecoloop.settings"].raw
    settings = ReceiverSettings.from_raw(raw, host=host, port=port, idle_timeout=idle_timeout, batch_size=batch_size)
    sessions = session_factory()
    if workers > 1:
        click.echo(json.dumps(serve_workers(sessions, settings, workers), ensure_ascii=False))
        return
    collect_garbage_less_often()

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        receiver = await serve(sessions, settings, stop)
        click.echo(json.dumps(dict(receiver.stats), ensure_ascii=False))

    asyncio.run(main())


@click.command("simulate")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=6212, show_default=True, type=int)
@click.option("--points", default=20, show_default=True, type=int, help="first N registered points")
@click.option("--rate", default=20.0, show_default=True, type=float, help="packets per second (0: unlimited)")
@click.option("--duration", default=120.0, show_default=True, type=float, help="seconds to run")
@click.option("--start", default=None, help="first simulated hour, ISO 8601 [a day ago]")
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--bad-crc", default=0.01, show_default=True, type=float, help="share of packets with a broken CRC")
@click.option("--episodes", default=0.02, show_default=True, type=float, help="chance per point-hour of an anomaly")
@click.option("--password", default="123456", show_default=True, help="the loggers' PW (demo points: 123456)")
@with_appcontext
def simulate_command(host: str, port: int, points: int, rate: float, duration: float, start: str | None, seed: int,
                     bad_crc: float, episodes: float, password: str) -> None:
    """Send simulated hourly packets of registered points to a receiver (``ecoloop receive``)."""
    with session_factory()() as session:
        loggers = [SimPoint(mn=p.mn, kind=p.kind, password=password)
                   for p in registry.list_points(session, limit=points)]
    if not loggers:
        raise click.ClickException("no monitoring points are registered; run `ecoloop demo` first")
    first = datetime.fromisoformat(start) if start else None
    if first is not None and first.tzinfo is None:
        raise click.ClickException("--start needs a time zone, e.g. 2026-11-25T08:00:00+08:00")
    report = asyncio.run(simulate(loggers, host, port, rate=rate, duration=duration, start=first, seed=seed,
                                  bad_crc=bad_crc, episode_rate=episodes))
    click.echo(f"sent {report.sent} packets ({report.bad_crc} with a bad CRC, {report.gaps} gaps) in "
               f"{report.seconds:.1f} s, {report.replies} data answers; last hour "
               f"{report.last_slot.isoformat() if report.last_slot else '-'}; episodes {report.episodes}")


@click.command("import-csv")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--batch", default=1000, show_default=True, type=int, help="records per transaction")
@with_appcontext
def import_csv(file: Path, batch: int) -> None:
    """Back-fill measurements from FILE (columns mn, data_time, factor, cn, avg, … flag; see the docs).

    Exits with 1 when rows or records were refused (they are listed); the others are imported.
    """
    with file.open(encoding="utf-8-sig", newline="") as stream:
        parsed = csv_import.read_csv(stream)
    for line, message in parsed.errors:
        click.echo(f"{file}:{line}: {message}", err=True)
    counts: dict[str, int] = {}
    ingestor = Ingestor()
    for chunk in csv_import.chunks(parsed.records, batch):
        with session_factory().begin() as session:
            results = backfill(session, operator(), chunk, ingestor=ingestor, source=file.name)
        for record, result in zip(chunk, results):
            counts[result.outcome.value] = counts.get(result.outcome.value, 0) + 1
            if result.outcome == Outcome.REFUSED:
                click.echo(f"{record.mn} {record.data_time}: {result.reason}: {result.detail}", err=True)
    anomaly_jobs.open_all(session_factory())
    click.echo(f"{len(parsed.records)} records: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    sys.exit(1 if parsed.errors or counts.get(Outcome.REFUSED.value) else 0)


@click.group("monitoring")
def monitoring_group() -> None:
    """Automatic monitoring: rates, the missing-data check, purge."""


@monitoring_group.command("rates")
@click.option("--month", required=True, help="YYYY-MM")
@click.option("--level", type=click.Choice(["point", "enterprise", "city", "county"]), default="enterprise",
              show_default=True)
@with_appcontext
def rates_command(month: str, level: str) -> None:
    """Print the month's transmission, validity, effective transmission, timeliness and completeness."""
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise click.ClickException(f"--month {month!r} is not YYYY-MM") from None
    with session_factory().begin() as session:
        points = rates.point_rates(session, first)
        rows = points if level == "point" else rates.enterprise_rates(session, first, points=points)
        if level in ("city", "county"):
            rows = rates.region_rates(session, first, level=level, enterprises=rows)
    click.echo("key\tname\ttransmission\tvalidity\teffective\ttimeliness\tcompleteness\tpassed\tbelow_90")
    for row in rows:
        values = [row.transmission, row.validity, row.effective, row.timeliness, row.completeness]
        shown = "\t".join("-" if v is None else f"{v:.4f}" for v in values)
        click.echo(f"{row.key}\t{row.name}\t{shown}\t{row.passed}\t{row.enterprises_below}")


@monitoring_group.command("check-missing")
@with_appcontext
def check_missing_command() -> None:
    """Run the missing-data rule now (the scheduler runs it every few minutes)."""
    found = anomaly_jobs.run_missing_check(session_factory())
    click.echo(f"{found} new missing-data anomalies")


@monitoring_group.command("purge")
@with_appcontext
def purge_command() -> None:
    """Delete real-time and minute data older than their retention; create partitions ahead."""
    settings = MonitoringSettings.from_raw(current_app.extensions["ecoloop.settings"].raw)
    purged = monitoring_jobs.run_purge(session_factory(), settings, datetime.now(timezone.utc))
    click.echo(f"{purged.partitions_dropped} monthly partitions dropped, "
               f"{purged.rows_deleted} rows of real-time and minute data deleted")


monitoring_group.add_command(replay_command)

COMMANDS = (receive, simulate_command, import_csv, monitoring_group)
