"""A small inspection world: enterprises of two Guangzhou districts, officers, items, plans."""

from __future__ import annotations

from datetime import date
from itertools import count

from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.inspection import plans
from engine.inspection.models import InspectionItem, InspectionObject, ObjectKind, Officer
from engine.monitoring.models import Enterprise

TIANHE, BAIYUN, GUANGZHOU = "440106", "440111", "440100"
ORGANISER = Actor("organiser-tianhe", frozenset({Role.COUNTY_REVIEWER}), TIANHE)
CITY_ORGANISER = Actor("organiser-gz", frozenset({Role.CITY_REVIEWER}), GUANGZHOU)
Q4 = (date(2026, 10, 1), date(2026, 12, 31))
_numbers = count(1)


def enterprise(session: Session, region: str = TIANHE, **fields: object) -> Enterprise:
    n = next(_numbers)
    ent = Enterprise(credit_code=f"91{region}{n:010d}", name=f"测试企业{n}", region_code=region, **fields)
    session.add(ent)
    session.flush()
    return ent


def unit(session: Session, region: str = TIANHE, object_class: str = "general", **fields: object) -> InspectionObject:
    """A discharge unit of a new enterprise, with its class in force set directly."""
    ent = enterprise(session, region, **fields)
    obj = InspectionObject(kind=ObjectKind.DISCHARGE_UNIT, enterprise_id=ent.id, enterprise_code=ent.credit_code,
                           enterprise_name=ent.name, region_code=region, computed_class=object_class,
                           object_class=object_class, class_reasons=[])
    session.add(obj)
    session.flush()
    return obj


def officer(session: Session, region: str = TIANHE, username: str | None = None) -> Officer:
    n = next(_numbers)
    person = Officer(name=f"执法员{n}", certificate_number=f"44{n:08d}", unit=f"{region}执法大队",
                     region_code=region, username=username)
    session.add(person)
    session.flush()
    return person


def item(session: Session) -> InspectionItem:
    n = next(_numbers)
    entry = InspectionItem(code=f"T{n}", name="排污许可执行情况", legal_basis="《排污许可管理条例》第三十四条",
                           checklist=["持证排污", "按证排污"])
    session.add(entry)
    session.flush()
    return entry


def plan_input(region: str = TIANHE, item_ids: tuple[int, ...] = (), kind: str = "regular",
               period: tuple[date, date] = Q4, quotas: dict[str, object] | None = None) -> plans.PlanInput:
    return plans.PlanInput(title=f"{region} 双随机抽查计划", kind=kind, body_region_code=region,
                           period_start=period[0], period_end=period[1], inspect_from=period[0],
                           inspect_to=period[1], item_ids=item_ids, quotas=quotas)


def county_world(session: Session, *, special: int = 4, key: int = 20, general: int = 16,
                 officers: int = 6) -> tuple[list[InspectionObject], list[Officer], InspectionItem]:
    objects = ([unit(session, object_class="special") for _ in range(special)]
               + [unit(session, object_class="key") for _ in range(key)]
               + [unit(session, object_class="general") for _ in range(general)])
    people = [officer(session, username=f"officer-{next(_numbers)}") for _ in range(officers)]
    return objects, people, item(session)


