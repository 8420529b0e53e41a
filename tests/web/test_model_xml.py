"""Process-model XML is data: sent as plain text to download, sandboxed, never rendered in EcoLoop's origin.

Served as ``application/xml``, an XHTML element with an event handler in ``extensionElements`` ran its script
when the model's URL was opened. Now it is ``text/plain`` with ``nosniff``, an attachment, and a CSP sandbox.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from werkzeug.test import TestResponse

from engine.workflow.models import ProcessInstance
from tests.support.hostile_models import XHTML_HANDLER, store_hostile_model
from tests.web.conftest import login


def assert_inert(response: TestResponse, name: str) -> None:
    assert response.status_code == 200
    assert response.mimetype == "text/plain" and response.mimetype_params.get("charset") == "utf-8"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response.headers["Content-Disposition"] == f"attachment; filename={name}"


def test_a_stored_model_with_an_xhtml_handler_is_served_inert(app: Flask) -> None:
    with app.extensions["ecoloop.sessions"].begin() as session:
        model = store_hostile_model(session)
        model_id, version = model.id, model.version
    response = login(app, "admin").client.get(f"/admin/processes/models/{model_id}.bpmn")
    assert_inert(response, f"anomaly_closure-v{version}.bpmn")
    assert XHTML_HANDLER in response.get_data(as_text=True)  # the bytes as stored, only never rendered


def test_an_instance_diagram_is_served_inert(app: Flask) -> None:
    with app.extensions["ecoloop.sessions"]() as session:
        instance_id = session.scalars(select(ProcessInstance.id).where(
            ProcessInstance.region_code == "440106").order_by(ProcessInstance.id)).first()
    response = login(app, "county-440106").client.get(f"/instances/{instance_id}/diagram.bpmn")
    assert_inert(response, f"anomaly_closure-{instance_id}.bpmn")
    assert response.get_data(as_text=True).lstrip().startswith("<?xml")


def test_a_stored_version_the_deploy_check_now_refuses_is_still_shown(app: Flask) -> None:
    with app.extensions["ecoloop.sessions"].begin() as session:
        model = store_hostile_model(session)
        model_id = model.id
    page = login(app, "admin").client.get(f"/admin/processes/anomaly_closure?version={model_id}")
    assert page.status_code == 200 and XHTML_HANDLER not in page.get_data(as_text=True)
