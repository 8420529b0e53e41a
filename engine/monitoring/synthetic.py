"""Synthetic monitoring traffic for the demo, the simulator and the benchmarks: deterministic per seed.

Each simulated point draws hourly values around a baseline below its limits;
now and then an *episode* starts that the rules should catch: an exceedance
(1–3 hours above the limit), a stuck analyser (a constant value for 7 hours),
a zero run, a gap (1–2 hours not sent) or a maintenance flag.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from engine.monitoring.codes import FACTORS
from engine.monitoring.registry import FactorSpec


@dataclass(frozen=True)
class FactorProfile:
    """A factor of a simulated point: its registered spec and a typical value."""

    spec: FactorSpec
    baseline: float
    noise: float


def _profile(code: str, baseline: float, noise: float, *, upper: float | None = None,
             lower: float | None = None, range_upper: float | None = None, **overrides: dict[str, object]) -> FactorProfile:
    rule_params: dict[str, dict[str, object]] = {"sudden_change": {"min_delta": upper}} if upper else {}
    rule_params.update(overrides)
    spec = FactorSpec(code=code, name=FACTORS[code].name, unit=FACTORS[code].unit, upper_limit=upper, lower_limit=lower, range_upper=range_upper,
                      range_lower=None, rule_params=rule_params)
    return FactorProfile(spec, baseline, noise)


WATER_FACTORS: Sequence[FactorProfile] = (
    _profile("w01018", 28.0, 5.0, upper=50.0, range_upper=500.0),
    _profile("w21003", 2.0, 0.5, upper=5.0, range_upper=50.0),
    _profile("w21011", 0.2, 0.05, upper=0.5, range_upper=10.0),
    _profile("w01001", 7.2, 0.2, upper=9.0, lower=6.0, range_upper=14.0,
             sudden_change={"enabled": False}),
    _profile("w00000", 120.0, 15.0),
)
AIR_FACTORS: Sequence[FactorProfile] = (
    _profile("a21026", 18.0, 4.0, upper=35.0, range_upper=200.0),
    _profile("a21002", 32.0, 6.0, upper=50.0, range_upper=500.0),
    _profile("a34013", 3.0, 0.6, upper=10.0, range_upper=100.0),
    _profile("a19001", 9.0, 0.6),
    _profile("a01012", 120.0, 6.0),
    _profile("a00000", 85.0, 8.0),
)
FACTORS_BY_KIND = {"water": WATER_FACTORS, "air": AIR_FACTORS}
EPISODES = ("exceedance", "constant", "zero", "gap", "flag")


@dataclass
class SimPoint:
    """One simulated logger and its running episode."""

    mn: str
    kind: str
    password: str = "123456"
    episode: str | None = None
    hours_left: int = 0
    target: str = ""
    stuck: float = 0.0

    @property
    def st(self) -> str:
        return "32" if self.kind == "water" else "31"

    @property
    def profiles(self) -> Sequence[FactorProfile]:
        return FACTORS_BY_KIND[self.kind]


@dataclass
class TrafficModel:
    """Draws hourly records; ``episode_rate`` is the chance per point and hour that an episode starts."""

    seed: int = 0
    episode_rate: float = 0.01
    episodes: Sequence[str] = EPISODES
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def hourly(self, point: SimPoint, slot: datetime) -> dict[str, dict[str, float | str]] | None:
        """The factors of ``point`` for the hour starting at ``slot``, or None for a gap."""
        if point.hours_left <= 0:
            point.episode = None
            if self.rng.random() < self.episode_rate:
                self.start_episode(point, self.rng.choice(list(self.episodes)))
        point.hours_left -= 1
        if point.episode == "gap":
            return None
        return {p.spec.code: self._factor(point, p) for p in point.profiles}

    def start_episode(self, point: SimPoint, episode: str) -> None:
        limited = [p for p in point.profiles if p.spec.upper_limit is not None]
        target = self.rng.choice(limited)
        point.episode, point.target = episode, target.spec.code
        point.hours_left = {"exceedance": self.rng.randint(1, 3), "constant": 7, "zero": 4, "gap": self.rng.randint(1, 2),
                            "flag": 1}[episode]
        point.stuck = round(target.baseline, 2)

    def _factor(self, point: SimPoint, profile: FactorProfile) -> dict[str, float | str]:
        spec = profile.spec
        value = max(0.0, self.rng.gauss(profile.baseline, profile.noise))
        if spec.upper_limit is not None and spec.lower_limit is None:
            value = min(value, spec.upper_limit * 0.95)
        if spec.lower_limit is not None:
            value = min(max(value, spec.lower_limit + 0.1), (spec.upper_limit or value) - 0.1)
        flag = "N"
        if point.target == spec.code:
            value, flag = self._episode_value(point, profile, value)
        value = round(value, 2)
        return {"avg": value, "min": round(value * 0.9, 2), "max": round(value * 1.1, 2), "flag": flag}

    def _episode_value(self, point: SimPoint, profile: FactorProfile, value: float) -> tuple[float, str]:
        limit = profile.spec.upper_limit or value
        if point.episode == "exceedance":
            return limit * self.rng.uniform(1.2, 1.8), "N"
        if point.episode == "constant":
            return point.stuck, "N"
        if point.episode == "zero":
            return 0.0, "N"
        if point.episode == "flag":
            return value, "M"
        return value, "N"


def demo_mn(region_code: str, enterprise: int, point: int) -> str:
    """A 24-digit MN for demo and simulated points: region, enterprise number, point number."""
    return f"{region_code}{'0' * 10}{enterprise:05d}{point:03d}"
