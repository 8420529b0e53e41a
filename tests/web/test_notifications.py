"""The notification centre: notifications follow committed actions; e-mail goes through a real SMTP server."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import select

from engine.db import utcnow
from engine.notifications.models import DeliveryStatus, Notification, NotificationDelivery
from engine.notifications import centre as notifications
from tests.web import ui_support as ui
from tests.web.conftest import login
from web import create_app


def kinds_for(browser, title_part: str = "") -> list[str]:  # type: ignore[no-untyped-def]
    page = browser.get("/notifications/").get_data(as_text=True)
    items = re.findall(r'data-kind="([a-z_]+)">(.*?)</li>', page, re.S)
    return [kind for kind, body in items if title_part in body]


def test_a_new_task_reaches_the_reviewers_of_its_county_only(app: Flask) -> None:
    case = ui.start_case(app)
    task = ui.ready_task(app, case)
    clerk = login(app, ui.TIANHE.credit_code)
    clerk.get(f"/tasks/{task.id}")
    clerk.post(f"/tasks/{task.id}/complete", {"reason": "other", "description": "通知测试说明"})
    subject = task.subject
    county = login(app, "county-440106")
    assert "task_new" in kinds_for(county, subject)
    assert kinds_for(login(app, "county-440111"), subject) == []
    assert kinds_for(login(app, "admin"), subject) == []  # admins read everything, but are not told everything
    badge = county.get("/notifications/badge").get_data(as_text=True)
    assert int(re.search(r'data-count="(\d+)"', badge).group(1)) >= 1


def test_opening_a_notification_marks_it_read_and_follows_its_link(app: Flask) -> None:
    task = ui.walk_to(app, ui.start_case(app), "county_review")
    ui.project(app)
    county = login(app, "county-440106")
    page = county.get("/notifications/?unread=1").get_data(as_text=True)
    found = [n for n, body in re.findall(r'action="/notifications/(\d+)/open"(.*?)</form>', page, re.S)
             if task.subject in body]
    assert found, page
    match = re.match(r"(\d+)", found[0])
    assert match
    response = county.post(f"/notifications/{match.group(1)}/open")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/tasks/{task.id}")
    assert f"/notifications/{match.group(1)}/open" not in county.get("/notifications/?unread=1").get_data(as_text=True)
    other = login(app, "county-440111")
    other.get("/notifications/")
    assert other.post(f"/notifications/{match.group(1)}/open").status_code == 404


def test_returned_urged_due_soon_and_decided(app: Flask) -> None:
    case = ui.start_case(app, key_unit=False, anomaly_type="missing")
    task = ui.walk_to(app, case, "county_review")
    county = login(app, "county-440106")
    county.get(f"/tasks/{task.id}")
    county.post(f"/tasks/{task.id}/return", {"target": "explain", "opinion": "请补充检修记录"})
    clerk = login(app, ui.TIANHE.credit_code)
    assert "task_returned" in kinds_for(clerk, task.subject)
    again = ui.ready_task(app, case)
    city = login(app, "city-440100")
    city.get(f"/instances/{case}")
    city.post(f"/tasks/{again.id}/urge", {"note": "请今天内说明"})
    assert "task_urged" in kinds_for(clerk, task.subject)
    ui.set_due(app, again.id, utcnow() + timedelta(hours=5))
    ui.project(app)
    assert "deadline_soon" in kinds_for(clerk, task.subject)
    ui.walk_to(app, case, "county_review")
    review = ui.ready_task(app, case)
    county.get(f"/tasks/{review.id}")
    county.post(f"/tasks/{review.id}/complete", {"decision": "accept", "conclusion": "equipment_fixed"})
    page = clerk.get("/notifications/").get_data(as_text=True)
    decided = re.search(r'data-kind="decision">.*?</li>', page, re.S)
    assert decided and "设备问题已整改" in decided.group(0)


def test_projection_is_idempotent(app: Flask) -> None:
    ui.walk_to(app, ui.start_case(app), "county_review")
    ui.project(app)
    with ui.sessions(app).begin() as session:
        before = session.scalar(select(Notification.id).order_by(Notification.id.desc()).limit(1))
        again = notifications.project(session)
    assert again == []
    with ui.sessions(app)() as session:
        assert session.scalar(select(Notification.id).order_by(Notification.id.desc()).limit(1)) == before


def test_preferences_refuse_a_bad_address(app: Flask) -> None:
    clerk = login(app, ui.TIANHE.credit_code)
    clerk.get("/notifications/")
    response = clerk.post("/notifications/preferences", {"email": "not-an-address", "email_enabled": "on"})
    assert response.status_code == 422 and "邮箱" in response.get_data(as_text=True)


# ---------------------------------------------------------------- e-mail through a local SMTP server

class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(message)  # type: ignore[arg-type]
        return "250 OK"

    def wait_for(self, predicate, seconds: float = 10.0) -> list[EmailMessage]:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = [m for m in self.messages if predicate(m)]
            if found:
                return found
            time.sleep(0.1)
        return []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def test_mail_goes_out_after_commit_through_smtp(app: Flask, smtp: tuple[Inbox, int], tmp_path) -> None:  # type: ignore[no-untyped-def]
    inbox, port = smtp
    settings = app.extensions["ecoloop.settings"]
    mailing = create_app({"DATABASE_URL": settings.database_url, "EVIDENCE_DIR": str(tmp_path / "evidence"),
                          "RUN_SCHEDULER_IN_WEB": "0", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port),
                          "SMTP_FROM": "ecoloop@example.gov.cn", "BASE_URL": "https://ecoloop.example.gov.cn"})
    ui.project(app)  # earlier tests' events are not this test's mail
    clerk = login(mailing, ui.TIANHE.credit_code)
    clerk.get("/notifications/")
    assert clerk.post("/notifications/preferences", {"email": "clerk@tianhe.example.cn",
                                                     "email_enabled": "on"}).status_code == 302
    task = ui.walk_to(app, ui.start_case(app), "county_review")
    county = login(mailing, "county-440106")
    county.get(f"/tasks/{task.id}")
    refused = county.post(f"/tasks/{task.id}/return", {"target": "explain", "opinion": ""})
    assert refused.status_code == 422  # nothing committed, nothing mailed
    county.post(f"/tasks/{task.id}/return", {"target": "explain", "opinion": "请补充停产证明"})
    # the start of the case may have been mailed too (as a new task), if the projection ran before walk_to ended
    mails = inbox.wait_for(lambda m: task.subject in str(m["Subject"]) and "被退回" in str(m["Subject"]))
    assert len(mails) == 1, [str(m["Subject"]) for m in inbox.messages]
    mail = mails[0]
    assert mail["To"] == "clerk@tianhe.example.cn" and mail["From"] == "ecoloop@example.gov.cn"
    body = mail.get_content()
    assert "请补充停产证明" in body and "https://ecoloop.example.gov.cn/tasks/" in body
    # the dispatcher records the delivery as sent in its own commit, after the SMTP server took the mail
    assert _statuses_once_settled(app, "clerk@tianhe.example.cn") == {DeliveryStatus.SENT}
    mailing.extensions["ecoloop.engine"].dispose()


def _statuses_once_settled(app: Flask, address: str, seconds: float = 10.0) -> set[str]:
    """The delivery statuses of an address once none is pending any more (or as they are after ``seconds``)."""
    deadline = time.monotonic() + seconds
    while True:
        with ui.sessions(app)() as session:
            statuses = set(session.scalars(select(NotificationDelivery.status).where(
                NotificationDelivery.address == address)))
        if DeliveryStatus.PENDING not in statuses or time.monotonic() > deadline:
            return statuses
        time.sleep(0.1)


def test_a_failed_delivery_stays_queued_for_a_retry(app: Flask, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from integrations.mail import SmtpNotifier, SmtpSettings

    ui.project(app)
    with ui.sessions(app).begin() as session:
        note = Notification(kind="task_new", title="重试测试", body="", recipient="nobody")
        session.add(note)
        session.flush()
        session.add(NotificationDelivery(notification_id=note.id, address="x@example.cn"))
    closed = SmtpNotifier(SmtpSettings(host="127.0.0.1", port=_free_port(), timeout=2))
    with ui.sessions(app).begin() as session:
        sent = notifications.deliver_pending(session, closed)
    assert sent == 0
    with ui.sessions(app)() as session:
        row = session.scalars(select(NotificationDelivery).where(NotificationDelivery.address == "x@example.cn")).one()
        assert row.status == DeliveryStatus.PENDING and row.attempts == 1 and "SMTP" in (row.last_error or "")
