"""The instance page (diagram with the path taken, and the audit timeline) and the instance search.

The path comes from the workflow's task tree: every completed BPMN element is
*finished*, every ready user step is *current*, and each pair of a completed or
ready element and the element before it names a sequence flow that was *taken*.
Steps done before a return (驳回) are still marked finished from the task index.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.audit import log as audit_log
from engine.audit.models import AuditEvent
from engine.evidence.models import Attachment, TaskAttachment
from engine.identity.models import LocalUser, UserPreference
from engine.instances import service as instances
from engine.scoping import instance_clause
from engine.tasks.actions import may_work
from engine.tasks.page import enterprise_name
from engine.tasks.step_view import may_read
from engine.tasks.worklist import outcome_labels
from engine.workflow.models import HumanTask, ProcessInstance, ProcessModel, TaskStatus
from engine.workflow.paths import Path, path_of

log = logging.getLogger(__name__)

HIDDEN_ACTIONS = frozenset({"task.draft"})
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class InstancePage:
    instance: ProcessInstance
    model_name: str
    bpmn_xml: str
    tasks: list[HumanTask]
    events: list[AuditEvent]
    path: Path
    evidence: dict[str, list[Attachment]]
    step_titles: dict[str, str]
    names: dict[str, str]
    context: dict[str, Any]
    enterprise_name: str
    urgeable: frozenset[str]  # ready steps the viewer may urge (催办)
    openable: frozenset[str]  # steps the viewer may read (the officers' steps of an inspection stay closed to the enterprise)
    step_forms: dict[str, str]  # step (spec name) → form key
    outcomes: dict[str, dict[str, dict[str, str]]]  # form key → outcome value → label by language


def instance_page(session: Session, actor: Actor, instance_id: int) -> InstancePage:
    """:raises InstanceNotFound: outside the actor's scope."""
    row = instances.get(session, actor, instance_id)
    model = session.get(ProcessModel, row.model_id)
    assert model is not None
    steps = list(session.scalars(select(HumanTask).where(HumanTask.instance_id == row.id)
                                 .order_by(HumanTask.created_at)))
    events = [e for e in session.scalars(select(AuditEvent).where(AuditEvent.instance_id == row.id)
                                         .order_by(AuditEvent.seq)) if e.action not in HIDDEN_ACTIONS]
    context = audit_log.start_data(session, row.id)
    return InstancePage(
        instance=row, model_name=model.name, bpmn_xml=model.bpmn_xml, tasks=steps, events=events,
        path=path_of(session, row, model, steps), evidence=_evidence(session, [t.id for t in steps]),
        step_titles={t.spec_name: t.title for t in steps}, names=display_names(session, {e.actor for e in events}),
        context=context, enterprise_name=enterprise_name(session, row, context),
        urgeable=frozenset(t.id for t in steps if t.status == TaskStatus.READY and _may_urge(actor, t)),
        openable=frozenset(t.id for t in steps if may_read(actor, t)),
        step_forms={t.spec_name: t.form_key for t in steps}, outcomes=outcome_labels(session),
    )


def _may_urge(actor: Actor, task: HumanTask) -> bool:
    reviewer = bool(actor.roles - {Role.ENTERPRISE, Role.TAX_CLIENT})
    return reviewer and not may_work(actor, task)


def _evidence(session: Session, task_ids: list[str]) -> dict[str, list[Attachment]]:
    found: dict[str, list[Attachment]] = {}
    if not task_ids:
        return found
    rows = session.execute(select(TaskAttachment.task_id, Attachment)
                           .join(Attachment, Attachment.id == TaskAttachment.attachment_id)
                           .where(TaskAttachment.task_id.in_(task_ids)).order_by(TaskAttachment.id)).all()
    for task_id, attachment in rows:
        found.setdefault(task_id, []).append(attachment)
    return found


def display_names(session: Session, usernames: set[str]) -> dict[str, str]:
    """Display names of local accounts and of directory accounts that have logged in (others show as their login)."""
    wanted = [u for u in usernames if u]
    if not wanted:
        return {}
    rows = session.execute(select(LocalUser.username, LocalUser.display_name)
                           .where(LocalUser.username.in_(wanted))).all()
    found = {username: name for username, name in rows if name}
    others = [u for u in wanted if u not in found]  # directory accounts: the name of their last log-in
    if others:
        found.update({username: name for username, name in session.execute(
            select(UserPreference.username, UserPreference.display_name)
            .where(UserPreference.username.in_(others))).all() if name})
    return found


@dataclass(frozen=True)
class InstanceFilter:
    status: str | None = None
    process_key: str | None = None
    region_code: str | None = None
    text: str | None = None  # subject, business key or credit code
    page: int = 1
    per_page: int = 30


@dataclass(frozen=True)
class InstanceRow:
    instance: ProcessInstance
    current: list[str]


@dataclass(frozen=True)
class InstanceList:
    rows: list[InstanceRow]
    total: int
    page: int
    per_page: int
    processes: list[tuple[str, str]]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def search(session: Session, actor: Actor, query: InstanceFilter) -> InstanceList:
    """事项查询: the instances the actor may see, newest first, with their current steps."""
    conditions: list[Any] = [instance_clause(actor, ProcessInstance.region_code, ProcessInstance.enterprise_code,
                                             ProcessInstance.process_key)]
    if query.status:
        conditions.append(ProcessInstance.status == query.status)
    if query.process_key:
        conditions.append(ProcessInstance.process_key == query.process_key)
    if query.region_code:
        prefix = query.region_code[:2] if query.region_code.endswith("0000") else (
            query.region_code[:4] if query.region_code.endswith("00") else query.region_code)
        conditions.append(ProcessInstance.region_code.startswith(prefix, autoescape=True))
    if query.text:
        text = query.text.strip()
        conditions.append(or_(ProcessInstance.subject.contains(text, autoescape=True),
                              ProcessInstance.business_key == text, ProcessInstance.enterprise_code == text.upper()))
    per_page = max(5, min(query.per_page, MAX_PER_PAGE))
    total = session.scalar(select(func.count()).select_from(ProcessInstance).where(*conditions)) or 0
    page = max(1, min(query.page, max(1, -(-total // per_page))))
    found = list(session.scalars(select(ProcessInstance).where(*conditions)
                                 .order_by(ProcessInstance.started_at.desc(), ProcessInstance.id.desc())
                                 .offset((page - 1) * per_page).limit(per_page)))
    current = _current_steps(session, [i.id for i in found])
    processes = [(k, n) for k, n in session.execute(select(ProcessModel.key, ProcessModel.name)
                                                     .where(ProcessModel.is_active.is_(True))
                                                     .order_by(ProcessModel.key)).all()]
    return InstanceList([InstanceRow(i, current.get(i.id, [])) for i in found], total, page, per_page, processes)


def _current_steps(session: Session, instance_ids: list[int]) -> dict[int, list[str]]:
    steps: dict[int, list[str]] = {}
    if instance_ids:
        for instance_id, title in session.execute(select(HumanTask.instance_id, HumanTask.title).where(
                HumanTask.instance_id.in_(instance_ids), HumanTask.status == TaskStatus.READY)):
            steps.setdefault(instance_id, []).append(title)
    return steps
