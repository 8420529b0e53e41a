"""Settings sections read from ``ECOLOOP_<SECTION>_*`` keys: typed, positive, and named when wrong."""

from __future__ import annotations

import pytest

from engine.config import ConfigError, load_settings
from engine.monitoring.settings import MonitoringSettings
from integrations.hj212.receiver import ReceiverSettings


def test_values_are_read_by_type_and_overrides_win() -> None:
    settings = ReceiverSettings.from_raw({"HJ212_HOST": "127.0.0.1", "HJ212_MAX_PENDING": "500",
                                          "HJ212_BATCH_WAIT": "0.2", "HJ212_PORT": "7000"}, port=7100)
    assert (settings.host, settings.max_pending, settings.batch_wait, settings.port) == ("127.0.0.1", 500, 0.2, 7100)
    assert MonitoringSettings.from_raw({"MONITORING_PURGE_HOURS": "3"}).purge_hours == 3
    assert MonitoringSettings.from_raw({}) == MonitoringSettings()


@pytest.mark.parametrize(("raw", "key"), [
    ({"HJ212_IDLE_TIMEOUT": "soon"}, "ECOLOOP_HJ212_IDLE_TIMEOUT"),
    ({"HJ212_BATCH_WAIT": "-1"}, "ECOLOOP_HJ212_BATCH_WAIT"),
    ({"HJ212_REGISTRY_TTL": "inf"}, "ECOLOOP_HJ212_REGISTRY_TTL"),
    ({"HJ212_MAX_PENDING": "2.5"}, "ECOLOOP_HJ212_MAX_PENDING"),
    ({"HJ212_PORT": "+6212"}, "ECOLOOP_HJ212_PORT"),
])
def test_a_bad_receiver_value_is_refused_by_name(raw: dict[str, str], key: str) -> None:
    with pytest.raises(ConfigError, match=key):
        ReceiverSettings.from_raw(raw)


@pytest.mark.parametrize("text", ["0", "-3", "ten", "1.5", " 5"])
def test_a_bad_monitoring_value_is_refused_by_name(text: str) -> None:
    with pytest.raises(ConfigError, match="ECOLOOP_MONITORING_PURGE_HOURS must be a positive whole number"):
        MonitoringSettings.from_raw({"MONITORING_PURGE_HOURS": text})


def test_web_settings_are_typed_and_a_bad_number_stops_start_up() -> None:
    settings = load_settings(environ={}, overrides={"API_TOKEN_MINUTES": "30", "BASE_URL": "https://hb.example",
                                                    "TESTING": "1"})
    assert (settings.api_token_minutes, settings.base_url, settings.testing) == (30, "https://hb.example", True)
    assert (load_settings(environ={}).api_idempotency_hours, load_settings(environ={}).ratelimit_storage) == (
        24, "memory://")
    with pytest.raises(ConfigError, match="ECOLOOP_API_IDEMPOTENCY_HOURS"):
        load_settings(environ={}, overrides={"API_IDEMPOTENCY_HOURS": "a day"})
