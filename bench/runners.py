"""Running cases end to end: in memory with SpiffWorkflow alone (the ceiling), or through the engine services.

Both runners go breadth-first, as a busy province does: every instance is
started, then every explanation is submitted, then every county review, and
so on. Only starts and completions are timed; finding the next ready task
(one query per step for all instances, like a task list) is not.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timezone
from time import perf_counter, process_time
from typing import Any, Protocol
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bench.workload import PROCESS_KEY, STARTER, STEPS, Case
from engine.actors import Actor
from engine.calendar.holidays import package_years
from engine.calendar.workdays import from_chinese_calendar
from engine.instances import service as instances
from engine.instances.service import StartRequest
from engine.tasks import actions as tasks
from engine.workflow.compiler import CompiledModel
from engine.workflow.deadlines import compute
from engine.workflow.expressions import providing
from engine.workflow.models import (
    HumanTask,
    InstanceStatus,
    ProcessInstance,
    TaskStatus,
)


class Runner(Protocol):
    def start(self, case: Case) -> Hashable: ...

    def ready(self, keys: Sequence[Hashable]) -> dict[Hashable, tuple[str, str]]: ...

    def complete(self, key: Hashable, task_id: str, actor: Actor, data: dict[str, Any]) -> None: ...

    def finished(self, keys: Sequence[Hashable]) -> int: ...


@dataclass
class RunResult:
    label: str
    instances: int
    wall_s: float
    start_s: list[float] = field(default_factory=list)
    completion_s: list[float] = field(default_factory=list)  # each completion's latency
    completing_s: float = 0.0  # wall time of the completion phases: with threads, less than the latencies' sum
    completion_cpu_s: float = 0.0  # this process's CPU time in completions (the database server's is not in it)

    @property
    def completions(self) -> int:
        return len(self.completion_s)

    @property
    def instances_per_s(self) -> float:
        return self.instances / self.wall_s

    @property
    def completions_per_s(self) -> float:
        return self.completions / self.completing_s

    @property
    def cpu_ms_per_completion(self) -> float:
        return self.completion_cpu_s * 1000 / self.completions

    def completion_ms(self, percentile: int) -> float:
        return _percentile(self.completion_s, percentile) * 1000

    def start_ms(self, percentile: int) -> float:
        return _percentile(self.start_s, percentile) * 1000


def _percentile(samples: list[float], percentile: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[percentile - 1]


def run(runner: Runner, cases: Sequence[Case], label: str, threads: int = 1) -> RunResult:
    """Start every case, then complete its four steps; raises if any instance does not finish.

    With ``threads`` > 1 the completions of one step run concurrently in this one process, each
    thread with its own session, as a threaded web worker serves requests.
    """
    began = perf_counter()
    result = RunResult(label, len(cases), 0.0)
    keys = []
    for case in cases:
        t0 = perf_counter()
        keys.append(runner.start(case))
        result.start_s.append(perf_counter() - t0)
    with ThreadPoolExecutor(threads) if threads > 1 else nullcontext() as pool:
        for index, step in enumerate(STEPS):
            ready = runner.ready(keys)
            jobs = [(key, _ready_at(ready, key, step), *case.steps[index]) for key, case in zip(keys, cases)]
            t0, cpu0 = perf_counter(), process_time()
            latencies = pool.map(lambda job: _timed(runner, *job), jobs) if pool else (_timed(runner, *j) for j in jobs)
            result.completion_s += list(latencies)
            result.completing_s += perf_counter() - t0
            result.completion_cpu_s += process_time() - cpu0
    result.wall_s = perf_counter() - began
    done = runner.finished(keys)
    if done != len(keys):
        raise RuntimeError(f"{label}: only {done} of {len(keys)} instances completed")
    return result


def _ready_at(ready: dict[Hashable, tuple[str, str]], key: Hashable, step: str) -> str:
    task_id, spec_name = ready[key]
    if spec_name != step:
        raise RuntimeError(f"instance {key} waits at {spec_name}, expected {step}")
    return task_id


def _timed(runner: Runner, key: Hashable, task_id: str, actor: Actor, data: dict[str, Any]) -> float:
    t0 = perf_counter()
    runner.complete(key, task_id, actor, data)
    return perf_counter() - t0


class MemoryRunner:
    """SpiffWorkflow alone: the compiled spec, workflows kept in a dict, nothing serialized or stored.

    The model's ``workdays()`` and ``config()`` are provided as the engine provides them, from the
    packaged holiday calendar and the bundled configuration instead of the database.
    """

    def __init__(self, compiled: CompiledModel, config: dict[str, Any]) -> None:
        self._compiled = compiled
        self._config = config
        self._calendar = from_chinese_calendar(package_years())
        self._functions: dict[str, Callable[..., Any]] = {"workdays": self._workdays,
                                                           "config": self._config.__getitem__}
        self._workflows: dict[int, BpmnWorkflow] = {}

    def _workdays(self, n: int) -> str:
        return compute(self._calendar, datetime.now(timezone.utc), n).due

    def start(self, case: Case) -> int:
        workflow = self._compiled.new_workflow()
        workflow.task_tree.data.update(
            {**self._config, **case.start_data,
             "region_code": case.region_code, "enterprise_code": case.enterprise_code}
        )
        with providing(self._functions):
            workflow.do_engine_steps()
        key = len(self._workflows) + 1
        self._workflows[key] = workflow
        return key

    def ready(self, keys: Sequence[Hashable]) -> dict[Hashable, tuple[str, str]]:
        found = {}
        for key in keys:
            (task,) = self._workflows[key].get_tasks(state=TaskState.READY, manual=True)  # type: ignore[index]
            found[key] = (str(task.id), task.task_spec.name)
        return found

    def complete(self, key: Hashable, task_id: str, actor: Actor, data: dict[str, Any]) -> None:
        workflow = self._workflows[key]  # type: ignore[index]
        task = workflow.get_task_from_id(UUID(task_id))
        task.data.update(data)
        with providing(self._functions):
            task.run()
            workflow.do_engine_steps()

    def finished(self, keys: Sequence[Hashable]) -> int:
        return sum(self._workflows[k].is_completed() for k in keys)  # type: ignore[index]

    def workflow(self, key: int) -> BpmnWorkflow:
        return self._workflows[key]


class ServiceRunner:
    """The engine services, one committed transaction per start and per completion, as a web request does."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory

    def start(self, case: Case) -> int:
        request = StartRequest(
            process_key=PROCESS_KEY, region_code=case.region_code, enterprise_code=case.enterprise_code,
            business_key=case.business_key, subject=case.subject, data=case.start_data,
        )
        with self._factory() as session:
            row = instances.start(session, STARTER, request)
            session.commit()
            return row.id

    def ready(self, keys: Sequence[Hashable]) -> dict[Hashable, tuple[str, str]]:
        with self._factory() as session:
            rows = session.execute(
                select(HumanTask.instance_id, HumanTask.id, HumanTask.spec_name)
                .where(HumanTask.instance_id.in_(keys), HumanTask.status == TaskStatus.READY)
            ).all()
        return {instance_id: (task_id, spec_name) for instance_id, task_id, spec_name in rows}

    def complete(self, key: Hashable, task_id: str, actor: Actor, data: dict[str, Any]) -> None:
        with self._factory() as session:
            tasks.complete(session, actor, task_id, data)
            session.commit()

    def finished(self, keys: Sequence[Hashable]) -> int:
        with self._factory() as session:
            return session.scalar(
                select(func.count()).select_from(ProcessInstance)
                .where(ProcessInstance.id.in_(keys), ProcessInstance.status == InstanceStatus.COMPLETED)
            ) or 0
