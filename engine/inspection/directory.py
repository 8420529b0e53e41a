"""The directories' entries: discharge units taken from the register, projects, officers and their links,
inspection items — each write checked against the actor's region and audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.audit import trail as audit
from engine.db import utcnow
from engine.errors import InvalidInput, NotFound
from engine.inspection.access import managed_clause, manages, require_manager
from engine.inspection.models import (
    InspectionItem,
    InspectionObject,
    ObjectKind,
    Officer,
    OfficerLink,
    OfficerStatus,
)
from engine.monitoring.models import Enterprise
from engine.regions import region_tree
from engine.scoping import require_admin


def sync_units(session: Session, actor: Actor) -> dict[str, int]:
    """Bring the discharge units in line with the register: add new enterprises, follow renames and moves,
    deactivate closed ones (their history stays). Administrators only; audited with the counts."""
    require_admin(actor, "只有管理员可以从企业名录同步检查对象 (only administrators sync the directory)")
    units = {o.enterprise_code: o for o in session.scalars(
        select(InspectionObject).where(InspectionObject.kind == ObjectKind.DISCHARGE_UNIT))}
    added = changed = 0
    for ent in session.scalars(select(Enterprise)):
        active = ent.status != "closed"
        obj = units.get(ent.credit_code)
        if obj is None:
            if active:
                session.add(InspectionObject(kind=ObjectKind.DISCHARGE_UNIT, enterprise_id=ent.id,
                                             enterprise_code=ent.credit_code, enterprise_name=ent.name,
                                             region_code=ent.region_code, class_reasons=[]))
                added += 1
        elif (obj.enterprise_name, obj.region_code, obj.active) != (ent.name, ent.region_code, active):
            obj.enterprise_name, obj.region_code, obj.active, obj.updated_at = ent.name, ent.region_code, active, utcnow()
            changed += 1
    session.flush()
    result = {"added": added, "changed": changed}
    audit.record(session, actor, "inspection.directory_sync", payload=result)
    return result


@dataclass(frozen=True)
class ProjectInput:
    kind: str
    project_name: str
    enterprise_code: str
    approval_number: str
    approval_date: date | None
    region_code: str


def add_project(session: Session, actor: Actor, data: ProjectInput) -> InspectionObject:
    """An EIA-approval or completion-acceptance project of a register enterprise.

    :raises InvalidInput: naming the field.  :raises NotAllowed: region outside the actor's scope.
    """
    if data.kind not in (ObjectKind.EIA_PROJECT, ObjectKind.ACCEPTANCE_PROJECT):
        raise InvalidInput("项目类型有误 (project kind)", fields={"kind": ["须为 eia_project 或 acceptance_project"]})
    if not data.project_name.strip() or not data.approval_number.strip():
        raise InvalidInput("请填写项目名称和批复文号", fields={"project_name": ["此项为必填项"],
                                                               "approval_number": ["此项为必填项"]})
    if not region_tree().is_valid_guangdong_code(data.region_code):
        raise InvalidInput("行政区划代码有误", fields={"region_code": ["须为广东省行政区划代码"]})
    require_manager(actor, data.region_code, "在该行政区划登记项目")
    ent = session.scalars(select(Enterprise).where(Enterprise.credit_code == data.enterprise_code)).first()
    if ent is None:
        raise InvalidInput("企业不在名录中 (unknown enterprise)", fields={"enterprise_code": ["企业名录中无此统一社会信用代码"]})
    obj = InspectionObject(kind=data.kind, enterprise_id=ent.id, enterprise_code=ent.credit_code,
                           enterprise_name=ent.name, project_name=data.project_name.strip(),
                           approval_number=data.approval_number.strip(), approval_date=data.approval_date,
                           region_code=data.region_code, class_reasons=[])
    session.add(obj)
    session.flush()
    audit.record(session, actor, "inspection.project_add", payload={
        "key": obj.id, "kind": obj.kind, "name": obj.project_name, "reference_no": obj.approval_number,
        "credit_code": obj.enterprise_code})
    return obj


def objects_in_scope(session: Session, actor: Actor, *, object_class: str | None = None,
                     query: str = "", limit: int = 200) -> list[InspectionObject]:
    """Directory entries of the actor's region (reviewers, administrators), filtered by class and text."""
    statement = (select(InspectionObject).where(managed_clause(actor, InspectionObject.region_code))
                 .order_by(InspectionObject.region_code, InspectionObject.id).limit(limit))
    if object_class:
        statement = statement.where(InspectionObject.object_class == object_class)
    if query:
        like = f"%{query}%"
        statement = statement.where(InspectionObject.enterprise_name.like(like)
                                    | InspectionObject.project_name.like(like)
                                    | (InspectionObject.enterprise_code == query))
    return list(session.scalars(statement))


@dataclass(frozen=True)
class OfficerInput:
    name: str
    certificate_number: str
    unit: str
    region_code: str
    status: str = OfficerStatus.ACTIVE
    username: str | None = None


