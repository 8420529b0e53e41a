"""The role → permission matrix of docs/permissions.md, checked cell by cell against the running app.

The table is parsed from the document, so a row or a cell that changes there
changes what is tested here; a row without a check (or a check without a row)
fails. Every cell is tried on an object inside the role's scope ("home",
天河区 440106) and one outside it (白云区 440111 for an enterprise or a county,
福田区 440304 otherwise): ``yes`` must succeed on both, ``scope`` only at home,
``no`` on neither. Denials must be 403 or 404, nothing else.
"""

from __future__ import annotations

import io
import itertools
from datetime import date
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import SYSTEM, Actor, Role
from engine.workflow.bundle import BUNDLED_DIR, read_model_file
from engine.demo.accounts import DEMO_ENTERPRISES, DEMO_PASSWORD
from engine.credit import consequences
from engine.credit import facts as credit_facts
from engine.credit import rounds as credit_rounds
from engine.credit import rules as credit_rules
from engine.credit.facts import FactInput
from engine.credit.rule_defaults import DEFAULT_RULES
from engine.emergency.risk import rules as risk_rules
from engine.errors import Conflict, NotAllowed, NotFound, TaskNotFound
from engine.exchange import canonical, ingest, outgoing, supervisory
from engine.exchange import schedule as exchange_schedule
from engine.exchange import status as exchange_status
from engine.exchange.categories import Category
from engine.exchange.datacheck import findings as tax_findings
from engine.exchange.datacheck import matching as tax_matching
from engine.exchange.datacheck import rules as inspection_rules
from engine.exchange.datacheck.models import Finding
from engine.exchange.datacheck.rule_defaults import DEFAULTS as INSPECTION_DEFAULTS
from engine.exchange.models import TaxTaxpayer
from engine.monitoring.models import Enterprise
from engine.replay import runs as replay_runs
from engine.replay.spec import Period, Scope
from engine.workflow.models import HumanTask, TaskStatus
from engine.identity.models import LocalUser
from engine.register import changes
from engine.workflow import configs, deployment as processes
from engine.evidence import library as evidence
from engine.instances import service as instances
from engine.tasks import actions as tasks
from engine.identity import local_users as users
from tests.support.actors import ADMIN
from tests.support.flows import EXPLANATION, advance_to, pdf_stream, ready_task, start_anomaly
from tests.web.conftest import Browser

DOC = Path(__file__).parents[2] / "docs" / "permissions.md"
CELLS = ("yes", "scope", "no")
TIANHE, BAIYUN, FUTIAN = "440106", "440111", "440304"
ENTERPRISE_OF = {TIANHE: DEMO_ENTERPRISES[0].credit_code, BAIYUN: DEMO_ENTERPRISES[1].credit_code,
                 FUTIAN: "91440300568520498A"}
LOGIN_OF = {"enterprise": ENTERPRISE_OF[TIANHE], "county_reviewer": "county-440106", "city_reviewer": "city-440100",
            "province_reviewer": "province", "admin": "admin", "tax_client": "tax-client"}
STEP_OF = {"enterprise": "explain", "county_reviewer": "county_review", "city_reviewer": "city_review",
           "province_reviewer": "province_review", "admin": "county_review", "tax_client": "tax_step"}
FOREIGN_OF = {"enterprise": BAIYUN, "county_reviewer": BAIYUN}
# the steps each region needs: all at home, and abroad those of the roles for which it is the foreign region
SEEDED_STEPS = {
    TIANHE: ("explain", "county_review", "city_review", "province_review", "tax_step"),
    BAIYUN: ("explain", "county_review"),
    FUTIAN: ("county_review", "city_review", "province_review", "tax_step"),
}
TAX_PROBE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="Definitions_tax_probe"
  targetNamespace="http://ecoloop.gd.gov.cn/bpmn">
  <bpmn:process id="tax_probe" name="税务复核（权限测试）" isExecutable="true">
    <bpmn:laneSet id="LaneSet_tax_probe">
      <bpmn:lane id="Lane_tax" name="tax_client">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>tax_step</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="to_step" sourceRef="start" targetRef="tax_step" />
    <bpmn:userTask id="tax_step" name="税务确认">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="county_review" />
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="to_end" sourceRef="tax_step" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def read_matrix(path: Path = DOC) -> tuple[list[str], dict[str, dict[str, str]]]:
    """The role columns and, per action, the cell of each role, from the table under ``## Matrix``."""
    section = path.read_text(encoding="utf-8").split("## Matrix", 1)[1].split("\n## ", 1)[0]
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")]
            for line in section.splitlines() if line.strip().startswith("|")]
    header, body = rows[0], [row for row in rows[1:] if not re.fullmatch(r"[-: ]*", "".join(row))]
    roles = header[1:]
    return roles, {row[0]: dict(zip(roles, row[1:], strict=True)) for row in body}


