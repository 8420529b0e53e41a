"""EcoLoop's configuration, read in one place.

Values come from an optional file named by ``ECOLOOP_CONFIG`` (``KEY=value``
lines) and then from ``ECOLOOP_*`` environment variables, which win. Nothing
here runs at import time: callers build a :class:`Settings` with
:func:`load_settings` when the application or a command starts.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.errors import EcoLoopError

PREFIX = "ECOLOOP_"
DEFAULT_INSTANCE_DIR = Path("instance")


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


class ConfigError(EcoLoopError):
    """A required key is missing or a value cannot be read."""


@dataclass(frozen=True)
class Settings:
    """The settings every part of EcoLoop reads, typed; ``raw`` keeps all ``ECOLOOP_*`` keys for the sections
    that parse their own (``LDAP_*``, ``SMTP_*``, ``HJ212_*``, ``MONITORING_*``, ``LOGIN_*`` lockout)."""

    env: str
    database_url: str
    secret_key: str
    evidence_dir: Path
    max_upload_bytes: int
    timer_sweep_seconds: int
    session_idle_minutes: int
    run_scheduler_in_web: bool
    model_limits: ModelLimits = field(default_factory=ModelLimits)
    database_replica_url: str = ""  # a read replica for reports, replays and dashboards; "" reads the primary
    base_url: str = ""  # makes the links in mails absolute
    testing: bool = False
    ratelimit_storage: str = "memory://"  # Flask-Limiter storage: redis://… shares counters between workers
    login_rate_limit: str = "20 per minute"  # failed log-ins per client address
    api_rate_limit: str = "600/minute"  # per API token
    api_login_rate_limit: str = "30/minute"  # token requests per client address
    api_token_minutes: int = 15  # lifetime of a person's bearer token
    api_idempotency_hours: int = 24  # how long an Idempotency-Key is remembered
    raw: Mapping[str, str] = field(default_factory=dict)  # every key, for the sections integrations parse

    @property
    def production(self) -> bool:
        return self.env == "production"


def load_settings(environ: Mapping[str, str] | None = None, overrides: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from a config file, the environment and explicit overrides (in rising priority).

    :raises ConfigError: when a required key is missing in production or a number does not parse.
    """
    environ = os.environ if environ is None else environ
    values: dict[str, str] = {}
    config_file = (overrides or {}).get("CONFIG") or environ.get(PREFIX + "CONFIG")
    if config_file:
        values.update(_read_config_file(Path(config_file)))
    values.update({k[len(PREFIX):]: v for k, v in environ.items() if k.startswith(PREFIX)})
    values.update(overrides or {})
    return _settings_from(values)


def _settings_from(values: dict[str, str]) -> Settings:
    env = values.get("ENV", "development")
    instance_dir = Path(values.get("INSTANCE_DIR", str(DEFAULT_INSTANCE_DIR))).resolve()
    secret_key = values.get("SECRET_KEY", "")
    if not secret_key:
        if env == "production":
            raise ConfigError("ECOLOOP_SECRET_KEY must be set in production")
        secret_key = "development-only-secret-key"
    return Settings(
        env=env,
        database_url=values.get("DATABASE_URL", f"sqlite:///{instance_dir / 'ecoloop.db'}"),
        secret_key=secret_key,
        evidence_dir=Path(values.get("EVIDENCE_DIR", str(instance_dir / "evidence"))),
        max_upload_bytes=_int(values, "MAX_UPLOAD_MB", 20) * 1024 * 1024,
        timer_sweep_seconds=_int(values, "TIMER_SWEEP_SECONDS", 30),
        session_idle_minutes=_int(values, "SESSION_IDLE_MINUTES", 30),
        run_scheduler_in_web=values.get("RUN_SCHEDULER_IN_WEB", "1") not in ("0", "false", "no"),
        model_limits=_model_limits(values),
        database_replica_url=values.get("DATABASE_REPLICA_URL", ""),
        base_url=values.get("BASE_URL", ""),
        testing=values.get("TESTING") == "1",
        ratelimit_storage=values.get("RATELIMIT_STORAGE") or "memory://",
        login_rate_limit=values.get("LOGIN_RATE_LIMIT") or "20 per minute",
        api_rate_limit=values.get("API_RATE_LIMIT") or "600/minute",
        api_login_rate_limit=values.get("API_LOGIN_RATE_LIMIT") or "30/minute",
        api_token_minutes=_int(values, "API_TOKEN_MINUTES", 15),
        api_idempotency_hours=_int(values, "API_IDEMPOTENCY_HOURS", 24),
        raw=dict(values),
    )


MODEL_LIMIT_KEYS = {
    "max_cardinality": "MODEL_MAX_CARDINALITY",
    "max_timer_years": "MODEL_MAX_TIMER_YEARS",
    "max_timer_repetitions": "MODEL_MAX_TIMER_REPETITIONS",
    "max_sequence_length": "EXPRESSION_MAX_LENGTH",
    "max_integer_bits": "EXPRESSION_MAX_INTEGER_BITS",
    "time_budget_ms": "EXPRESSION_TIME_BUDGET_MS",
}


def _model_limits(values: Mapping[str, str]) -> ModelLimits:
    """The deploy and evaluation bounds (``engine/workflow/limits.py`` names each default's source).

    :raises ConfigError: naming a key whose value is not a positive whole number.
    """
    chosen: dict[str, int] = {}
    for name, key in MODEL_LIMIT_KEYS.items():
        text = values.get(key)
        if text:
            number = _positive(text, whole=True)
            if number is None:
                raise ConfigError(f"{PREFIX}{key} must be a positive whole number, not {text!r}")
            chosen[name] = int(number)
    return ModelLimits(**chosen)


def _int(values: Mapping[str, str], key: str, default: int) -> int:
    text = values.get(key)
    if text is None or text == "":
        return default
    try:
        return int(text)
    except ValueError:
        raise ConfigError(f"{PREFIX}{key} must be a whole number, not {text!r}") from None


def section_values(fields: Mapping[str, Any], raw: Mapping[str, str], section: str) -> dict[str, object]:
    """The values of a settings dataclass's ``fields`` given in ``raw`` as ``<section>_<FIELD>`` keys:
    positive whole numbers for ``int`` fields, positive numbers for ``float`` fields, text for the others.

    :raises ConfigError: naming the variable whose value is not a positive number of its kind.
    """
    values: dict[str, object] = {}
    for name, spec in fields.items():
        key = f"{section}_{name.upper()}"
        text = raw.get(key)
        if not text:
            continue
        if spec.type not in ("int", "float"):
            values[name] = text
            continue
        number = _positive(text, whole=spec.type == "int")
        if number is None:
            kind = "a positive whole number" if spec.type == "int" else "a positive number"
            raise ConfigError(f"{PREFIX}{key} must be {kind}, not {text!r}")
        values[name] = number
    return values


def _positive(text: str, *, whole: bool) -> int | float | None:
    if whole:
        return int(text) if text.isdigit() and int(text) > 0 else None
    try:
        number = float(text)
    except ValueError:
        return None
    return number if 0 < number < math.inf else None


def _read_config_file(path: Path) -> dict[str, str]:
    """Read ``KEY=value`` lines; blank lines and ``#`` comments are skipped; keys may carry the prefix."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    values: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise ConfigError(f"{path}:{number}: expected KEY=value")
        key = key.strip().removeprefix(PREFIX)
        values[key] = value.strip()
    return values
