"""The process hook registry: who may start which process, start data, and hooks keyed by element."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from engine import processes
from engine.actors import Role
from engine.workflow import hooks as process_hooks
from engine.workflow.hooks import (
    HookRegistry,
    IndexFields,
    ProcessHooks,
    StartContext,
    StepContext,
)
from tests.support.actors import (
    ADMIN,
    COUNTY_TIANHE,
    ENT_BAIYUN,
    ENT_TIANHE,
    ENTERPRISE_BAIYUN,
    ENTERPRISE_TIANHE,
)
from tests.support.processes import TAX


def test_registration_is_keyed_by_process_and_element() -> None:
    registry = HookRegistry()
    declared = ProcessHooks("demo_process")
    seen: list[str] = []

    @declared.after("approve", "end")
    def record(context: StepContext) -> None:
        seen.append(context.element_id)

    declared.starters(Role.ENTERPRISE)
    declared.starters(Role.TAX_CLIENT)
    registry.add(declared)
    assert registry.step_hooks("demo_process", "approve") == [record] == registry.step_hooks("demo_process", "end")
    assert registry.step_hooks("demo_process", "other") == [] and registry.step_hooks("other", "approve") == []
    assert registry.watches("demo_process") and not registry.watches("other")
    assert registry.starter_roles("demo_process") == {Role.ENTERPRISE, Role.TAX_CLIENT}

    @declared.before_start
    def check(context: StartContext) -> dict[str, object]:
        return {}

    with pytest.raises(ValueError, match="already"):
        declared.before_start(check)


def test_a_process_is_wired_once_and_declares_its_index_fields() -> None:
    registry = HookRegistry()
    declared = ProcessHooks("demo_process", IndexFields(kind=("finding",)))
    registry.add(declared)
    registry.add(declared)  # wiring the same declaration again changes nothing
    with pytest.raises(ValueError, match="already has hooks wired"):
        registry.add(ProcessHooks("demo_process"))
    assert registry.index_fields("demo_process").kind == ("finding",)
    assert registry.index_fields("other") == IndexFields()


def test_the_bundled_processes_are_wired_with_the_closure_index_fields() -> None:
    registry = processes.wire(HookRegistry())
    assert registry.index_fields("anomaly_closure") == IndexFields(
        kind=("anomaly_type", "kind"), point=("point_mn", "point"))
    assert all(registry.watches(key) for key in ("anomaly_closure", "credit_objection", "credit_repair",
                                                 "tax_review", "emergency_plan_filing", "support_ticket",
                                                 "library_entry_review", "credit_rating_round"))


def test_an_unwired_registry_refuses_to_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(process_hooks, "REGISTRY", HookRegistry())
    with pytest.raises(RuntimeError, match="not wired"):
        process_hooks.registry()


@pytest.mark.parametrize("actor, key, region, enterprise, allowed", [
    (ENT_TIANHE, "credit_objection", "440106", ENTERPRISE_TIANHE, True),
    (ENT_TIANHE, "credit_objection", "440111", ENTERPRISE_TIANHE, False),  # not the enterprise's region
    (ENT_BAIYUN, "credit_objection", "440106", ENTERPRISE_TIANHE, False),  # someone else's code
    (ENT_BAIYUN, "emergency_plan_filing", "440111", ENTERPRISE_BAIYUN, True),
    (ENT_TIANHE, "anomaly_closure", "440106", ENTERPRISE_TIANHE, False),  # anomalies come from monitoring
    (ENT_TIANHE, "tax_review", "440106", ENTERPRISE_TIANHE, False),
    (TAX, "support_ticket", "440106", None, True),
    (COUNTY_TIANHE, "support_ticket", "440106", None, False),  # reviewers start under the general rule instead
    (ADMIN, "credit_repair", "440106", ENTERPRISE_TIANHE, False),
], ids=lambda value: str(getattr(value, "username", value)))
def test_who_a_registered_starter_role_lets_start(actor, key, region, enterprise, allowed) -> None:  # type: ignore[no-untyped-def]
    assert process_hooks.lets_start(actor, key, region, enterprise) is allowed


def test_without_a_start_hook_the_request_data_is_the_start_data(session: Session) -> None:
    context = StartContext(session, ADMIN, "no_such_process", "440106", None, None, {"a": 1}, {"b": 2})
    assert process_hooks.start_data(context) == {"a": 1}
