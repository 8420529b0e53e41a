"""Presentation helpers for templates: Chinese labels for codes and data keys, badges, countdowns.

Labels are lazily translated (Chinese msgids, English catalog), so the maps can
live at module level and still follow the user's language.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l

from engine.actors import Actor, Role
from engine.db import utcnow
from engine.monitoring.codes import FACTORS
from engine.regions import region_tree
from web import labels
from web.i18n import SHANGHAI
from web.labels import ACTIONS, ROLE_LABELS

DUE_SOON = timedelta(hours=24)

ANOMALY_TYPES: Mapping[str, Any] = {
    "exceedance": _l("超标"),
    "zero": _l("零值"),
    "constant": _l("恒值"),
    "negative": _l("负值"),
    "over_range": _l("超量程"),
    "missing": _l("数据缺失"),
    "sudden_change": _l("突变"),
    "flag": _l("标记异常"),
    "repeated": _l("重复超标"),
}

# kinds other processes put into the task index (credit, filings, tax)
OTHER_KINDS: Mapping[str, Any] = {
    "objection": _l("信用异议"),
    "repair": _l("信用修复"),
    "emergency_plan": _l("应急预案备案"),
    "abnormal_return": _l("申报异常"),
    "late_filing": _l("逾期申报"),
}

# keys of start data and configuration that pages show to people
DATA_KEYS: Mapping[str, Any] = {
    "anomaly_type": _l("异常类型"),
    "key_unit": _l("重点排污单位"),
    "factor": _l("监测因子"),
    "point_mn": _l("监测点位 (MN)"),
    "point_name": _l("监测点位"),
    "period": _l("监测时段"),
    "region_code": _l("行政区划"),
    "enterprise_code": _l("统一社会信用代码"),
    "enterprise_name": _l("企业名称"),
    "value": _l("监测值"),
    "limit": _l("排放限值"),
    "unit": _l("单位"),
    "review_deadline": _l("审核期限"),
    "max_return_rounds": _l("最多退回次数"),
    "city_review_types": _l("需地市复核的异常类型"),
    "province_review_key_units": _l("重点单位须省级终审"),
    "config_version": _l("流程配置版本"),
    "repeated": _l("重复发生"),
}

# start-data keys that are shown elsewhere on the page or are internal
HIDDEN_KEYS = frozenset({"values", "series", "earlier", "region_code", "enterprise_code", "enterprise_name", "params",
                         "case_id",
                         "rule"})

OUTCOMES: Mapping[str, Any] = {
    "accept": _l("通过"),
    "return": _l("退回"),
    "refer": _l("移交执法"),
    "returned": _l("已驳回"),
    "withdrawn": _l("已撤回"),
}

TASK_STATUSES: Mapping[str, tuple[Any, str]] = {
    "ready": (_l("待办理"), "text-bg-warning"),
    "completed": (_l("已办理"), "text-bg-success"),
    "returned": (_l("已驳回"), "text-bg-danger"),
    "withdrawn": (_l("已撤回"), "text-bg-secondary"),
    "cancelled": (_l("已取消"), "text-bg-light border"),
}

INSTANCE_STATUSES: Mapping[str, tuple[Any, str]] = {
    "running": (_l("办理中"), "text-bg-primary"),
    "suspended": (_l("已挂起"), "text-bg-warning"),
    "completed": (_l("已办结"), "text-bg-success"),
    "terminated": (_l("已终止"), "text-bg-secondary"),
}


def region_name(code: str | None) -> str:
    """广州市 · 天河区 for 440106; the code itself when unknown."""
    if not code:
        return ""
    tree = region_tree()
    region = tree.get(code)
    if region is None:
        return code
    city = tree.city_of(code)
    if city is not None and city.code != code:
        return f"{city.name} · {region.name}"
    return region.name


def factor_name(code: str | None) -> str:
    """A factor's name in the page's language with its HJ 212-2017 code (``engine.monitoring.codes``)."""
    known = FACTORS.get(code or "")
    if known is None:
        return code or ""
    name = known.name if str(get_locale() or "zh_CN").startswith("zh") else known.english
    return f"{name} ({code})"


def factor_unit(code: str | None) -> str:
    known = FACTORS.get(code or "")
    return known.unit if known else ""


def data_label(key: str) -> str:
    return str(DATA_KEYS.get(key, key))


def data_value(key: str, value: Any) -> str:
    """A start-data value in words: pollutant names, anomaly types, regions, yes/no."""
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    if key == "factor":
        return factor_name(str(value))
    if key == "period" and isinstance(value, str):
        return period_text(value)
    if key == "anomaly_type":
        return str(ANOMALY_TYPES.get(str(value), value))
    if key == "region_code":
        return region_name(str(value))
    if key == "city_review_types" and isinstance(value, list):
        return "、".join(str(ANOMALY_TYPES.get(str(v), v)) for v in value)
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def period_text(value: str) -> str:
    """2026-11-25T08:00:00+08:00/PT1H → 2026-11-25 08:00 – 09:00 (Shanghai time)."""
    start_text, _, end_text = value.partition("/")
    try:
        start = datetime.fromisoformat(start_text).astimezone(SHANGHAI)
    except ValueError:
        return value
    end: datetime | None = None
    if end_text.upper().startswith("PT") and end_text[-1:].upper() in ("H", "M"):
        amount = end_text[2:-1]
        if amount.isdigit():
            unit = "hours" if end_text[-1:].upper() == "H" else "minutes"
            end = start + timedelta(**{unit: int(amount)})
    elif end_text:
        try:
            end = datetime.fromisoformat(end_text).astimezone(SHANGHAI)
        except ValueError:
            end = None
    if end is None:
        return start.strftime("%Y-%m-%d %H:%M")
    same_day = end.date() == start.date()
    return f"{start:%Y-%m-%d %H:%M} – {end:%H:%M}" if same_day else f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}"


def shown_data(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Start data as (label, value) rows, known keys first in a stable order."""
    known = [k for k in DATA_KEYS if k in data and k not in HIDDEN_KEYS]
    other = sorted(k for k in data if k not in DATA_KEYS and k not in HIDDEN_KEYS and not k.startswith("_"))
    return [(data_label(k), data_value(k, data[k])) for k in known + other if data[k] not in (None, "", [])]


