"""Issue #24: the API deploy answers a hostile model with 422 and the engine check's named refusal."""

from __future__ import annotations

import io

from flask import Flask

from tests.engine.workflow.test_model_bounds import HOSTILE, NEAR_BOUNDS
from tests.web.api.conftest import login


def test_api_deploy_refuses_unbounded_cycle_and_accepts_p1y(app: Flask) -> None:
    admin = login(app, "admin")
    xml, _ = HOSTILE["R/PT0S"]
    refused = admin.post("/api/v1/processes", data={"bpmn": (io.BytesIO(xml), "bounds_probe.bpmn")}, json=None)
    assert refused.status_code == 422 and refused.content_type == "application/problem+json"
    assert "timeCycle of 'wait_timer'" in refused.get_data(as_text=True)
    assert "repeats without end" in refused.get_data(as_text=True)
    accepted = admin.post("/api/v1/processes", data={"bpmn": (io.BytesIO(NEAR_BOUNDS["timer P1Y"]), "b.bpmn")},
                          json=None)
    assert accepted.status_code == 201, accepted.get_json()


def test_api_deploy_refuses_xinclude(app: Flask) -> None:
    xml, _ = HOSTILE["xinclude"]
    refused = login(app, "admin").post("/api/v1/processes", data={"bpmn": (io.BytesIO(xml), "m.bpmn")}, json=None)
    assert refused.status_code == 422 and "XInclude" in refused.get_data(as_text=True)
