"""One register row as a file holds it (Chinese headers, text cells) and as the database holds it.

:func:`parse_enterprise` and :func:`parse_point` turn a row's cells into column
values, or into reasons in Chinese why the row is refused; :func:`enterprise_cells`
and :func:`point_cells` turn stored values back into cells. Import compares the
cells of a file row with the cells of the stored row, so "unchanged" means
exactly "export would write the same text", and export → import changes nothing.

Cells that hold several things use ``；`` (or ``;``) between entries:

- 重点排污单位名录: ``2026:水,大气；2025:水`` (year: media);
- 监测因子: ``a21026|mg/m³|35||GB 13223-2011|0|200`` (code | unit | upper limit |
  lower limit | standard | range lower | range upper; trailing empty parts may be left out);
- 停运检修报备: ``检修:2026-12-01 08:00~2026-12-03 08:00`` (Asia/Shanghai).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from engine.identifiers import valid_region
from engine.register import codes
from engine.calendar.workdays import SHANGHAI

ENTERPRISE_HEADERS: Mapping[str, str] = {
    "统一社会信用代码": "credit_code", "单位名称": "name", "曾用名": "former_names", "行政区划代码": "region_code",
    "详细地址": "address", "经度": "longitude", "纬度": "latitude", "坐标系": "datum", "行业代码": "industry_code",
    "行业名称": "industry", "排污许可证编号": "permit_number", "许可管理类别": "permit_class",
    "许可证有效期起": "permit_valid_from", "许可证有效期止": "permit_valid_to", "重点排污单位名录": "memberships",
    "环境风险等级": "risk_level", "风险评估日期": "risk_assessed_on", "运营状态": "status", "状态日期": "status_since",
    "联系人": "contact_name", "联系电话": "contact_phone", "电子邮箱": "contact_email",
}
POINT_HEADERS: Mapping[str, str] = {
    "MN": "mn", "统一社会信用代码": "credit_code", "点位名称": "name", "排放口编码": "outlet_code",
    "监测类别": "kind", "实时数据间隔(秒)": "rtd_interval_s", "分钟数据间隔(分钟)": "minute_interval_min",
    "启用时间": "monitoring_since", "停用时间": "monitoring_until", "监测因子": "factors",
    "停运检修报备": "suspensions", "数采仪密码": "password",
}
SEPARATOR = re.compile(r"[；;]")
_MN = re.compile(r"[0-9A-Za-z]{1,64}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

Record = dict[str, Any]


class Refusal(Exception):
    """A cell that cannot be read: the Chinese reason names the column."""


_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015, as python-stdnum's stdnum.cn.uscc
_VALUE = {character: value for value, character in enumerate(_ALPHABET)}
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_problem(code: str) -> str | None:
    """Why a credit code is refused (check character named apart), or None.

    The same rule as :func:`engine.identifiers.valid_credit_code` (stdnum's), computed
    here without its cleaning steps: an import checks 40,000 codes.
    """
    if len(code) != 18 or not code[:8].isascii() or not code[:8].isdigit() or any(c not in _VALUE for c in code[8:]):
        return f"统一社会信用代码 {code!r} 格式错误（应为18位数字或大写字母）"
    total = sum(_VALUE[c] * w for c, w in zip(code, _WEIGHTS))
    if code[17] != _ALPHABET[(31 - total) % 31]:
        return f"统一社会信用代码 {code} 校验位错误"
    return None


def _number(header: str, text: str, low: float = -1e12, high: float = 1e12) -> float | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise Refusal(f"{header} {text!r} 不是数字") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise Refusal(f"{header} {text!r} 超出范围")
    return value


def _integer(header: str, text: str, low: int, high: int) -> int:
    value = _number(header, text, low, high)
    if value is None or not value.is_integer():
        raise Refusal(f"{header} {text!r} 须为 {low}–{high} 的整数")
    return int(value)


def _date(header: str, text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise Refusal(f"{header} {text!r} 不是日期（应为 YYYY-MM-DD）") from None


def _moment(header: str, text: str) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise Refusal(f"{header} {text!r} 不是时间（应为 YYYY-MM-DD HH:MM）") from None
    return value.replace(tzinfo=SHANGHAI) if value.tzinfo is None else value


def _label(header: str, labels: Mapping[str, str], text: str, *, required: bool = False) -> str:
    if not text and not required:
        return ""
    value = codes.value_of(labels, text)
    if value is None:
        raise Refusal(f"{header} {text!r} 不是 {'、'.join(labels.values())} 之一")
    return value


def parse_enterprise(cells: Mapping[str, str]) -> Record:
    """Column values of an enterprise row. :raises Refusal: the first cell that cannot be read."""
    code, region = cells.get("统一社会信用代码", ""), cells.get("行政区划代码", "")
    problem = credit_code_problem(code)
    if problem:
        raise Refusal(problem)
    if not valid_region(region):
        raise Refusal(f"行政区划代码 {region!r} 未知（须为广东省 GB/T 2260 代码）")
    if not cells.get("单位名称"):
        raise Refusal("单位名称 不能为空")
    record: Record = {"credit_code": code, "region_code": region}
    for header, name in (("单位名称", "name"), ("详细地址", "address"), ("行业名称", "industry"),
                         ("排污许可证编号", "permit_number"), ("联系人", "contact_name"),
                         ("联系电话", "contact_phone"), ("电子邮箱", "contact_email")):
        record[name] = _text(header, cells.get(header, ""), _LENGTHS[name])
    if record["contact_email"] and not _EMAIL.fullmatch(record["contact_email"]):
        raise Refusal(f"电子邮箱 {record['contact_email']!r} 格式错误")
    record["former_names"] = [n.strip() for n in SEPARATOR.split(_text("曾用名", cells.get("曾用名", ""), 500))
                              if n.strip()]
    record.update(_coordinates(cells))
    record["industry_code"] = _industry(cells.get("行业代码", ""))
    record["permit_class"] = _label("许可管理类别", codes.PERMIT_CLASSES, cells.get("许可管理类别", ""))
    record["risk_level"] = _label("环境风险等级", codes.RISK_LEVELS, cells.get("环境风险等级", ""))
    record["status"] = _label("运营状态", codes.STATUSES, cells.get("运营状态", "") or "运营")
    for header in ("许可证有效期起", "许可证有效期止", "风险评估日期", "状态日期"):
        record[ENTERPRISE_HEADERS[header]] = _date(header, cells.get(header, ""))
    if record["permit_valid_from"] and record["permit_valid_to"] and record["permit_valid_to"] < record["permit_valid_from"]:
        raise Refusal("许可证有效期止 早于 有效期起")
    record["memberships"] = _memberships(cells.get("重点排污单位名录", ""))
    return record


_LENGTHS = {"name": 200, "address": 300, "industry": 100, "permit_number": 40, "contact_name": 50,
            "contact_phone": 40, "contact_email": 120, "outlet_code": 40}


def _text(header: str, text: str, limit: int) -> str:
    if len(text) > limit:
        raise Refusal(f"{header} 超过 {limit} 字")
    return text


def _industry(text: str) -> str:
    if not text:
        return ""
    code = codes.industry_code(text)
    if code is None:
        raise Refusal(f"行业代码 {text!r} 不是 GB/T 4754-2017 代码")
    return code


def _coordinates(cells: Mapping[str, str]) -> Record:
    longitude = _number("经度", cells.get("经度", ""), 73, 136)
    latitude = _number("纬度", cells.get("纬度", ""), 3, 54)
    datum = cells.get("坐标系", "").upper().replace("WGS84", "WGS-84").replace("GCJ02", "GCJ-02")
    if (longitude is None) != (latitude is None):
        raise Refusal("经度与纬度须同时填写")
    if longitude is not None and datum not in codes.DATUMS:
        raise Refusal("有坐标时 坐标系 须为 WGS-84 或 GCJ-02")
    return {"longitude": longitude, "latitude": latitude, "datum": datum if longitude is not None else ""}


def _memberships(text: str) -> list[tuple[int, str]]:
    found: set[tuple[int, str]] = set()
    for entry in filter(None, (e.strip() for e in SEPARATOR.split(text))):
        year_text, _, media = entry.replace("：", ":").partition(":")
        year = _integer("重点排污单位名录 年份", year_text.strip(), 2000, 2100)
        for medium in filter(None, (m.strip() for m in re.split(r"[,，、]", media))):
            found.add((year, _label("重点排污单位名录", codes.MEDIA, medium, required=True)))
        if not media.strip():
            raise Refusal(f"重点排污单位名录 {entry!r} 缺少类别（如 2026:水,大气）")
    return sorted(found, key=lambda m: (-m[0], list(codes.MEDIA).index(m[1])))


def parse_point(cells: Mapping[str, str]) -> Record:
    """Column values of a point row (factors and suspensions as lists). :raises Refusal: as above."""
    mn, code = cells.get("MN", ""), cells.get("统一社会信用代码", "")
    if not _MN.fullmatch(mn):
        raise Refusal(f"MN {mn!r} 须为 1–64 位字母或数字")
    problem = credit_code_problem(code)
    if problem:
        raise Refusal(problem)
    if not cells.get("点位名称"):
        raise Refusal("点位名称 不能为空")
    kind = _label("监测类别", codes.POINT_KINDS, cells.get("监测类别", ""), required=True)
    since = _moment("启用时间", cells.get("启用时间", ""))
    if since is None:
        raise Refusal("启用时间 不能为空")
    until = _moment("停用时间", cells.get("停用时间", ""))
    if until is not None and until <= since:
        raise Refusal("停用时间 须晚于 启用时间")
    return {
        "mn": mn, "credit_code": code, "name": _text("点位名称", cells["点位名称"], 200), "kind": kind,
        "outlet_code": _text("排放口编码", cells.get("排放口编码", ""), 40),
        "rtd_interval_s": _integer("实时数据间隔(秒)", cells.get("实时数据间隔(秒)", "") or "30", 1, 86400),
        "minute_interval_min": _integer("分钟数据间隔(分钟)", cells.get("分钟数据间隔(分钟)", "") or "10", 1, 1440),
        "monitoring_since": since, "monitoring_until": until, "factors": _factors(cells.get("监测因子", "")),
        "suspensions": _suspensions(cells.get("停运检修报备", "")), "password": cells.get("数采仪密码", ""),
    }


FACTOR_PARTS = ("code", "unit", "upper_limit", "lower_limit", "standard", "range_lower", "range_upper")


def _factors(text: str) -> list[Record]:
    found: dict[str, Record] = {}
    for entry in filter(None, (e.strip() for e in SEPARATOR.split(text))):
        parts = [p.strip() for p in entry.split("|")]
        if len(parts) > len(FACTOR_PARTS):
            raise Refusal(f"监测因子 {entry!r} 多于 {len(FACTOR_PARTS)} 项")
        values = dict(zip(FACTOR_PARTS, parts + [""] * (len(FACTOR_PARTS) - len(parts))))
        known = codes.factor_catalogue().get(values["code"])
        if known is None:
            raise Refusal(f"监测因子代码 {values['code']!r} 未知")
        if values["code"] in found:
            raise Refusal(f"监测因子 {values['code']} 重复")
        factor: Record = {"code": values["code"], "name": known.name, "unit": values["unit"],
                          "standard": _text("监测因子 标准", values["standard"], 60)}
        for name, label in (("upper_limit", "排放限值"), ("lower_limit", "下限值"), ("range_lower", "量程下限"),
                            ("range_upper", "量程上限")):
            factor[name] = _number(f"监测因子 {values['code']} {label}", values[name])
        found[values["code"]] = factor
    return [found[code] for code in sorted(found)]


def _suspensions(text: str) -> list[tuple[str, datetime, datetime]]:
    found = set()
    for entry in filter(None, (e.strip() for e in SEPARATOR.split(text))):
        reason_text, _, period = entry.replace("：", ":").partition(":")
        reason = _label("停运检修报备", codes.SUSPENSION_REASONS, reason_text, required=True)
        start_text, _, end_text = period.partition("~")
        start, end = _moment("停运检修报备 开始", start_text.strip()), _moment("停运检修报备 结束", end_text.strip())
        if start is None or end is None or end <= start:
            raise Refusal(f"停运检修报备 {entry!r} 须为 原因:开始~结束，结束晚于开始")
        found.add((reason, start, end))
    return sorted(found, key=lambda s: (s[1], s[2], s[0]))


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def _time(value: datetime | None) -> str:
    if value is None:
        return ""
    local = value.astimezone(SHANGHAI)
    return local.strftime("%Y-%m-%d %H:%M:%S" if local.second or local.microsecond else "%Y-%m-%d %H:%M")


def enterprise_cells(record: Mapping[str, Any]) -> dict[str, str]:
    """The cells export writes for an enterprise (and import compares against)."""
    years: dict[int, list[str]] = {}
    for year, medium in record["memberships"]:
        years.setdefault(year, []).append(codes.MEDIA[medium])
    values = {
        **{name: record[name] or "" for name in ("credit_code", "name", "region_code", "address", "industry",
                                                 "permit_number", "contact_name", "contact_phone",
                                                 "contact_email", "datum", "industry_code")},
        "former_names": "；".join(record["former_names"]),
        "longitude": _num(record["longitude"]), "latitude": _num(record["latitude"]),
        "permit_class": codes.PERMIT_CLASSES.get(record["permit_class"], ""),
        "risk_level": codes.RISK_LEVELS.get(record["risk_level"], ""),
        "status": codes.STATUSES.get(record["status"], ""),
        "memberships": "；".join(f"{year}:{','.join(media)}" for year, media in years.items()),
        **{name: _day(record[name]) for name in ("permit_valid_from", "permit_valid_to", "risk_assessed_on",
                                                 "status_since")},
    }
    return {header: values[name] for header, name in ENTERPRISE_HEADERS.items()}


def point_cells(record: Mapping[str, Any]) -> dict[str, str]:
    """The cells export writes for a point; the password is never exported (blank keeps the stored one)."""
    factors = "；".join("|".join([f["code"], f["unit"], _num(f["upper_limit"]), _num(f["lower_limit"]), f["standard"],
                                  _num(f["range_lower"]), _num(f["range_upper"])]).rstrip("|")
                        for f in record["factors"])
    suspensions = "；".join(f"{codes.SUSPENSION_REASONS[reason]}:{_time(start)}~{_time(end)}"
                           for reason, start, end in record["suspensions"])
    values = {
        **{name: record[name] for name in ("mn", "credit_code", "name", "outlet_code")},
        "kind": codes.POINT_KINDS.get(record["kind"], record["kind"]),
        "rtd_interval_s": str(record["rtd_interval_s"]), "minute_interval_min": str(record["minute_interval_min"]),
        "monitoring_since": _time(record["monitoring_since"]), "monitoring_until": _time(record["monitoring_until"]),
        "factors": factors, "suspensions": suspensions, "password": "",
    }
    return {header: values[name] for header, name in POINT_HEADERS.items()}