ROLES, MATRIX = read_matrix()


@dataclass
class World:
    """Objects per (region, step) and the logged-in browser of each role."""

    app: Flask
    tasks: dict[tuple[str, str], str] = field(default_factory=dict)
    instances: dict[tuple[str, str], int] = field(default_factory=dict)
    evidence: dict[str, int] = field(default_factory=dict)
    browsers: dict[str, Browser] = field(default_factory=dict)
    serial: Iterator[int] = field(default_factory=itertools.count)
    open_county: dict[str, str] = field(default_factory=dict)

    def browser(self, role: str) -> Browser:
        if role not in self.browsers:
            browser = Browser(self.app.test_client())
            response = browser.login(LOGIN_OF[role], DEMO_PASSWORD)
            assert response.status_code == 302, response.get_data(as_text=True)
            browser.get("/tasks/")
            self.browsers[role] = browser
        return self.browsers[role]

    def actor(self, role: str) -> Actor:
        with self.session() as session:
            user = session.query(LocalUser).filter_by(username=LOGIN_OF[role]).one()
            return users.actor_of(user)

    def session(self) -> Session:
        session: Session = self.app.extensions["ecoloop.sessions"]()
        return session

    def open_county_task(self, region: str) -> str:
        """A county task still open in the region (a new one after a check completed the last)."""
        if region not in self.open_county:
            with self.app.extensions["ecoloop.sessions"].begin() as session:
                instance = start_anomaly(session, region_code=region, enterprise_code=ENTERPRISE_OF[region],
                                         business_key=f"perm-fresh-{next(self.serial)}")
                self.open_county[region] = advance_to(session, instance, "county_review").id
        return self.open_county[region]


@pytest.fixture(scope="module")
def world(app: Flask) -> World:
    world = World(app)
    with app.extensions["ecoloop.sessions"].begin() as session:
        users.create(session, "tax-client", DEMO_PASSWORD, [Role.TAX_CLIENT], region_code="440000",
                     display_name="税务部门数据交换接口")
        users.create(session, "probe-user", "probe-pass", [Role.PROVINCE_REVIEWER], region_code="440000")
        _, forms = read_model_file(BUNDLED_DIR / "anomaly_closure.bpmn")
        processes.deploy(session, ADMIN, TAX_PROBE.encode("utf-8"), forms)
        for region in (TIANHE, BAIYUN, FUTIAN):
            _seed_region(session, world, app, region)
    return world


def _seed_region(session: Session, world: World, app: Flask, region: str) -> None:
    for step in SEEDED_STEPS[region]:
        if step == "tax_step":
            continue
        instance = start_anomaly(session, region_code=region, enterprise_code=ENTERPRISE_OF[region],
                                 business_key=f"perm-{region}-{step}")
        if step == "county_review":  # this one's explanation carries evidence
            world.evidence[region] = _explain_with_evidence(session, app, instance.id, region)
        world.tasks[(region, step)] = advance_to(session, instance, step).id
        world.instances[(region, step)] = instance.id
    if "tax_step" not in SEEDED_STEPS[region]:
        return
    probe = instances.start(session, SYSTEM, instances.StartRequest(
        process_key="tax_probe", region_code=region, enterprise_code=ENTERPRISE_OF[region],
        business_key=f"perm-tax-{region}"))
    world.tasks[(region, "tax_step")] = ready_task(session, probe.id).id


def _explain_with_evidence(session: Session, app: Flask, instance_id: int, region: str) -> int:
    clerk = Actor(f"clerk-{region}", frozenset({Role.ENTERPRISE}), region, ENTERPRISE_OF[region])
    attachment = evidence.upload(session, app.extensions["ecoloop.files"], clerk, pdf_stream(region), "监测报告.pdf")
    tasks.complete(session, clerk, ready_task(session, instance_id).id, {**EXPLANATION, "evidence": [attachment.id]})
    return attachment.id


def allowed(status: int, success: int) -> bool:
    """True for the success status, False for 403/404; anything else is a defect of its own."""
    assert status in (success, 403, 404), f"unexpected status {status}"
    return status == success


