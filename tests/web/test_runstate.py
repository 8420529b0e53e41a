"""运行监控: ``/metrics`` parsed with the Prometheus client's parser, its access rule, job runs recorded,
and a threshold crossed notifying the administrators (centre and mail) and opening a support ticket."""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timezone
from collections.abc import Iterator
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
import requests
from aiosmtpd.controller import Controller
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from engine.audit.models import AuditEvent
from engine.workflow.models import HumanTask, ProcessInstance, TaskStatus
from engine.runstate.models import JobRun, RunstateAlert
from engine.notifications.models import Notification, NotificationDelivery
from engine.workflow import configs
from engine.notifications import centre as notifications
from engine.alerts import jobs as runstate_jobs
from integrations.mail import notifier_from
from tests.support.actors import ADMIN
from tests.support.databases import fresh_database
from tests.support.processes_live import environment, free_port, running, wait_healthy

TOKEN = "scrape-token-for-tests"


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def _value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return sum(v for (n, ls), v in samples.items() if n == name and set(labels.items()) <= set(ls))


@pytest.fixture(scope="module")
def metered(app: Flask) -> Flask:
    app.extensions["ecoloop.settings"].raw["METRICS_TOKEN"] = TOKEN  # read at each scrape
    return app


def test_metrics_parse_and_agree_with_the_database(metered: Flask) -> None:
    client = metered.test_client()
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    samples = _samples(response.get_data(as_text=True))
    assert _value(samples, "ecoloop_http_requests_total", endpoint="api_health.healthz", status="200") >= 3
    assert _value(samples, "ecoloop_http_request_duration_seconds_count", endpoint="api_health.healthz") >= 3
    with metered.extensions["ecoloop.sessions"]() as session:
        open_anomalies = session.scalar(select(func.count()).select_from(HumanTask).where(
            HumanTask.status == TaskStatus.READY, HumanTask.process_key == "anomaly_closure"))
    assert open_anomalies and _value(samples, "ecoloop_tasks_open", process="anomaly_closure") == open_anomalies
    assert _value(samples, "ecoloop_evidence_free_bytes") > 0
    assert ("ecoloop_queue_items", (("queue", "mail"), ("state", "pending"))) in samples
    assert ("ecoloop_db_pool_connections_in_use", ()) in samples


@pytest.mark.parametrize("address, header, status", [
    ("198.51.100.7", None, 403),
    ("198.51.100.7", "Bearer wrong", 403),
    ("198.51.100.7", f"Bearer {TOKEN}", 200),
    ("127.0.0.1", None, 200),
])
def test_metrics_need_the_token_or_an_allowed_network(metered: Flask, address: str, header: str | None,
                                                      status: int) -> None:
    headers = {"Authorization": header} if header else {}
    response = metered.test_client().get("/metrics", environ_base={"REMOTE_ADDR": address}, headers=headers)
    assert response.status_code == status


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(record.getMessage()))


def test_a_job_run_is_recorded_and_a_raised_error_counts_as_a_failure(metered: Flask) -> None:
    sessions = metered.extensions["ecoloop.sessions"]
    lines = _Lines()
    runstate_jobs.job_log.addHandler(lines)

    def failing() -> None:
        raise RuntimeError("boom")

    try:
        runstate_jobs.run_recorded(sessions, "test_job", lambda: None)
        with pytest.raises(RuntimeError):
            runstate_jobs.run_recorded(sessions, "test_job", failing)
    finally:
        runstate_jobs.job_log.removeHandler(lines)
    with sessions() as session:
        row = session.get(JobRun, "test_job")
        assert row is not None and (row.runs, row.failures, row.last_ok) == (2, 1, False)
    assert [(line["job"], line["ok"]) for line in lines.lines] == [("test_job", True), ("test_job", False)]
    assert all(line["request_id"].startswith("job-") for line in lines.lines)
    samples = _samples(metered.test_client().get("/metrics").get_data(as_text=True))
    assert _value(samples, "ecoloop_job_failures_total", job="test_job") == 1


