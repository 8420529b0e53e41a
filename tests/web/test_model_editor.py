"""Process model administration: check a draft with its diff, deploy, activate, migrate instances; audit log."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import select

from engine.workflow.models import ProcessInstance, ProcessModel
from tests.web import ui_support as ui
from tests.web.conftest import Browser, login


def _active(app: Flask) -> ProcessModel:
    with ui.sessions(app)() as session:
        return session.scalars(select(ProcessModel).where(ProcessModel.key == "anomaly_closure",
                                                          ProcessModel.is_active.is_(True))).one()


def _admin(app: Flask) -> Browser:
    admin = login(app, "admin")
    admin.get("/admin/processes")
    return admin


def test_only_admins_reach_model_administration(app: Flask) -> None:
    county = login(app, "county-440106")
    model = _active(app)
    assert county.get("/admin/processes").status_code == 403
    assert county.get(f"/admin/processes/models/{model.id}/edit").status_code == 403
    county.get("/tasks/")
    assert county.post("/admin/processes/check", {"xml": model.bpmn_xml}).status_code == 403


def test_check_reports_problems_and_the_difference_from_the_active_version(app: Flask) -> None:
    admin = _admin(app)
    xml = _active(app).bpmn_xml
    changed = admin.post("/admin/processes/check", {"xml": xml.replace('name="地市复核"', 'name="地市复核（调整）"')})
    result = changed.get_json()
    assert result["ok"] and result["process"] == "anomaly_closure"
    assert [c[0] for c in result["changed"]] == ["city_review"] and result["added"] == [] == result["removed"]
    broken = admin.post("/admin/processes/check", {"xml": xml.replace("formKey", "noKey", 1)}).get_json()
    assert broken["ok"] is False and "form" in broken["message"].lower()
    unsafe = admin.post("/admin/processes/check", {"xml": xml.replace(
        "return_rounds = 0", "return_rounds = __import__('os').system('id')")}).get_json()
    assert unsafe["ok"] is False


def test_deploy_from_the_editor_then_migrate_what_can_move(app: Flask) -> None:
    waiting = ui.start_case(app)  # at the enterprise's explanation
    reviewed = ui.start_case(app)
    ui.walk_to(app, reviewed, "county_review")  # the explanation is done
    admin = _admin(app)
    old = _active(app)
    edited = old.bpmn_xml.replace('name="企业异常说明"', 'name="企业异常情况说明"')
    response = admin.post("/admin/processes", {"xml": edited})
    assert response.status_code == 302
    new = _active(app)
    assert new.version == old.version + 1
    detail = admin.get(f"/admin/processes/anomaly_closure?version={old.id}").get_data(as_text=True)
    assert "explain" in detail[detail.index('id="diff"'):]
    preview = admin.get(f"/admin/processes/models/{new.id}/migrate").get_data(as_text=True)
    assert re.search(rf'data-instance="{waiting}" data-movable="true"', preview)
    assert re.search(rf'data-instance="{reviewed}" data-movable="false"', preview)
    assert "企业异常说明" in preview  # named as the reason
    moved = admin.post(f"/admin/processes/models/{new.id}/migrate", {"instance_ids": [str(waiting), str(reviewed)]})
    assert moved.status_code == 302
    with ui.sessions(app)() as session:
        assert session.get(ProcessInstance, waiting).model_version == new.version
        assert session.get(ProcessInstance, reviewed).model_version == old.version
    assert ui.ready_task(app, waiting).title == "企业异常情况说明"
    timeline = admin.get(f"/instances/{waiting}").get_data(as_text=True)
    assert 'data-action="instance.migrate"' in timeline
    # roll back: the old version becomes current again for new cases
    assert admin.post(f"/admin/processes/models/{old.id}/activate").status_code == 302
    assert _active(app).id == old.id


def test_audit_log_filters_and_verifies(app: Flask) -> None:
    case = ui.start_case(app)
    admin = _admin(app)
    page = admin.get(f"/admin/audit?instance={case}").get_data(as_text=True)
    table = page[page.index('id="audit-events"'):]
    rows = re.findall(r'<td class="text-end code">(\d+)</td>', table)
    assert rows and "instance.start" in table and "auth.login" not in table
    logins = admin.get("/admin/audit?action=auth.").get_data(as_text=True)
    table = logins[logins.index('id="audit-events"'):]
    assert "auth.login" in table and "instance.start" not in table
    verified = admin.post("/admin/audit/verify")
    assert verified.status_code == 200 and "审计链完整" in verified.get_data(as_text=True)