def region_of(role: str, inside: bool) -> str:
    return TIANHE if inside else FOREIGN_OF.get(role, FUTIAN)


def _list_tasks(world: World, role: str, region: str) -> bool:
    task = world.tasks[(region, STEP_OF[role])]
    process = "tax_probe" if role == "tax_client" else "anomaly_closure"
    page = world.browser(role).get("/tasks/", query_string={"process": process, "region": region})
    assert page.status_code == 200
    return task in page.get_data(as_text=True)


def _open_task(world: World, role: str, region: str) -> bool:
    return allowed(world.browser(role).get(f"/tasks/{world.tasks[(region, STEP_OF[role])]}").status_code, 200)


def _complete_county_step(world: World, role: str, region: str) -> bool:
    task = world.open_county_task(region)
    completed = allowed(world.browser(role).post(f"/tasks/{task}/complete", {"decision": "accept"}).status_code, 302)
    if completed:
        del world.open_county[region]
    return completed


def _open_instance(world: World, role: str, region: str) -> bool:
    instance = world.instances[(region, "county_review")]
    return allowed(world.browser(role).get(f"/instances/{instance}").status_code, 200)


def _download_evidence(world: World, role: str, region: str) -> bool:
    return allowed(world.browser(role).get(f"/evidence/{world.evidence[region]}").status_code, 200)


def _start_instance(world: World, role: str, region: str) -> bool:
    request = instances.StartRequest(process_key="anomaly_closure", region_code=region,
                                     enterprise_code=ENTERPRISE_OF[region], business_key=f"perm-start-{role}",
                                     data={"anomaly_type": "exceedance", "key_unit": True, "factor": "w01018"})
    with world.session() as session:
        try:
            instances.start(session, world.actor(role), request)
        except NotAllowed:
            return False
        finally:
            session.rollback()
    return True


def _suspend_instance(world: World, role: str, region: str) -> bool:
    instance = world.instances[(region, "county_review")]
    result = allowed(world.browser(role).post(f"/instances/{instance}/suspend", {"reason": "权限检查"}).status_code,
                     302)
    if result:
        with world.app.extensions["ecoloop.sessions"].begin() as session:
            instances.resume(session, ADMIN, instance, "权限检查后恢复")
    return result


def _deploy_model(world: World, role: str, region: str) -> bool:
    upload = io.BytesIO((BUNDLED_DIR / "anomaly_closure.bpmn").read_bytes())
    response = world.browser(role).post("/admin/processes", {"bpmn": (upload, "anomaly_closure.bpmn")},
                                        content_type="multipart/form-data")
    return allowed(response.status_code, 302)


def _change_config(world: World, role: str, region: str) -> bool:
    with world.session() as session:
        try:
            configs.change(session, world.actor(role), "anomaly_closure", configs.current_values(session,
                                                                                              "anomaly_closure"))
        except NotAllowed:
            return False
        finally:
            session.rollback()
    return True


def _manage_users(world: World, role: str, region: str) -> bool:
    browser = world.browser(role)
    listing = allowed(browser.get("/admin/local-users").status_code, 200)
    change = allowed(browser.post("/admin/local-users/state", {"username": "probe-user", "action": "enable"})
                     .status_code, 302)
    assert listing == change, f"{role}: the users page and its form disagree"
    return listing


def _verify_audit(world: World, role: str, region: str) -> bool:
    return allowed(world.browser(role).post("/admin/audit/verify").status_code, 200)


def _as(world: World, role: str, call: Callable[[Session, Actor], object]) -> bool:
    with world.session() as session:
        try:
            call(session, world.actor(role))
        except NotAllowed:
            return False
        finally:
            session.rollback()
    return True


def _change_credit_rules(world: World, role: str, region: str) -> bool:
    return _as(world, role, lambda session, who: credit_rules.change(session, who, 2030, DEFAULT_RULES))


def _enter_credit_fact(world: World, role: str, region: str) -> bool:
    def enter(session: Session, who: Actor) -> object:
        if session.scalar(select(Enterprise.id).where(Enterprise.credit_code == ENTERPRISE_OF[region])) is None:
            session.add(Enterprise(credit_code=ENTERPRISE_OF[region], name="深圳福田测试企业", region_code=region))
            session.flush()
        return credit_facts.add(session, who, FactInput(ENTERPRISE_OF[region], "penalty", date(2026, 3, 1),
                                                        "粤环罚〔2026〕1号"), "权限检查")
    return _as(world, role, enter)


