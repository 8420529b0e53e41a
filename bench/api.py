"""API benchmark: task completions per second through the HTTP API, beside the engine service's own figure.

Run by hand (not a test)::

    .venv/bin/python -m bench.api --instances 300 --clients 4 \\
        --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test

One run, one fresh PostgreSQL database: first the engine services complete the
four steps of ``--instances`` anomaly-closure instances in this process (one
transaction per completion, as ``bench.engine`` measures them); then gunicorn
serves the app with ``--workers`` worker processes on a loopback port and this
process, as the load generator, completes the steps of as many other instances
with ``POST /api/v1/tasks/{id}/complete`` from ``--clients`` threads (one
keep-alive connection each, a bearer token per actor). Only completions are
timed; starting the instances and finding each step's ready tasks (one query
for all instances) are not. Results and the machine go to stdout.
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import requests
from sqlalchemy.orm import Session, sessionmaker

from bench import workload
from bench.databases import DEFAULT_PG_URL, bench_database, machine
from bench.engine import BENCH_ADMIN
from bench.runners import RunResult, ServiceRunner, run
from engine.actors import Actor
from engine.db import make_engine, make_session_factory
from engine.workflow import deployment as processes
from engine.workflow.bundle import BUNDLED_DIR, read_model_file
from web import create_app
from web.api import bearer

log = logging.getLogger("bench.api")

ENTERPRISES = 2_000
TARGET_COMPLETIONS_PER_S = 200.0
TARGET_P95_MS = 50.0
SECRET = "bench-api-secret-key-not-for-production"


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    log.setLevel(logging.INFO)
    rng = random.Random(args.seed)
    pool = workload.enterprises(ENTERPRISES, rng)
    print("Machine:")
    for key, value in machine(args.pg_url).items():
        print(f"  {key:<14} {value}")
    print(f"  load average   {' '.join(f'{x:.2f}' for x in os.getloadavg())} (at the start; the machine is shared)")
    with bench_database("postgres", args.pg_url) as url:
        factory = make_session_factory(make_engine(url))
        with factory() as session:
            processes.deploy(session, BENCH_ADMIN, *read_model_file(BUNDLED_DIR / f"{workload.PROCESS_KEY}.bpmn"))
            session.commit()
        engine_result = _engine(factory, args, pool, rng)
        with gunicorn(url, args.workers, args.threads) as base_url:
            api_result = _api(base_url, factory, args, pool, rng)
    _report(engine_result, api_result, args)
    return 0


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.api", description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=300, help="instances per measured run (default 300)")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured instances run first (default 20)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker (gthread, default 2)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent client threads (default 4)")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="a PostgreSQL database to connect to for CREATE DATABASE")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    if args.instances < 2 or args.clients < 1 or args.workers < 1:
        parser.error("--instances must be at least 2, --clients and --workers at least 1")
    return args


def _engine(factory: sessionmaker[Session], args: argparse.Namespace, pool: list[workload.Enterprise],
            rng: random.Random) -> RunResult:
    runner = ServiceRunner(factory)
    run(runner, workload.cases(args.warmup, pool, rng, "warm-engine"), "warm-up")
    result = run(runner, workload.cases(args.instances, pool, rng, "engine"), "engine service, 1 thread")
    log.info("engine: %.0f completions/s, p95 %.2f ms", result.completions_per_s, result.completion_ms(95))
    return result


@contextmanager
def gunicorn(database_url: str, workers: int, threads: int) -> Iterator[str]:
    """Serve ``web:create_app()`` with gunicorn on a free loopback port until the block ends."""
    port = _free_port()
    env = {**os.environ, "ECOLOOP_DATABASE_URL": database_url, "ECOLOOP_SECRET_KEY": SECRET,
           "ECOLOOP_RUN_SCHEDULER_IN_WEB": "0", "ECOLOOP_API_RATE_LIMIT": "1000000/minute"}
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--worker-class", "gthread",
               "--threads", str(threads), "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "web:create_app()"]
    server = subprocess.Popen(command, env=env)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base_url, server)
        yield base_url
    finally:
        server.terminate()
        server.wait(timeout=30)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_up(base_url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            if requests.get(f"{base_url}/healthz", timeout=10).status_code == 200:
                return
        except requests.RequestException:  # not up yet, or too busy starting to answer
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz within 60 s")


@dataclass
class HttpResult:
    label: str
    completions: int = 0
    wall_s: float = 0.0
    latencies_s: list[float] = field(default_factory=list)

    @property
    def completions_per_s(self) -> float:
        return self.completions / self.wall_s

    def ms(self, percentile: int) -> float:
        return statistics.quantiles(self.latencies_s, n=100, method="inclusive")[percentile - 1] * 1000


class HttpRunner:
    """Completes tasks with ``POST /api/v1/tasks/{id}/complete``; one keep-alive session per client thread."""

    def __init__(self, base_url: str, factory: sessionmaker[Session]) -> None:
        self._base_url = base_url
        self._service = ServiceRunner(factory)  # starts instances and finds ready tasks (not timed)
        self._local = threading.local()
        self._tokens: dict[str, str] = {}
        self._lock = threading.Lock()

    def _token(self, actor: Actor) -> str:
        with self._lock:
            if actor.username not in self._tokens:
                self._tokens[actor.username] = _signed_token(actor)
            return self._tokens[actor.username]

    def _connection(self) -> http.client.HTTPConnection:
        """This client thread's keep-alive connection (the standard library's: the load generator shares the
        two cores with the server, and ``requests`` costs several times its CPU per request)."""
        connection = getattr(self._local, "connection", None)
        if connection is None:
            parsed = urllib.parse.urlsplit(self._base_url)
            connection = self._local.connection = http.client.HTTPConnection(parsed.hostname or "127.0.0.1", parsed.port, timeout=30)
        return connection

    def complete(self, task_id: str, actor: Actor, data: dict[str, Any]) -> float:
        headers = {"Authorization": f"Bearer {self._token(actor)}", "Content-Type": "application/json"}
        body = json.dumps({"data": data}).encode()
        connection = self._connection()
        began = time.perf_counter()
        connection.request("POST", f"/api/v1/tasks/{task_id}/complete", body=body, headers=headers)
        response = connection.getresponse()
        answer = response.read()
        elapsed = time.perf_counter() - began
        if response.status != 200:
            raise RuntimeError(f"completing {task_id} answered {response.status}: {answer[:300]!r}")
        return elapsed

    def run(self, cases: list[workload.Case], label: str, clients: int) -> HttpResult:
        result = HttpResult(label)
        keys = [self._service.start(case) for case in cases]
        with ThreadPoolExecutor(max_workers=clients) as executor:
            for index, step in enumerate(workload.STEPS):
                ready = self._service.ready(keys)
                jobs = []
                for key, case in zip(keys, cases):
                    task_id, spec_name = ready[key]
                    if spec_name != step:
                        raise RuntimeError(f"instance {key} waits at {spec_name}, expected {step}")
                    jobs.append((task_id, *case.steps[index]))
                began = time.perf_counter()
                result.latencies_s += executor.map(lambda job: self.complete(*job), jobs)
                result.wall_s += time.perf_counter() - began
        result.completions = len(result.latencies_s)
        if self._service.finished(keys) != len(keys):
            raise RuntimeError(f"{label}: not every instance completed")
        return result


def _signed_token(actor: Actor) -> str:
    """The bearer token ``POST /api/v1/auth/token`` would give this actor (signed with the server's key)."""
    global _TOKEN_APP
    if _TOKEN_APP is None:
        _TOKEN_APP = create_app({"SECRET_KEY": SECRET, "DATABASE_URL": "sqlite://", "RUN_SCHEDULER_IN_WEB": "0"})
    with _TOKEN_APP.test_request_context():
        token: str = bearer.issue(actor)["access_token"]
    return token


_TOKEN_APP: Any = None


def _api(base_url: str, factory: sessionmaker[Session], args: argparse.Namespace,
         pool: list[workload.Enterprise], rng: random.Random) -> HttpResult:
    runner = HttpRunner(base_url, factory)
    runner.run(workload.cases(args.warmup, pool, rng, "warm-api"), "warm-up", args.clients)
    label = f"HTTP API, {args.workers} gunicorn workers, {args.clients} clients"
    result = runner.run(workload.cases(args.instances, pool, rng, "api"), label, args.clients)
    log.info("api: %.0f completions/s, p95 %.2f ms", result.completions_per_s, result.ms(95))
    return result


def _report(engine_result: RunResult, api_result: HttpResult, args: argparse.Namespace) -> None:
    print(f"\nanomaly_closure on PostgreSQL, {args.instances} instances × 4 completions per run")
    print(f"{'run':<52}{'compl/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    print(f"{engine_result.label:<52}{engine_result.completions_per_s:>9.1f}{engine_result.completion_ms(50):>9.2f}"
          f"{engine_result.completion_ms(95):>9.2f}{engine_result.completion_ms(99):>9.2f}")
    print(f"{api_result.label:<52}{api_result.completions_per_s:>9.1f}{api_result.ms(50):>9.2f}"
          f"{api_result.ms(95):>9.2f}{api_result.ms(99):>9.2f}")
    print("(engine: completions / time spent in them, one after another; API: completions / wall time of the\n"
          " completion phases with the clients in parallel, latency as the client sees it, loopback HTTP included)")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    met_rate = api_result.completions_per_s >= TARGET_COMPLETIONS_PER_S
    met_p95 = api_result.ms(95) <= TARGET_P95_MS
    print("\nTargets:")
    print(f"  {'MET   ' if met_rate else 'NOT MET'} ≥ {TARGET_COMPLETIONS_PER_S:.0f} completions/s through the API "
          f"({api_result.completions_per_s:.0f})")
    print(f"  {'MET   ' if met_p95 else 'NOT MET'} p95 ≤ {TARGET_P95_MS:.0f} ms ({api_result.ms(95):.1f} ms)")


if __name__ == "__main__":
    sys.exit(main())
