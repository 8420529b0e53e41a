"""Approval operations (驳回, 撤回, 转办, 委派, 抄送, 催办) as audited engine operations.

A user task lists what it allows in its ``operations`` property
(``return,withdraw,transfer,delegate,copy,urge``); ``returnTargets`` may
restrict which earlier steps a return can go back to. Copy and urge are
always allowed: they change no state of the process.
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.audit import trail as audit
from engine.db import utcnow
from engine.errors import Conflict, InvalidInput, NotAllowed, TaskNotFound
from engine.identity.login import Directory, find_actor
from engine.scoping import can_see_instance, can_work
from engine.tasks.actions import compiled_of, get_task, may_work, workable
from engine.workflow import runtime
from engine.workflow.models import (
    HumanTask,
    InstanceStatus,
    NoteKind,
    TaskNote,
    TaskStatus,
)
from engine.tasks.people import may_follow, may_take_over
from engine.tasks.step_view import readable_task

log = logging.getLogger(__name__)

ALWAYS_ALLOWED = frozenset({"copy", "urge"})
MAX_NOTE = 2000


def allowed_operations(session: Session, task: HumanTask) -> frozenset[str]:
    """The operations the task's model version allows on this step."""
    return frozenset(_property(session, task, "operations").split(",")) - {""} | ALWAYS_ALLOWED


def _property(session: Session, task: HumanTask, name: str) -> str:
    spec = compiled_of(session, task).spec.task_specs[task.spec_name]
    value: str = spec.extensions.get("properties", {}).get(name, "")
    return value.strip()


def _require(session: Session, task: HumanTask, operation: str) -> None:
    if operation not in allowed_operations(session, task):
        raise NotAllowed(f"step {task.title} ({task.spec_name}) does not allow {operation}")


def _note(session: Session, task: HumanTask, kind: NoteKind, author: Actor, target: str | None, body: str) -> TaskNote:
    note = TaskNote(task_id=task.id, instance_id=task.instance_id, kind=kind.value, author=author.username,
                    target=target, body=body[:MAX_NOTE])
    session.add(note)
    session.flush()
    return note


def return_to(session: Session, actor: Actor, task_id: str, target_step: str, opinion: str) -> HumanTask:
    """驳回: send the process back to an earlier step (or the submitter's step) with an opinion.

    :raises NotAllowed: the step allows no return, or not to that target.
    :raises InvalidInput: the target step has not been done in this instance, or no opinion was given.
    """
    task = workable(session, actor, task_id)
    _require(session, task, "return")
    if not opinion.strip():
        raise InvalidInput("驳回须填写意见 (an opinion is required)", fields={"opinion": ["此项为必填项"]})
    targets = {t for t in _property(session, task, "returnTargets").split(",") if t}
    if targets and target_step not in targets:
        raise NotAllowed(f"step {task.spec_name} may return only to {', '.join(sorted(targets))}")
    earlier = _latest_completed(session, task.instance_id, target_step)
    if earlier is None:
        raise InvalidInput(f"step {target_step!r} has not been done in this instance",
                           fields={"target": [f"{target_step} 尚未办理 (not done yet)"]})
    live = _locked_live(session, task)
    live.workflow.reset_from_task_id(UUID(earlier.spiff_task_id))
    _close(task, actor, TaskStatus.RETURNED, opinion)
    live.finished(task)
    created = runtime.advance(session, live)
    audit.record(session, actor, "task.return", instance_id=task.instance_id, task_id=task.id,
                 payload={"step": task.spec_name, "to": target_step, "opinion": opinion,
                          "next": [t.id for t in created]})
    return created[0] if created else task


