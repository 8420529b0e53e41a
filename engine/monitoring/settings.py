"""Monitoring settings from EcoLoop's configuration (``ECOLOOP_MONITORING_*`` keys)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from engine.config import ConfigError


@dataclass(frozen=True)
class MonitoringSettings:
    """Retention of short-term data and how often the scheduler's monitoring jobs run."""

    minute_retention_days: int = 30
    realtime_retention_days: int = 7
    missing_check_minutes: int = 10
    open_tasks_seconds: int = 60
    purge_hours: int = 6
    registry_ttl_seconds: int = 60

    @classmethod
    def from_raw(cls, raw: Mapping[str, str]) -> MonitoringSettings:
        """Read ``MONITORING_MINUTE_RETENTION_DAYS`` etc. from :attr:`engine.config.Settings.raw`.

        :raises ConfigError: a value that is not a positive whole number.
        """
        values = {}
        for name in cls.__dataclass_fields__:
            text = raw.get(f"MONITORING_{name.upper()}")
            if not text:
                continue
            if not text.isdigit() or int(text) <= 0:
                raise ConfigError(f"ECOLOOP_MONITORING_{name.upper()} must be a positive whole number, not {text!r}")
            values[name] = int(text)
        return cls(**values)
