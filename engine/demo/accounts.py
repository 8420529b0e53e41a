"""The demo accounts: the administrator, the two demo enterprises and the reviewers (password ``demo``)."""

from __future__ import annotations

from dataclasses import dataclass

from engine.actors import Actor, Role

DEMO_PASSWORD = "demo"
ADMIN = Actor("admin", frozenset({Role.ADMIN}), "440000", display_name="系统管理员")


@dataclass(frozen=True)
class DemoEnterprise:
    credit_code: str
    name: str
    region_code: str


DEMO_ENTERPRISES = (
    DemoEnterprise("91440106MA59C8Q0XW", "广州天河环保热电有限公司", "440106"),
    DemoEnterprise("91440111MA5AXB2P14", "广州白云污水处理有限公司", "440111"),
)

DEMO_REVIEWERS = (
    ("province", "省厅审核员", Role.PROVINCE_REVIEWER, "440000"),
    ("city-440100", "广州市局审核员", Role.CITY_REVIEWER, "440100"),
    ("county-440106", "天河区分局审核员", Role.COUNTY_REVIEWER, "440106"),
    ("county-440111", "白云区分局审核员", Role.COUNTY_REVIEWER, "440111"),
)