def _job_ids(app: Flask) -> list[str]:
    with app.extensions["ecoloop.sessions"]() as session:
        return list(session.scalars(select(JobRun.job_id)))


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        self.messages.append(BytesParser(policy=default).parsebytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[_Inbox, int]]:
    inbox, port = _Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def test_a_crossed_threshold_notifies_the_admins_and_opens_one_ticket(metered: Flask, smtp: tuple[_Inbox, int],
                                                                     tmp_path: Path) -> None:
    inbox, port = smtp
    sessions = metered.extensions["ecoloop.sessions"]
    for row in _job_ids(metered):  # no job's last run failed: only the threshold changed here may alert
        runstate_jobs.save_run(sessions, row, datetime.now(timezone.utc), 0.0, True)
    with sessions.begin() as session:
        notifications.save_preferences(session, ADMIN, "ops@example.gov.cn", True)
        configs.change(session, ADMIN, "runstate_alerts", {"open_tasks_max": 0, "open_ticket": True})
    opened = runstate_jobs.check_alerts(sessions, tmp_path)
    assert opened.opened == ["open_tasks"]
    assert runstate_jobs.check_alerts(sessions, tmp_path).opened == []  # still open: not alerted twice

    with sessions.begin() as session:
        alert = session.scalars(select(RunstateAlert).where(RunstateAlert.figure == "open_tasks")).one()
        assert alert.ticket_instance_id is not None and alert.threshold == 0
        ticket = session.get(ProcessInstance, alert.ticket_instance_id)
        assert ticket is not None and ticket.process_key == "support_ticket"
        notes = {n.recipient: n for n in session.scalars(select(Notification).where(Notification.kind == "runstate_alert"))}
        assert "admin" in notes and all(n.instance_id == ticket.id for n in notes.values())
        note = notes["admin"]
        assert "在办任务数" in note.title
        assert session.scalar(select(func.count()).select_from(NotificationDelivery).where(
            NotificationDelivery.notification_id == note.id)) == 1
        notifier = notifier_from({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port),
                                  "SMTP_FROM": "ecoloop@example.gov.cn"})
        assert notifier is not None
        assert notifications.deliver_pending(session, notifier) >= 1
    assert any("运行告警" in str(m["Subject"]) and m["To"] == "ops@example.gov.cn" for m in inbox.messages)

    with sessions.begin() as session:
        configs.change(session, ADMIN, "runstate_alerts", {"open_tasks_max": 1_000_000})
    assert runstate_jobs.check_alerts(sessions, tmp_path).cleared == ["open_tasks"]
    with sessions() as session:
        actions = list(session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("runstate.%"))
                                       .order_by(AuditEvent.seq)))
    assert actions == ["runstate.alert", "runstate.alert_cleared"]


def test_metrics_add_up_every_gunicorn_worker(tmp_path: Path) -> None:
    with fresh_database("sqlite", tmp_path) as url:
        port = free_port()
        env = environment(url, tmp_path, {"ECOLOOP_WEB_WORKERS": "2", "ECOLOOP_WEB_THREADS": "1",
                                          "ECOLOOP_RUN_SCHEDULER_IN_WEB": "0", "ECOLOOP_METRICS_TOKEN": TOKEN})
        with running(["serve", "--port", str(port)], env, tmp_path / "serve.log") as server:
            base = f"http://127.0.0.1:{port}"
            wait_healthy(base, server)
            for _ in range(40):  # new connections each time, so both workers answer some
                requests.get(f"{base}/healthz", timeout=5, headers={"Connection": "close"})
            time.sleep(0.2)
            scrapes = [requests.get(f"{base}/metrics", timeout=10, headers={"Authorization": f"Bearer {TOKEN}"})
                       for _ in range(2)]
            for scrape in scrapes:
                assert scrape.status_code == 200
                samples = _samples(scrape.text)
                assert _value(samples, "ecoloop_http_requests_total", endpoint="api_health.healthz") >= 41
