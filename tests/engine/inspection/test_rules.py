"""Draw rules as data: validated, versioned, audited; a plan keeps the version it was made under."""

from __future__ import annotations

import copy
from collections import Counter

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit.models import AuditEvent
from engine.errors import InvalidInput, NotAllowed
from engine.inspection import draws, plans, rules
from engine.inspection.rule_defaults import DEFAULT_RULES
from engine.inspection.verify import stored_assignments
from tests.engine.inspection.world import ORGANISER, county_world, plan_input
from tests.support.actors import ADMIN


def test_the_defaults_name_their_source_and_validate() -> None:
    assert "广东省《污染源日常环境监管随机抽查制度落实方案》（2016）" in DEFAULT_RULES["source"]
    assert rules.validated(copy.deepcopy(DEFAULT_RULES))["quotas"]["county"]["key"] == {"ratio": 0.25}


def test_a_wrong_rule_is_refused_naming_its_place(session: Session) -> None:
    wrong = copy.deepcopy(DEFAULT_RULES)
    wrong["quotas"]["city"]["key"] = {"ratio": 1.5}
    with pytest.raises(InvalidInput) as refused:
        rules.change(session, ADMIN, wrong)
    assert "quotas.city.key.ratio" in refused.value.fields
    with pytest.raises(NotAllowed):
        rules.change(session, ORGANISER, copy.deepcopy(DEFAULT_RULES))


def test_a_new_version_reaches_plans_created_afterwards_only(session: Session) -> None:
    _objects, _people, item = county_world(session)
    before = plans.create(session, ORGANISER, plan_input(item_ids=(item.id,)))
    changed = copy.deepcopy(DEFAULT_RULES)
    changed["quotas"]["county"]["key"] = {"ratio": 0.5}
    assert rules.change(session, ADMIN, changed, "县级重点单位抽查比例提高到50%").version == 1
    after = plans.create(session, ORGANISER, plan_input(item_ids=(item.id,)))
    assert (before.rule_set_version, after.rule_set_version) == (0, 1)
    counts = []
    for plan in (before, after):
        draw = draws.run(session, ORGANISER, draws.commit(session, ORGANISER, plan.id).id)
        counts.append(Counter(row.object_class for row in stored_assignments(session, draw.id))["key"])
    assert counts == [5, 10]  # 25 % then 50 % of 20 key units
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "inspection.rules_change")).one()
    assert event.payload["after"]["quotas"]["county"]["key"] == {"ratio": 0.5}
