"""API benchmark: task completions per second through the HTTP API with 1, 2, 3 … gunicorn workers,
beside the engine service's own figure and the in-memory ceiling, with the CPU split.

Run by hand (not a test)::

    .venv/bin/python -m bench.api --instances 300 --workers 1 2 3 \\
        --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test

One run, one fresh PostgreSQL database: first SpiffWorkflow alone completes the
four steps of ``--instances`` anomaly-closure instances in memory (the ceiling, as
``bench.engine`` measures it); then the engine services do the same in this process
(one transaction per completion); then, for each count in ``--workers``, gunicorn
serves the app with that many worker processes on a loopback port and this process,
as the load generator, completes the steps of as many other instances with
``POST /api/v1/tasks/{id}/complete`` from ``--clients`` threads (default: two per
worker; one keep-alive connection each, a bearer token per actor). Only completions
are timed; starting the instances and finding each step's ready tasks (one query for
all instances) are not. During the timed phases the CPU time of the gunicorn
processes, of the PostgreSQL backends serving the database and of this process is
read from ``/proc``, as a share of the machine. Results and the machine go to stdout.
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
import tempfile
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
from bench.runners import MemoryRunner, RunResult, ServiceRunner, run
from engine import processes as bundled_processes
from engine.actors import Actor
from engine.db import make_engine, make_session_factory
from engine.workflow import deployment as processes
from engine.workflow.bundle import BUNDLED_DIR, bundled_config, read_model_file
from engine.workflow.compiler import compile_model
from engine.workflow.validation import check_model
from web import create_app
from web.api import bearer
from web.database import db

log = logging.getLogger("bench.api")

ENTERPRISES = 2_000
TARGET_COMPLETIONS_PER_S = 300.0  # issue #20 item 8, with all the machine's cores
TARGET_P95_MS = 50.0
TARGET_RATIO = 0.1  # every per-process figure against the in-memory ceiling
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SECRET = "bench-api-secret-key-not-for-production"


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    bundled_processes.wire()  # the bundled processes' hooks, as every edge wires them
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    log.setLevel(logging.INFO)
    rng = random.Random(args.seed)
    pool = workload.enterprises(ENTERPRISES, rng)
    print("Machine:")
    for key, value in machine(args.pg_url).items():
        print(f"  {key:<14} {value}")
    print(f"  load average   {_load()} (at the start; the machine is shared)")
    with bench_database("postgres", args.pg_url) as url:
        factory = make_session_factory(make_engine(url))
        with factory() as session:
            processes.deploy(session, BENCH_ADMIN, *read_model_file(BUNDLED_DIR / f"{workload.PROCESS_KEY}.bpmn"))
            session.commit()
        ceiling = _ceiling(args, pool, rng)
        engine_result = _engine(factory, args, pool, rng)
        api_results = []
        for workers in args.workers:
            with gunicorn_process(url, workers, args.threads) as (base_url, server):
                api_results.append(_api(base_url, url, server, factory, args, workers, pool, rng))
    _report(ceiling, engine_result, api_results, args)
    return 0


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.api", description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=300, help="instances per measured run (default 300)")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured instances run first (default 20)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 3],
                        help="gunicorn worker processes, one measured run per count (default 1 2 3)")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker (gthread, default 2)")
    parser.add_argument("--clients", type=int, default=None,
                        help="concurrent client threads (default: two per worker process)")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="a PostgreSQL database to connect to for CREATE DATABASE")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    if args.instances < 2 or (args.clients is not None and args.clients < 1) or min(args.workers) < 1:
        parser.error("--instances must be at least 2, --clients and --workers at least 1")
    return args


def _ceiling(args: argparse.Namespace, pool: list[workload.Enterprise], rng: random.Random) -> RunResult:
    """SpiffWorkflow alone, in memory: what no stored, served completion can beat (``bench.engine``'s ceiling)."""
    xml, forms = read_model_file(BUNDLED_DIR / f"{workload.PROCESS_KEY}.bpmn")
    compiled = compile_model(check_model(xml, forms))
    config = bundled_config(workload.PROCESS_KEY) or {}
    run(MemoryRunner(compiled, config), workload.cases(args.warmup, pool, rng, "warm-mem"), "warm-up")
    result = run(MemoryRunner(compiled, config), workload.cases(args.instances, pool, rng, "mem"),
                 "in-memory ceiling, 1 thread")
    log.info("ceiling: %.0f completions/s", result.completions_per_s)
    return result


def _engine(factory: sessionmaker[Session], args: argparse.Namespace, pool: list[workload.Enterprise],
            rng: random.Random) -> RunResult:
    runner = ServiceRunner(factory)
    run(runner, workload.cases(args.warmup, pool, rng, "warm-engine"), "warm-up")
    result = run(runner, workload.cases(args.instances, pool, rng, "engine"), "engine service, 1 thread")
    log.info("engine: %.0f completions/s, p95 %.2f ms", result.completions_per_s, result.completion_ms(95))
    return result


@contextmanager
def gunicorn(database_url: str, workers: int, threads: int) -> Iterator[str]:
    """Serve ``web:create_app()`` with gunicorn on a free loopback port until the block ends; yields its URL."""
    with gunicorn_process(database_url, workers, threads) as (base_url, _):
        yield base_url


@contextmanager
def gunicorn_process(database_url: str, workers: int, threads: int) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """As :func:`gunicorn`, yielding the URL and the arbiter's process (whose children are the workers)."""
    port = _free_port()
    env = {**os.environ, "ECOLOOP_DATABASE_URL": database_url, "ECOLOOP_SECRET_KEY": SECRET,
           "ECOLOOP_RUN_SCHEDULER_IN_WEB": "0", "ECOLOOP_API_RATE_LIMIT": "1000000/minute"}
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--worker-class", "gthread",
               "--threads", str(threads), "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "web:create_app()"]
    log_file = tempfile.NamedTemporaryFile(prefix=f"bench-gunicorn-{workers}w-", suffix=".log", delete=False)
    server = subprocess.Popen(command, env=env, stdout=log_file, stderr=subprocess.STDOUT)  # one JSON line per request
    log.info("gunicorn with %d workers logs to %s", workers, log_file.name)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base_url, server)
        yield base_url, server
    finally:
        server.terminate()
        server.wait(timeout=30)
        log_file.close()


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
    workers: int = 1
    completions: int = 0
    wall_s: float = 0.0
    latencies_s: list[float] = field(default_factory=list)
    cpu_s: dict[str, float] = field(default_factory=dict)  # CPU seconds in the timed phases, by process group
    load: tuple[str, str] = ("", "")  # load average at the start and at the end of the run

    @property
    def per_cpu_second(self) -> float:
        """Completions per CPU second of the whole stack (gunicorn, PostgreSQL backends, load generator): what
        the machine's cores would give with nothing else running, whatever other processes took meanwhile."""
        return self.completions / sum(self.cpu_s.get(group, 0.0) for group in CpuMeter.GROUPS)

    def cpu_share(self, group: str) -> float:
        """The group's CPU time as a share of the machine's cores over the timed phases."""
        return self.cpu_s.get(group, 0.0) / (self.wall_s * (os.cpu_count() or 1))

    @property
    def completions_per_s(self) -> float:
        return self.completions / self.wall_s

    def ms(self, percentile: int) -> float:
        return statistics.quantiles(self.latencies_s, n=100, method="inclusive")[percentile - 1] * 1000


