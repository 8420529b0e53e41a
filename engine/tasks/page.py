"""Everything a task page shows, its draft (暂存) and its submission, behind one call each.

The page puts the case first (enterprise, monitoring point, factor, period, the
values around the anomaly with the limit, earlier anomalies of the point), then
the form, the operations the model allows and the earlier opinions in order.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.audit import trail as audit
from engine.db import utcnow
from engine.evidence import library as evidence
from engine.evidence.models import Attachment
from engine.identity.local_users import actor_of
from engine.identity.models import LocalUser
from engine.monitoring import registry, store
from engine.monitoring.codes import HOURLY
from engine.monitoring.models import PointFactor
from engine.scoping import can_see_instance, can_work, instance_clause
from engine.tasks import actions as tasks
from engine.tasks import operations
from engine.tasks.actions import TaskDetail
from engine.tasks.models import TaskDraft
from engine.workflow.forms import FormDefinition
from engine.workflow.models import HumanTask, ProcessInstance, TaskNote, TaskStatus
from engine.tasks import people as task_people
from engine.tasks import returned as returned_steps
from engine.tasks import step_view

log = logging.getLogger(__name__)

MAX_DRAFT_VALUE = 5000
MAX_EARLIER = 10
MAX_POINTS = 2000
SERIES_BEFORE = timedelta(hours=24)
SERIES_AFTER = timedelta(hours=12)


@dataclass(frozen=True)
class Series:
    """Measured values around an anomaly, for the chart: ``points`` are (ISO time, value)."""

    points: list[tuple[str, float]]
    limit: float | None
    unit: str
    factor: str
    anomaly_at: str | None
    anomaly_until: str | None = None


@dataclass(frozen=True)
class EarlierCase:
    instance_id: int
    subject: str
    kind: str | None
    status: str
    started_at: datetime


@dataclass(frozen=True)
class Operations:
    """What the actor may do here besides submitting the form."""

    return_targets: list[tuple[str, str]]  # (step, title) it may be returned to
    transfer: bool
    delegate: bool
    answer_delegation: bool
    copy: bool
    urge: bool
    withdraw: bool
    claim: bool
    unclaim: bool


@dataclass(frozen=True)
class TaskPage:
    detail: TaskDetail
    enterprise_name: str
    series: Series | None
    earlier: list[EarlierCase]
    operations: Operations
    notes: list[TaskNote]
    library: list[Attachment]
    draft: dict[str, Any] | None
    draft_saved_at: datetime | None
    returned: returned_steps.ReturnNotice | None  # why this open step came back (退回), shown first
    prefill: dict[str, Any] | None  # what the form starts with: the draft, else the submission that came back
    people: task_people.Candidates  # whom transfer / delegate / copy may name
    history: list[HumanTask]  # completed and returned steps, oldest first
    forms: dict[str, FormDefinition]  # the form of each step in the history, to label what was submitted
    evidence: dict[str, list[Attachment]]  # attachments per step in the history


def task_page(session: Session, actor: Actor, task_id: str) -> TaskPage:
    """:raises TaskNotFound: outside the actor's scope (steps of a case the actor may open are readable)."""
    detail = step_view.step_detail(session, actor, task_id)
    task, context = detail.task, detail.context
    draft = _draft(session, actor, task) if detail.workable else None
    returned = returned_steps.returned_from(session, task)
    again = returned_steps.prefill(returned, [f["name"] for f in detail.form.fields]) if detail.workable else None
    history = list(session.scalars(select(HumanTask).where(
        HumanTask.instance_id == task.instance_id,
        HumanTask.status.in_([TaskStatus.COMPLETED, TaskStatus.RETURNED])).order_by(HumanTask.completed_at)))
    return TaskPage(
        detail=detail,
        enterprise_name=enterprise_name(session, detail.instance, context),
        series=series_of(context, session),
        earlier=_earlier(session, actor, task),
        operations=_operations(session, actor, task, detail.workable),
        notes=operations.notes_of(session, actor, task_id),
        library=evidence.library(session, actor) if detail.workable else [],
        draft=draft.data if draft else None,
        draft_saved_at=draft.saved_at if draft else None,
        returned=returned,
        prefill=draft.data if draft else again,
        people=task_people.candidates(session, actor, task),
        history=history,
        forms={t.form_key: tasks.task_form(session, t) for t in history if t.form_key},
        evidence={t.id: evidence.task_attachments(session, t.id) for t in history},
    )


def enterprise_name(session: Session, instance: ProcessInstance, context: dict[str, Any]) -> str:
    """The name from the start data, else the enterprise account's display name, else blank."""
    name = context.get("enterprise_name")
    if isinstance(name, str) and name:
        return name
    if instance.enterprise_code is None:
        return ""
    found = session.scalar(select(LocalUser.display_name).where(
        LocalUser.enterprise_code == instance.enterprise_code).order_by(LocalUser.id).limit(1))
    return found or ""


