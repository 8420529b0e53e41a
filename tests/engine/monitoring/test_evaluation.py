"""Each anomaly rule on hand-made records: corrected values, invalid flags, runs and jumps."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from engine.monitoring.evaluation import Slot, evaluate
from engine.monitoring.registry import FactorInfo, PointInfo
from engine.monitoring.rules import DEFAULTS, RuleBook

CHINA = timezone(timedelta(hours=8))
T0 = datetime(2026, 11, 20, 12, 0, tzinfo=CHINA)
HOUR = timedelta(hours=1)
BOOK = RuleBook({key: dict(value) for key, value in DEFAULTS.items()})
INVALID = frozenset("FMDCB")


def point(**overrides: Any) -> PointInfo:
    factor = FactorInfo("a21026", "二氧化硫", "mg/m³", overrides.pop("upper", 35.0), overrides.pop("lower", None),
                        overrides.pop("range_upper", 200.0), None, BOOK.for_factor(overrides))
    return PointInfo(1, "MN1", "烟囱", "air", True, "", 30, 10, T0 - 100 * HOUR, 1, "热电", "91440106MA59C8Q0XW",
                     "440106", True, {"a21026": factor})


def judge(value: Any, history: dict[int, Any] | None = None, *, flag: str = "N", pt: PointInfo | None = None,
          **fields: Any) -> set[str]:
    """Anomaly types found for a record at T0; ``history`` maps hours back to earlier avg values."""
    earlier = {T0 - back * HOUR: {"a21026": {"avg": v, "flag": "N"}} for back, v in (history or {}).items()}
    data = {"avg": value, "flag": flag, **fields} if value is not None else {"flag": flag, **fields}
    found = evaluate(Slot(pt or point(), "2061", T0, HOUR, INVALID), {"a21026": data}, earlier.get)
    return {f.anomaly_type for f in found}


def test_normal_value_raises_nothing() -> None:
    assert judge(20.0, {1: 21.0, 2: 19.0}) == set()


def test_exceedance_uses_the_corrected_value_when_present() -> None:
    assert judge(30.0, zs_avg=40.0) == {"exceedance"}
    assert judge(40.0, zs_avg=30.0) == set()


def test_lower_limit_counts_as_exceedance() -> None:
    assert judge(5.5, pt=point(upper=9.0, lower=6.0, range_upper=None)) == {"exceedance"}


@pytest.mark.parametrize("flag", ["F", "M", "D", "C", "B"])
def test_invalid_flags_are_not_judged_but_flagged(flag: str) -> None:
    assert judge(500.0, flag=flag) == {"flag"}


def test_manual_setting_is_flagged_and_still_judged() -> None:
    assert judge(40.0, flag="S") == {"flag", "exceedance"}


def test_over_range_by_value_or_flag_t() -> None:
    assert judge(250.0) == {"exceedance", "over_range"}
    assert judge(20.0, flag="T") == {"over_range"}


def test_negative() -> None:
    assert judge(-1.0, {1: -1.5}) == {"negative"}


def test_zero_needs_count_records_in_a_row() -> None:
    assert judge(0.0, {1: 0.0}) == set()
    assert judge(0.0, {1: 0.0, 2: 0.0}) == {"zero"}
    assert judge(0.0, {1: 0.0, 3: 0.0}) == set()  # a gap breaks the run


def test_constant_needs_six_equal_values_and_ignores_zero_runs() -> None:
    five = {back: 12.5 for back in range(1, 5)}
    assert judge(12.5, five) == set()
    assert judge(12.5, {**five, 5: 12.5}) == {"constant"}
    assert judge(0.0, {back: 0.0 for back in range(1, 6)}) == {"zero"}


def test_constant_tolerance_is_a_parameter() -> None:
    nearly = {back: 12.5 + back * 0.01 for back in range(1, 6)}
    assert judge(12.5, nearly) == set()
    assert judge(12.5, nearly, pt=point(constant={"tolerance": 0.1})) == {"constant"}


def test_sudden_change_compares_with_the_previous_slot() -> None:
    assert judge(30.0, {1: 5.0}) == {"sudden_change"}
    assert judge(30.0, {1: 10.0}) == set()
    assert judge(30.0, {1: 5.0}, pt=point(sudden_change={"min_delta": 30.0})) == set()


def test_disabled_rule_finds_nothing() -> None:
    assert judge(40.0, pt=point(exceedance={"enabled": False})) == set()


def test_factor_missing_from_the_record() -> None:
    found = evaluate(Slot(point(), "2061", T0, HOUR, INVALID), {}, {}.get)
    assert [(f.factor, f.anomaly_type) for f in found] == [("a21026", "missing")]


def test_finding_records_rule_parameters_values_and_period() -> None:
    [finding] = evaluate(Slot(point(), "2061", T0, HOUR, INVALID), {"a21026": {"avg": 40.0, "flag": "N"}}, {}.get)
    assert finding.params == {"enabled": True, "upper_limit": 35.0, "lower_limit": None}
    assert finding.values == [{"t": T0.isoformat(), "v": 40.0, "flag": "N"}]
    assert (finding.period_start, finding.period_end) == (T0, T0 + HOUR)