def _open_credit_round(world: World, role: str, region: str) -> bool:
    return _as(world, role, lambda session, who: credit_rounds.open_round(session, who, 2031))


def _read_published_levels(world: World, role: str, region: str) -> bool:
    return _as(world, role, lambda session, who: consequences.published_levels(session, who))


def _replay_rules(world: World, role: str, region: str) -> bool:
    period, province = Period(date(2026, 10, 1), date(2026, 10, 31)), Scope("province", "440000")
    return _as(world, role, lambda session, who: replay_runs.request(session, who, {}, period, province))
def _in_register(session: Session, region: str) -> str:
    code = ENTERPRISE_OF[region]
    if session.scalar(select(Enterprise.id).where(Enterprise.credit_code == code)) is None:
        session.add(Enterprise(credit_code=code, name="权限检查企业", region_code=region))
        session.flush()
    return code


def _push_exchange_batch(world: World, role: str, region: str) -> bool:
    def push(session: Session, who: Actor) -> object:
        records = [{"credit_code": _in_register(session, region), "name": "权限检查企业", "region_code": region}]
        return ingest.receive(session, who, ingest.BatchIn(
            f"PERM-{next(world.serial)}", Category.TAXPAYERS, "2026-10", next(world.serial) + 1, 1,
            canonical.checksum(records), records))
    return _as(world, role, push)


def _pull_exchange_data(world: World, role: str, region: str) -> bool:
    return _as(world, role, lambda session, who: outgoing.pull(session, who, Category.PERMITS, ""))


def _view_exchange_status(world: World, role: str, region: str) -> bool:
    return _as(world, role, lambda session, who: exchange_status.board(session, who))


def _change_exchange_schedule(world: World, role: str, region: str) -> bool:
    return _as(world, role, lambda session, who: exchange_schedule.save(
        session, who, exchange_schedule.DEFAULT_RULES, "权限检查"))


def _enter_supervisory_results(world: World, role: str, region: str) -> bool:
    def enter(session: Session, who: Actor) -> object:
        return supervisory.enter(session, who, [{
            "report_no": "JC-PERM", "credit_code": _in_register(session, region), "outlet_code": "DW001",
            "pollutant_code": "w01018", "sampled_on": "2026-10-12", "concentration": 30.0, "unit": "mg/L",
            "limit": 50.0, "station": "权限检查监测站"}])
    return _as(world, role, enter)


def _as_scoped(world: World, role: str, call: Callable[[Session, Actor], object]) -> bool:
    """Like :func:`_as`, where an object outside the actor's region is not found."""
    with world.session() as session:
        try:
            call(session, world.actor(role))
        except (NotAllowed, NotFound):
            return False
        finally:
            session.rollback()
    return True


def _resolve_unmatched(world: World, role: str, region: str) -> bool:
    def resolve(session: Session, who: Actor) -> object:
        code = f"9144{region[2:]}MA5PERM{next(world.serial):03d}"[:18]
        session.add(TaxTaxpayer(record_key=code, credit_code=code, name="未登记纳税人", region_code=region,
                                batch_id=0, digest="-"))
        session.flush()
        return tax_matching.resolve(session, who, "taxpayer", code, resolution="not_regulated")
    return _as_scoped(world, role, resolve)


def _verify_finding(world: World, role: str, region: str) -> bool:
    def verify(session: Session, who: Actor) -> object:
        finding = Finding(rule="source_without_permit", period="2026-07", subject_key=f"PERM-{next(world.serial)}",
                          taxpayer_code=ENTERPRISE_OF[region], region_code=region, rule_version=0)
        session.add(finding)
        session.flush()
        return tax_findings.start_verification(session, who, finding.id)
    return _as_scoped(world, role, verify)


def _change_inspection_rules(world: World, role: str, region: str) -> bool:
    return _as(world, role, lambda session, who: inspection_rules.change(session, who, INSPECTION_DEFAULTS))


def _registered(world: World, region: str) -> str:
    """The region's enterprise, registered (福田's is not in the demo register) — its credit code."""
    code = ENTERPRISE_OF[region]
    with world.app.extensions["ecoloop.sessions"].begin() as session:
        try:
            changes.save_enterprise(session, ADMIN, {"统一社会信用代码": code, "单位名称": "福田测试企业",
                                                     "行政区划代码": region}, create=True)
        except Conflict:
            pass
    return code


