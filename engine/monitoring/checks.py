"""A factor's anomaly rules flattened for the hot path (built once when the registry is read)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Checks:
    """A factor's rules flattened: ``None`` or 0 where a rule is disabled or has no limit."""

    flags: frozenset[str] | None
    upper: float | None
    lower: float | None
    negative: bool
    over_range: bool
    range_upper: float | None
    range_lower: float | None
    zero_count: int
    constant_count: int
    tolerance: float
    sudden_ratio: float | None
    sudden_min_delta: float
    missing: bool

    @property
    def needs_previous(self) -> bool:
        return bool(self.zero_count or self.constant_count or self.sudden_ratio is not None)


def compile_checks(
    rules: Mapping[str, Mapping[str, Any]], upper_limit: float | None, lower_limit: float | None,
    range_upper: float | None, range_lower: float | None,
) -> Checks:
    exceedance, sudden = rules["exceedance"]["enabled"], rules["sudden_change"]
    return Checks(
        flags=frozenset(rules["flag"]["flags"]) if rules["flag"]["enabled"] else None,
        upper=upper_limit if exceedance else None, lower=lower_limit if exceedance else None,
        negative=bool(rules["negative"]["enabled"]), over_range=bool(rules["over_range"]["enabled"]),
        range_upper=range_upper, range_lower=range_lower,
        zero_count=int(rules["zero"]["count"]) if rules["zero"]["enabled"] else 0,
        constant_count=int(rules["constant"]["count"]) if rules["constant"]["enabled"] else 0,
        tolerance=float(rules["constant"]["tolerance"]),
        sudden_ratio=float(sudden["ratio"]) if sudden["enabled"] else None,
        sudden_min_delta=float(sudden["min_delta"]), missing=bool(rules["missing"]["enabled"]),
    )
