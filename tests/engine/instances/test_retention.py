"""History retention: finished instances leave the hot tables, the audit chain still verifies, pages still read."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from engine.actors import SYSTEM
from engine.audit import trail as audit
from engine.audit.models import AuditEvent
from engine.config import ConfigError
from engine.db import utcnow
from engine.errors import InstanceNotFound, NotAllowed
from engine.instances import jobs as instance_jobs
from engine.instances import retention
from engine.instances import service as instances
from engine.instances.models import ArchivedInstance
from engine.tasks import actions as tasks
from engine.tasks import operations
from engine.tasks.models import TaskDraft
from engine.workflow.models import HumanTask, InstanceStatus, ProcessInstance, TaskNote
from tests.support.actors import (
    ADMIN,
    CITY_GZ,
    COUNTY_BAIYUN,
    COUNTY_TIANHE,
    ENT_TIANHE,
    PROVINCE,
)
from tests.support.admin_app import admin_app  # noqa: F401  (a light web app per backend)
from tests.support.flows import EXPLANATION, advance_to, ready_task, start_anomaly
from tests.web.conftest import login
from web.cli import main


def finished(session: Session, business_key: str, *, days_ago: int, terminate: bool = False) -> ProcessInstance:
    """An instance closed at the county (with an urging note and a draft), ended ``days_ago`` days ago."""
    instance = start_anomaly(session, business_key=business_key, anomaly_type="constant", key_unit=False)
    explain = ready_task(session, instance.id)
    operations.urge(session, CITY_GZ, explain.id, "请尽快说明")
    session.add(TaskDraft(task_id=explain.id, username="ent-tianhe", data={"description": "草稿"}))
    if terminate:
        instances.terminate(session, ADMIN, instance.id, "重复立案")
    else:
        tasks.complete(session, ENT_TIANHE, explain.id, EXPLANATION)
        tasks.complete(session, COUNTY_TIANHE, advance_to(session, instance, "county_review").id,
                       {"decision": "accept"})
    session.execute(update(ProcessInstance).where(ProcessInstance.id == instance.id)
                    .values(ended_at=utcnow() - timedelta(days=days_ago)))
    session.refresh(instance)
    assert instance.status in (InstanceStatus.COMPLETED, InstanceStatus.TERMINATED)
    return instance


def count(session: Session, model: type, **where: object) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return session.scalar(query) or 0


@pytest.mark.usefixtures("deployed")
def test_old_finished_instances_move_to_the_archive(session: Session) -> None:
    old = finished(session, "old", days_ago=400)
    old_terminated = finished(session, "old-terminated", days_ago=500, terminate=True)
    recent = finished(session, "recent", days_ago=10)
    running = start_anomaly(session, business_key="running")
    tasks_before, events_before = count(session, HumanTask), count(session, AuditEvent)

    result = retention.archive_batch(session, SYSTEM, 365)

    assert result.archived == [old.id, old_terminated.id] and result.skipped == {}
    assert count(session, ProcessInstance) == 2 and {recent.id, running.id} == set(
        session.scalars(select(ProcessInstance.id)))
    assert count(session, HumanTask) == tasks_before - 3  # explain + county of one, the cancelled explain of the other
    assert count(session, TaskNote, instance_id=old.id) == 0 and count(session, TaskDraft) == 1
    archived = session.get(ArchivedInstance, old.id)
    assert archived is not None and (archived.status, archived.business_key) == ("completed", "old")
    document = archived.document
    assert [t["spec_name"] for t in document["tasks"]] == ["explain", "county_review"]
    assert document["notes"][0]["kind"] == "urge" and document["satellites"]["task_drafts"][0]["username"] == "ent-tianhe"
    assert document["instance"]["state"].startswith("{")
    report = audit.verify(session)
    assert report.ok and report.checked == events_before + 2
    (event,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "instance.archive",
                                                        AuditEvent.instance_id == old.id))
    assert event.payload["tasks"] == 2
    assert retention.archive_batch(session, SYSTEM, 365).archived == []


@pytest.mark.usefixtures("deployed")
def test_an_archived_instance_stays_readable_in_scope_only(session: Session) -> None:
    old = finished(session, "old", days_ago=400)
    start_anomaly(session, business_key="newest")  # the newest instance is never archived
    retention.archive_batch(session, ADMIN, 365)
    for reader in (COUNTY_TIANHE, CITY_GZ, PROVINCE, ENT_TIANHE, ADMIN):
        view = retention.archived_overview(session, reader, old.id)
        assert [e.action for e in view.events][0] == "instance.start"
        assert view.events[-1].action == "instance.archive"
        assert {t["spec_name"] for t in view.tasks} == {"explain", "county_review"}
    for outsider in (COUNTY_BAIYUN,):
        with pytest.raises(InstanceNotFound):
            retention.archived_overview(session, outsider, old.id)
    with pytest.raises(InstanceNotFound):
        instances.get(session, ADMIN, old.id)  # gone from the hot tables
    with pytest.raises(InstanceNotFound):
        retention.archived_overview(session, ADMIN, 2**40)


@pytest.mark.usefixtures("deployed")
def test_the_newest_instance_keeps_its_id(session: Session) -> None:
    only = finished(session, "only", days_ago=400)
    assert retention.archive_batch(session, SYSTEM, 365).archived == []
    assert session.get(ProcessInstance, only.id) is not None


def test_only_admins_archive(session: Session) -> None:
    with pytest.raises(NotAllowed):
        retention.archive_batch(session, PROVINCE, 365)


def test_the_age_setting_is_checked() -> None:
    assert retention.archive_after_days({}) == 365
    assert retention.archive_after_days({"ARCHIVE_AFTER_DAYS": "30"}) == 30
    for bad in ("0", "-1", "a year"):
        with pytest.raises(ConfigError, match="ECOLOOP_ARCHIVE_AFTER_DAYS"):
            retention.archive_after_days({"ARCHIVE_AFTER_DAYS": bad})


def test_archive_runs_in_committed_batches_and_from_the_command_line(
    admin_app: Flask, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    sessions = admin_app.extensions["ecoloop.sessions"]
    with sessions.begin() as session:
        old = [finished(session, f"batch-old-{n}", days_ago=400).id for n in range(5)]
        young = finished(session, "batch-young", days_ago=100).id
        running = start_anomaly(session, business_key="batch-running").id
    archived, kept = instance_jobs.archive_all(sessions, SYSTEM, 365, batch=2)
    assert archived >= 5 and kept == 0
    monkeypatch.setenv("ECOLOOP_DATABASE_URL", admin_app.extensions["ecoloop.settings"].database_url)
    result = CliRunner().invoke(main, ["archive", "--older-than", "30"], catch_exceptions=False)
    assert result.exit_code == 0 and "instances archived: " in result.output
    with sessions() as session:
        assert {*old, young} <= set(session.scalars(select(ArchivedInstance.id)))
        assert session.get(ProcessInstance, running) is not None
        assert session.scalar(select(func.count()).select_from(HumanTask).where(
            HumanTask.instance_id.in_([*old, young]))) == 0
        assert audit.verify(session).ok


def test_the_instance_page_shows_an_archived_instance(admin_app: Flask) -> None:  # noqa: F811
    sessions = admin_app.extensions["ecoloop.sessions"]
    with sessions.begin() as session:
        old = finished(session, "page", days_ago=400)
        start_anomaly(session, business_key="page-newest")
        assert old.id in retention.archive_batch(session, SYSTEM, 365).archived
    page = login(admin_app, "county-440106").get(f"/instances/{old.id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-archived="true"' in body
    assert 'data-action="instance.archive"' in body and 'data-step="county_review"' in body
    assert login(admin_app, "county-440111").get(f"/instances/{old.id}").status_code == 404
