"""Rating rules as data: validation naming the wrong part, versions per year, carry-over, diff, audit."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit.models import AuditEvent
from engine.credit import rules
from engine.credit.rule_defaults import DEFAULT_RULES
from engine.errors import InvalidInput, NotAllowed
from tests.support.actors import ADMIN, PROVINCE


def test_the_default_rules_are_valid_and_name_their_source() -> None:
    loaded = rules.validated(copy.deepcopy(DEFAULT_RULES))
    assert "环发〔2013〕150号" in loaded["source"]
    assert [g["label"] for g in loaded["groups"]] == ["污染防治", "生态保护", "环境管理", "社会监督"]


@pytest.mark.parametrize("change, field", [
    (lambda r: r["groups"][0].update(weight=50), "groups"),
    (lambda r: r["groups"][0]["indicators"][0].update(weight=10), "groups.0.indicators"),
    (lambda r: r["levels"].update(good=95), "levels"),
    (lambda r: r["groups"][0]["indicators"][0]["rule"].update(steps=[[1, 100]]), "groups.0.indicators.0.rule.steps"),
    (lambda r: r["groups"][0]["indicators"][0]["rule"].update(fact="nonsense"), "groups.0.indicators.0.rule.fact"),
    (lambda r: r["zero"].append({"fact": "penalty", "indicator": "nowhere"}), "zero"),
    (lambda r: r["groups"][0]["indicators"][1]["rule"].pop("pass_line"), "groups.0.indicators.1.rule.pass_line"),
], ids=["group-weights", "indicator-weights", "thresholds", "steps", "fact", "zero-indicator", "rate-incomplete"])
def test_validation_names_the_wrong_part(change: object, field: str) -> None:
    broken = copy.deepcopy(DEFAULT_RULES)
    change(broken)  # type: ignore[operator]
    with pytest.raises(InvalidInput) as raised:
        rules.validated(broken)
    assert field in raised.value.fields


def test_versions_per_year_carry_over_and_diff(session: Session) -> None:
    assert rules.current(session, 2025).version == 0
    changed = copy.deepcopy(DEFAULT_RULES)
    changed["levels"]["trustworthy"] = 92
    first = rules.change(session, ADMIN, 2025, changed, "提高诚信分数线")
    assert (first.year, first.version) == (2025, 1)
    again = rules.change(session, ADMIN, 2025, DEFAULT_RULES)
    assert again.version == 2
    assert [v.version for v in rules.versions(session, 2025)] == [2, 1]
    carried = rules.current(session, 2026)  # next year starts from this year's newest
    assert carried.version == 0 and carried.rules == again.rules
    assert rules.diff(DEFAULT_RULES, changed) == [("levels.trustworthy", 90, 92)]
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "credit.rules_change")
                            .order_by(AuditEvent.seq.desc()).limit(1)).one()
    assert event.payload["changed"] == ["levels.trustworthy"]


def test_only_administrators_change_rules(session: Session) -> None:
    with pytest.raises(NotAllowed):
        rules.change(session, PROVINCE, 2025, DEFAULT_RULES)
