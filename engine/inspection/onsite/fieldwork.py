"""The officers' side: my inspections, the on-site sheet (the plan's checklist), recording and confirming it.

Reads of a unit go through :func:`engine.inspection.assignments.assignment_for`, which applies the drawn
list's confidentiality and audits every read. Photos taken on the phone are stored in the officer's
evidence library (:mod:`engine.evidence.library`) and linked to the step that recorded them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.errors import InvalidForm, NotFound
from engine.evidence import library as evidence
from engine.evidence.filestore import FileStore
from engine.inspection.assignments import AssignmentView, assignment_for, assignments_for_officer
from engine.inspection.models import InspectionItem
from engine.inspection.onsite.models import InspectionCase, UnitStatus
from engine.inspection.onsite.process import local_date_today
from engine.instances.casework import field_messages, ready_step
from engine.tasks import actions as tasks
from engine.workflow.models import HumanTask

RESULTS = ("ok", "problem", "na")
MAX_PHOTOS = 20
FINDINGS_MAX = 4000  # the step form's findings field (workflows/bpmn/forms/inspection_onsite.json)


@dataclass(frozen=True)
class CaseView:
    """An inspection as its officers see it: the confidential assignment, the case and the step open to them."""

    view: AssignmentView
    case: InspectionCase
    open_step: HumanTask | None  # the ready step the actor may work now (record, confirm, follow up), if any


def my_inspections(session: Session, actor: Actor) -> list[CaseView]:
    """The actor's own dispatched inspections (as an officer of the pair), planned date first."""
    views = {v.assignment.id: v for v in assignments_for_officer(session, actor)}
    cases = session.scalars(select(InspectionCase).where(InspectionCase.assignment_id.in_(sorted(views)))
                            .order_by(InspectionCase.planned_date, InspectionCase.id)).all() if views else []
    return [CaseView(views[c.assignment_id], c, _open_step(session, actor, c)) for c in cases]


def case_view(session: Session, actor: Actor, case_id: int) -> CaseView:
    """One inspection, if the confidentiality rule lets the actor read its assignment.

    :raises NotFound: unknown, or not (yet) visible to the actor.
    """
    case = session.get(InspectionCase, case_id)
    if case is None:
        raise NotFound(f"inspection {case_id} not found")
    return CaseView(assignment_for(session, actor, case.assignment_id, local_date_today()), case,
                    _open_step(session, actor, case))


def _open_step(session: Session, actor: Actor, case: InspectionCase) -> HumanTask | None:
    for step in ("onsite_record", "onsite_confirm", "follow_up"):
        task = ready_step(session, case.instance_id, step)
        if task is not None and task.assignee == actor.username:
            return task
    return None


def checklist_points(items: Sequence[InspectionItem]) -> list[dict[str, Any]]:
    """Every checklist point of the plan's items, in order: the rows of the on-site sheet."""
    return [{"item": item.code, "item_name": item.name, "point": index, "text": text}
            for item in items for index, text in enumerate(item.checklist or [item.name])]


class _Answer(Schema):
    class Meta:
        unknown = RAISE

    item = fields.String(required=True, validate=validate.Length(min=1, max=20))
    point = fields.Integer(required=True, validate=validate.Range(min=0, max=200))
    result = fields.String(required=True, validate=validate.OneOf(RESULTS))
    note = fields.String(load_default="", validate=validate.Length(max=1000))


class OnsiteRecord(Schema):
    """What the lead officer submits from the phone (the checklist besides the step's form fields)."""

    class Meta:
        unknown = RAISE

    unit_status = fields.String(required=True, validate=validate.OneOf([s.value for s in UnitStatus]))
    findings = fields.String(required=True, validate=validate.Length(min=1, max=FINDINGS_MAX))
    checklist = fields.List(fields.Nested(_Answer), load_default=list)
    photos = fields.List(fields.Integer(strict=True), load_default=list, validate=validate.Length(max=MAX_PHOTOS))


def record_onsite(session: Session, store: FileStore | None, actor: Actor, case_id: int, submitted: dict[str, Any],
                  photos: Sequence[tuple[IO[bytes], str]] = ()) -> InspectionCase:
    """The lead officer records the inspection: checklist, findings, photos (new files or library ids).

    :param store: the evidence store the new photo files go to (None when there are none).

    :raises NotFound: the inspection is not visible to the actor.
    :raises InvalidForm: naming the field (an unanswered checklist point, a bad photo, a missing finding).
    :raises NotAllowed: / :raises Conflict: when the record step is not the actor's or not open.
    """
    current = case_view(session, actor, case_id)
    task = ready_step(session, current.case.instance_id, "onsite_record")
    if task is None or task.assignee != actor.username:
        raise NotFound(f"inspection {case_id} has no on-site record open for {actor.username}")
    try:
        record: dict[str, Any] = OnsiteRecord().load(submitted)
    except ValidationError as exc:
        raise InvalidForm("现场检查记录有误 (invalid record)", fields=field_messages(exc.messages)) from None
    current.case.checklist = _answered(checklist_points(current.view.items), record)
    stored = _stored_photos(session, store, actor, photos)
    problem = any(entry["result"] == "problem" for entry in current.case.checklist)
    tasks.complete(session, actor, task.id, {
        "unit_status": record["unit_status"], "findings": with_checklist(record["findings"], current.case.checklist),
        "problem_found": problem, "photos": record["photos"] + stored})
    return current.case


def with_checklist(findings: str, checklist: list[dict[str, Any]]) -> str:
    """The findings followed by the checklist's problems, so the step's record (what the section head reads on
    the task page and the case keeps) shows them: ``检查清单：3 项符合，1 项存在问题：持证排污（超许可排放量）``."""
    answered = [e for e in checklist if e["result"] != "na"]
    if not answered:
        return findings
    problems = [e["text"] + (f"（{e['note']}）" if e["note"] else "") for e in answered if e["result"] == "problem"]
    summary = f"检查清单：{len(answered) - len(problems)} 项符合，{len(problems)} 项存在问题"
    text = f"{findings}\n{summary}" + (f"：{'；'.join(problems)}" if problems else "")
    return text if len(text) <= FINDINGS_MAX else text[:FINDINGS_MAX - 1] + "…"


def _stored_photos(session: Session, store: FileStore | None, actor: Actor,
                   photos: Sequence[tuple[IO[bytes], str]]) -> list[int]:
    if not photos:
        return []
    if store is None:
        raise ValueError("photo files need the evidence store")
    return [evidence.upload(session, store, actor, stream, name).id for stream, name in photos[:MAX_PHOTOS]]


def _answered(points: list[dict[str, Any]], record: dict[str, Any]) -> list[dict[str, Any]]:
    """The sheet with the officer's answers; an operating unit must have every point answered."""
    answers = {(a["item"], a["point"]): a for a in record["checklist"]}
    unknown = sorted(f"{item}-{point}" for item, point in answers.keys() - {(p["item"], p["point"]) for p in points})
    if unknown:
        raise InvalidForm("检查清单中有不属于本计划的检查要点", fields={"checklist": [", ".join(unknown)]})
    if record["unit_status"] != UnitStatus.OPERATING:
        return [{**p, "result": "na", "note": ""} for p in points]
    missing = {f"c-{p['item']}-{p['point']}": ["请选择检查结果"] for p in points
               if (p["item"], p["point"]) not in answers}
    if missing:
        raise InvalidForm("检查清单尚未逐项填写 (unanswered checklist points)", fields=missing)
    return [{**p, "result": answers[(p["item"], p["point"])]["result"],
             "note": answers[(p["item"], p["point"])]["note"]} for p in points]
