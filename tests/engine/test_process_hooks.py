"""The process hook registry: who may start which process, start data, and hooks keyed by element."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from engine.workflow import hooks as process_hooks
from engine.actors import Role
from engine.workflow.hooks import HookRegistry, StartContext, StepContext
from tests.support.actors import (
    ADMIN, COUNTY_TIANHE, ENT_BAIYUN, ENT_TIANHE, ENTERPRISE_BAIYUN, ENTERPRISE_TIANHE,
)
from tests.support.processes import TAX


def test_registration_is_keyed_by_process_and_element() -> None:
    registry = HookRegistry()
    seen: list[str] = []

    @registry.after("demo_process", "approve", "end")
    def record(context: StepContext) -> None:
        seen.append(context.element_id)

    registry.starters("demo_process", Role.ENTERPRISE)
    registry.starters("demo_process", Role.TAX_CLIENT)
    assert registry.step_hooks("demo_process", "approve") == [record] == registry.step_hooks("demo_process", "end")
    assert registry.step_hooks("demo_process", "other") == [] and registry.step_hooks("other", "approve") == []
    assert registry.watches("demo_process") and not registry.watches("other")
    assert registry.starter_roles("demo_process") == {Role.ENTERPRISE, Role.TAX_CLIENT}

    @registry.before_start("demo_process")
    def check(context: StartContext) -> dict[str, object]:
        return {}

    with pytest.raises(ValueError, match="already"):
        registry.before_start("demo_process")(check)


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
