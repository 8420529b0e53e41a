"""Several nodes under faults (#20 item 2): two web servers and two schedulers on one PostgreSQL database.

Real processes on loopback ports: two ``ecoloop serve`` (gunicorn, no scheduler inside) sharing one
evidence directory, and two ``ecoloop scheduler``. Clients complete each task from both nodes at once,
upload evidence on one node and read it back from the other, while timers of a small process become
due. In the middle, one web server (its arbiter and workers) and one scheduler are killed with
SIGKILL by their own PIDs; the clients go on against the survivors. Afterwards: one ``task.complete``
per task, one ``timer.fire`` per due timer, ``ecoloop audit verify`` passes, every file is readable
from the other node with its sha256, and every request answered 2xx left its write in the database.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import threading
import time
from datetime import datetime, timezone
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from engine.audit.models import AuditEvent
from engine.db import make_engine, make_session_factory
from engine.demo.accounts import ADMIN, DEMO_ENTERPRISES, DEMO_PASSWORD
from engine.demo.bootstrap import seed
from engine.evidence.models import Attachment
from engine.instances import service as instances
from engine.instances.service import StartRequest
from engine.workflow import deployment as processes
from engine.workflow.models import HumanTask, InstanceStatus, ProcessInstance, TaskStatus
from tests.support.databases import fresh_database
from tests.support.flows import EXPLANATION, PDF
from tests.support.processes_live import ECOLOOP, children, environment, free_port, running, wait_healthy

pytestmark = pytest.mark.postgres

TIANHE = DEMO_ENTERPRISES[0]
COUNTY = "county-440106"
INSTANCES = 24
UPLOADS = 16
TIMERS = 12
CLIENT_THREADS = 6

TIMER_MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="http://ecoloop.local/multinode">
  <bpmn:process id="multinode_timer" name="多节点定时器" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
    <bpmn:intermediateCatchEvent id="wait" name="等待">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:timerEventDefinition id="wait_timer">
        <bpmn:timeDuration xsi:type="bpmn:tFormalExpression">wait_for</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>"""


@dataclass
class Node:
    name: str
    base: str
    process: subprocess.Popen[bytes]
    dead: bool = False


@dataclass
class Outcomes:
    """What the clients saw: (what, key, node, status) per answered request; lock-protected."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    answers: list[tuple[str, str, str, int]] = field(default_factory=list)
    refused_connections: int = 0

    def add(self, what: str, key: str, node: str, status: int) -> None:
        with self.lock:
            self.answers.append((what, key, node, status))

    def ok(self, what: str) -> list[str]:
        return [key for kind, key, _, status in self.answers if kind == what and 200 <= status < 300]


def _token(base: str, username: str) -> str:
    answer = requests.post(f"{base}/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD},
                           timeout=30)
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


def _wait(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not reached in {seconds} s"
        time.sleep(0.3)


def _kill_server(node: Node) -> None:
    """SIGKILL a web server's arbiter and its workers, each by its own PID."""
    workers = list(children(node.process.pid))
    node.dead = True
    node.process.send_signal(signal.SIGKILL)
    for pid in workers:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    node.process.wait(timeout=30)


