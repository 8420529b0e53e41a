"""Engine benchmark: anomaly-closure instances end to end, in memory, on SQLite and on PostgreSQL.

Run by hand (not a test)::

    .venv/bin/python -m bench.engine --instances 300 --backends memory,sqlite,postgres \\
        --prefill 100000 --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test --profile

Each instance is started and then taken through explanation → county →
city → province review. ``memory`` runs SpiffWorkflow alone on the compiled
model (no validation, no serialization, no database): the ceiling. The
persisted backends call the engine services exactly as the web does, one
committed transaction per start and per completion. With ``--prefill`` the
PostgreSQL database (or those named by ``--prefill-on``) is then filled with
that many finished instances and measured again. ``--threads 1,4`` measures the
PostgreSQL run once per thread count: the completions of a step then run
concurrently in threads of this one process, as in a threaded web worker (the
in-memory ceiling is one thread either way: its work is all Python, under one
interpreter lock). Results and the machine go
to stdout; progress goes to stderr. Numbers are kept in ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import logging
import os
import pstats
import random
import sys
from collections.abc import Sequence
from time import perf_counter
from typing import Any

from sqlalchemy.engine import Engine

from bench import workload
from bench.breakdown import CompletionsOnly, instrumented
from bench.databases import DEFAULT_PG_URL, bench_database, machine
from bench.prefill import StepInfo, Template, prefill
from bench.runners import MemoryRunner, RunResult, ServiceRunner, run
from engine import processes as bundled_processes
from engine.actors import Actor, Role, role_for_lane
from engine.audit import trail as audit
from engine.db import make_engine, make_session_factory
from engine.workflow import deployment as processes
from engine.workflow.bundle import BUNDLED_DIR, bundled_config, read_model_file
from engine.workflow.compiler import CompiledModel, compile_model
from engine.workflow.models import ProcessModel
from engine.workflow.serialization import dump_state
from engine.workflow.validation import check_model

log = logging.getLogger("bench.engine")

BENCH_ADMIN = Actor("bench-admin", frozenset({Role.ADMIN}), "440000", display_name="基准测试管理员")
ENTERPRISES = 2_000
TARGET_RATIO = 0.1
TARGET_PG_COMPLETIONS_PER_S = 400.0
TARGET_P95_MS = 10.0
TARGET_PREFILL = 100_000


def main(argv: Sequence[str] | None = None) -> int:
    bundled_processes.wire()
    args = _arguments(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("bench").setLevel(logging.INFO)
    rng = random.Random(args.seed)
    pool = workload.enterprises(ENTERPRISES, rng)
    compiled, xml, forms = _bundled_model()
    _print_machine(machine(args.pg_url if "postgres" in args.backends else None))
    print(f"  load average   {' '.join(f'{x:.2f}' for x in os.getloadavg())} (at the start; the machine is shared)")
    results: list[RunResult] = []
    if "memory" in args.backends:
        results.append(_memory(compiled, args, pool, rng))
    for backend in ("sqlite", "postgres"):
        if backend in args.backends:
            results += _persisted(backend, args, pool, rng, compiled, (xml, forms))
    _print_results(results, args)
    return 0


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.engine", description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=300, help="instances per measured run (default 300)")
    parser.add_argument("--backends", type=_names, default=["memory", "sqlite", "postgres"],
                        help="comma-separated: memory,sqlite,postgres (default all)")
    parser.add_argument("--prefill", type=int, default=0, help="finished instances to insert, then measure again")
    parser.add_argument("--prefill-on", type=_names, default=["postgres"],
                        help="backends to prefill (default postgres)")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL,
                        help="an existing PostgreSQL database to connect to for CREATE DATABASE")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured instances run first on each backend")
    parser.add_argument("--threads", type=_counts, default=[1],
                        help="comma-separated thread counts for the PostgreSQL run, each measured (default 1)")
    parser.add_argument("--profile", action="store_true",
                        help="time breakdown and cProfile of completions on PostgreSQL")
    parser.add_argument("--verify-audit", action="store_true", help="check the audit chain after the prefilled run")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    unknown = set(args.backends) - {"memory", "sqlite", "postgres"}
    if unknown or args.instances < 2:
        parser.error(f"unknown backends {sorted(unknown)}" if unknown else "--instances must be at least 2")
    return args


def _names(value: str) -> list[str]:
    return [name.strip() for name in value.split(",") if name.strip()]


def _counts(value: str) -> list[int]:
    counts = [int(name) for name in _names(value)]
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("thread counts are whole numbers ≥ 1")
    return counts


def _bundled_model() -> tuple[CompiledModel, bytes, dict[str, Any]]:
    xml, forms = read_model_file(BUNDLED_DIR / f"{workload.PROCESS_KEY}.bpmn")
    return compile_model(check_model(xml, forms)), xml, forms


def _memory(compiled: CompiledModel, args: argparse.Namespace, pool: list[workload.Enterprise],
            rng: random.Random) -> RunResult:
    config = bundled_config(workload.PROCESS_KEY) or {}
    run(MemoryRunner(compiled, config), workload.cases(args.warmup, pool, rng, "warm-mem"), "warm-up")
    gc.collect()
    result = run(MemoryRunner(compiled, config), workload.cases(args.instances, pool, rng, "mem"), "memory (ceiling)")
    log.info("memory: %.0f completions/s", result.completions_per_s)
    return result


def _persisted(backend: str, args: argparse.Namespace, pool: list[workload.Enterprise], rng: random.Random,
               compiled: CompiledModel, bundle: tuple[bytes, dict[str, Any]]) -> list[RunResult]:
    thread_counts = args.threads if backend == "postgres" else [1]  # SQLite has one writer at a time
    with bench_database(backend, args.pg_url) as url:
        db = make_engine(url, pool_size=max(5, *thread_counts))
        factory = make_session_factory(db)
        with factory() as session:
            model = processes.deploy(session, BENCH_ADMIN, *bundle)
            session.commit()
        runner = ServiceRunner(factory)
        run(runner, workload.cases(args.warmup, pool, rng, f"warm-{backend}"), "warm-up")
        results = [_measure(runner, workload.cases(args.instances, pool, rng, f"{backend}-{threads}"),
                            backend if threads == 1 else f"{backend}, {threads} threads", threads)
                   for threads in thread_counts]
        if args.prefill and backend in args.prefill_on:
            _prefill(db, model, compiled, args.prefill, pool, rng)
            label = f"{backend} + {args.prefill:,} finished"
            results.append(_measure(runner, workload.cases(args.instances, pool, rng, f"{backend}-full"), label))
            if args.verify_audit:
                _verify_audit(factory)
        if args.profile and backend == "postgres":
            _profile(db, runner, workload.cases(min(args.instances, 200), pool, rng, "profile"))
        db.dispose()
    return results


def _measure(runner: ServiceRunner, cases: list[workload.Case], label: str, threads: int = 1) -> RunResult:
    gc.collect()
    result = run(runner, cases, label, threads)
    log.info("%s: %.0f completions/s, p95 %.2f ms", label, result.completions_per_s, result.completion_ms(95))
    return result


def _prefill(db: Engine, model: ProcessModel, compiled: CompiledModel, count: int,
             pool: list[workload.Enterprise], rng: random.Random) -> None:
    finished = MemoryRunner(compiled, bundled_config(workload.PROCESS_KEY) or {})
    run(finished, workload.cases(1, pool, rng, "template"), "template")
    template = Template(model.id, model.version, dump_state(finished.workflow(1)), _step_infos(compiled))
    began = perf_counter()
    prefill(db, template, workload.cases(count, pool, rng, "prefill"), rng)
    elapsed = perf_counter() - began
    log.info("prefilled %d finished instances in %.1f s (%.0f instances/s)", count, elapsed, count / elapsed)


def _step_infos(compiled: CompiledModel) -> dict[str, StepInfo]:
    infos = {}
    for step in workload.STEPS:
        spec = compiled.spec.task_specs[step]
        role = role_for_lane(spec.lane)
        infos[step] = StepInfo(spec.bpmn_name or step, spec.lane or "", role.value if role else "",
                               spec.extensions.get("properties", {}).get("formKey", ""))
    return infos


def _verify_audit(factory: Any) -> None:
    began = perf_counter()
    with factory() as session:
        report = audit.verify(session)
    log.info("audit chain: %d events checked in %.1f s, ok=%s %s", report.checked, perf_counter() - began,
             report.ok, report.reason)
    if not report.ok:
        raise RuntimeError(f"audit chain broken at {report.broken_at}: {report.reason}")


def _profile(db: Engine, runner: ServiceRunner, cases: list[workload.Case]) -> None:
    """A breakdown run with phase timers, then a cProfile run, both of completions only."""
    half = len(cases) // 2
    with instrumented(db) as breakdown:
        probe = CompletionsOnly(runner, lambda on: setattr(breakdown, "paused", not on))
        result = run(probe, cases[:half], "breakdown")
    total = sum(result.completion_s)
    print(f"\nTime per task completion on PostgreSQL, by phase ({result.completions} completions, "
          f"{total * 1000 / result.completions:.2f} ms each with timers on):")
    for category, ms, share in breakdown.rows(total, result.completions):
        print(f"  {category:<52} {ms:6.3f} ms  {share:6.1%}")
    trips = ", ".join(f"{k} {v / result.completions:.2f}" for k, v in breakdown.round_trips.most_common())
    print(f"  round trips per completion: {sum(breakdown.round_trips.values()) / result.completions:.1f} ({trips})")
    _cprofile(runner, cases[half:])


def _cprofile(runner: ServiceRunner, cases: list[workload.Case]) -> None:
    profiler = cProfile.Profile()
    probe = CompletionsOnly(runner, lambda on: profiler.enable() if on else profiler.disable())
    run(probe, cases, "cprofile")
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(25)
    print("\ncProfile of completions on PostgreSQL, top functions by own time:")
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:6000])


def _print_machine(info: dict[str, str]) -> None:
    print("Machine:")
    for key, value in info.items():
        print(f"  {key:<14} {value}")


def _print_results(results: list[RunResult], args: argparse.Namespace) -> None:
    ceiling = next((r for r in results if r.label.startswith("memory")), None)
    print(f"\nanomaly_closure, {args.instances} instances × 4 completions per run, one process "
          "(one thread unless the run says otherwise)")
    print(f"{'run':<28}{'inst/s':>9}{'×ceil':>8}{'compl/s':>9}{'×ceil':>8}{'p50 ms':>8}{'×ceil':>7}"
          f"{'p95 ms':>8}{'×ceil':>7}{'cpu ms':>8}{'start p50':>10}")
    for r in results:
        ratios = _ratios(r, ceiling)
        print(f"{r.label:<28}{r.instances_per_s:>9.1f}{ratios[0]:>8}{r.completions_per_s:>9.1f}{ratios[1]:>8}"
              f"{r.completion_ms(50):>8.2f}{ratios[2]:>7}{r.completion_ms(95):>8.2f}{ratios[3]:>7}"
              f"{r.cpu_ms_per_completion:>8.2f}{r.start_ms(50):>10.2f}")
    print("(×ceil: throughput as a fraction of the in-memory ceiling, latency as a multiple of it; cpu ms: this\n"
          " process's CPU time per completion, without the database server's; start p50: ms per instance start)")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for line in _targets(results, ceiling, args):
        print(line)


def _ratios(r: RunResult, ceiling: RunResult | None) -> tuple[str, str, str, str]:
    if ceiling is None:
        return ("-", "-", "-", "-")
    return (f"{r.instances_per_s / ceiling.instances_per_s:.3f}",
            f"{r.completions_per_s / ceiling.completions_per_s:.3f}",
            f"{r.completion_ms(50) / ceiling.completion_ms(50):.1f}",
            f"{r.completion_ms(95) / ceiling.completion_ms(95):.1f}")


def _targets(results: list[RunResult], ceiling: RunResult | None, args: argparse.Namespace) -> list[str]:
    lines = ["\nTargets:"]
    persisted = [r for r in results if r is not ceiling]
    if ceiling is not None:
        for r in persisted:
            ratio = min(r.instances_per_s / ceiling.instances_per_s, r.completions_per_s / ceiling.completions_per_s)
            lines.append(f"  {_mark(ratio >= TARGET_RATIO)} {r.label}: throughput ≥ {TARGET_RATIO}× ceiling "
                         f"(lower of the two ratios: {ratio:.3f})")
    for r in (r for r in persisted if r.label.startswith("postgres")):
        lines.append(f"  {_mark(r.completions_per_s >= TARGET_PG_COMPLETIONS_PER_S)} {r.label}: ≥ "
                     f"{TARGET_PG_COMPLETIONS_PER_S:.0f} completions/s ({r.completions_per_s:.0f})")
    full = [r for r in persisted if r.label.startswith("postgres +")]
    for r in full:
        note = "" if args.prefill >= TARGET_PREFILL else f" (prefill {args.prefill:,} < {TARGET_PREFILL:,})"
        met = r.completion_ms(95) <= TARGET_P95_MS and args.prefill >= TARGET_PREFILL
        lines.append(f"  {_mark(met)} {r.label}: completion p95 ≤ {TARGET_P95_MS:.0f} ms "
                     f"({r.completion_ms(95):.2f} ms){note}")
    if not full:
        lines.append("  n/a completion p95 with 100,000 finished instances: run with --prefill 100000 on postgres")
    return lines


def _mark(ok: bool) -> str:
    return "MET   " if ok else "NOT MET"


if __name__ == "__main__":
    sys.exit(main())
