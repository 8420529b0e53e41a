"""A small drawn plan for the on-site inspection tests: one county plan, two officers with accounts, assignments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.inspection.models import (
    Draw,
    DrawAssignment,
    InspectionItem,
    InspectionObject,
    InspectionPlan,
    Officer,
    PlanItem,
)
from engine.inspection.onsite.process import PROCESS_KEY, local_date_today
from engine.instances import service as instances
from engine.instances.service import StartRequest
from engine.workflow.models import ProcessInstance
from tests.support.actors import CITY_GZ, COUNTY_TIANHE, ENTERPRISE_TIANHE

OFFICER_A = Actor("officer-440106-a", frozenset({Role.COUNTY_REVIEWER}), "440106", display_name="李执法")
OFFICER_B = Actor("officer-440106-b", frozenset({Role.COUNTY_REVIEWER}), "440106", display_name="王执法")
ORGANISER = COUNTY_TIANHE
ITEMS = (("SJ-01", "排污许可执行情况", ["持证排污", "按证载要求排放"]),
         ("SJ-04", "自动监控设施运行", ["设施正常运行"]))


@dataclass(frozen=True)
class Drawn:
    plan: InspectionPlan
    draw: Draw
    assignment: DrawAssignment
    unit: InspectionObject


def drawn_plan(session: Session, *, planned: date | None = None, campaign: bool = False,
               enterprise_code: str = ENTERPRISE_TIANHE, tag: str = "", city: bool = False) -> Drawn:
    """A county plan (or Guangzhou's, ``city``) with one drawn unit and a pair of officers linked to OFFICER_A and
    OFFICER_B."""
    today = local_date_today()
    officers = [_officer(session, actor, f"440106{tag}{n}") for n, actor in enumerate((OFFICER_A, OFFICER_B))]
    unit = InspectionObject(kind="discharge_unit", enterprise_code=enterprise_code,
                            enterprise_name=f"广州天河环保热电有限公司{tag}", region_code="440106",
                            object_class="key", computed_class="key", approval_number=tag)
    plan = InspectionPlan(title=f"天河区 2026 年第四季度双随机抽查{tag}", kind="campaign" if campaign else "regular",
                          body_region_code="440100" if city else "440106", body_level="city" if city else "county",
                          period_start=today - timedelta(days=30),
                          period_end=today + timedelta(days=60), inspect_from=today - timedelta(days=10),
                          inspect_to=today + timedelta(days=30), quotas={}, status="drawn",
                          organiser=CITY_GZ.username if city else ORGANISER.username)
    session.add_all([unit, plan])
    session.flush()
    for code, name, points in ITEMS:
        item = _item(session, code, name, points)
        session.add(PlanItem(plan_id=plan.id, item_id=item.id))
    draw = Draw(plan_id=plan.id, sequence=1, algorithm="test", status="drawn", seed_commitment="0" * 64,
                inputs_hash="0" * 64, inputs={}, seed="1" * 64, committed_by=ORGANISER.username)
    session.add(draw)
    session.flush()
    assignment = DrawAssignment(draw_id=draw.id, position=1, object_id=unit.id, object_class="key",
                                officer1_id=officers[0].id, officer2_id=officers[1].id,
                                planned_date=planned or today)
    session.add(assignment)
    session.flush()
    return Drawn(plan, draw, assignment, unit)


def _officer(session: Session, actor: Actor, certificate: str) -> Officer:
    existing = session.query(Officer).filter_by(username=actor.username).one_or_none()
    if existing is not None:
        return existing
    officer = Officer(name=actor.display_name, certificate_number=f"4401{certificate}", unit="天河区生态环境执法大队",
                      region_code="440106", status="active", username=actor.username)
    session.add(officer)
    session.flush()
    return officer


def _item(session: Session, code: str, name: str, points: list[str]) -> InspectionItem:
    existing = session.query(InspectionItem).filter_by(code=code).one_or_none()
    if existing is not None:
        return existing
    item = InspectionItem(code=code, name=name, legal_basis="排污许可管理条例", checklist=points, object_kinds=[])
    session.add(item)
    session.flush()
    return item


def start_inspection(session: Session, drawn: Drawn) -> ProcessInstance:
    organiser = CITY_GZ if drawn.plan.body_level == "city" else ORGANISER
    return instances.start(session, organiser, StartRequest(
        PROCESS_KEY, "440106", None, business_key=f"inspection-assignment-{drawn.assignment.id}",
        subject="双随机检查任务", data={"assignment_id": drawn.assignment.id}))


def officer_accounts(session: Session) -> None:
    """Log-in accounts (password ``demo``) for the two officers, for the web and browser tests."""
    from engine.identity import local_users
    from engine.identity.models import LocalUser

    for officer in (OFFICER_A, OFFICER_B):
        if session.query(LocalUser).filter_by(username=officer.username).one_or_none() is None:
            local_users.create(session, officer.username, "demo", [Role.COUNTY_REVIEWER], region_code="440106",
                               display_name=officer.display_name)


def dispatched(session: Session, **options: object) -> int:
    """A drawn plan dispatched by its organiser, with the officers' accounts; returns the inspection's id."""
    from engine.inspection.onsite.dispatch import dispatch_plan

    officer_accounts(session)
    drawn = drawn_plan(session, **options)  # type: ignore[arg-type]
    return dispatch_plan(session, ORGANISER, drawn.plan.id)[0].id