def label(mapping: str, code: Any) -> str:
    table = {"role": ROLE_LABELS, "anomaly": {**OTHER_KINDS, **ANOMALY_TYPES}, "action": ACTIONS,
             "outcome": OUTCOMES}[mapping]
    return str(table.get(str(code), code if code is not None else ""))


def status_badge(status: str, kind: str = "task") -> tuple[str, str]:
    table = TASK_STATUSES if kind == "task" else INSTANCE_STATUSES
    text, css = table.get(status, (status, "text-bg-light border"))
    return str(text), css


def due_state(due_at: datetime | None, status: str = "ready", now: datetime | None = None) -> str:
    """'overdue', 'soon' (within 24 hours) or '' for a ready task's due time."""
    if due_at is None or status != "ready":
        return ""
    now = now or utcnow()
    if due_at < now:
        return "overdue"
    return "soon" if due_at - now <= DUE_SOON else ""


def countdown(due_at: datetime | None, now: datetime | None = None) -> str:
    """剩余 2 天 3 小时 / 已逾期 5 小时."""
    if due_at is None:
        return ""
    now = now or utcnow()
    delta = due_at - now
    late = delta.total_seconds() < 0
    seconds = abs(int(delta.total_seconds()))
    days, hours, minutes = seconds // 86400, seconds % 86400 // 3600, seconds % 3600 // 60
    if days:
        span = gettext("%(days)s 天 %(hours)s 小时", days=days, hours=hours)
    elif hours:
        span = gettext("%(hours)s 小时 %(minutes)s 分", hours=hours, minutes=minutes)
    else:
        span = gettext("%(minutes)s 分钟", minutes=minutes)
    return gettext("已逾期 %(span)s", span=span) if late else gettext("剩余 %(span)s", span=span)


