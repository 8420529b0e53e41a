"""The shipped default rating rules (version 0 of every year) and the catalogue of fact kinds.

Source of the defaults: 《企业环境信用评价办法（试行）》(环发〔2013〕150号, 环境保护部、国家发展改革委、
中国人民银行、中国银监会, 2013-12-18): four groups (污染防治, 生态保护, 环境管理, 社会监督), four levels
(green/blue/yellow/red), a "一票否决" to 环保不良企业 for a 较大以上突发环境事件 in the year, and its scope
(重点监控企业 and the lists the department names). Guangdong has applied it since 2014 (domain notes,
``shared/domain/credit-and-tax.md``); the ordinary-incident downgrade by one level and a penalty scoring 0
on its indicator follow those notes. The weights, step points and level thresholds below are this
platform's starting values, NOT taken from either text: an administrator sets the year's values on the
rules page (versioned and audited) before opening a round.
"""

from __future__ import annotations

from typing import Any

# Fact kinds: where each comes from ("platform" — read from the platform's records at scoring time;
# "department" — entered or imported by the department with its source).
FACT_KINDS: dict[str, tuple[str, str]] = {
    "anomaly:confirmed_exceedance": ("platform", "确认超标的异常数据闭环"),
    "anomaly:referred": ("platform", "移交执法办结的异常数据闭环"),
    "anomaly:explanation_accepted": ("platform", "说明合理办结的异常数据闭环"),
    "anomaly:equipment_fixed": ("platform", "设备修复办结的异常数据闭环"),
    "referral": ("platform", "移交执法记录"),
    "effective_rate": ("platform", "自动监测月度有效传输率"),
    "plan_current": ("platform", "突发环境事件应急预案备案（有效期内）"),
    "tax:understated": ("platform", "环保税复核：申报排放量偏低"),
    "tax:consistent": ("platform", "环保税复核：申报与监测基本一致"),
    "tax:overstated": ("platform", "环保税复核：申报排放量偏高"),
    "penalty": ("department", "行政处罚（决定书文号）"),
    "incident_major": ("department", "较大及以上突发环境事件"),
    "incident_ordinary": ("department", "一般突发环境事件"),
    "complaint_verified": ("department", "经查实的环境信访投诉"),
}

DEPARTMENT_KINDS = tuple(k for k, (origin, _) in FACT_KINDS.items() if origin == "department")

SOURCE = ("《企业环境信用评价办法（试行）》（环发〔2013〕150号）；广东省自 2014 年起据此开展企业环境信用评价。"
          "权重、分档与等级分数线为本平台初始值，须由管理员按当年评价方案核定。")


def _count(fact: str, *steps: tuple[int, float]) -> dict[str, Any]:
    return {"kind": "count", "fact": fact, "steps": [list(s) for s in steps]}


DEFAULT_RULES: dict[str, Any] = {
    "source": SOURCE,
    "groups": [
        {"key": "pollution", "label": "污染防治", "weight": 40, "indicators": [
            {"key": "exceedance", "label": "污染物达标排放", "weight": 50,
             "rule": _count("anomaly:confirmed_exceedance", (0, 100), (1, 80), (3, 50), (6, 0))},
            {"key": "monitoring", "label": "自动监测数据有效传输（≥90 %）", "weight": 30,
             "rule": {"kind": "rate", "fact": "effective_rate", "pass_line": 0.9, "pass_points": 100,
                      "fail_points": 40, "missing_points": 100}},
            {"key": "tax_review", "label": "环保税申报与监测数据相符", "weight": 20,
             "rule": _count("tax:understated", (0, 100), (1, 60), (2, 0))},
        ]},
        {"key": "ecology", "label": "生态保护", "weight": 10, "indicators": [
            {"key": "ecology_law", "label": "生态保护法律法规遵守", "weight": 100,
             "rule": _count("penalty", (0, 100))},
        ]},
        {"key": "management", "label": "环境管理", "weight": 30, "indicators": [
            {"key": "law_compliance", "label": "环境行政处罚", "weight": 50,
             "rule": _count("penalty", (0, 100))},
            {"key": "enforcement", "label": "移交执法", "weight": 25,
             "rule": _count("referral", (0, 100), (1, 50), (2, 0))},
            {"key": "emergency_plan", "label": "突发环境事件应急预案备案", "weight": 25,
             "rule": {"kind": "presence", "fact": "plan_current", "present_points": 100, "absent_points": 0}},
        ]},
        {"key": "supervision", "label": "社会监督", "weight": 20, "indicators": [
            {"key": "complaints", "label": "经查实的环境信访投诉", "weight": 100,
             "rule": _count("complaint_verified", (0, 100), (1, 70), (3, 30), (5, 0))},
        ]},
    ],
    "levels": {"trustworthy": 90, "good": 75, "warning": 60},
    "veto": [{"fact": "incident_major"}],
    "downgrade": [{"fact": "incident_ordinary", "levels": 1}],
    "zero": [{"fact": "penalty", "indicator": "law_compliance"}],
    "scope": {"key_units_only": False, "lists": [], "exclude": [], "stopped_months": 6},
}