def withdraw(session: Session, actor: Actor, completed_task_id: str) -> HumanTask:
    """撤回: take back a completion while nobody has acted on what it produced.

    :raises Conflict: when a following step was claimed, delegated or completed meanwhile.
    """
    done = get_task(session, actor, completed_task_id)
    if done.status != TaskStatus.COMPLETED or done.completed_by != actor.username:
        raise NotAllowed(f"only the person who completed task {completed_task_id} may withdraw it")
    _require(session, done, "withdraw")
    live = _locked_live(session, done)
    following = _open_rows(session, done.instance_id)
    latest = _latest_completed(session, done.instance_id, None)
    touched = [t for t in following if t.claimed_by or t.delegated_to or t.created_at < (done.completed_at or utcnow())]
    if latest is None or latest.id != done.id or touched or not following:
        raise Conflict(f"task {completed_task_id} can no longer be withdrawn: the next step has been acted on")
    live.workflow.reset_from_task_id(UUID(done.spiff_task_id))
    done.status = TaskStatus.WITHDRAWN
    created = runtime.advance(session, live)
    audit.record(session, actor, "task.withdraw", instance_id=done.instance_id, task_id=done.id,
                 payload={"step": done.spec_name, "reopened": [t.id for t in created]})
    return next(t for t in created if t.spec_name == done.spec_name)


def transfer(session: Session, actor: Actor, directory: Directory | None, task_id: str, target: str,
             note: str = "") -> HumanTask:
    """转办: hand the step to another person who holds its role in the same scope."""
    task = workable(session, actor, task_id)
    _require(session, task, "transfer")
    person = _person(session, directory, target)
    if not may_take_over(person, task) or person.username == actor.username:
        raise InvalidInput(f"不能转办给 {_name(person)}：转办对象须与本步骤同一角色、管辖范围覆盖本事项 "
                           f"({target} cannot take over this step)", fields={"target": ["不在同一角色和管辖范围 (not in scope)"]})
    task.assignee, task.claimed_by, task.claimed_at = person.username, None, None
    _note(session, task, NoteKind.TRANSFER, actor, person.username, note)
    audit.record(session, actor, "task.transfer", instance_id=task.instance_id, task_id=task.id,
                 payload={"to": person.username, "note": note})
    return task


def delegate(session: Session, actor: Actor, directory: Directory | None, task_id: str, target: str,
             note: str = "") -> HumanTask:
    """委派: ask a colleague whose scope covers the region for an opinion; the step comes back afterwards."""
    task = workable(session, actor, task_id)
    _require(session, task, "delegate")
    person = _person(session, directory, target)
    if person.username == actor.username or not may_follow(person, task):
        raise InvalidInput(f"不能委派给 {_name(person)}：委派对象须为管辖范围覆盖本事项的审核人员 "
                           f"({target} cannot be asked for an opinion here)", fields={"target": ["不在管辖范围 (not in scope)"]})
    task.delegated_to, task.delegated_by = person.username, actor.username
    _note(session, task, NoteKind.DELEGATE, actor, person.username, note)
    audit.record(session, actor, "task.delegate", instance_id=task.instance_id, task_id=task.id,
                 payload={"to": person.username, "note": note})
    return task


def answer_delegation(session: Session, actor: Actor, task_id: str, opinion: str) -> HumanTask:
    """The delegate's opinion; the step returns to whoever delegated it."""
    task = get_task(session, actor, task_id)
    if task.status != TaskStatus.READY or task.delegated_to != actor.username:
        raise NotAllowed(f"task {task_id} is not waiting for an opinion from {actor.username}")
    if not opinion.strip():
        raise InvalidInput("请填写意见 (an opinion is required)", fields={"opinion": ["此项为必填项"]})
    _note(session, task, NoteKind.OPINION, actor, task.delegated_by, opinion)
    returned_to, task.delegated_to, task.delegated_by = task.delegated_by, None, None
    audit.record(session, actor, "task.delegate_answer", instance_id=task.instance_id, task_id=task.id,
                 payload={"opinion": opinion, "back_to": returned_to})
    return task


def copy_to(session: Session, actor: Actor, directory: Directory | None, task_id: str, targets: list[str],
            note: str = "") -> list[TaskNote]:
    """抄送: let others whose scope covers the instance follow the step (any step the actor may read)."""
    task = readable_task(session, actor, task_id)
    if not targets:
        raise InvalidInput("请选择抄送对象 (no one to copy)", fields={"targets": ["此项为必填项"]})
    people = [_person(session, directory, name) for name in dict.fromkeys(targets)]
    outside = [_name(p) for p in people if not may_follow(p, task)]
    if outside:
        raise InvalidInput(f"不能抄送给 {'、'.join(outside)}：抄送对象须为管辖范围覆盖本事项的审核人员 (not in scope)",
                           fields={"targets": [f"{', '.join(outside)} 不在管辖范围 (not in scope)"]})
    notes = [_note(session, task, NoteKind.COPY, actor, p.username, note) for p in people]
    audit.record(session, actor, "task.copy", instance_id=task.instance_id, task_id=task.id,
                 payload={"to": [p.username for p in people], "note": note})
    return notes