def series_of(context: dict[str, Any], session: Session | None = None) -> Series | None:
    """The values around the anomaly with the limit line.

    Measured hourly values of the point (``engine.monitoring``) from a day before the
    anomaly's period to half a day after it when they are stored; otherwise the values
    carried in the start data (``values``: [{"t", "v"}, …] or [[time, value], …]).
    """
    limit = _limit(context)
    factor = str(context.get("factor") or "")
    anomaly_at = _period_start(context)
    measured = _measured(session, context, factor, anomaly_at) if session is not None else None
    if measured:
        points, stored_limit = measured
        return Series(points, limit if limit is not None else stored_limit, str(context.get("unit") or ""), factor,
                      anomaly_at, _period_end(context))
    points = _carried(context.get("values") or context.get("series"))
    if not points:
        return None
    return Series(points, limit, str(context.get("unit") or ""), factor, anomaly_at or points[0][0],
                  _period_end(context))


def _carried(raw: Any) -> list[tuple[str, float]]:
    points: list[tuple[str, float]] = []
    for item in (raw if isinstance(raw, list) else [])[:MAX_POINTS]:
        pair: tuple[Any, Any]
        if isinstance(item, dict):
            pair = (item.get("t"), item.get("v"))
        elif isinstance(item, (list, tuple)) and len(item) >= 2:
            pair = (item[0], item[1])
        else:
            continue
        if isinstance(pair[0], str) and _number(pair[1]):
            points.append((pair[0], float(pair[1])))
    return points


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _limit(context: dict[str, Any]) -> float | None:
    params: dict[str, Any] = context["params"] if isinstance(context.get("params"), dict) else {}
    value: Any
    for value in (context.get("limit"), params.get("upper_limit")):
        if _number(value):
            return float(value)
    return None


def _period_start(context: dict[str, Any]) -> str | None:
    period = context.get("period")
    if not isinstance(period, str) or not period:
        return None
    start = period.split("/")[0]
    try:
        return datetime.fromisoformat(start).astimezone(timezone.utc).isoformat()
    except ValueError:
        return None


def _period_end(context: dict[str, Any]) -> str | None:
    """The end of an ``start/end`` or ``start/PTnH`` period, as UTC ISO text."""
    period = context.get("period")
    start = _period_start(context)
    if not isinstance(period, str) or start is None or "/" not in period:
        return None
    end = period.split("/", 1)[1]
    try:
        if end.upper().startswith("PT") and end[-1:].upper() in ("H", "M") and end[2:-1].isdigit():
            unit = "hours" if end[-1:].upper() == "H" else "minutes"
            return (datetime.fromisoformat(start) + timedelta(**{unit: int(end[2:-1])})).isoformat()
        return datetime.fromisoformat(end).astimezone(timezone.utc).isoformat()
    except ValueError:
        return None


def _measured(session: Session, context: dict[str, Any], factor: str,
              anomaly_at: str | None) -> tuple[list[tuple[str, float]], float | None] | None:
    """Hourly values of the factor at the point around the anomaly, from the monitoring store."""
    mn = context.get("point_mn")
    if not isinstance(mn, str) or not factor or anomaly_at is None:
        return None
    point = registry.point_by_mn(session, mn)
    if point is None:
        return None
    at = datetime.fromisoformat(anomaly_at)
    stored = store.series(session, HOURLY, {point.id: (at - SERIES_BEFORE, at + SERIES_AFTER)}).get(point.id, {})
    points = []
    for moment, factors in sorted(stored.items()):
        values = factors.get(factor) if isinstance(factors, dict) else None
        value = _reading(values)
        if value is not None:
            points.append((moment.astimezone(timezone.utc).isoformat(), value))
    limit = session.scalar(select(PointFactor.upper_limit).where(PointFactor.point_id == point.id,
                                                                 PointFactor.code == factor))
    return (points, limit) if points else None


def _reading(values: Any) -> float | None:
    if not isinstance(values, dict):
        return None
    for key in ("zsavg", "avg", "zsrtd", "rtd"):
        if _number(values.get(key)):
            return float(values[key])
    return None


def _earlier(session: Session, actor: Actor, task: HumanTask) -> list[EarlierCase]:
    """Other cases of the same monitoring point that the actor may see, newest first."""
    if not task.point:
        return []
    same_point = select(HumanTask.instance_id).where(HumanTask.point == task.point,
                                                     HumanTask.instance_id != task.instance_id).distinct()
    rows = session.execute(
        select(ProcessInstance, HumanTask.kind).join(HumanTask, HumanTask.instance_id == ProcessInstance.id)
        .where(ProcessInstance.id.in_(same_point),
               instance_clause(actor, ProcessInstance.region_code, ProcessInstance.enterprise_code,
                               ProcessInstance.process_key))
        .order_by(ProcessInstance.started_at.desc()).limit(MAX_EARLIER * 4)
    ).all()
    seen: dict[int, EarlierCase] = {}
    for instance, kind in rows:
        if instance.id not in seen and len(seen) < MAX_EARLIER:
            seen[instance.id] = EarlierCase(instance.id, instance.subject, kind, instance.status, instance.started_at)
    return list(seen.values())


