"""Monitoring settings from EcoLoop's configuration (``ECOLOOP_MONITORING_*`` keys)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from engine.config import section_values


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
        return cls(**section_values(cls.__dataclass_fields__, raw, "MONITORING"))  # type: ignore[arg-type]
