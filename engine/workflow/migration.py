"""Process model administration beyond deployment: check a draft against the active version, activate a
version, and move running instances of an older version onto a newer one.

A move is allowed only when no step that changed or disappeared has already run
(completed) or is running (started): SpiffWorkflow's ``diff_workflow`` aligns the
instance's tasks with the new spec and ``migrate_workflow`` swaps the spec and
re-predicts the waiting branches. Ready steps whose spec changed are reset and
re-created by :func:`engine.workflow.runtime.advance`, so the task index follows.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.util.diff import SpecDiff, diff_workflow, migrate_workflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.audit import trail as audit
from engine.db import utcnow, valid_id
from engine.errors import Conflict, InvalidInput, InvalidModel, ProcessNotFound
from engine.scoping import require_admin
from engine.workflow import runtime
from engine.workflow.bundle import bundled_forms
from engine.workflow.compiler import compile_model
from engine.workflow.deployment import compiled
from engine.workflow.models import (
    HumanTask,
    InstanceStatus,
    ProcessInstance,
    ProcessModel,
    TaskStatus,
)
from engine.workflow.validation import check_model

ADMINS_ONLY = "仅管理员可管理流程模型 (administrators only)"

log = logging.getLogger(__name__)

_REGISTRY = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
MAX_PREVIEW = 500
BLOCKING = TaskState.COMPLETED | TaskState.STARTED


@dataclass(frozen=True)
class ModelDiff:
    """Elements of a new version compared with a base version, by BPMN id."""

    added: list[tuple[str, str]]  # (id, name)
    removed: list[tuple[str, str]]
    changed: list[tuple[str, str, list[str]]]  # (id, name, changed attributes)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def _named(spec: Any) -> bool:
    return getattr(spec, "bpmn_id", None) is not None


def spec_diff(old_spec: Any, new_spec: Any) -> ModelDiff:
    diff = SpecDiff(_REGISTRY, old_spec, new_spec)
    added = [(s.bpmn_id, s.bpmn_name or s.bpmn_id) for s in diff.added if _named(s)]
    removed = [(s.bpmn_id, s.bpmn_name or s.bpmn_id) for s in diff.removed if _named(s)]
    changed = [(s.bpmn_id, s.bpmn_name or s.bpmn_id, sorted(c)) for s, c in diff.changed.items() if _named(s)]
    return ModelDiff(sorted(added), sorted(removed), sorted(changed))


@dataclass(frozen=True)
class DraftCheck:
    process_id: str
    name: str
    base_version: int | None
    diff: ModelDiff | None


def known_forms(session: Session) -> dict[str, Any]:
    """Form definitions a browser-edited model may use: the shipped set and those of the active versions."""
    forms: dict[str, Any] = bundled_forms()
    for model in session.scalars(select(ProcessModel).where(ProcessModel.is_active.is_(True))):
        forms.update(model.forms)
    return forms


def check_draft(session: Session, actor: Actor, xml: bytes) -> DraftCheck:
    """Validate an edited model without deploying it, and compare it with the active version.

    :raises InvalidModel: naming the problem, exactly as deployment would.
    """
    require_admin(actor, ADMINS_ONLY)
    checked = check_model(xml, known_forms(session))
    new = compile_model(checked)
    active = session.scalars(select(ProcessModel).where(ProcessModel.key == checked.process_id,
                                                        ProcessModel.is_active.is_(True))).one_or_none()
    diff = spec_diff(compiled(active).spec, new.spec) if active is not None else None
    return DraftCheck(checked.process_id, checked.name, active.version if active else None, diff)


def version_diff(session: Session, actor: Actor, model_id: int) -> tuple[ProcessModel, ProcessModel | None, ModelDiff | None]:
    """A version compared with the active version of its process."""
    require_admin(actor, ADMINS_ONLY)
    model = _model(session, model_id)
    active = session.scalars(select(ProcessModel).where(ProcessModel.key == model.key,
                                                        ProcessModel.is_active.is_(True))).one_or_none()
    if active is None or active.id == model.id:
        return model, active, None
    try:
        return model, active, spec_diff(compiled(active).spec, compiled(model).spec)
    except InvalidModel as refused:  # stored before today's deploy check: shown, never activated (see recheck)
        log.warning("process model %s no longer passes the deploy check: %s", model.id, refused)
        return model, active, None


def stored_model(session: Session, actor: Actor, model_id: int) -> ProcessModel:
    """A version as stored, for its XML: not compiled, so a version the deploy check now refuses is still shown.

    :raises NotAllowed: unless the actor is an admin.
    :raises ProcessNotFound: no such version.
    """
    require_admin(actor, ADMINS_ONLY)
    return _model(session, model_id)


def _model(session: Session, model_id: int) -> ProcessModel:
    model = session.get(ProcessModel, model_id) if valid_id(model_id) else None
    if model is None:
        raise ProcessNotFound(f"process model {model_id} not found")
    return model


def activate(session: Session, actor: Actor, model_id: int) -> ProcessModel:
    """Make a deployed version the one new instances start on (e.g. to roll back)."""
    require_admin(actor, ADMINS_ONLY)
    model = _model(session, model_id)
    recheck(model)
    previous = session.scalar(select(ProcessModel.version).where(ProcessModel.key == model.key,
                                                                 ProcessModel.is_active.is_(True)))
    session.execute(update(ProcessModel).where(ProcessModel.key == model.key).values(is_active=False))
    model.is_active = True
    session.flush()
    audit.record(session, actor, "process.activate",
                 payload={"key": model.key, "version": model.version, "previous": previous})
    log.info("%s version %s activated by %s", model.key, model.version, actor.username)
    return model


def recheck(model: ProcessModel) -> None:
    """Run the deploy check again on a stored version before instances move (or start) on it.

    :raises InvalidModel: naming the element, as deployment would today.
    """
    check_model(model.bpmn_xml.encode("utf-8"), model.forms)


@dataclass(frozen=True)
class VersionSummary:
    model: ProcessModel
    running: int


def versions(session: Session, actor: Actor, key: str) -> list[VersionSummary]:
    """Every version of a process, newest first, with the number of unfinished instances on it."""
    require_admin(actor, ADMINS_ONLY)
    models = list(session.scalars(select(ProcessModel).where(ProcessModel.key == key)
                                  .order_by(ProcessModel.version.desc())))
    if not models:
        raise ProcessNotFound(f"no process {key!r} is deployed")
    running = dict(session.execute(select(ProcessInstance.model_id, func.count()).where(
        ProcessInstance.process_key == key, ProcessInstance.status.in_(_UNFINISHED))
        .group_by(ProcessInstance.model_id)).all())
    return [VersionSummary(m, int(running.get(m.id, 0))) for m in models]


_UNFINISHED = (InstanceStatus.RUNNING, InstanceStatus.SUSPENDED)


@dataclass(frozen=True)
class Candidate:
    instance: ProcessInstance
    current: list[str]
    movable: bool
    reason: str


def preview(session: Session, actor: Actor, target_id: int) -> list[Candidate]:
    """Which unfinished instances of older versions could move to ``target_id``, and why not."""
    require_admin(actor, ADMINS_ONLY)
    target = _model(session, target_id)
    rows = list(session.scalars(select(ProcessInstance).where(
        ProcessInstance.process_key == target.key, ProcessInstance.model_id != target.id,
        ProcessInstance.model_version < target.version, ProcessInstance.status.in_(_UNFINISHED))
        .order_by(ProcessInstance.id).limit(MAX_PREVIEW)))
    steps: dict[int, list[str]] = {}
    for task in session.scalars(select(HumanTask).where(HumanTask.instance_id.in_([r.id for r in rows]),
                                                        HumanTask.status == TaskStatus.READY)):
        steps.setdefault(task.instance_id, []).append(task.title)
    new_spec = compiled(target)
    return [Candidate(row, steps.get(row.id, []), *_verdict(session, row, new_spec)) for row in rows]


def _verdict(session: Session, row: ProcessInstance, new_spec: Any) -> tuple[bool, str]:
    workflow = runtime.load(session, row).workflow
    reason = _blocked(*diff_workflow(_REGISTRY, workflow, new_spec.spec, new_spec.subprocess_specs))
    return reason is None, reason or ""


def _blocked(top: Any, subprocesses: dict[Any, Any]) -> str | None:
    """Why an instance cannot move, or None when it can."""
    if any(d is None for d in subprocesses.values()):
        return "子流程在新版本中不存在 (a subprocess was removed)"
    blocking = [t for t in top.changed + top.removed if t.state & BLOCKING]
    for sub in subprocesses.values():
        blocking += [t for t in (sub.changed + sub.removed) if t.state & BLOCKING]
    if blocking:
        names = sorted({t.task_spec.bpmn_name or t.task_spec.name for t in blocking})
        return f"已办理或正在办理的步骤有改动：{'、'.join(names)}"
    return None


@dataclass(frozen=True)
class MigrationReport:
    moved: list[int]
    refused: dict[int, str]


def migrate(session: Session, actor: Actor, target_id: int, instance_ids: Iterable[int]) -> MigrationReport:
    """Move the chosen instances onto ``target_id``, each checked again under its row lock.

    :raises InvalidInput: when no instance is chosen.
    :raises InvalidModel: when the target version fails today's deploy check (it may predate a rule).
    """
    require_admin(actor, ADMINS_ONLY)
    target = _model(session, target_id)
    recheck(target)
    wanted = [i for i in dict.fromkeys(instance_ids) if valid_id(i)]
    if not wanted:
        raise InvalidInput("请选择要迁移的实例 (no instance chosen)", fields={"instance_ids": ["此项为必填项"]})
    new_spec = compiled(target)
    moved: list[int] = []
    refused: dict[int, str] = {}
    for instance_id in wanted:
        try:
            _migrate_one(session, actor, target, new_spec, instance_id)
            moved.append(instance_id)
        except (Conflict, ProcessNotFound) as exc:
            refused[instance_id] = exc.message
    return MigrationReport(moved, refused)


def _migrate_one(session: Session, actor: Actor, target: ProcessModel, new_spec: Any, instance_id: int) -> None:
    row = runtime.lock_instance(session, instance_id)
    if row.process_key != target.key or row.status not in _UNFINISHED or row.model_version >= target.version:
        raise Conflict(f"实例 {instance_id} 不能迁移到第 {target.version} 版 (wrong process, finished or not older)")
    live = runtime.load(session, row)
    top, subprocesses = diff_workflow(_REGISTRY, live.workflow, new_spec.spec, new_spec.subprocess_specs)
    reason = _blocked(top, subprocesses)
    if reason is not None:
        raise Conflict(f"实例 {instance_id}：{reason}")
    replaced = {str(t.id) for t in top.changed if t.state & (TaskState.READY | TaskState.WAITING)}
    migrate_workflow(top, live.workflow, new_spec.spec)
    for sub_id, sub_diff in subprocesses.items():
        sub = live.workflow.subprocesses[sub_id]
        migrate_workflow(sub_diff, sub, new_spec.subprocess_specs[sub.spec.name])
    live.workflow.subprocess_specs = new_spec.subprocess_specs
    old_version = row.model_version
    row.model_id, row.model_version = target.id, target.version
    _close_replaced(session, row.id, replaced)
    created = runtime.advance(session, runtime.LiveInstance(row, new_spec, live.workflow, live.indexed - replaced))
    audit.record(session, actor, "instance.migrate", instance_id=row.id,
                 payload={"process": target.key, "from": old_version, "to": target.version,
                          "replaced": sorted(replaced), "tasks": [t.spec_name for t in created]})
    log.info("instance %s migrated from %s v%s to v%s", row.id, target.key, old_version, target.version)


def _close_replaced(session: Session, instance_id: int, spiff_ids: set[str]) -> None:
    """Index rows of ready steps whose spec changed are closed; ``advance`` opens rows of the new spec."""
    if not spiff_ids:
        return
    for task in session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                        HumanTask.status == TaskStatus.READY,
                                                        HumanTask.spiff_task_id.in_(spiff_ids))):
        task.status, task.completed_at = TaskStatus.CANCELLED, utcnow()
    session.flush()


@dataclass(frozen=True)
class ProcessSummary:
    key: str
    name: str
    active: ProcessModel | None
    latest: ProcessModel
    versions: int
    running: int
    on_older: int  # unfinished instances on versions older than the active one


def overview(session: Session, actor: Actor) -> list[ProcessSummary]:
    """One line per process: its active and latest version and where its unfinished instances are."""
    require_admin(actor, ADMINS_ONLY)
    by_key: dict[str, list[ProcessModel]] = {}
    for model in session.scalars(select(ProcessModel).order_by(ProcessModel.key, ProcessModel.version.desc())):
        by_key.setdefault(model.key, []).append(model)
    counts = session.execute(select(ProcessInstance.process_key, ProcessInstance.model_version, func.count()).where(
        ProcessInstance.status.in_(_UNFINISHED)).group_by(ProcessInstance.process_key, ProcessInstance.model_version))
    running: dict[str, dict[int, int]] = {}
    for key, version, count in counts:
        running.setdefault(key, {})[version] = int(count)
    result = []
    for key, models in by_key.items():
        active = next((m for m in models if m.is_active), None)
        per_version = running.get(key, {})
        older = sum(n for v, n in per_version.items() if active is not None and v < active.version)
        result.append(ProcessSummary(key, (active or models[0]).name, active, models[0], len(models),
                                     sum(per_version.values()), older))
    return result


@dataclass(frozen=True)
class ProcessDetail:
    versions: list[VersionSummary]
    model: ProcessModel  # the version shown
    active: ProcessModel | None
    diff: ModelDiff | None  # of the shown version from the active one


def detail(session: Session, actor: Actor, key: str, model_id: int | None = None) -> ProcessDetail:
    """A process's versions and one of them (the active one unless ``model_id`` names another)."""
    found = versions(session, actor, key)
    chosen = next((v.model.id for v in found if v.model.id == model_id), None) or next(
        (v.model.id for v in found if v.model.is_active), found[0].model.id)
    model, active, diff = version_diff(session, actor, chosen)
    return ProcessDetail(found, model, active, diff)


@dataclass(frozen=True)
class MigrationPreview:
    model: ProcessModel
    candidates: list[Candidate]


def migration_preview(session: Session, actor: Actor, target_id: int) -> MigrationPreview:
    candidates = preview(session, actor, target_id)  # checks the actor first
    return MigrationPreview(_model(session, target_id), candidates)
