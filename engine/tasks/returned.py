"""A step that came back (退回): who sent it back, why, and what was submitted the last time.

A reviewer sends a case back either with the 驳回 operation (the reviewer's step ends ``returned``)
or with a form outcome ``return`` that the model loops back on. Either way the step opens again as a
new task; this module recognises such a task and finds the reason and the earlier submission, so the
portal card can say 退回 and the task page can put the reason first and fill the form with the last
values and evidence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine.workflow.models import HumanTask, TaskStatus
from engine.identity.models import LocalUser

RETURN_OUTCOME = "return"


@dataclass(frozen=True)
class ReturnNotice:
    """Why an open step came back, and the submission it came back from."""

    reason: str
    returned_by: str  # username
    returned_by_name: str
    returned_at: datetime | None
    from_step: str  # title of the reviewer's step
    previous: HumanTask  # the earlier, completed run of the same step


def returned_from(session: Session, task: HumanTask) -> ReturnNotice | None:
    """The return that reopened ``task``, or None when it is a first run (or no longer open)."""
    return returned_many(session, [task]).get(task.id)


def returned_many(session: Session, tasks: Iterable[HumanTask]) -> dict[str, ReturnNotice]:
    """:func:`returned_from` for several open tasks at once (a worklist, the portal's cards)."""
    open_tasks = [t for t in tasks if t.status == TaskStatus.READY]
    if not open_tasks:
        return {}
    rows = list(session.scalars(select(HumanTask).where(
        HumanTask.instance_id.in_({t.instance_id for t in open_tasks}),
        or_(HumanTask.status == TaskStatus.RETURNED, HumanTask.status == TaskStatus.COMPLETED))))
    found: dict[str, ReturnNotice] = {}
    for task in open_tasks:
        notice = _notice(task, [r for r in rows if r.instance_id == task.instance_id and r.completed_at])
        if notice is not None:
            found[task.id] = notice
    names = _names(session, {n.returned_by for n in found.values()})
    return {task_id: ReturnNotice(n.reason, n.returned_by, names.get(n.returned_by, n.returned_by), n.returned_at,
                                  n.from_step, n.previous) for task_id, n in found.items()}


def _notice(task: HumanTask, done: list[HumanTask]) -> ReturnNotice | None:
    earlier = [r for r in done if r.spec_name == task.spec_name and r.status == TaskStatus.COMPLETED
               and _at(r) <= task.created_at]
    if not earlier:
        return None
    previous = max(earlier, key=_at)
    returns = [r for r in done if (r.status == TaskStatus.RETURNED or r.outcome == RETURN_OUTCOME)
               and _at(previous) <= _at(r) <= task.created_at]
    if not returns:
        return None
    sender = max(returns, key=_at)
    return ReturnNotice(_reason(sender), sender.completed_by or "", sender.completed_by or "",
                        sender.completed_at, sender.title, previous)


def _reason(sender: HumanTask) -> str:
    """The opinion, else the reviewer's other written fields (e.g. 缺少的材料 of a completeness check)."""
    if sender.opinion:
        return sender.opinion
    written = [v.strip() for k, v in (sender.submitted or {}).items()
               if isinstance(v, str) and v.strip() and v != sender.outcome]
    return "；".join(written)


def _at(task: HumanTask) -> datetime:
    assert task.completed_at is not None
    return task.completed_at


def _names(session: Session, usernames: set[str]) -> dict[str, str]:
    if not usernames:
        return {}
    return {name: shown for name, shown in session.execute(
        select(LocalUser.username, LocalUser.display_name).where(LocalUser.username.in_(usernames))).all() if shown}


def prefill(notice: ReturnNotice | None, field_names: Iterable[str]) -> dict[str, Any] | None:
    """The earlier submission's values of the form's fields (evidence ids included), to fill the form again."""
    if notice is None or not notice.previous.submitted:
        return None
    names = set(field_names)
    return {k: v for k, v in notice.previous.submitted.items() if k in names}
