"""Process hooks: how a process step changes domain records, with no Python in the models.

BPMN models stay data (conditions and scripts in the safe expression subset).
Where a process must change a domain record — a credit rating, a filing number,
the answer to a tax review — a function registered here in Python code, keyed
by (process key, BPMN element id), does it in the caller's transaction:

``starters(key, *roles)``
    roles that may start the process within their own scope, besides the
    reviewers and admins who may start anything in their region (an enterprise
    only for its own credit code).
``before_start(key)``
    ``fn(StartContext) -> dict``: checks a start request before anything is
    written (e.g. refuses an objection after the notice period) and returns
    the start data to use instead of the request's (config values are merged
    under it). Raising refuses the start.
``after(key, *element_ids)``
    ``fn(StepContext) -> None``: for a user task, runs when it is completed —
    after its form data is validated and merged into the task, before the
    workflow moves on (raising refuses the completion and nothing is written);
    for any other element (start, end and timer events, script tasks), runs
    once the engine has passed it and written the new state.

The functions live in the modules named by :data:`HOOK_MODULES`, imported on
first use, so the registry is complete whichever edge (web, CLI, scheduler)
moves a workflow first.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.workflow.models import HumanTask, ProcessInstance
from engine.scoping import covers_region

log = logging.getLogger(__name__)

HOOK_MODULES: tuple[str, ...] = ("engine.credit.hooks",)


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


class HookRegistry:
    def __init__(self) -> None:
        self._starters: dict[str, frozenset[Role]] = {}
        self._before_start: dict[str, StartHook] = {}
        self._after: dict[tuple[str, str], list[StepHook]] = {}
        self._keys: set[str] = set()

    def starters(self, process_key: str, *roles: Role) -> None:
        self._starters[process_key] = self._starters.get(process_key, frozenset()) | frozenset(roles)

    def before_start(self, process_key: str) -> Callable[[StartHook], StartHook]:
        def register(fn: StartHook) -> StartHook:
            if process_key in self._before_start:
                raise ValueError(f"{process_key} already has a before_start hook")
            self._before_start[process_key] = fn
            return fn
        return register

    def after(self, process_key: str, *element_ids: str) -> Callable[[StepHook], StepHook]:
        def register(fn: StepHook) -> StepHook:
            for element_id in element_ids:
                self._after.setdefault((process_key, element_id), []).append(fn)
            self._keys.add(process_key)
            return fn
        return register

    def starter_roles(self, process_key: str) -> frozenset[Role]:
        return self._starters.get(process_key, frozenset())

    def start_hook(self, process_key: str) -> StartHook | None:
        return self._before_start.get(process_key)

    def step_hooks(self, process_key: str, element_id: str) -> list[StepHook]:
        return self._after.get((process_key, element_id), [])

    def watches(self, process_key: str) -> bool:
        return process_key in self._keys


HOOKS = HookRegistry()
_loaded = False
_load_lock = threading.Lock()


def registry() -> HookRegistry:
    """The registry, with every module of :data:`HOOK_MODULES` imported."""
    global _loaded
    if not _loaded:
        with _load_lock:
            if not _loaded:
                for module in HOOK_MODULES:
                    importlib.import_module(module)
                _loaded = True
    return HOOKS


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
