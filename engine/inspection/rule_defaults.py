"""The shipped draw rules (version 0): quotas per body level, officer pairing, conflict rules, class criteria.

Sources of the defaults:
- 广东省环境保护厅《广东省污染源日常环境监管随机抽查制度落实方案》(2016): each quarter a city bureau inspects
  at least 5 % and a county bureau at least 25 % of its key discharge units; general units in a ratio of
  officers to units of at least 1 : 5 (city) and 1 : 10 (county) per year; special objects covered in full.
- 国务院办公厅《关于推广随机抽查规范事中事后监管的通知》(国办发〔2015〕58号) and 原环境保护部办公厅
  《关于在污染源日常环境监管领域推广随机抽查制度的实施方案》(环办〔2015〕88号): the two directories, the
  special / key / general classes, the confidentiality of the drawn list.
- 《中华人民共和国行政处罚法》(2021) art. 42: at least two officers holding enforcement certificates.
- The class criteria (penalised in the previous year, credit yellow/red, major environmental-risk level,
  repeated verified complaints, key-unit list) follow 环办〔2015〕88号's 特殊监管对象; the complaint count (2)
  and the look-back windows are this platform's starting values: an administrator confirms them.
"""

from __future__ import annotations

from typing import Any

SOURCE = ("广东省《污染源日常环境监管随机抽查制度落实方案》（2016）：地市每季度抽查重点排污单位不少于5%、区县不少于25%；"
          "一般排污单位执法人员与抽查对象比例市级1:5、县级1:10（每年）；特殊监管对象全覆盖。"
          "环办〔2015〕88号：特殊/重点/一般监管对象分类与名单保密。行政处罚法第42条：执法人员不少于两人。"
          "投诉次数与回溯期为本平台初始值，须由管理员核定。")

DEFAULT_RULES: dict[str, Any] = {
    "source": SOURCE,
    # Minimum quota per class and body level: a "ratio" is per quarter (scaled to the plan's months, at most 1);
    # "per_officer_per_year" is the officer:unit ratio (1:5 → 5 units per officer per year), prorated likewise.
    "quotas": {
        "city": {"special": {"ratio": 1.0}, "key": {"ratio": 0.05}, "general": {"per_officer_per_year": 5}},
        "county": {"special": {"ratio": 1.0}, "key": {"ratio": 0.25}, "general": {"per_officer_per_year": 10}},
    },
    "campaign_ratio": 1.0,  # a campaign covers its whole target list unless the plan says otherwise
    "officers_per_unit": 2,
    "conflicts": {
        "exclude_linked": True,  # never an officer linked to the unit's enterprise
        "exclude_previous": True,  # not the officer who inspected the unit in the body's previous draw
    },
    "classes": {
        "penalty_lookback_days": 365,  # a penalty (CreditFact kind="penalty") in this window → special
        "complaint_lookback_days": 365,
        "complaints_for_special": 2,  # verified complaints in the window → special
        "special_credit_levels": [3, 4],  # 环保警示 (yellow), 环保不良 (red)
        "special_risk_levels": ["major"],  # HJ 941-2018 重大
        "key_risk_levels": ["larger"],  # HJ 941-2018 较大
        "key_list_lookback_years": 1,  # on a key-unit list of this or the previous year(s) → key
    },
}
