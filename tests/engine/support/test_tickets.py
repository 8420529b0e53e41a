"""技术支持工单 (support_ticket): triage to a handler, vendor path, reopen loop, auto-close, the 技术支持表."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.db import utcnow
from engine.errors import InvalidForm, InvalidInput, NotAllowed, NotFound
from engine.instances import service as instances
from engine.instances.service import StartRequest
from engine.support import tickets
from engine.support.models import SupportTicket
from engine.tasks import actions as tasks
from engine.tasks import operations
from engine.workflow.models import ProcessInstance, TaskStatus
from tests.support.actors import (
    ADMIN,
    CITY_GZ,
    COUNTY_TIANHE,
    ENT_BAIYUN,
    ENT_TIANHE,
    ENTERPRISE_BAIYUN,
    ENTERPRISE_TIANHE,
    PROVINCE,
)
from tests.support.processes import (
    SUPPORT,
    SUPPORT_B,
    TAX,
    actions,
    assert_refused,
    at,
    complete,
    create_people,
    history,
    now,
    ready,
    sweep,
    waiting_at,
    workday_deadline,
)

pytestmark = pytest.mark.usefixtures("deployed")

REPORT = {"subsystem": "数据采集传输", "summary": "数采仪断传", "description": "自 11 月 20 日起 DA001 无小时数据",
          "contact": "王工 020-12345678"}
TRIAGE = {"category": "fault", "priority": "high", "handler": "support-2"}
INVESTIGATE = {"findings": "数采仪 4G 模块掉线", "cause": "network"}
VERIFY = {"verdict": "confirmed", "needs_vendor": False}
FOLLOW_UP = {"actions": "远程重启并更换 SIM 卡", "resolution": "11 月 26 日恢复传输"}
RESOLVED = {"confirmation": "resolved"}
UNRESOLVED = {"confirmation": "unresolved", "comment": "仍有断传"}


def report(session: Session, reporter: Actor = ENT_TIANHE, **changes: Any) -> ProcessInstance:
    return instances.start(session, reporter, StartRequest(
        "support_ticket", reporter.region_code or "440000", reporter.enterprise_code, subject="数采仪断传",
        data={**REPORT, **changes}))


def ticket(session: Session, instance: ProcessInstance) -> SupportTicket:
    return session.scalars(select(SupportTicket).where(SupportTicket.instance_id == instance.id)).one()


def walk_to_confirm(session: Session, instance: ProcessInstance, verify: dict[str, Any] = VERIFY) -> None:
    complete(session, SUPPORT_B, instance.id, "investigate", INVESTIGATE)
    complete(session, SUPPORT_B, instance.id, "verify", verify)
    if verify.get("needs_vendor"):
        complete(session, SUPPORT_B, instance.id, "coordinate", {"vendor": "某数采仪厂商", "vendor_ref": "V-88",
                                                                 "arrangement": "厂商派员现场检修"})
    complete(session, SUPPORT_B, instance.id, "follow_up", FOLLOW_UP)


def test_triage_assigns_and_the_reporter_confirms(session: Session) -> None:
    create_people(session, SUPPORT, SUPPORT_B)
    instance = report(session)
    opened = ticket(session, instance)
    assert opened.ticket_no == f"JS-{utcnow():%Y%m}-0001" and opened.reporter == ENT_TIANHE.username
    triage = ready(session, instance.id, "triage")
    assert (triage.role, triage.assignee) == ("admin", None)
    assert_refused(session, triage, [ENT_TIANHE, COUNTY_TIANHE, CITY_GZ, PROVINCE, TAX], TRIAGE)
    complete(session, SUPPORT, instance.id, "triage", TRIAGE)

    investigate = ready(session, instance.id, "investigate")
    assert investigate.assignee == "support-2"
    assert_refused(session, investigate, [SUPPORT, ENT_TIANHE, ADMIN], INVESTIGATE)
    walk_to_confirm(session, instance)
    confirm = ready(session, instance.id, "confirm")
    assert confirm.assignee == ENT_TIANHE.username
    assert tasks.get_task(session, ENT_TIANHE, confirm.id).id == confirm.id  # the reporter sees it
    assert_refused(session, confirm, [SUPPORT, SUPPORT_B, ENT_BAIYUN, COUNTY_TIANHE], RESOLVED)
    complete(session, ENT_TIANHE, instance.id, "confirm", RESOLVED)

    assert instance.status == "completed"
    closed = ticket(session, instance)
    assert (closed.status, closed.handler, closed.cause, closed.category, closed.priority) == (
        "closed", "support-2", "network", "fault", "high")
    assert closed.resolution == "11 月 26 日恢复传输" and closed.auto_closed is False
    assert [s for s, _ in history(session, instance.id)] == ["triage", "investigate", "verify", "follow_up", "confirm"]
    assert actions(session, instance.id)[-2:] == ["task.complete", "ticket.closed"]
    (row,) = tickets.support_table(session, SUPPORT)
    assert (row.ticket.ticket_no, row.stage) == (closed.ticket_no, None)


def test_vendor_coordination_path(session: Session) -> None:
    instance = report(session, COUNTY_TIANHE)
    complete(session, SUPPORT, instance.id, "triage", TRIAGE)
    walk_to_confirm(session, instance, {"verdict": "confirmed", "needs_vendor": True})
    assert (ticket(session, instance).vendor, ticket(session, instance).vendor_ref) == ("某数采仪厂商", "V-88")
    complete(session, COUNTY_TIANHE, instance.id, "confirm", RESOLVED)
    assert [s for s, _ in history(session, instance.id)] == [
        "triage", "investigate", "verify", "coordinate", "follow_up", "confirm"]


def test_unresolved_tickets_reopen_until_the_limit_then_escalate(session: Session) -> None:
    instance = report(session)
    complete(session, SUPPORT, instance.id, "triage", TRIAGE)
    for round_number in (1, 2):  # max_reopen_rounds = 2 in support_ticket.config.json
        walk_to_confirm(session, instance)
        complete(session, ENT_TIANHE, instance.id, "confirm", UNRESOLVED)
        assert waiting_at(session, instance.id) == ["investigate"]
        assert ticket(session, instance).reopen_count == round_number
    walk_to_confirm(session, instance)
    with pytest.raises(InvalidForm):
        complete(session, ENT_TIANHE, instance.id, "confirm", {"confirmation": "unresolved"})
    complete(session, ENT_TIANHE, instance.id, "confirm", UNRESOLVED)
    assert instance.status == "completed"
    assert (ticket(session, instance).status, ticket(session, instance).reopen_count) == ("escalated", 3)
    assert actions(session, instance.id)[-2:] == ["task.complete", "ticket.escalated"]


def test_an_unanswered_confirmation_closes_the_ticket(session: Session) -> None:
    instance = report(session)
    complete(session, SUPPORT, instance.id, "triage", TRIAGE)
    walk_to_confirm(session, instance)
    confirm = ready(session, instance.id, "confirm")
    due = workday_deadline(session, 3)  # the reporter has 3 working days to confirm
    with at(due - timedelta(minutes=1)):
        assert sweep(session) == []
    with at(due + timedelta(minutes=1)):
        assert sweep(session) == [instance.id]
    session.refresh(instance)
    assert instance.status == "completed" and confirm.status == TaskStatus.CANCELLED
    closed = ticket(session, instance)
    assert (closed.status, closed.auto_closed) == ("closed", True)
    assert actions(session, instance.id)[-2:] == ["timer.fire", "ticket.closed"]


def test_reports_and_assignments_are_checked(session: Session) -> None:
    create_people(session, COUNTY_TIANHE)
    with pytest.raises(InvalidInput) as unknown:
        report(session, subsystem="打印机")
    assert list(unknown.value.fields) == ["subsystem"]
    with pytest.raises(InvalidInput) as missing:
        report(session, summary="", description=None)
    assert sorted(missing.value.fields) == ["description", "summary"]
    with pytest.raises(NotAllowed):  # an enterprise reports for itself only
        instances.start(session, ENT_BAIYUN, StartRequest("support_ticket", "440106", ENTERPRISE_TIANHE, data=REPORT))
    assert report(session, ENT_BAIYUN).enterprise_code == ENTERPRISE_BAIYUN
    assert report(session, TAX).region_code == "440000"
    instance = report(session)
    triage = ready(session, instance.id, "triage")
    with pytest.raises(InvalidForm) as not_staff:
        tasks.complete(session, SUPPORT, triage.id, {**TRIAGE, "handler": COUNTY_TIANHE.username})
    assert list(not_staff.value.fields) == ["handler"] and triage.status == TaskStatus.READY


def test_operations_and_send_backs(session: Session) -> None:
    create_people(session, SUPPORT, SUPPORT_B, ADMIN)
    instance = report(session)
    triage = ready(session, instance.id, "triage")
    operations.transfer(session, SUPPORT, None, triage.id, ADMIN.username, "请分派")
    operations.delegate(session, ADMIN, None, triage.id, SUPPORT.username, "谁来处理？")
    operations.answer_delegation(session, SUPPORT, triage.id, "交给 support-2")
    complete(session, ADMIN, instance.id, "triage", TRIAGE)
    investigate = ready(session, instance.id, "investigate")
    operations.return_to(session, SUPPORT_B, investigate.id, "triage", "非我所辖，请重新分派")
    complete(session, SUPPORT, instance.id, "triage", {**TRIAGE, "handler": "support"})
    complete(session, SUPPORT, instance.id, "investigate", INVESTIGATE)
    verify = ready(session, instance.id, "verify")
    operations.transfer(session, SUPPORT, None, verify.id, SUPPORT_B.username)
    complete(session, SUPPORT_B, instance.id, "verify", {"verdict": "not_reproducible", "needs_vendor": False})
    follow_up = ready(session, instance.id, "follow_up")
    assert follow_up.assignee == "support"  # the handler from triage, not the one a transfer chose
    operations.return_to(session, SUPPORT, follow_up.id, "investigate", "请补充排查日志")
    complete(session, SUPPORT, instance.id, "investigate", INVESTIGATE)
    operations.copy_to(session, SUPPORT, None, ready(session, instance.id, "verify").id, [ADMIN.username], "抄送")
    assert [a for a in actions(session, instance.id) if a.startswith("task.") and a != "task.complete"] == [
        "task.transfer", "task.delegate", "task.delegate_answer", "task.return", "task.transfer", "task.return",
        "task.copy"]


def test_the_support_table_is_for_support_staff(session: Session) -> None:
    first = report(session)
    report(session, ENT_BAIYUN)
    complete(session, SUPPORT, first.id, "triage", TRIAGE)
    rows = tickets.support_table(session, PROVINCE)
    assert [(r.ticket.reporter, r.stage) for r in rows] == [(ENT_TIANHE.username, "排查"),
                                                            (ENT_BAIYUN.username, "分派")]
    assert tickets.support_table(session, SUPPORT, since=now()) == []
    for outsider in (COUNTY_TIANHE, ENT_TIANHE, TAX):
        with pytest.raises(NotAllowed):
            tickets.support_table(session, outsider)
    assert tickets.ticket_of(session, ENT_TIANHE, first.id).summary == "数采仪断传"
    with pytest.raises(NotFound):
        tickets.ticket_of(session, ENT_BAIYUN, first.id)