def size(value: int | None) -> str:
    if value is None:
        return ""
    if value < 1024:
        return f"{value} B"
    if value < 1024 * 1024:
        return f"{value / 1024:.1f} KB"
    return f"{value / 1024 / 1024:.1f} MB"


def compact_json(value: Any, limit: int = 160) -> str:
    """A payload as one line of readable JSON (Chinese kept as is), cut at ``limit`` characters."""
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def nav_of(actor: Actor | None) -> dict[str, bool]:
    """Which navigation groups an actor sees."""
    if actor is None:
        return {}
    roles = actor.roles
    return {
        "portal": Role.ENTERPRISE in roles,
        "dashboard": bool(roles & {Role.COUNTY_REVIEWER, Role.CITY_REVIEWER, Role.PROVINCE_REVIEWER, Role.ADMIN}),
        "work": bool(roles - {Role.ADMIN}) or actor.is_admin,
        "copies": bool(roles & {Role.COUNTY_REVIEWER, Role.CITY_REVIEWER, Role.PROVINCE_REVIEWER, Role.ADMIN}),
        "admin": actor.is_admin,
    }


def actor_scope(actor: Actor) -> str:
    """天河区分局审核员 · 区县审核 · 广州市 · 天河区."""
    roles = "、".join(str(ROLE_LABELS.get(r.value, r.value)) for r in sorted(actor.roles))
    where = region_name(actor.region_code) if actor.region_code else ""
    return " · ".join(p for p in (roles, where) if p)


def init_app(app: Flask) -> None:
    filters = {
        "region_name": region_name, "factor_name": factor_name, "factor_unit": factor_unit,
        "data_label": data_label, "data_value": data_value, "compact_json": compact_json, "countdown": countdown, "filesize": size,
        "action_label": lambda code: label("action", code), "role_label": lambda code: label("role", code),
        "anomaly_label": lambda code: label("anomaly", code), "outcome_label": lambda code: label("outcome", code),
        "payload_items": labels.payload_items, "actor_name": labels.actor_name, "notice_title": labels.notice_title,
        "action_area": labels.action_area, "person": labels.person, "process_label": labels.process_label,
        "rule_label": lambda code: labels.label(labels.RULES, code),
        "param_label": lambda code: labels.label(labels.RULE_PARAMS, code),
    }
    app.jinja_env.finalize = labels.translated_output
    app.jinja_env.filters.update(filters)
    app.jinja_env.globals.update(
        status_badge=status_badge, due_state=due_state, shown_data=shown_data, nav_of=nav_of,
        actor_scope=actor_scope, ANOMALY_TYPES=ANOMALY_TYPES, region_options=region_options,
        board_groups=board_groups,
    )


def region_options(actor: Actor | None) -> list[tuple[str, str]]:
    """Regions a list can be narrowed to: the cities for province-wide viewers, the counties of a city."""
    if actor is None:
        return []
    tree = region_tree()
    if actor.is_admin or actor.roles & {Role.PROVINCE_REVIEWER, Role.TAX_CLIENT}:
        return [(c.code, c.name) for c in tree.cities()]
    if Role.CITY_REVIEWER in actor.roles and actor.region_code and tree.get(actor.region_code):
        city = tree.city_of(actor.region_code)
        if city is not None:
            return [(city.code, city.name)] + [(c.code, c.name) for c in tree.children(city.code)]
    return []


def board_groups(groups: list[Any], kind: str) -> list[dict[str, Any]]:
    """Dashboard groups as chart rows with display names (at most 21: one per city)."""
    rows = []
    for group in groups[:21]:
        name = region_name(group.key) if kind == "region" else (label("anomaly", group.key) if group.key else
                                                                 gettext("其他事项"))
        rows.append({"name": name, "total": group.total, "closed": group.closed, "rate": group.rate})
    return rows