def save_officer(session: Session, actor: Actor, data: OfficerInput) -> Officer:
    """Add an officer or update the one with the same certificate number (audited with before/after).

    :raises InvalidInput: naming the field.  :raises NotAllowed: region outside the actor's scope.
    """
    problems = officer_problems(data)
    if problems:
        raise InvalidInput("执法人员信息有误 (invalid officer)", fields=problems)
    require_manager(actor, data.region_code, "维护该辖区的执法人员")
    officer = session.scalars(select(Officer).where(Officer.certificate_number == data.certificate_number)).first()
    before = _officer_record(officer) if officer else None
    if officer is None:
        officer = Officer(certificate_number=data.certificate_number)
        session.add(officer)
    elif not manages(actor, officer.region_code):
        raise NotFound("执法人员不存在 (no such officer)")
    officer.name, officer.unit, officer.region_code = data.name.strip(), data.unit.strip(), data.region_code
    officer.status, officer.username, officer.updated_at = data.status, data.username or None, utcnow()
    session.flush()
    audit.record(session, actor, "inspection.officer_save",
                 payload={"key": officer.id, "before": before, "after": _officer_record(officer)})
    return officer


def officer_problems(data: OfficerInput) -> dict[str, list[str]]:
    """Field → messages for an officer row (shared by the form and the import)."""
    problems: dict[str, list[str]] = {}
    if not data.name.strip():
        problems["name"] = ["此项为必填项 (required)"]
    if not data.certificate_number.strip() or len(data.certificate_number) > 30:
        problems["certificate_number"] = ["执法证号必填，不超过 30 位"]
    if not data.unit.strip():
        problems["unit"] = ["此项为必填项 (required)"]
    if not region_tree().is_valid_guangdong_code(data.region_code):
        problems["region_code"] = ["须为广东省行政区划代码"]
    if data.status not in set(OfficerStatus):
        problems["status"] = ["须为 active、suspended 或 retired"]
    return problems


def _officer_record(officer: Officer) -> dict[str, str | None]:
    return {"name": officer.name, "unit": officer.unit, "region_code": officer.region_code,
            "status": officer.status, "username": officer.username}


def officers_in_scope(session: Session, actor: Actor) -> list[Officer]:
    return list(session.scalars(select(Officer).where(managed_clause(actor, Officer.region_code))
                                .order_by(Officer.region_code, Officer.name)))


def link_officer(session: Session, actor: Actor, officer_id: int, enterprise_code: str, reason: str) -> OfficerLink:
    """Record that an officer is linked to an enterprise (回避): the draw never pairs them.

    :raises NotFound: officer outside the actor's scope.  :raises InvalidInput: no reason.
    """
    officer = session.get(Officer, officer_id)
    if officer is None or not manages(actor, officer.region_code):
        raise NotFound(f"执法人员 {officer_id} 不存在 (no such officer)")
    if not reason.strip():
        raise InvalidInput("请填写回避原因 (reason required)", fields={"reason": ["此项为必填项"]})
    link = session.scalars(select(OfficerLink).where(OfficerLink.officer_id == officer.id,
                                                     OfficerLink.enterprise_code == enterprise_code)).first()
    if link is None:
        link = OfficerLink(officer_id=officer.id, enterprise_code=enterprise_code, created_by=actor.username)
        session.add(link)
    link.reason = reason.strip()
    session.flush()
    audit.record(session, actor, "inspection.officer_link",
                 payload={"key": officer.id, "credit_code": enterprise_code, "reason": link.reason})
    return link


@dataclass(frozen=True)
class ItemInput:
    code: str
    name: str
    legal_basis: str
    checklist: tuple[str, ...]
    object_kinds: tuple[str, ...] = ()
    active: bool = True


def item_problems(data: ItemInput) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if not data.code.strip() or len(data.code) > 20:
        problems["code"] = ["事项编码必填，不超过 20 位"]
    if not data.name.strip():
        problems["name"] = ["此项为必填项 (required)"]
    if not data.legal_basis.strip():
        problems["legal_basis"] = ["请写明法律依据"]
    if not [p for p in data.checklist if p.strip()]:
        problems["checklist"] = ["至少一条检查要点"]
    unknown = [k for k in data.object_kinds if k not in set(ObjectKind)]
    if unknown:
        problems["object_kinds"] = [f"未知的对象类型：{', '.join(unknown)}"]
    return problems


def save_item(session: Session, actor: Actor, data: ItemInput) -> InspectionItem:
    """Add or update (by code) an entry of the item list; province reviewers and administrators (audited).

    :raises InvalidInput:  :raises NotAllowed:
    """
    problems = item_problems(data)
    if problems:
        raise InvalidInput("抽查事项有误 (invalid item)", fields=problems)
    require_manager(actor, "440000", "维护抽查事项清单")
    item = session.scalars(select(InspectionItem).where(InspectionItem.code == data.code.strip())).first()
    if item is None:
        item = InspectionItem(code=data.code.strip())
        session.add(item)
    item.name, item.legal_basis = data.name.strip(), data.legal_basis.strip()
    item.checklist = [p.strip() for p in data.checklist if p.strip()]
    item.object_kinds, item.active, item.updated_at = list(data.object_kinds), data.active, utcnow()
    session.flush()
    audit.record(session, actor, "inspection.item_save", payload={"key": item.code, "name": item.name})
    return item


def items(session: Session, *, active_only: bool = False) -> list[InspectionItem]:
    statement = select(InspectionItem).order_by(InspectionItem.code)
    if active_only:
        statement = statement.where(InspectionItem.active.is_(True))
    return list(session.scalars(statement))