def _seed(sessions: sessionmaker[Session], evidence: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOLOOP_EVIDENCE_DIR", str(evidence))  # the demo's own evidence goes to the shared folder
    with sessions.begin() as session:
        seed(session)
        processes.deploy(session, ADMIN, TIMER_MODEL.encode("utf-8"), {})
        for number in range(INSTANCES):
            instances.start(session, ADMIN, StartRequest(
                process_key="anomaly_closure", region_code=TIANHE.region_code, enterprise_code=TIANHE.credit_code,
                business_key=f"multinode-{number}", subject="多节点 · COD 超标",
                data={"anomaly_type": "exceedance", "key_unit": False, "factor": "w01018"}))


def _start_timers(sessions: sessionmaker[Session], batch: str) -> list[int]:
    """Timer instances that become due 2 s, 3 s, … from now."""
    with sessions.begin() as session:
        return [instances.start(session, ADMIN, StartRequest(
            process_key="multinode_timer", region_code="440106", enterprise_code=None,
            business_key=f"timer-{batch}-{number}", subject="定时器", data={"wait_for": f"PT{2 + number}S"})).id
            for number in range(TIMERS)]


def _ready(sessions: sessionmaker[Session], step: str) -> list[str]:
    with sessions() as session:
        return list(session.scalars(
            select(HumanTask.id).join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
            .where(ProcessInstance.business_key.like("multinode-%"), HumanTask.spec_name == step,
                   HumanTask.status == TaskStatus.READY)))


def _request(nodes: list[Node], preferred: int, outcomes: Outcomes, what: str, key: str,
             send: Callable[[str], requests.Response]) -> tuple[int, requests.Response] | None:
    """Send to the preferred node; on a refused or cut connection go on with the surviving one."""
    for index in (preferred, 1 - preferred):
        node = nodes[index]
        if node.dead and index == preferred:
            continue
        try:
            answer = send(node.base)
        except requests.ConnectionError:
            with outcomes.lock:
                outcomes.refused_connections += 1
            continue
        outcomes.add(what, key, node.name, answer.status_code)
        return index, answer
    return None


def _complete_all(nodes: list[Node], tasks: list[str], token: str, data: dict[str, Any],
                  outcomes: Outcomes, on_progress: Callable[[int], None]) -> None:
    """Complete every task from both nodes at once (one of the two must be refused)."""
    headers = {"Authorization": f"Bearer {token}"}
    done = Counter[str]()

    def attempt(job: tuple[str, int]) -> None:
        task_id, preferred = job
        _request(nodes, preferred, outcomes, "complete", task_id,
                 lambda base: requests.post(f"{base}/api/v1/tasks/{task_id}/complete", json={"data": data},
                                            headers=headers, timeout=30))
        with outcomes.lock:
            done["jobs"] += 1
            count = done["jobs"]
        on_progress(count)

    jobs = [(task_id, side) for task_id in tasks for side in (0, 1)]
    with ThreadPoolExecutor(max_workers=CLIENT_THREADS) as pool:
        list(pool.map(attempt, jobs))


def _upload_and_read(nodes: list[Node], token: str, outcomes: Outcomes) -> dict[str, tuple[int, str]]:
    """Upload on one node; return {name: (attachment id, sha256)} of the uploads answered 201."""
    headers = {"Authorization": f"Bearer {token}"}
    stored: dict[str, tuple[int, str]] = {}
    crossed: list[bool] = []

    def upload(number: int) -> None:
        name = f"evidence-{number}.pdf"
        content = PDF + f"% multinode {number}\n".encode()
        sent = _request(nodes, number % 2, outcomes, "upload", name,
                        lambda base: requests.post(f"{base}/api/v1/attachments", headers=headers,
                                                   files={"file": (name, content, "application/pdf")}, timeout=30))
        if sent is None or sent[1].status_code != 201:
            return
        body = sent[1].json()
        assert body["sha256"] == hashlib.sha256(content).hexdigest()
        with outcomes.lock:
            stored[name] = (body["id"], body["sha256"])
        # read it back from the other node (the survivor once one is dead)
        read = _request(nodes, 1 - sent[0], outcomes, "download", name,
                        lambda base: requests.get(f"{base}/api/v1/attachments/{body['id']}", headers=headers,
                                                  timeout=30))
        assert read is not None and read[1].status_code == 200
        assert hashlib.sha256(read[1].content).hexdigest() == body["sha256"]
        with outcomes.lock:
            crossed.append(sent[0] != read[0])

    with ThreadPoolExecutor(max_workers=CLIENT_THREADS) as pool:
        list(pool.map(upload, range(UPLOADS)))
    assert any(crossed), "no file was read from the node that did not store it"
    return stored


@pytest.fixture
def cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, list[Node], list[subprocess.Popen[bytes]]]]:
    with fresh_database("postgres", tmp_path) as url, ExitStack() as stack:
        seeding = make_engine(url)
        _seed(make_session_factory(seeding), tmp_path / "evidence", monkeypatch)
        seeding.dispose()
        env = environment(url, tmp_path, {
            "ECOLOOP_RUN_SCHEDULER_IN_WEB": "0", "ECOLOOP_WEB_WORKERS": "2", "ECOLOOP_WEB_THREADS": "4",
            "ECOLOOP_TIMER_SWEEP_SECONDS": "1", "ECOLOOP_API_RATE_LIMIT": "100000/minute",
            "ECOLOOP_LOGIN_RATE_LIMIT": "1000/minute"})
        nodes = []
        for name in ("a", "b"):
            port = free_port()
            server = stack.enter_context(running(["serve", "--port", str(port)], env, tmp_path / f"web-{name}.log"))
            nodes.append(Node(name, f"http://127.0.0.1:{port}", server))
        schedulers = [stack.enter_context(running(["scheduler"], env, tmp_path / f"scheduler-{n}.log"))
                      for n in (1, 2)]
        for node in nodes:
            wait_healthy(node.base, node.process, seconds=90)
        yield url, nodes, schedulers


def test_two_nodes_and_two_schedulers_survive_sigkill(
        cluster: tuple[str, list[Node], list[subprocess.Popen[bytes]]], tmp_path: Path) -> None:
    url, nodes, schedulers = cluster
    database = make_engine(url)
    try:
        _run_and_check(url, make_session_factory(database), nodes, schedulers, tmp_path)
    finally:
        database.dispose()


