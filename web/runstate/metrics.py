"""Prometheus metrics at ``/metrics``: requests of this app, and the platform's figures read at scrape time.

Request counts and latencies are counted per process. Under gunicorn (``web/server.py``) the
arbiter sets ``PROMETHEUS_MULTIPROC_DIR`` before forking, each worker's metrics are written
there, and a scrape answered by any worker adds up all of them (``MultiProcessCollector``).
The platform's figures (tasks, queues, scheduler jobs, evidence disk, open alerts) are read
from the database at scrape time (:mod:`engine.alerts.figures`), so every node answers the
same. Access: a ``Bearer`` token equal to ``ECOLOOP_METRICS_TOKEN``, or a client address in
``ECOLOOP_METRICS_ALLOWED_NETWORKS`` (default: loopback only).
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

from flask import Flask, Response, current_app, g, request
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess, values
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from engine.errors import NotAllowed
from engine.alerts import figures
from engine.alerts import thresholds as alerts
from web.proxies import Network, parse

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
DEFAULT_NETWORKS = "127.0.0.0/8, ::1"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class RequestMetrics:
    """This process's request counter, latency histogram and database pool gauges (not in any registry)."""

    def __init__(self) -> None:
        if os.environ.get(MULTIPROC_ENV):  # chosen when prometheus_client was imported, maybe before the fork
            values.ValueClass = values.get_value_class()
        self.requests = Counter("ecoloop_http_requests", "HTTP requests by endpoint, method and status",
                                ["endpoint", "method", "status"], registry=None)
        self.latency = Histogram("ecoloop_http_request_duration_seconds", "HTTP request latency by endpoint",
                                 ["endpoint"], buckets=LATENCY_BUCKETS, registry=None)
        self.pool_in_use = Gauge("ecoloop_db_pool_connections_in_use", "database connections checked out",
                                 registry=None, multiprocess_mode="livesum")
        self.pool_size = Gauge("ecoloop_db_pool_connections_open", "database connections held open by the pools",
                               registry=None, multiprocess_mode="livesum")

    def collect(self) -> Iterator[Any]:
        for metric in (self.requests, self.latency, self.pool_in_use, self.pool_size):
            yield from metric.collect()