def _operations(session: Session, actor: Actor, task: HumanTask, workable: bool) -> Operations:
    allowed = operations.allowed_operations(session, task)
    ready = task.status == TaskStatus.READY
    sees_instance = can_see_instance(actor, task.region_code, task.enterprise_code, task.process_key)
    reviewer = bool(actor.roles - {Role.ENTERPRISE, Role.TAX_CLIENT})
    return Operations(
        return_targets=_return_targets(session, task) if workable and "return" in allowed else [],
        transfer=workable and "transfer" in allowed,
        delegate=workable and "delegate" in allowed,
        answer_delegation=ready and task.delegated_to == actor.username,
        copy=reviewer and sees_instance,
        urge=ready and reviewer and sees_instance and not tasks.may_work(actor, task),
        withdraw=task.status == TaskStatus.COMPLETED and task.completed_by == actor.username and "withdraw" in allowed,
        claim=workable and task.claimed_by is None and task.role != Role.ENTERPRISE.value,
        unclaim=ready and task.claimed_by is not None and (task.claimed_by == actor.username or actor.is_admin),
    )


def _return_targets(session: Session, task: HumanTask) -> list[tuple[str, str]]:
    spec = tasks.compiled_of(session, task).spec.task_specs[task.spec_name]
    named = [t for t in spec.extensions.get("properties", {}).get("returnTargets", "").split(",") if t.strip()]
    done = dict(session.execute(select(HumanTask.spec_name, HumanTask.title).where(
        HumanTask.instance_id == task.instance_id, HumanTask.status == TaskStatus.COMPLETED)).all())
    candidates = named or [name for name in done if name != task.spec_name]
    return [(name.strip(), done[name.strip()]) for name in candidates if name.strip() in done]


def _draft(session: Session, actor: Actor, task: HumanTask) -> TaskDraft | None:
    return session.scalars(select(TaskDraft).where(TaskDraft.task_id == task.id,
                                                   TaskDraft.username == actor.username)).one_or_none()


def as_posted(data: dict[str, Any] | None) -> dict[str, list[str]]:
    """Stored values (a draft, a submission) in the shape of posted form values, to fill a form again."""
    posted: dict[str, list[str]] = {}
    for name, value in (data or {}).items():
        if isinstance(value, bool):
            posted[name] = ["on"] if value else []
        elif isinstance(value, list):
            posted[name] = [str(v) for v in value]
        elif value is not None:
            posted[name] = [str(value)]
    return posted


def form_values(definition: FormDefinition, posted: dict[str, list[str]]) -> dict[str, Any]:
    """Posted HTML form values (name → list of strings) as the data the form definition validates.

    Only declared fields are kept; empty inputs are left out so that 'required' rules speak.
    """
    data: dict[str, Any] = {}
    for field in definition.fields:
        name, kind = field["name"], field["type"]
        values = [v.strip() for v in posted.get(name, []) if isinstance(v, str)]
        if kind == "attachments":
            chosen = [int(v) if v.isdigit() else v for v in values if v]
            if chosen:
                data[name] = list(dict.fromkeys(chosen))
        elif kind == "boolean":
            data[name] = bool(values) and values[-1] in ("on", "true", "1")
        elif values and values[-1]:
            data[name] = values[-1]
    return data


def save_draft(session: Session, actor: Actor, task_id: str, posted: dict[str, list[str]]) -> TaskDraft:
    """暂存: keep what the actor typed for a step it works, without checking required fields.

    :raises TaskNotFound: / :raises NotAllowed: / :raises Conflict: as for completing the task.
    """
    task = tasks.workable(session, actor, task_id)
    form = tasks.task_form(session, task)
    values = {k: (v[:MAX_DRAFT_VALUE] if isinstance(v, str) else v) for k, v in form_values(form, posted).items()}
    draft = _draft(session, actor, task)
    if draft is None:
        draft = TaskDraft(task_id=task.id, username=actor.username, data=values)
        session.add(draft)
    else:
        draft.data, draft.saved_at = values, utcnow()
    session.flush()
    audit.record(session, actor, "task.draft", instance_id=task.instance_id, task_id=task.id,
                 payload={"fields": sorted(values)})
    return draft


def submit(session: Session, actor: Actor, task_id: str, posted: dict[str, list[str]]) -> HumanTask:
    """Complete a step from posted form values and drop the drafts kept for it.

    :raises InvalidForm: naming each field that is wrong (the caller shows the input again).
    """
    task = tasks.workable(session, actor, task_id)
    form = tasks.task_form(session, task)
    data = form_values(form, posted)
    done = tasks.complete(session, actor, task_id, data)
    session.execute(delete(TaskDraft).where(TaskDraft.task_id == done.id))
    session.flush()
    return done
