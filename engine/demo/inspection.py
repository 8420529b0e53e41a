"""Demo 双随机: the directories (register units, two projects, items, Guangzhou's officers with two logins),
last quarter's city plan drawn, inspected and revealed (verifiable on the public page), and this quarter's
plan drawn and still confidential."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.calendar.workdays import SHANGHAI
from engine.db import utcnow
from engine.demo.accounts import ADMIN, DEMO_ENTERPRISES, DEMO_PASSWORD
from engine.identity import local_users as users
from engine.inspection import classes, directory, draws, plans
from engine.inspection.models import InspectionPlan, ObjectKind

CITY = "440100"
ORGANISER = Actor("city-440100", frozenset({Role.CITY_REVIEWER}), CITY, display_name="广州市局审核员")
OFFICER_LOGINS = (("officer-gz-1", "陈志强"), ("officer-gz-2", "林晓燕"))
MORE_OFFICERS = ("黄伟明", "吴嘉欣", "周建华", "郑丽娟")

# The starter item list: the 随机抽查事项 the Ministry's guidance names (domain notes), each with its law.
ITEMS = (
    ("HB-01", "排污许可制度执行情况", "《排污许可管理条例》（国务院令第736号）",
     ("持证排污，许可证在有效期内", "按证排污：排放口、污染物种类、浓度与总量", "自行监测、台账记录与执行报告")),
    ("HB-02", "环境影响评价制度执行情况", "《中华人民共和国环境影响评价法》",
     ("建设项目依法报批环评文件", "实际建设内容与批复一致，重大变动已重新报批")),
    ("HB-03", "“三同时”及竣工环境保护验收情况", "《建设项目环境保护管理条例》（国务院令第682号）",
     ("环保设施与主体工程同时设计、施工、投产", "依法开展竣工环境保护验收并公开")),
    ("HB-04", "危险废物规范化环境管理情况", "《中华人民共和国固体废物污染环境防治法》",
     ("危险废物识别标志与贮存设施", "管理计划、台账与转移联单", "交有资质单位利用处置")),
    ("HB-05", "自动监控设施运行情况", "《污染源自动监控管理办法》（国家环境保护总局令第28号）",
     ("设施正常运行、数据有效传输", "运维记录与比对监测")),
    ("HB-06", "突发环境事件风险防范情况", "《突发环境事件应急管理办法》（环境保护部令第34号）",
     ("风险评估与应急预案备案", "隐患排查治理与应急物资")),
)


def seed_inspection(session: Session) -> None:
    """Idempotent: nothing happens once a plan exists."""
    if session.scalar(select(InspectionPlan.id).limit(1)) is not None:
        return
    directory.sync_units(session, ADMIN)
    _projects(session)
    for code, name, basis, points in ITEMS:
        directory.save_item(session, ADMIN, directory.ItemInput(code, name, basis, points))
    _officers(session)
    today = utcnow().astimezone(SHANGHAI).date()
    classes.recompute(session, ADMIN, today)
    this_quarter = _quarter_of(today)
    last_quarter = _quarter_of(this_quarter[0] - timedelta(days=1))
    past = _drawn_plan(session, _title(last_quarter), last_quarter)
    draws.reveal(session, ORGANISER, past, today)
    _drawn_plan(session, _title(this_quarter), this_quarter)


def _projects(session: Session) -> None:
    tianhe = DEMO_ENTERPRISES[0]
    for kind, name, number, approved in (
            (ObjectKind.EIA_PROJECT, "3号机组超低排放改造项目", "穗天环评〔2025〕12号", date(2025, 4, 18)),
            (ObjectKind.ACCEPTANCE_PROJECT, "脱硝系统扩建工程", "穗天验〔2026〕3号", date(2026, 3, 2))):
        directory.add_project(session, ADMIN, directory.ProjectInput(kind, name, tianhe.credit_code, number, approved,
                                                                     tianhe.region_code))


def _officers(session: Session) -> None:
    people = [*OFFICER_LOGINS, *((None, name) for name in MORE_OFFICERS)]
    for n, (login, name) in enumerate(people, start=1):
        if login is not None:
            users.create(session, login, DEMO_PASSWORD, [Role.CITY_REVIEWER], region_code=CITY,
                         display_name=f"{name}（执法人员）", is_demo=True)
        directory.save_officer(session, ADMIN, directory.OfficerInput(
            name, f"44010020{n:04d}", "广州市生态环境局执法支队", CITY, username=login))


def _quarter_of(day: date) -> tuple[date, date]:
    start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    following = date(start.year + 1, 1, 1) if start.month == 10 else date(start.year, start.month + 3, 1)
    return start, following - timedelta(days=1)


def _title(period: tuple[date, date]) -> str:
    return f"广州市{period[0].year}年第{(period[0].month - 1) // 3 + 1}季度双随机抽查"


def _drawn_plan(session: Session, title: str, period: tuple[date, date]) -> int:
    """A regular plan of the city with every item, committed and drawn; returns the draw's id."""
    items = tuple(item.id for item in directory.items(session))
    plan = plans.create(session, ORGANISER, plans.PlanInput(
        title=title, kind="regular", body_region_code=CITY, period_start=period[0], period_end=period[1],
        inspect_from=period[0], inspect_to=period[1], item_ids=items))
    draw = draws.commit(session, ORGANISER, plan.id)
    return draws.run(session, ORGANISER, draw.id).id