def _view_register(world: World, role: str, region: str) -> bool:
    return allowed(world.browser(role).get(f"/register/enterprises/{_registered(world, region)}").status_code, 200)


def _edit_register(world: World, role: str, region: str) -> bool:
    return allowed(world.browser(role).get(f"/register/enterprises/{_registered(world, region)}/edit").status_code,
                   200)


def _read_libraries(world: World, role: str, region: str) -> bool:
    return allowed(world.browser(role).get("/emergency/").status_code, 200)


def _draft_library_entry(world: World, role: str, region: str) -> bool:
    browser = world.browser(role)
    browser.get("/emergency/")
    name = f"权限检查物质{next(world.serial)}"
    return allowed(browser.post("/emergency/chemical/new", {"name_zh": name, "cas": "7732-18-5"}).status_code, 302)


def _review_library_entry(world: World, role: str, region: str) -> bool:
    who = world.actor(role)  # read before this session writes: SQLite has one writer
    with world.session() as session:
        step = session.scalars(select(HumanTask).where(
            HumanTask.process_key == "library_entry_review", HumanTask.spec_name == "review",
            HumanTask.status == TaskStatus.READY)).first()
        assert step is not None, "the demo has a library entry under review"
        try:
            tasks.complete(session, who, step.id, {"decision": "publish"})
        except (NotAllowed, TaskNotFound):
            return False
        finally:
            session.rollback()
    return True


def _view_risk_source(world: World, role: str, region: str) -> bool:
    return allowed(world.browser(role).get(f"/risk-sources/{_registered(world, region)}").status_code, 200)


def _record_risk_assessment(world: World, role: str, region: str) -> bool:
    code = _registered(world, region)
    browser = world.browser(role)
    browser.get("/emergency/")
    response = browser.post(f"/risk-sources/{code}/assessments", {"level": "general", "assessed_on": "2026-01-05"})
    return allowed(response.status_code, 302)


def _change_risk_rules(world: World, role: str, region: str) -> bool:
    return _as(world, role, lambda session, who: risk_rules.save(session, who, dict(risk_rules.DEFAULTS), "权限检查"))


CHECKS: dict[str, Callable[[World, str, str], bool]] = {
    "list tasks": _list_tasks,
    "open task": _open_task,
    "complete county step": _complete_county_step,
    "open instance": _open_instance,
    "download evidence": _download_evidence,
    "start instance": _start_instance,
    "suspend instance": _suspend_instance,
    "deploy model": _deploy_model,
    "change config": _change_config,
    "manage users": _manage_users,
    "verify audit": _verify_audit,
    "change credit rules": _change_credit_rules,
    "enter credit facts": _enter_credit_fact,
    "open credit round": _open_credit_round,
    "read published credit levels": _read_published_levels,
    "replay and activate anomaly rules": _replay_rules,
    "push exchange batch": _push_exchange_batch,
    "pull exchange data": _pull_exchange_data,
    "view exchange status": _view_exchange_status,
    "change exchange schedule": _change_exchange_schedule,
    "enter supervisory results": _enter_supervisory_results,
    "resolve unmatched tax records": _resolve_unmatched,
    "read and verify tax data findings": _verify_finding,
    "change data-inspection rules, run them": _change_inspection_rules,
    "view register": _view_register,
    "edit register": _edit_register,
    "read libraries": _read_libraries,
    "draft library entry": _draft_library_entry,
    "review library entry": _review_library_entry,
    "view risk source": _view_risk_source,
    "record risk assessment": _record_risk_assessment,
    "change risk rules": _change_risk_rules,
}


def test_the_matrix_names_every_role_and_only_checked_actions() -> None:
    assert sorted(ROLES) == sorted(role.value for role in Role)
    assert sorted(MATRIX) == sorted(CHECKS)
    assert {cell for row in MATRIX.values() for cell in row.values()} <= set(CELLS)


@pytest.mark.parametrize("action", sorted(MATRIX))
def test_matrix_row(world: World, action: str) -> None:
    wrong = []
    for role, cell in MATRIX[action].items():
        inside, outside = (CHECKS[action](world, role, region_of(role, flag)) for flag in (True, False))
        expected = {"yes": (True, True), "scope": (True, False), "no": (False, False)}[cell]
        if (inside, outside) != expected:
            wrong.append(f"{role}: documented {cell!r}, but allowed inside={inside}, outside={outside}")
    assert not wrong, f"{action}: " + "; ".join(wrong)