class CpuMeter:
    """CPU seconds used so far by the gunicorn processes, the PostgreSQL backends of the bench database and
    this process (``/proc/<pid>/stat``: user + system time; a backend that ended between samples is lost)."""

    GROUPS = ("gunicorn workers", "PostgreSQL", "load generator")

    def __init__(self, server: subprocess.Popen[bytes], database_url: str) -> None:
        self._server = server
        self._db = make_engine(database_url)

    def sample(self) -> dict[str, dict[int, float]]:
        with self._db.connect() as connection:
            rows = connection.exec_driver_sql(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
            backends = [int(row[0]) for row in rows]
        gunicorn_pids = [self._server.pid, *_children(self._server.pid)]
        return {"gunicorn workers": {pid: _cpu_seconds(pid) for pid in gunicorn_pids},
                "PostgreSQL": {pid: _cpu_seconds(pid) for pid in backends},
                "load generator": {os.getpid(): time.process_time()},
                MACHINE: {0: _machine_busy_seconds()}}

    @staticmethod
    def spent(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict[str, float]:
        return {group: sum(seconds - before[group].get(pid, 0.0) for pid, seconds in after[group].items())
                for group in after}


MACHINE = "machine busy"  # every process on the machine, other agents' included (/proc/stat)


def _machine_busy_seconds() -> float:
    """CPU seconds all cores spent not idle since boot: user, nice, system, irq, softirq, steal."""
    with open("/proc/stat") as stat:
        fields = [int(x) for x in stat.readline().split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def _cpu_seconds(pid: int) -> float:
    try:
        fields = open(f"/proc/{pid}/stat").read().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14 and 15 of stat)


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = open(f"/proc/{entry}/stat").read().rpartition(")")[2].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


class HttpRunner:
    """Completes tasks with ``POST /api/v1/tasks/{id}/complete``; one keep-alive session per client thread."""

    def __init__(self, base_url: str, database_url: str, factory: sessionmaker[Session], meter: CpuMeter) -> None:
        self._base_url = base_url
        self._database_url = database_url
        self._service = ServiceRunner(factory)  # starts instances and finds ready tasks (not timed)
        self._meter = meter
        self._local = threading.local()
        self._tokens: dict[str, str] = {}
        self._lock = threading.Lock()

    def _token(self, actor: Actor) -> str:
        with self._lock:
            if actor.username not in self._tokens:
                self._tokens[actor.username] = _signed_token(actor, self._database_url)
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

    def run(self, cases: list[workload.Case], label: str, clients: int, workers: int) -> HttpResult:
        result = HttpResult(label, workers)
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
                for job in jobs:  # every actor's token first: issuing one is not a completion
                    self._token(job[1])
                before = self._meter.sample()
                began = time.perf_counter()
                result.latencies_s += executor.map(lambda job: self.complete(*job), jobs)
                result.wall_s += time.perf_counter() - began
                for group, seconds in self._meter.spent(before, self._meter.sample()).items():
                    result.cpu_s[group] = result.cpu_s.get(group, 0.0) + seconds
        result.completions = len(result.latencies_s)
        if self._service.finished(keys) != len(keys):
            raise RuntimeError(f"{label}: not every instance completed")
        return result


def _signed_token(actor: Actor, database_url: str) -> str:
    """The bearer token ``POST /api/v1/auth/token`` would give this actor: signed with the server's key, its
    row in the bench database (the server checks the row on every request)."""
    app = _TOKEN_APPS.get(database_url)
    if app is None:
        app = _TOKEN_APPS[database_url] = create_app({"SECRET_KEY": SECRET, "DATABASE_URL": database_url,
                                                      "RUN_SCHEDULER_IN_WEB": "0"})
    with app.test_request_context():
        token: str = bearer.issue(actor)["access_token"]
        db().commit()
    return token


_TOKEN_APPS: dict[str, Any] = {}


def _api(base_url: str, database_url: str, server: subprocess.Popen[bytes], factory: sessionmaker[Session],
         args: argparse.Namespace, workers: int, pool: list[workload.Enterprise], rng: random.Random) -> HttpResult:
    clients = args.clients or 2 * workers
    runner = HttpRunner(base_url, database_url, factory, CpuMeter(server, database_url))
    runner.run(workload.cases(args.warmup, pool, rng, f"warm-api-{workers}"), "warm-up", clients, workers)
    label = f"HTTP API, {workers} worker{'s' if workers > 1 else ''} × {args.threads} threads, {clients} clients"
    started = _load()
    result = runner.run(workload.cases(args.instances, pool, rng, f"api-{workers}"), label, clients, workers)
    result.load = (started, _load())
    log.info("api, %d workers: %.0f completions/s, p95 %.2f ms", workers, result.completions_per_s, result.ms(95))
    return result


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _report(ceiling: RunResult, engine_result: RunResult, api_results: list[HttpResult],
            args: argparse.Namespace) -> None:
    cores = os.cpu_count() or 1
    print(f"\nanomaly_closure on PostgreSQL, {args.instances} instances × 4 completions per run, {cores} cores")
    print(f"{'run':<52}{'compl/s':>9}{'×ceil':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for r in (ceiling, engine_result):
        print(f"{r.label:<52}{r.completions_per_s:>9.1f}{r.completions_per_s / ceiling.completions_per_s:>7.3f}"
              f"{r.completion_ms(50):>9.2f}{r.completion_ms(95):>9.2f}{r.completion_ms(99):>9.2f}")
    for a in api_results:
        print(f"{a.label:<52}{a.completions_per_s:>9.1f}{a.completions_per_s / ceiling.completions_per_s:>7.3f}"
              f"{a.ms(50):>9.2f}{a.ms(95):>9.2f}{a.ms(99):>9.2f}")
    print("(ceiling and engine: completions / time spent in them, one after another; API: completions / wall time\n"
          " of the completion phases with the clients in parallel, latency as the client sees it, loopback HTTP)")
    print(f"\nCPU during the timed phases, as a share of the machine's {cores} cores, and the load average:")
    print(f"{'workers':<9}{'compl/s':>9}{'per worker':>12}{'×ceil':>7}{'per CPU-s':>11}"
          + "".join(f"{group:>18}" for group in CpuMeter.GROUPS) + f"{'other procs':>13}{'idle':>7}   load start → end")
    for a in api_results:
        shares = [a.cpu_share(group) for group in CpuMeter.GROUPS]
        per_worker = a.completions_per_s / a.workers
        print(f"{a.workers:<9}{a.completions_per_s:>9.1f}{per_worker:>12.1f}"
              f"{per_worker / ceiling.completions_per_s:>7.3f}{a.per_cpu_second:>11.1f}" + "".join(f"{share:>18.0%}" for share in shares)
              + f"{max(0.0, a.cpu_share(MACHINE) - sum(shares)):>13.0%}{max(0.0, 1 - a.cpu_share(MACHINE)):>7.0%}"
              f"   {a.load[0]} → {a.load[1]}")
    print(f"load average at the end: {_load()}")
    print("(per CPU-s: completions per CPU second of gunicorn + PostgreSQL backends + load generator together;\n"
          " × cores is what the machine would give with nothing else on it, if the work spread over the cores)")
    best = max(api_results, key=lambda a: a.completions_per_s)
    met_rate = best.completions_per_s >= TARGET_COMPLETIONS_PER_S
    met_p95 = best.ms(95) <= TARGET_P95_MS
    lowest = min(a.completions_per_s / a.workers / ceiling.completions_per_s for a in api_results)
    print("\nTargets (issue #20 item 8):")
    print(f"  {'MET   ' if met_rate else 'NOT MET'} ≥ {TARGET_COMPLETIONS_PER_S:.0f} completions/s through the API "
          f"({best.completions_per_s:.0f}, {best.workers} workers)")
    print(f"  {'MET   ' if met_p95 else 'NOT MET'} p95 ≤ {TARGET_P95_MS:.0f} ms at that rate ({best.ms(95):.1f} ms)")
    print(f"  {'MET   ' if lowest >= TARGET_RATIO else 'NOT MET'} every per-worker figure ≥ {TARGET_RATIO} × the "
          f"ceiling (lowest {lowest:.3f})")


if __name__ == "__main__":
    sys.exit(main())
