"""Demo 双随机 inspections on top of the demo plans (:mod:`engine.demo.inspection`): last quarter's revealed draw
dispatched and worked into every state — published results (no problem, closed unit, referral, corrections
followed up by re-inspection or by the enterprise's evidence), conclusions and publications waiting, a record
waiting for the second officer, overdue inspections — and this quarter's confidential draw dispatched."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.demo.accounts import DEMO_PASSWORD
from engine.demo.inspection import CITY, ORGANISER
from engine.identity import local_users as users
from engine.inspection.models import InspectionPlan, Officer
from engine.inspection.onsite import dispatch, fieldwork
from engine.inspection.onsite.models import InspectionCase
from engine.inspection.onsite.process import local_date_today
from engine.instances.casework import ready_step
from engine.tasks import actions as tasks

Step = Callable[[Session, InspectionCase], None]


def seed_inspection_cases(session: Session) -> None:
    """Idempotent: nothing happens once an inspection exists or when there is no demo plan."""
    plans = session.scalars(select(InspectionPlan).order_by(InspectionPlan.period_start)).all()
    if not plans or session.scalar(select(InspectionCase.id).limit(1)) is not None:
        return
    _officer_logins(session)
    past = dispatch.dispatch_plan(session, ORGANISER, plans[0].id)
    for case, stages in zip(past, STORIES):
        for stage in stages:
            stage(session, case)
    for plan in plans[1:]:
        dispatch.dispatch_plan(session, ORGANISER, plan.id)


def _officer_logins(session: Session) -> None:
    """Every demo officer gets a login (the demo directory gives two of them one), so each pair can work."""
    for officer in session.scalars(select(Officer).where(Officer.username.is_(None)).order_by(Officer.id)):
        username = f"officer-gz-{officer.id}"
        users.create(session, username, DEMO_PASSWORD, [Role.CITY_REVIEWER], region_code=CITY,
                     display_name=f"{officer.name}（执法人员）", is_demo=True)
        officer.username = username
    session.flush()


def _officer(session: Session, officer_id: int) -> Actor:
    officer = session.get(Officer, officer_id)
    assert officer is not None and officer.username
    return Actor(officer.username, frozenset({Role.CITY_REVIEWER}), CITY, display_name=officer.name)


def _section_head(session: Session, case: InspectionCase) -> tuple[Actor, str]:
    """Who concludes and publishes, and the step's suffix: the city's reviewer for a city plan."""
    plan = session.get(InspectionPlan, case.plan_id)
    assert plan is not None
    if plan.body_level == "city":
        return ORGANISER, "city_"
    return Actor(f"county-{case.region_code}", frozenset({Role.COUNTY_REVIEWER}), case.region_code), "section_"


def _complete(session: Session, case: InspectionCase, step: str, actor: Actor, data: dict[str, object]) -> None:
    task = ready_step(session, case.instance_id, step)
    assert task is not None, f"inspection {case.id} does not wait at {step}"
    tasks.complete(session, actor, task.id, data)


def _recorded(unit_status: str, findings: str, problem: bool = False) -> Step:
    def record(session: Session, case: InspectionCase) -> None:
        lead = _officer(session, case.lead_officer_id)
        points = fieldwork.checklist_points(fieldwork.case_view(session, lead, case.id).view.items)
        answers = [{"item": p["item"], "point": p["point"], "result": "problem" if problem and n == 0 else "ok",
                    "note": findings if problem and n == 0 else ""} for n, p in enumerate(points)]
        fieldwork.record_onsite(session, None, lead, case.id,
                                {"unit_status": unit_status, "findings": findings, "checklist": answers})
    return record


def _confirmed(session: Session, case: InspectionCase) -> None:
    _complete(session, case, "onsite_confirm", _officer(session, case.second_officer_id), {"confirmation": "confirm"})


def _concluded(conclusion: str, **extra: object) -> Step:
    def conclude(session: Session, case: InspectionCase) -> None:
        data: dict[str, object] = {"conclusion": conclusion, "opinion": "经审核，同意检查组意见", **extra}
        if conclusion == "correct":
            data["correction_deadline"] = (local_date_today() + timedelta(days=30)).isoformat()
        head, prefix = _section_head(session, case)
        _complete(session, case, f"{prefix}review", head, data)
    return conclude


def _published(summary: str) -> Step:
    def publish(session: Session, case: InspectionCase) -> None:
        head, prefix = _section_head(session, case)
        _complete(session, case, "city_publish" if prefix == "city_" else "publish", head, {"public_summary": summary})
    return publish


def _followed_up(session: Session, case: InspectionCase) -> None:
    _complete(session, case, "follow_up", _officer(session, case.lead_officer_id),
              {"rectified": "rectified", "findings": "复查确认危险废物贮存场所已设置识别标志，台账齐全"})


OK = _recorded("operating", "现场检查未发现环境违法问题，污染防治设施正常运行")
PROBLEM = _recorded("operating", "危险废物贮存场所未设置识别标志，管理台账不全", problem=True)
STORIES: tuple[tuple[Step, ...], ...] = (
    (OK, _confirmed, _concluded("no_problem"), _published("未发现问题")),
    (OK, _confirmed, _concluded("no_problem"), _published("未发现问题")),
    (_recorded("closed", "企业已停产，厂区大门上锁，无生产迹象"), _confirmed, _concluded("not_inspectable"),
     _published("企业已停产，未开展检查")),
    (PROBLEM, _confirmed, _concluded("refer", referred_to="广州市生态环境局执法支队",
                                     referral_reason="涉嫌未按规定贮存危险废物"), _published("发现问题，已移送立案查处")),
    (PROBLEM, _confirmed, _concluded("correct", follow_up_mode="reinspect"), _published("发现问题，已责令改正"),
     _followed_up),
    (PROBLEM, _confirmed, _concluded("correct", follow_up_mode="enterprise_evidence"), _published("发现问题，已责令改正")),
    (PROBLEM, _confirmed, _concluded("correct", follow_up_mode="reinspect"), _published("发现问题，已责令改正")),
    (OK, _confirmed, _concluded("no_problem")),
    (OK, _confirmed, _concluded("no_problem")),
    (OK, _confirmed),
    (OK,),
)
