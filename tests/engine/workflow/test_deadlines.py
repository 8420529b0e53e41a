"""Working-day deadlines in BPMN: workdays(), provisional deadlines, recomputation, reminders, escalation."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import time_machine
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.audit import trail as audit
from engine.audit.models import AuditEvent
from engine.calendar.models import ProvisionalDeadline
from engine.calendar.workdays import SHANGHAI
from engine.errors import Conflict
from engine.tasks import actions as tasks
from engine.workflow import configs, deadlines, recompute, runtime, timers
from engine.workflow import deployment as processes
from engine.workflow.expressions import check_expression, evaluate
from engine.workflow.models import (
    HumanTask,
    NoteKind,
    ProcessInstance,
    TaskNote,
    TaskStatus,
)
from tests.support.actors import ADMIN, COUNTY_TIANHE, ENT_TIANHE
from tests.support.flows import EXPLANATION, bundled_model, ready_task, start_anomaly

pytestmark = pytest.mark.usefixtures("deployed")

NEW_YEAR_2027 = [date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3)]
# Sunday 2026-12-20: ten working days run into 2027, whose schedule chinese-calendar 1.11 does not know
DECEMBER_20 = datetime(2026, 12, 20, 9, 30, tzinfo=SHANGHAI)


def shanghai(year: int, month: int, day: int, hour: int = 23, minute: int = 59, second: int = 59) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


def records(session: Session, instance: ProcessInstance) -> dict[str, dict[str, object]]:
    return deadlines.deadline_records(runtime.load(session, instance).workflow.data)


def waiting_timers(session: Session, instance: ProcessInstance) -> dict[str, str]:
    live = runtime.load(session, instance)
    return {e.name: e.value for e in live.workflow.waiting_events()}


def events(session: Session, instance_id: int, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(
        AuditEvent.instance_id == instance_id, AuditEvent.action == action).order_by(AuditEvent.seq)))


def test_workdays_and_config_exist_only_while_an_instance_runs() -> None:
    check_expression('workdays(config("explain_workdays") - 1)')
    with pytest.raises(ValueError, match="only while the engine runs"):
        evaluate("workdays(3)", {})


def test_task_due_and_timers_count_working_days(session: Session) -> None:
    with time_machine.travel(datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI), tick=False):
        instance = start_anomaly(session)
    explain = ready_task(session, instance.id)
    # five working days after 2026-09-30 skip the National Day holidays and count Saturday 10-10
    assert explain.due_at == shanghai(2026, 10, 13)
    assert (explain.due_provisional, explain.config_version) == (False, 0)
    assert waiting_timers(session, instance) == {
        "说明逾期": shanghai(2026, 10, 13).isoformat(), "临期提醒": shanghai(2026, 10, 12).isoformat()}
    assert instance.next_timer_at == shanghai(2026, 10, 12)
    recorded = records(session, instance)
    assert recorded["explain"] == {"kind": "task", "start": "2026-09-30T02:00:00+00:00", "workdays": 5,
                                   "due": "2026-10-13T23:59:59+08:00", "provisional": False, "unknown_years": []}
    assert (recorded["explain_timer"]["kind"], recorded["explain_remind"]["workdays"]) == ("timer", 4)
    assert session.scalar(select(func.count()).select_from(ProvisionalDeadline)) == 0


def test_bad_working_day_count_is_a_model_error(session: Session) -> None:
    scope = deadlines.Scope(session, "anomaly_closure")
    with scope.active():
        assert evaluate("workdays(0)", {}).endswith("T23:59:59+08:00")
        for bad in ("workdays(1.5)", "workdays(-1)", "workdays(True)", 'workdays("3")', "workdays(400)"):
            with pytest.raises(ValueError, match="workdays"):
                evaluate(bad, {})
        with pytest.raises(ValueError, match="no configuration value 'nope'"):
            evaluate('config("nope")', {})


def start_on_december_20(session: Session) -> ProcessInstance:
    configs.change(session, ADMIN, "anomaly_closure", {"explain_workdays": 10})
    with time_machine.travel(DECEMBER_20, tick=False):
        return start_anomaly(session)


def test_deadline_into_an_unknown_year_is_provisional_and_warned(session: Session) -> None:
    instance = start_on_december_20(session)
    explain = ready_task(session, instance.id)
    assert (explain.due_at, explain.due_provisional) == (shanghai(2027, 1, 1), True)  # weekends only in 2027
    recorded = records(session, instance)
    assert recorded["explain_timer"]["provisional"] and recorded["explain_timer"]["unknown_years"] == [2027]
    assert not recorded["explain_remind"]["provisional"]  # nine working days end on 2026-12-31
    indexed = session.execute(select(ProvisionalDeadline.name, ProvisionalDeadline.year)
                              .where(ProvisionalDeadline.instance_id == instance.id)).all()
    assert sorted(indexed) == [("explain", 2027), ("explain_timer", 2027)]
    assert recompute.unknown_years_warning(session, now=DECEMBER_20) == [2027]


def test_entering_the_year_moves_the_deadline_and_the_timer_fires_then(session: Session) -> None:
    instance = start_on_december_20(session)
    with time_machine.travel(DECEMBER_20 + timedelta(days=2), tick=False):
        entered = recompute.enter_year(session, ADMIN, 2027, NEW_YEAR_2027, [], "国办发明电〔2026〕X号")
    assert [r.instance_id for r in entered.recomputed] == [instance.id] and entered.remaining == 0
    explain = ready_task(session, instance.id)
    assert (explain.due_at, explain.due_provisional) == (shanghai(2027, 1, 4), False)
    assert waiting_timers(session, instance)["说明逾期"] == shanghai(2027, 1, 4).isoformat()
    assert not records(session, instance)["explain_timer"]["provisional"]
    assert session.scalar(select(func.count()).select_from(ProvisionalDeadline)) == 0
    assert recompute.unknown_years_warning(session, now=DECEMBER_20) == []
    (event,) = events(session, instance.id, "deadline.recompute")
    assert {c["name"]: (c["before"], c["after"]) for c in event.payload["changes"]} == {
        name: ("2027-01-01T23:59:59+08:00", "2027-01-04T23:59:59+08:00") for name in ("explain", "explain_timer")}
    assert recompute.recompute_settled(session, ADMIN) == []  # nothing left to settle

    def sweep(at: datetime) -> list[str]:
        with time_machine.travel(at, tick=False):
            fired = timers.sweep_batch(session, datetime.now(timezone.utc))
        return [name for e in events(session, instance.id, "timer.fire")[-1:] for name in e.payload["timers"]] \
            if fired else []

    assert sweep(shanghai(2027, 1, 1, 0, 0, 30)) == ["临期提醒"]  # the reminder was due on 2026-12-31
    assert sweep(shanghai(2027, 1, 2, 9, 0, 0)) == []  # the provisional deadline (01-01) no longer fires
    assert sweep(shanghai(2027, 1, 5, 0, 0, 30)) == ["说明逾期"]
    assert audit.verify(session).ok


def test_a_reminder_urges_the_holder_as_the_system(session: Session) -> None:
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI), tick=False):
        instance = start_anomaly(session)
    explain = ready_task(session, instance.id)
    tasks.claim(session, ENT_TIANHE, explain.id)
    with time_machine.travel(shanghai(2026, 11, 7, 0, 0, 30), tick=False):  # after the 4th working day (Fri)
        assert timers.sweep_batch(session, datetime.now(timezone.utc)) == [instance.id]
    (note,) = session.scalars(select(TaskNote).where(TaskNote.task_id == explain.id))
    assert (note.kind, note.author, note.target) == (NoteKind.URGE, "system", "ent-tianhe")
    assert "临期提醒" in note.body
    (urge,) = events(session, instance.id, "task.urge")
    assert (urge.task_id, urge.payload["automatic"], urge.payload["timer"]) == (explain.id, True, "临期提醒")
    assert ready_task(session, instance.id).id == explain.id  # non-interrupting: the step stays open


def test_an_overdue_county_review_escalates_to_the_city(session: Session) -> None:
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI), tick=False):
        instance = start_anomaly(session, anomaly_type="constant", key_unit=False)  # would close at county
        tasks.complete(session, ENT_TIANHE, ready_task(session, instance.id).id, EXPLANATION)
    county = ready_task(session, instance.id)
    assert (county.spec_name, county.due_at) == ("county_review", shanghai(2026, 11, 9))
    with time_machine.travel(shanghai(2026, 11, 10, 0, 0, 30), tick=False):
        timers.sweep_batch(session, datetime.now(timezone.utc))
    session.refresh(county)
    assert county.status == TaskStatus.CANCELLED
    city = ready_task(session, instance.id)
    assert city.spec_name == "city_review"
    (fired,) = events(session, instance.id, "timer.fire")
    assert fired.payload["timers"] == ["初审逾期升级"] and fired.payload["tasks"] == ["city_review"]
    with pytest.raises(Conflict):  # the escalated step cannot be completed by the county any more
        tasks.complete(session, COUNTY_TIANHE, county.id, {"decision": "accept"})


def test_a_return_counts_a_fresh_deadline(session: Session) -> None:
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI), tick=False):
        instance = start_anomaly(session)
        tasks.complete(session, ENT_TIANHE, ready_task(session, instance.id).id, EXPLANATION)
    with time_machine.travel(datetime(2026, 11, 4, 9, 0, tzinfo=SHANGHAI), tick=False):
        county = ready_task(session, instance.id)
        tasks.complete(session, COUNTY_TIANHE, county.id, {"decision": "return", "opinion": "请补充证明"})
    again = ready_task(session, instance.id)
    assert (again.spec_name, again.due_at) == ("explain", shanghai(2026, 11, 11))
    assert records(session, instance)["explain_timer"]["start"].startswith("2026-11-04")
    assert set(records(session, instance)) == {"explain", "explain_timer", "explain_remind"}


def test_provisional_rows_follow_the_instance_to_its_end(session: Session) -> None:
    instance = start_on_december_20(session)
    with time_machine.travel(DECEMBER_20, tick=False):
        tasks.complete(session, ENT_TIANHE, ready_task(session, instance.id).id, EXPLANATION)
    rows = session.scalars(select(ProvisionalDeadline.name).where(ProvisionalDeadline.instance_id == instance.id))
    assert list(rows) == []  # the county review's five working days end in 2026
    assert session.scalar(select(func.count()).select_from(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.due_provisional.is_(True),
        HumanTask.status == TaskStatus.READY)) == 0


def test_a_large_backlog_is_recomputed_in_batches(session: Session) -> None:
    configs.change(session, ADMIN, "anomaly_closure", {"explain_workdays": 10})
    with time_machine.travel(DECEMBER_20, tick=False):
        started = [start_anomaly(session, business_key=f"backlog-{n}").id for n in range(3)]
        entered = recompute.enter_year(session, ADMIN, 2027, NEW_YEAR_2027, [], limit=2)
    assert ([r.instance_id for r in entered.recomputed], entered.remaining) == (started[:2], 1)
    assert ready_task(session, started[2]).due_provisional  # left for the scheduler's job
    assert [r.instance_id for r in recompute.recompute_settled(session, ADMIN, 2)] == started[2:]
    assert recompute.settled_pending(session) == 0 and not ready_task(session, started[2]).due_provisional


def test_a_deadline_kept_in_a_variable_is_recomputed_too(session: Session) -> None:
    xml, forms = bundled_model()
    explain_due = """workdays(config("explain_workdays"))"""
    xml = xml.replace("remind_count = 0\n", f"remind_count = 0\nexplain_due = {explain_due}\n")
    xml = xml.replace(f"value='{explain_due}'", 'value="explain_due"')
    xml = xml.replace(f'tFormalExpression">{explain_due}<', 'tFormalExpression">explain_due<')
    assert xml.count("explain_due") == 3
    processes.deploy(session, ADMIN, xml.encode("utf-8"), forms)
    instance = start_on_december_20(session)
    recorded = records(session, instance)
    assert {name: r["kind"] for name, r in recorded.items() if r["provisional"]} == {
        "explain_due": "data", "explain": "task", "explain_timer": "timer"}
    assert ready_task(session, instance.id).due_provisional
    recompute.enter_year(session, ADMIN, 2027, NEW_YEAR_2027, [])
    live = runtime.load(session, instance)
    (explain,) = live.workflow.get_tasks(state=TaskState.READY, manual=True)
    assert explain.data["explain_due"] == "2027-01-04T23:59:59+08:00"
    assert waiting_timers(session, instance)["说明逾期"] == "2027-01-04T23:59:59+08:00"
    assert ready_task(session, instance.id).due_at == shanghai(2027, 1, 4)