def _run_and_check(url: str, sessions: sessionmaker[Session], nodes: list[Node],
                   schedulers: list[subprocess.Popen[bytes]], tmp_path: Path) -> None:
    began = time.monotonic()
    enterprise, county = _token(nodes[0].base, TIANHE.credit_code), _token(nodes[1].base, COUNTY)
    timer_ids = _start_timers(sessions, "before")  # due while both schedulers run, or around the kill
    outcomes = Outcomes()
    killed = threading.Event()
    killed_at: list[datetime] = []

    def kill_in_the_middle(count: int) -> None:
        with outcomes.lock:
            if count < INSTANCES or killed.is_set():  # half of the explanation attempts are done
                return
            killed.set()
        _kill_server(nodes[1])
        schedulers[0].send_signal(signal.SIGKILL)
        schedulers[0].wait(timeout=30)
        killed_at.append(datetime.now(timezone.utc))
        timer_ids.extend(_start_timers(sessions, "after"))  # due only when the survivor alone sweeps

    explain = _ready(sessions, "explain")
    assert len(explain) == INSTANCES
    with ThreadPoolExecutor(max_workers=1) as side:
        uploading = side.submit(_upload_and_read, nodes, enterprise, outcomes)
        _complete_all(nodes, explain, enterprise, EXPLANATION, outcomes, kill_in_the_middle)
        uploads = uploading.result(timeout=90)
    assert killed.is_set() and nodes[1].dead and schedulers[0].poll() is not None
    assert schedulers[1].poll() is None and nodes[0].process.poll() is None

    reviews = _ready(sessions, "county_review")
    assert len(reviews) == INSTANCES  # every explanation moved the instance on, whichever node took it
    _complete_all(nodes, reviews, county, {"decision": "accept"}, outcomes, lambda _: None)

    # every due timer fires exactly once, on the surviving scheduler if need be

    def timers_done() -> bool:
        with sessions() as session:
            return session.scalar(select(func.count()).select_from(ProcessInstance).where(
                ProcessInstance.id.in_(timer_ids), ProcessInstance.status == InstanceStatus.COMPLETED)) == 2 * TIMERS

    _wait(timers_done, 40, "every timer instance completed")

    with sessions() as session:
        completions = Counter(session.scalars(select(AuditEvent.task_id).where(
            AuditEvent.action == "task.complete", AuditEvent.task_id.in_(explain + reviews))))
        assert set(completions) == set(explain + reviews)
        assert set(completions.values()) == {1}, "a task was completed twice"
        fired = Counter(session.scalars(select(AuditEvent.instance_id).where(
            AuditEvent.action == "timer.fire", AuditEvent.instance_id.in_(timer_ids))))
        assert fired == Counter({instance_id: 1 for instance_id in timer_ids}), "a timer fired twice or never"
        after_kill = session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "timer.fire", AuditEvent.at > killed_at[0]))
        assert (after_kill or 0) >= TIMERS  # the survivor alone fired the second batch
        # every 2xx left its write
        answered = outcomes.ok("complete")
        assert len(answered) == len(set(answered)), "two 2xx answers for one task"
        statuses = dict(session.execute(select(HumanTask.id, HumanTask.status).where(HumanTask.id.in_(answered))).all())
        assert all(statuses[task_id] == TaskStatus.COMPLETED for task_id in answered)
        kept = set(session.scalars(select(Attachment.sha256).where(Attachment.owner == f"enterprise:{TIANHE.credit_code}")))
        assert {sha for _, sha in uploads.values()} <= kept
    served = {node for what, _, node, status in outcomes.answers if what == "complete" and 200 <= status < 300}
    assert served == {"a", "b"}, "both nodes completed tasks before one was killed"
    refused = [status for what, _, _, status in outcomes.answers if what == "complete" and not 200 <= status < 300]
    assert set(refused) <= {409}, Counter(refused)
    assert len(uploads) == UPLOADS  # every upload was answered, on one node or the other

    # every file reads back, with its hash, from the surviving node whichever node stored it
    for attachment_id, sha256 in uploads.values():
        answer = requests.get(f"{nodes[0].base}/api/v1/attachments/{attachment_id}",
                              headers={"Authorization": f"Bearer {enterprise}"}, timeout=30)
        assert answer.status_code == 200
        assert hashlib.sha256(answer.content).hexdigest() == sha256

    verify = subprocess.run([*ECOLOOP, "audit", "verify"], env=environment(url, tmp_path), capture_output=True,
                            timeout=120)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert time.monotonic() - began < 120
