"""Who a step may be handed to (转办), asked about (委派) or copied to (抄送): one rule for the list and the check.

- 转办 (transfer): a person who holds the step's role with a scope covering the step —
  the same rule that lets the current holder work it (:func:`engine.scoping.can_work`).
- 委派 (delegate) and 抄送 (copy): a reviewer whose scope covers the case, i.e. who may open
  the instance under ``docs/permissions.md`` (:func:`engine.scoping.can_see_instance`, with
  the process key, so the tax client never reaches a closure case).
- Never machine accounts (the tax department's API client) and never enterprises:
  they are not colleagues who can take over or follow a step.

The task page offers exactly these people; :mod:`engine.tasks.operations` refuses anyone else.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.workflow.models import HumanTask
from engine.identity.models import LocalUser
from engine.scoping import can_see_instance, can_work
from engine.identity.local_users import actor_of

MACHINE_ROLES = frozenset({Role.TAX_CLIENT})


def is_colleague(person: Actor) -> bool:
    """A person working inside the department: not an enterprise, not a machine (API-only) account."""
    return person.enterprise_code is None and Role.ENTERPRISE not in person.roles \
        and not person.roles & MACHINE_ROLES


def may_take_over(person: Actor, task: HumanTask) -> bool:
    """转办: the person could work this step itself (same role, scope covering the step)."""
    return is_colleague(person) and can_work(person, task.role, task.region_code, task.enterprise_code)


def may_follow(person: Actor, task: HumanTask) -> bool:
    """委派 / 抄送: the person may open the case (scope covering the instance, process included)."""
    return is_colleague(person) and can_see_instance(person, task.region_code, task.enterprise_code,
                                                     task.process_key)


@dataclass(frozen=True)
class Candidates:
    """(username, display name) of the people each operation may name, for the task page's lists."""

    transfer: list[tuple[str, str]]
    delegate: list[tuple[str, str]]
    copy: list[tuple[str, str]]


def candidates(session: Session, actor: Actor, task: HumanTask) -> Candidates:
    """The local accounts (enabled, other than the actor) each operation on ``task`` may name."""
    people = [actor_of(user) for user in session.scalars(
        select(LocalUser).where(LocalUser.disabled.is_(False)).order_by(LocalUser.username))]
    others = [p for p in people if p.username != actor.username and is_colleague(p)]

    def entry(person: Actor) -> tuple[str, str]:
        return person.username, person.display_name or person.username

    followers = [entry(p) for p in others if may_follow(p, task)]
    return Candidates(transfer=[entry(p) for p in others if may_take_over(p, task)],
                      delegate=followers, copy=followers)
