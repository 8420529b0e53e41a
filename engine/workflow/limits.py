"""The bounds every process model and every evaluation of its expressions must keep.

The values come from ``engine/config.py`` (``ECOLOOP_MODEL_*`` and
``ECOLOOP_EXPRESSION_*``, documented in the README's Configuration section);
the application and each command install them with :func:`configure` when
they start. Until then (and in tests) the defaults below apply.
"""

from __future__ import annotations

from engine.config import ModelLimits  # the dataclass lives with the settings that fill it

__all__ = ["ModelLimits", "configure", "current"]

_current = ModelLimits()


def configure(limits: ModelLimits) -> None:
    """Install the limits read from the settings (application or command start-up)."""
    global _current
    _current = limits


def current() -> ModelLimits:
    """The limits in force."""
    return _current