class PlatformCollector(Collector):
    """The platform's figures, read from the database at each scrape."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[Any]:
        reading, open_alerts = _read(self.app)
        yield _by_process(GaugeMetricFamily("ecoloop_tasks_open", "open tasks by process", labels=["process"]),
                          reading.open_tasks)
        yield _by_process(GaugeMetricFamily("ecoloop_tasks_overdue", "open tasks past their due time by process",
                                            labels=["process"]), reading.overdue_tasks)
        yield _by_process(CounterMetricFamily("ecoloop_tasks_completed", "completed tasks by process",
                                              labels=["process"]), reading.completed_tasks)
        queue = GaugeMetricFamily("ecoloop_queue_items", "items waiting or failed, by queue and state",
                                  labels=["queue", "state"])
        for name, state, value in (("mail", "pending", reading.mail_queue), ("mail", "failed", reading.mail_failed),
                                   ("report", "pending", reading.report_queue),
                                   ("report", "failed", reading.report_failed)):
            queue.add_metric([name, state], value)
        yield queue
        yield from _jobs(reading)
        yield GaugeMetricFamily("ecoloop_evidence_free_bytes", "free space on the evidence store's file system",
                                value=reading.evidence_free_bytes)
        yield GaugeMetricFamily("ecoloop_evidence_total_bytes", "size of the evidence store's file system",
                                value=reading.evidence_total_bytes)
        alert = GaugeMetricFamily("ecoloop_alerts_open", "open run-state alerts by figure", labels=["figure"])
        for figure in alerts.RULES:
            alert.add_metric([figure], sum(1 for a in open_alerts if a == figure))
        yield alert


def _read(app: Flask) -> tuple[figures.Figures, list[str]]:
    settings = app.extensions["ecoloop.settings"]
    with app.extensions["ecoloop.sessions"]() as session:
        reading = figures.read(session, settings.evidence_dir, datetime.now(timezone.utc))
        return reading, [alert.figure for alert in alerts.open_alerts(session)]


def _by_process(family: Any, counts: dict[str, int]) -> Any:
    for process, count in sorted(counts.items()):
        family.add_metric([process], count)
    return family


def _jobs(reading: figures.Figures) -> Iterator[Any]:
    last = GaugeMetricFamily("ecoloop_job_last_run_timestamp_seconds", "when each scheduler job last started",
                             labels=["job"])
    duration = GaugeMetricFamily("ecoloop_job_last_duration_seconds", "how long its last run took", labels=["job"])
    ok = GaugeMetricFamily("ecoloop_job_last_ok", "1 when its last run succeeded", labels=["job"])
    runs = CounterMetricFamily("ecoloop_job_runs", "runs of each job", labels=["job"])
    failures = CounterMetricFamily("ecoloop_job_failures", "failed runs of each job", labels=["job"])
    for job in reading.jobs:
        last.add_metric([job.job_id], job.last_started_at.timestamp())
        duration.add_metric([job.job_id], job.last_duration_seconds)
        ok.add_metric([job.job_id], 1 if job.last_ok else 0)
        runs.add_metric([job.job_id], job.runs)
        failures.add_metric([job.job_id], job.failures)
    yield from (last, duration, ok, runs, failures)
    lag = reading.scheduler_lag_seconds
    if lag is not None:
        yield GaugeMetricFamily("ecoloop_scheduler_lag_seconds", "seconds since the timer sweep last started",
                                value=lag)


def init_app(app: Flask) -> None:
    metrics = RequestMetrics()
    app.extensions["ecoloop.metrics"] = metrics
    raw = app.extensions["ecoloop.settings"].raw
    networks = parse(raw.get("METRICS_ALLOWED_NETWORKS") or DEFAULT_NETWORKS)
    app.extensions["ecoloop.metrics_networks"] = networks if isinstance(networks, list) else []
    app.before_request(_start_clock)
    app.after_request(_count)


def _start_clock() -> None:
    g.metrics_started = time.perf_counter()


def _count(response: Response) -> Response:
    started = g.pop("metrics_started", None)
    if started is None:
        return response
    metrics: RequestMetrics = current_app.extensions["ecoloop.metrics"]
    endpoint = request.endpoint or "unmatched"
    metrics.requests.labels(endpoint, request.method, str(response.status_code)).inc()
    metrics.latency.labels(endpoint).observe(time.perf_counter() - started)
    pool: Any = current_app.extensions["ecoloop.engine"].pool
    if hasattr(pool, "checkedout"):
        metrics.pool_in_use.set(pool.checkedout())
        metrics.pool_size.set(pool.checkedin() + pool.checkedout())
    return response


def check_access() -> None:
    """:raises NotAllowed: unless the request carries the metrics token or comes from an allowed network."""
    token = current_app.extensions["ecoloop.settings"].raw.get("METRICS_TOKEN", "")
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip(), token):
        return
    if _allowed(request.remote_addr or "", current_app.extensions["ecoloop.metrics_networks"]):
        return
    raise NotAllowed("metrics need the metrics token or an allowed network")


def _allowed(address: str, networks: list[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def exposition(*, platform: bool = True) -> bytes:
    """The text format of every metric: all workers' when multiprocess, else this process's; ``platform=False``
    leaves out the figures read from the database (for a caller that already holds a session)."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Local(current_app.extensions["ecoloop.metrics"]))
    if platform:
        registry.register(PlatformCollector(current_app._get_current_object()))  # type: ignore[attr-defined]
    return generate_latest(registry)


class _Local(Collector):
    def __init__(self, metrics: RequestMetrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[Any]:
        yield from self.metrics.collect()