def urge(session: Session, actor: Actor, task_id: str, note: str = "") -> TaskNote:
    """催办: remind whoever holds the step (claimant, assignee or delegate; else everyone with its role).

    Supervisors urge steps of lower levels, so anyone who can see the instance may urge.
    """
    task = session.get(HumanTask, task_id) if len(task_id) <= 36 else None
    if task is None or not can_see_instance(actor, task.region_code, task.enterprise_code, task.process_key):
        raise TaskNotFound(f"task {task_id} not found")
    if task.status != TaskStatus.READY:
        raise Conflict(f"task {task_id} is already {task.status}")
    if may_work(actor, task):
        raise NotAllowed("不能催办自己的待办 (you hold this step yourself)")
    holder = task.delegated_to or task.claimed_by or task.assignee
    urged = _note(session, task, NoteKind.URGE, actor, holder, note)
    audit.record(session, actor, "task.urge", instance_id=task.instance_id, task_id=task.id,
                 payload={"holder": holder, "role": task.role, "note": note})
    return urged


def copies_for(session: Session, actor: Actor, limit: int = 100) -> list[tuple[TaskNote, HumanTask]]:
    """抄送我的: the copies addressed to the actor that it may still read, newest first.

    A copy grants no read access of its own: a case outside the actor's scope stays hidden.
    """
    rows = session.execute(
        select(TaskNote, HumanTask).join(HumanTask, HumanTask.id == TaskNote.task_id)
        .where(TaskNote.kind == NoteKind.COPY, TaskNote.target == actor.username)
        .order_by(TaskNote.created_at.desc()).limit(limit)
    ).all()
    return [(note, task) for note, task in rows
            if can_see_instance(actor, task.region_code, task.enterprise_code, task.process_key)]


def notes_of(session: Session, actor: Actor, task_id: str) -> list[TaskNote]:
    task = readable_task(session, actor, task_id)
    return list(session.scalars(select(TaskNote).where(TaskNote.instance_id == task.instance_id)
                                .order_by(TaskNote.created_at)))


def _person(session: Session, directory: Directory | None, username: str) -> Actor:
    person = find_actor(session, directory, username)
    if person is None:
        raise InvalidInput(f"用户 {username} 不存在或已停用 (user {username!r} not found)",
                           fields={"target": [f"用户 {username} 不存在"]})
    return person


def _name(person: Actor) -> str:
    shown = person.display_name and person.display_name != person.username
    return f"{person.display_name}（{person.username}）" if shown else person.username


def _locked_live(session: Session, task: HumanTask) -> Any:
    instance = runtime.lock_instance(session, task.instance_id)
    session.refresh(task)
    if instance.status != InstanceStatus.RUNNING:
        raise Conflict(f"instance {instance.id} is {instance.status}")
    return runtime.load(session, instance)


def _close(task: HumanTask, actor: Actor, status: TaskStatus, opinion: str) -> None:
    if task.status != TaskStatus.READY:
        raise Conflict(f"task {task.id} is already {task.status}")
    task.status, task.opinion, task.outcome = status, opinion[:MAX_NOTE], status.value
    task.completed_by, task.completed_at = actor.username, utcnow()


def _latest_completed(session: Session, instance_id: int, spec_name: str | None) -> HumanTask | None:
    query = select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == TaskStatus.COMPLETED)
    if spec_name is not None:
        query = query.where(HumanTask.spec_name == spec_name)
    return session.scalars(query.order_by(HumanTask.completed_at.desc()).limit(1)).first()


def _open_rows(session: Session, instance_id: int) -> list[HumanTask]:
    return list(session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.status == TaskStatus.READY)))
