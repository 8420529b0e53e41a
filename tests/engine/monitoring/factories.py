"""A small registered province for monitoring tests: one key-unit enterprise with an air and a water point."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy.orm import Session

from engine.monitoring import registry
from engine.monitoring.codes import HOURLY
from engine.monitoring.ingest import Ingestor
from engine.monitoring.models import Enterprise, MonitoringPoint
from engine.monitoring.passwords import hash_password
from engine.monitoring.records import MeasurementRecord
from engine.monitoring.registry import FactorSpec
from tests.support.actors import ADMIN, ENTERPRISE_TIANHE

CHINA = timezone(timedelta(hours=8))
BASE = datetime(2026, 11, 20, 8, 0, tzinfo=CHINA)
PASSWORD = "pw-212"
AIR_MN = "AIR00000000000000000001"
WATER_MN = "WAT00000000000000000002"
_HASH = hash_password(PASSWORD, iterations=1000)

AIR_FACTORS = (
    FactorSpec("a21026", "二氧化硫", "mg/m³", upper_limit=35.0, range_upper=200.0),
    FactorSpec("a34013", "颗粒物", "mg/m³", upper_limit=10.0),
    FactorSpec("a01012", "烟气温度", "°C"),
)
WATER_FACTORS = (
    FactorSpec("w01018", "化学需氧量", "mg/L", upper_limit=50.0),
    FactorSpec("w01001", "pH值", "", upper_limit=9.0, lower_limit=6.0),
)


@dataclass
class Province:
    enterprise: Enterprise
    air: MonitoringPoint
    water: MonitoringPoint


def register(session: Session, *, since: datetime = BASE - timedelta(days=40)) -> Province:
    enterprise = registry.register_enterprise(session, ADMIN, credit_code=ENTERPRISE_TIANHE, name="天河热电",
                                              region_code="440106", industry="火力发电", key_unit=True)
    air = registry.register_point(session, ADMIN, enterprise, mn=AIR_MN, name="1号烟囱", kind="air", password=PASSWORD,
                                  password_hash=_HASH, factors=AIR_FACTORS, monitoring_since=since)
    water = registry.register_point(session, ADMIN, enterprise, mn=WATER_MN, name="总排口", kind="water",
                                    password=PASSWORD, password_hash=_HASH, factors=WATER_FACTORS,
                                    monitoring_since=since)
    return Province(enterprise, air, water)


def air(hour: int, so2: float = 20.0, dust: float = 3.0, temp: float = 120.0, *, flags: dict[str, str] | None = None,
        extra: dict[str, dict[str, Any]] | None = None, pw: str = PASSWORD, cn: str = HOURLY) -> MeasurementRecord:
    """The air point's hourly record ``hour`` hours after BASE."""
    values = {"a21026": so2, "a34013": dust, "a01012": temp}
    factors: dict[str, dict[str, Any]] = {code: {"avg": v, "flag": (flags or {}).get(code, "N")}
                                          for code, v in values.items() if v is not None}
    for code, fields in (extra or {}).items():
        factors.setdefault(code, {}).update(fields)
    return MeasurementRecord(AIR_MN, cn, BASE + timedelta(hours=hour), factors, pw=pw, st="31", qn=f"q{hour}")


def water(hour: int, cod: float = 20.0, ph: float = 7.0, *, pw: str = PASSWORD) -> MeasurementRecord:
    factors = {"w01018": {"avg": cod, "flag": "N"}, "w01001": {"avg": ph, "flag": "N"}}
    return MeasurementRecord(WATER_MN, HOURLY, BASE + timedelta(hours=hour), factors, pw=pw, st="32")


def ingestor(now: datetime = BASE + timedelta(days=2)) -> Ingestor:
    """An ingestor whose clock stands still, so no record lies in the future."""
    return Ingestor(clock=lambda: now)
