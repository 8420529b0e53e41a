"""The shipped parameters of the data-inspection rules (version 0) and the public text each one rests on.

Where a text fixes a number (the filing deadline) the default is that number; where the text only names the
check (a declaration "clearly lower" than the monitored data) the threshold is this platform's starting
value, said so in ``source``, for an administrator to set on the rules page (versioned and audited).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

RULES: tuple[str, ...] = (
    "declared_below_monitored",
    "outlets_without_source",
    "source_without_permit",
    "monitoring_without_return",
    "exceedance_without_penalty",
    "declared_without_monitoring",
)
"""The rule keys, in the order the 数据监查表 lists them."""

RULE_NAMES: Mapping[str, str] = {
    "declared_below_monitored": "申报排放量低于自动监测排放量",
    "outlets_without_source": "有许可排放口但无税源登记",
    "source_without_permit": "税源无有效排污许可",
    "monitoring_without_return": "有监测数据但未申报",
    "exceedance_without_penalty": "申报浓度超标但无处罚记录",
    "declared_without_monitoring": "申报自动监测浓度但无有效监测数据",
}

SOURCES: Mapping[str, str] = {
    "declared_below_monitored": (
        "《中华人民共和国环境保护税法》第十条（按自动监测数据计算排放量）、第二十条（税务机关将申报数据与生态环境"
        "主管部门交送的数据比对，异常的提请复核）；《环境保护税法实施条例》第二十二条（申报数据明显偏低且无正当理由的，提请复核）。"
        "法条未规定偏低幅度：10 % 为本平台初始值，须由管理员按本省比对口径核定。"),
    "outlets_without_source": (
        "《环境保护税法》第二条（直接排放应税污染物的企业事业单位为纳税人）、第十五条（生态环境主管部门交送排污单位"
        "的排污许可、污染物排放数据）。"),
    "source_without_permit": (
        "《排污许可管理条例》（国务院令第 736 号）第二条（依照法律规定实行排污许可管理的排污单位应当申请取得排污许可证）；"
        "《环境保护税法》第十五条。"),
    "monitoring_without_return": (
        "《环境保护税法》第十八条（按月计算，按季申报缴纳）、第十九条（自季度终了之日起十五日内申报）：季度申报期满"
        "后才认定为未申报。"),
    "exceedance_without_penalty": (
        "《环境保护税法》第十三条（浓度值低于排放标准的减征，超标排放不享受减征）；《大气污染防治法》第九十九条、"
        "《水污染防治法》第八十三条（超标排放应予处罚）。回溯期为本平台初始值。"),
    "declared_without_monitoring": (
        "《环境保护税法》第十条第一项（安装使用符合国家规定和监测规范的自动监测设备的，按自动监测数据计算）。"
        "最少有效天数为本平台初始值。"),
}

DEFAULTS: Mapping[str, Mapping[str, Any]] = {
    "declared_below_monitored": {"enabled": True, "threshold_percent": 10.0, "min_monitored_kg": 1.0},
    "outlets_without_source": {"enabled": True, "key_units_only": False},
    "source_without_permit": {"enabled": True},
    "monitoring_without_return": {"enabled": True, "filing_days_after_quarter": 15, "min_valid_days": 1},
    "exceedance_without_penalty": {"enabled": True, "tolerance_percent": 0.0, "penalty_lookback_months": 12},
    "declared_without_monitoring": {"enabled": True, "min_valid_days": 1},
}
"""Each rule's parameters as shipped; every number here is changed on the rules page, never in code."""

SPECS: Mapping[str, tuple[Any, ...]] = {
    "enabled": ("bool",),
    "key_units_only": ("bool",),
    "threshold_percent": ("float", 0.0, 100.0),
    "min_monitored_kg": ("float", 0.0, 1e9),
    "filing_days_after_quarter": ("int", 0, 120),
    "min_valid_days": ("int", 1, 31),
    "tolerance_percent": ("float", 0.0, 100.0),
    "penalty_lookback_months": ("int", 0, 60),
}
"""The type and bounds of each parameter name."""
