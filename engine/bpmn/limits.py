"""The bounds every process model and every evaluation of its expressions must keep.

The values come from ``engine/config.py`` (``ECOLOOP_MODEL_*`` and
``ECOLOOP_EXPRESSION_*``, documented in the README's Configuration section);
the application and each command install them with :func:`configure` when
they start. Until then (and in tests) the defaults below apply.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MAX_CARDINALITY = 1_000  # issue #24: multi-instance cardinality and loop maximum
DEFAULT_MAX_TIMER_YEARS = 10  # issue #24: no timer fires first more than ten years ahead
DEFAULT_MAX_TIMER_REPETITIONS = 1_000  # a daily reminder for almost three years
DEFAULT_MAX_SEQUENCE_LENGTH = 100_000  # characters of a string or items of a list (simpleeval's own bound)
DEFAULT_MAX_INTEGER_BITS = 4_096  # four times a float's range (int(1e308) has 1,024 bits)
DEFAULT_TIME_BUDGET_MS = 1_000  # one expression or one whole script


@dataclass(frozen=True)
class ModelLimits:
    """Bounds checked at deploy (statically, where the expression allows) and at run time (always)."""

    max_cardinality: int = DEFAULT_MAX_CARDINALITY
    max_timer_years: int = DEFAULT_MAX_TIMER_YEARS
    max_timer_repetitions: int = DEFAULT_MAX_TIMER_REPETITIONS
    max_sequence_length: int = DEFAULT_MAX_SEQUENCE_LENGTH
    max_integer_bits: int = DEFAULT_MAX_INTEGER_BITS
    time_budget_ms: int = DEFAULT_TIME_BUDGET_MS


_current = ModelLimits()


def configure(limits: ModelLimits) -> None:
    """Install the limits read from the settings (application or command start-up)."""
    global _current
    _current = limits


def current() -> ModelLimits:
    """The limits in force."""
    return _current
