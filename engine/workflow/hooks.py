"""Process hooks: how a process step changes domain records, with no Python in the models.

BPMN models stay data (conditions and scripts in the safe expression subset).
Where a process must change a domain record — a credit rating, a filing number,
the answer to a tax review — a function registered here in Python code, keyed
by (process key, BPMN element id), does it in the caller's transaction:

Each process declares its hooks once, in its capability's module, as a
:class:`ProcessHooks` (``HOOKS = ProcessHooks("tax_review")``):

``starters(*roles)``
    roles that may start the process within their own scope, besides the
    reviewers and admins who may start anything in their region (an enterprise
    only for its own credit code).
``before_start``
    ``fn(StartContext) -> dict``: checks a start request before anything is
    written (e.g. refuses an objection after the notice period) and returns
    the start data to use instead of the request's (config values are merged
    under it). Raising refuses the start.
``after(*element_ids)``
    ``fn(StepContext) -> None``: for a user task, runs when it is completed —
    after its form data is validated and merged into the task, before the
    workflow moves on (raising refuses the completion and nothing is written);
    for any other element (start, end and timer events, script tasks), runs
    once the engine has passed it and written the new state.

``index``
    which start-data fields fill the task index's filter columns (kind, point,
    enterprise name), so that the runtime knows no process's fields.

The declarations are wired into the engine's one :func:`registry` by each edge at
start (the app factory, the command line, the benchmarks and the tests call
:func:`engine.processes.wire`); the runtime refuses to move a workflow before that,
so a hook can never be skipped because nobody imported its module.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.scoping import covers_region
from engine.workflow.models import HumanTask, ProcessInstance

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class StartContext:
    """A start request before the instance exists; ``config`` holds the process's current settings."""

    session: Session
    actor: Actor
    process_key: str
    region_code: str
    enterprise_code: str | None
    business_key: str | None
    data: Mapping[str, Any]
    config: Mapping[str, Any]


@dataclass(frozen=True)
class StepContext:
    """A finished step or passed event: ``data`` is the task data, ``task`` the index row of a user task."""

    session: Session
    actor: Actor
    instance: ProcessInstance
    element_id: str
    data: Mapping[str, Any]
    task: HumanTask | None = None


StartHook = Callable[[StartContext], dict[str, Any]]
StepHook = Callable[[StepContext], None]


@dataclass(frozen=True)
class IndexFields:
    """The start-data fields, first present first, that fill a task index row's filter columns."""

    kind: tuple[str, ...] = ("kind",)
    point: tuple[str, ...] = ("point",)
    enterprise_name: tuple[str, ...] = ("enterprise_name",)


class ProcessHooks:
    """One process's hooks, declared in its capability's module and wired into the registry at start."""

    def __init__(self, process_key: str, index: IndexFields = IndexFields()) -> None:
        self.process_key, self.index = process_key, index
        self.starter_roles: frozenset[Role] = frozenset()
        self.start_hook: StartHook | None = None
        self.step_hooks: dict[str, list[StepHook]] = {}

    def starters(self, *roles: Role) -> None:
        self.starter_roles |= frozenset(roles)

    def before_start(self, fn: StartHook) -> StartHook:
        if self.start_hook is not None:
            raise ValueError(f"{self.process_key} already has a before_start hook")
        self.start_hook = fn
        return fn

    def after(self, *element_ids: str) -> Callable[[StepHook], StepHook]:
        def register(fn: StepHook) -> StepHook:
            for element_id in element_ids:
                self.step_hooks.setdefault(element_id, []).append(fn)
            return fn
        return register


NO_HOOKS_INDEX = IndexFields()


class HookRegistry:
    """The wired declarations, one per process key."""

    def __init__(self) -> None:
        self._declarations: dict[str, ProcessHooks] = {}
        self.wired = False

    def add(self, declaration: ProcessHooks) -> None:
        """Wire a declaration; wiring the same one again changes nothing."""
        known = self._declarations.get(declaration.process_key)
        if known is not None and known is not declaration:
            raise ValueError(f"{declaration.process_key} already has hooks wired")
        self._declarations[declaration.process_key] = declaration
        self.wired = True

    def starter_roles(self, process_key: str) -> frozenset[Role]:
        declaration = self._declarations.get(process_key)
        return declaration.starter_roles if declaration else frozenset()

    def start_hook(self, process_key: str) -> StartHook | None:
        declaration = self._declarations.get(process_key)
        return declaration.start_hook if declaration else None

    def step_hooks(self, process_key: str, element_id: str) -> list[StepHook]:
        declaration = self._declarations.get(process_key)
        return declaration.step_hooks.get(element_id, []) if declaration else []

    def watches(self, process_key: str) -> bool:
        declaration = self._declarations.get(process_key)
        return bool(declaration and declaration.step_hooks)

    def index_fields(self, process_key: str) -> IndexFields:
        declaration = self._declarations.get(process_key)
        return declaration.index if declaration else NO_HOOKS_INDEX


REGISTRY = HookRegistry()


def registry() -> HookRegistry:
    """The engine's registry.

    :raises RuntimeError: when no edge has wired the processes' hooks yet.
    """
    if not REGISTRY.wired:
        raise RuntimeError("process hooks are not wired: the edge must call engine.processes.wire() at start")
    return REGISTRY


def lets_start(actor: Actor, process_key: str, region_code: str, enterprise_code: str | None) -> bool:
    """Whether a role registered with :meth:`HookRegistry.starters` lets the actor start this request."""
    for role in registry().starter_roles(process_key) & actor.roles:
        if role == Role.ENTERPRISE:
            if actor.enterprise_code and actor.enterprise_code == enterprise_code \
                    and actor.region_code in (None, region_code):
                return True
        elif covers_region(role, actor.region_code, region_code):
            return True
    return False


def start_data(context: StartContext) -> dict[str, Any]:
    """The start data: what the process's ``before_start`` hook returns, else the request's data."""
    hook = registry().start_hook(context.process_key)
    return dict(context.data) if hook is None else hook(context)


def step_completed(context: StepContext) -> None:
    """Run the hooks of a completed user task (before the workflow moves on)."""
    for hook in registry().step_hooks(context.instance.process_key, context.element_id):
        hook(context)


def elements_passed(
    session: Session, actor: Actor, instance: ProcessInstance, passed: Iterable[tuple[str, Mapping[str, Any]]]
) -> None:
    """Run the hooks of elements the engine passed: ``passed`` holds (element id, task data) in order."""
    for element_id, data in passed:
        for hook in registry().step_hooks(instance.process_key, element_id):
            log.info("instance %s: hook %s for %s", instance.id, hook.__name__, element_id)
            hook(StepContext(session, actor, instance, element_id, data))
