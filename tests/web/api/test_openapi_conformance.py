"""Schemathesis against the live OpenAPI document: every operation, with a token of each role.

Requests generated from the document (valid and invalid ones) go through the
WSGI app in-process, on this module's own database. Every response must be
below 500 and carry a documented status, content type, headers and body
schema. Generation is derandomized, so the run is the same on every machine
and under xdist.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from engine.credit.models import CreditRating
from engine.exchange import canonical
from engine.exchange.datacheck.models import Finding
from engine.identity.models import AccessToken
from engine.inspection.models import Draw, DrawAssignment
from engine.inspection.onsite.models import InspectionCase
from tests.support.flows import PDF
from tests.support.inspection import dispatched
from tests.web.api.conftest import TIANHE, login, machine

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
EXAMPLES = {GenerationMode.POSITIVE: 6, GenerationMode.NEGATIVE: 4}
USERS = {"admin": "admin", "province": "province", "city": "city-440100", "county": "county-440106",
         "enterprise": TIANHE.credit_code}


@pytest.fixture(scope="module")
def role_headers(app: Flask) -> dict[str, dict[str, str]]:
    """A bearer token per role: demo users' user tokens, and a machine client's API token."""
    tokens = {role: login(app, username).token for role, username in USERS.items()}
    tokens["tax_client"] = machine(app, "conformance-tax", "tax_client")[0].token
    return {role: {"Authorization": f"Bearer {token}"} for role, token in tokens.items()}


def _check_operation(operation: Any, mode: GenerationMode, role_headers: dict[str, dict[str, str]]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES[mode], deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        for headers in role_headers.values():
            case.call_and_validate(headers={**(case.headers or {}), **headers}, checks=CHECKS)

    run()


@pytest.mark.parametrize("mode", list(EXAMPLES), ids=[m.value for m in EXAMPLES])
def test_every_operation_conforms_for_every_role(app: Flask, role_headers: dict[str, dict[str, str]],
                                                 mode: GenerationMode) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [op for op in (result.ok() for result in schema.get_all_operations()) if not _logs_out(op)]
    assert len(operations) >= 25
    failures = []
    for operation in operations:
        try:
            _check_operation(operation, mode, role_headers)
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE  # an operation without inputs has no invalid request
        except Exception as exc:  # collect every operation's failure, then report them together
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)


def _logs_out(operation: Any) -> bool:
    """``DELETE /api/v1/auth/token`` ends the caller's token by design; ``test_access_tokens.py`` tests it."""
    return operation.method.upper() == "DELETE" and operation.path == "/api/v1/auth/token"


@pytest.fixture(scope="module")
def known_ids(app: Flask) -> dict[str, Any]:
    """Ids of real objects (mostly in scope of the county and the enterprise), so success responses get checked."""
    county, clerk, admin = login(app, "county-440106"), login(app, TIANHE.credit_code), login(app, "admin")
    task = county.get("/api/v1/tasks").get_json()["items"][0]
    attachment = clerk.post("/api/v1/attachments", data={"file": (io.BytesIO(PDF), "a.pdf")}, json=None).get_json()
    anomaly = admin.get("/api/v1/anomalies", query_string={"enterprise": TIANHE.credit_code}).get_json()["items"][0]
    tax_client, _ = machine(app, "conformance-tax-request", "tax_client")
    review = {"region_code": "440106", "enterprise_code": TIANHE.credit_code, "data": {
        "request_no": "TAX-CONFORMANCE-1", "tax_period": "2026-10", "reason": "late_filing",
        "reported": [{"pollutant": "COD", "emission_kg": 3.5}]}}
    assert tax_client.post("/api/v1/tax/review-requests", review).status_code == 201
    taxpayer = {"credit_code": TIANHE.credit_code, "name": TIANHE.name, "region_code": "440106"}
    batch = {"batch_no": "CONFORMANCE-TAXPAYERS-1", "category": "taxpayers", "period": "2026-10", "sequence": 1,
             "record_count": 1, "checksum": canonical.checksum([taxpayer]), "records": [taxpayer]}
    assert tax_client.post("/api/v1/exchange/batches", batch).status_code in (200, 201)
    assert admin.post("/api/v1/exchange/inspection-runs", {"month": "2026-10"}).status_code == 201
    report_run = county.post("/api/v1/reports", json={"kind": "tax_sync", "period": "2026-10"}).get_json()
    chlorine = county.get("/api/v1/libraries/search", query_string={"q": "7782-50-5"}).get_json()[0]
    with app.extensions["ecoloop.sessions"]() as session:
        rating_id = session.scalars(select(CreditRating.id).where(CreditRating.enterprise_code == TIANHE.credit_code)
                                    ).first()
        draw = session.scalars(select(Draw).order_by(Draw.id)).first()  # the demo's revealed draw
        assignment_id = session.scalars(select(DrawAssignment.id).order_by(DrawAssignment.id)).first()
        assert draw is not None
    with app.extensions["ecoloop.sessions"].begin() as session:
        inspection = session.get(InspectionCase, dispatched(session, tag="一致性"))
        assert inspection is not None
        case_id = inspection.id
    login(app, "county-440111")  # a bearer token of a person no role header uses, for the admin's token endpoints
    with app.extensions["ecoloop.sessions"]() as session:
        token_id = session.scalars(select(AccessToken.id).where(AccessToken.username == "county-440111")).first()
        finding_id = session.scalars(select(Finding.id).order_by(Finding.id)).first()
    return {"username": "county-440111", "token_id": token_id,
            "task_id": task["id"], "instance_id": task["instance_id"], "attachment_id": attachment["id"],
            "key": "anomaly_closure", "anomaly_id": anomaly["id"], "rating_id": rating_id,
            "request_no": "TAX-CONFORMANCE-1", "run_id": report_run["id"], "credit_code": TIANHE.credit_code,
            "mn": admin.get("/api/v1/points", query_string={"enterprise": TIANHE.credit_code}).get_json()["items"][0]["mn"],
            "library": "chemical", "entry_id": chlorine["entry_id"], "number": 1,
            "category": "taxpayers", "batch_no": batch["batch_no"], "kind": "taxpayer",
            "record_key": TIANHE.credit_code, "finding_id": finding_id or 1,
            "plan_id": draw.plan_id, "draw_id": draw.id, "assignment_id": assignment_id, "case_id": case_id}


def test_operations_on_real_objects_conform(app: Flask, role_headers: dict[str, dict[str, str]],
                                            known_ids: dict[str, Any]) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures = []
    for operation in (result.ok() for result in schema.get_all_operations()):
        if _logs_out(operation):
            continue
        names = [p.name for p in operation.path_parameters]
        if not names:
            continue

        @given(case=operation.as_strategy(path_parameters={name: known_ids[name] for name in names}))
        @settings(max_examples=4, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        def run(case: Any) -> None:
            for headers in role_headers.values():
                case.call_and_validate(headers={**(case.headers or {}), **headers}, checks=CHECKS)

        try:
            run()
        except Exception as exc:
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
