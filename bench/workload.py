"""The benchmark's workload: anomaly-closure cases for enterprises spread over Guangdong, and who works them.

Every case takes the longest ordinary path of ``anomaly_closure``: an
exceedance at a key unit, so the enterprise explains, then the county, the
city and the province review and accept. Enterprises are placed in cities
roughly in proportion to their share of the province's key pollutant-discharge
units (the Pearl River Delta cities dominate), and in a county of that city at
random; reviewers are the county's, the city's, and one of a few province
reviewers.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from typing import Any

from stdnum.cn import uscc

from engine.actors import SYSTEM, Actor, Role
from engine.monitoring.codes import FACTORS
from engine.regions import RegionLevel, region_tree

PROCESS_KEY = "anomaly_closure"
STEPS = ("explain", "county_review", "city_review", "province_review")

# Approximate share (per cent) of Guangdong's key discharge units by city.
CITY_WEIGHTS: dict[str, int] = {
    "440100": 16, "440300": 14, "440600": 12, "441900": 11, "441300": 6, "440700": 5, "442000": 5,
    "440500": 4, "440800": 4, "441200": 3, "440900": 3, "445200": 3, "441800": 3, "440400": 2,
    "440200": 2, "441400": 2, "441600": 2, "441700": 2, "445100": 2, "441500": 1, "445300": 1,
}

BENCH_FACTORS = ("w01018", "w21003", "w21011", "a21026", "a21002", "a34013")
REASONS = ("other", "communication_fault", "abnormal_operation", "exceedance")  # none needs evidence files
DESCRIPTIONS = (
    "在线监测仪表漂移，已联系运维单位到场校核。",
    "生产线调整工况期间治理设施负荷不足，短时超标，已恢复正常。",
    "数采仪与平台通讯中断，期间数据缺失后补传出现异常值。",
    "进水水质突变导致出水指标超标，已加大药剂投加量并加强巡检，后续持续跟踪监测结果，确保稳定达标排放。",
)
CONCLUSIONS = ("confirmed_exceedance", "explanation_accepted", "equipment_fixed")
ORG_ALPHABET = string.digits + "ABCDEFGHJKLMNPQRTUWXY"
PROVINCE_REVIEWERS = tuple(
    Actor(f"province-{n}", frozenset({Role.PROVINCE_REVIEWER}), "440000", display_name=f"省级审核员{n}") for n in (1, 2, 3)
)
STARTER = SYSTEM  # anomalies are raised by the HJ 212 ingest, not by a person


@dataclass(frozen=True)
class Enterprise:
    actor: Actor
    county: Actor
    city: Actor


@dataclass(frozen=True)
class Case:
    """One instance to run: its start request's fields and, per step, who submits what."""

    region_code: str
    enterprise_code: str
    business_key: str
    subject: str
    start_data: dict[str, Any]
    steps: tuple[tuple[Actor, dict[str, Any]], ...]


def enterprises(count: int, rng: random.Random) -> list[Enterprise]:
    """``count`` enterprises, each with a valid credit code registered in its county."""
    tree = region_tree()
    cities = list(CITY_WEIGHTS)
    weights = [CITY_WEIGHTS[c] for c in cities]
    result = []
    for _ in range(count):
        city = rng.choices(cities, weights)[0]
        counties = [r.code for r in tree.children(city) if r.level is RegionLevel.COUNTY] or [city]
        county = rng.choice(counties)
        code = credit_code(county, rng)
        result.append(Enterprise(
            actor=Actor(f"ent-{code}", frozenset({Role.ENTERPRISE}), county, code),
            county=Actor(f"county-{county}", frozenset({Role.COUNTY_REVIEWER}), county),
            city=Actor(f"city-{city}", frozenset({Role.CITY_REVIEWER}), city),
        ))
    return result


def credit_code(county: str, rng: random.Random) -> str:
    """A GB 32100 code: 9 (registered by market regulation) 1 (enterprise), county, organisation code, check."""
    body = "91" + county + "".join(rng.choice(ORG_ALPHABET) for _ in range(9))
    return body + uscc.calc_check_digit(body)


def cases(count: int, pool: list[Enterprise], rng: random.Random, prefix: str) -> list[Case]:
    return [_case(rng.choice(pool), rng, f"{prefix}-{n}") for n in range(count)]


def _case(enterprise: Enterprise, rng: random.Random, business_key: str) -> Case:
    factor = rng.choice(BENCH_FACTORS)
    point = "MN" + "".join(rng.choice(string.digits) for _ in range(12))
    explanation = {"reason": rng.choice(REASONS), "description": rng.choice(DESCRIPTIONS)}
    if rng.random() < 0.5:
        explanation["measures"] = "加强运维巡检频次，每日校核在线监测设备。"
    return Case(
        region_code=enterprise.actor.region_code or "",
        enterprise_code=enterprise.actor.enterprise_code or "",
        business_key=business_key,
        subject=f"{FACTORS[factor].name} 超标 {point}",
        start_data={"anomaly_type": "exceedance", "key_unit": True, "factor": factor, "point_mn": point,
                    "measured": round(rng.uniform(60, 400), 2), "limit": 50.0},
        steps=(
            (enterprise.actor, explanation),
            (enterprise.county, _review(rng, "区县核实情况属实。")),
            (enterprise.city, _review(rng, "同意区县意见。")),
            (rng.choice(PROVINCE_REVIEWERS), {**_review(rng, "同意闭环。"), "conclusion": rng.choice(CONCLUSIONS)}),
        ),
    )


def _review(rng: random.Random, opinion: str) -> dict[str, Any]:
    return {"decision": "accept", "opinion": opinion} if rng.random() < 0.6 else {"decision": "accept"}
