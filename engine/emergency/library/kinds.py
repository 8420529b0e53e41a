"""The five libraries and their typed fields: what each record holds and how each field is checked."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from engine.emergency.library.identifiers import (
    document_number_problem,
    normal_document_number,
    normal_un,
    valid_cas,
)
from engine.errors import InvalidInput
from engine.identifiers import valid_region

FIELD_TYPES = ("string", "text", "date", "enum", "list", "number", "cas", "un", "document_number", "region")


@dataclass(frozen=True)
class Field:
    """One field of a library's records; ``refs`` names the library a list's items point to, and the relation."""

    name: str
    type: str
    zh: str
    en: str
    required: bool = False
    options: tuple[str, ...] = ()
    refs: tuple[str, str] | None = None
    searchable: bool = True


@dataclass(frozen=True)
class Library:
    key: str
    zh: str
    en: str
    title_field: str
    fields: tuple[Field, ...]

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


LEVELS = ("national", "provincial", "city")
SYSTEMS = ("monitoring", "enforcement", "credit", "tax", "emergency")
CASE_TYPES = ("water", "air", "soil", "mixed")

POLICY = Library("policy", "政策文件", "Policy documents", "title", (
    Field("title", "string", "标题", "Title", required=True),
    Field("issuer", "string", "发文机关", "Issuing body", required=True),
    Field("document_number", "document_number", "文号", "Document number", required=True),
    Field("issued_on", "date", "发布日期", "Issued on"),
    Field("effective_on", "date", "施行日期", "Effective on"),
    Field("repealed_on", "date", "废止日期", "Repealed on"),
    Field("level", "enum", "层级", "Level", required=True, options=LEVELS),
    Field("systems", "list", "所属业务", "Systems", options=SYSTEMS),
    Field("topics", "list", "主题", "Topics"),
    Field("full_text", "text", "全文", "Full text"),
    Field("amends", "list", "修改", "Amends", refs=("policy", "amends")),
    Field("repeals", "list", "废止", "Repeals", refs=("policy", "repeals")),
    Field("substances", "list", "涉及物质", "Substances cited", refs=("chemical", "cites")),
))

CHEMICAL = Library("chemical", "危险化学品", "Hazardous chemicals", "name_zh", (
    Field("name_zh", "string", "中文名称", "Chinese name", required=True),
    Field("aliases", "list", "别名", "Aliases"),
    Field("name_en", "string", "英文名称", "English name"),
    Field("cas", "cas", "CAS号", "CAS number"),
    Field("un_number", "un", "UN号", "UN number"),
    Field("catalogue_number", "string", "危险化学品目录序号", "Catalogue entry number"),
    Field("ghs_classes", "list", "GHS危险性类别", "GHS hazard classes"),
    Field("critical_quantity_t", "number", "临界量(t)", "Critical quantity (t)"),
    Field("critical_quantity_basis", "string", "临界量依据", "Critical quantity basis"),
    Field("properties", "text", "理化性质", "Physical properties"),
    Field("leak_measures", "text", "泄漏应急处置", "Leak response"),
    Field("fire_measures", "text", "灭火方法", "Fire fighting"),
    Field("first_aid", "text", "急救措施", "First aid"),
    Field("protection", "text", "防护措施", "Protection"),
    Field("environmental_hazards", "text", "环境危害", "Environmental hazards"),
))

CASE = Library("case", "环境应急案例", "Emergency cases", "event", (
    Field("event", "string", "事件名称", "Event", required=True),
    Field("occurred_on", "date", "发生日期", "Date", required=True),
    Field("region_code", "region", "发生地(区划代码)", "Place (region code)"),
    Field("place", "string", "地点", "Place"),
    Field("event_type", "enum", "类型", "Type", options=CASE_TYPES),
    Field("cause", "text", "原因", "Cause"),
    Field("substances", "list", "涉及物质", "Substances involved", refs=("chemical", "involves")),
    Field("impact", "text", "影响", "Impact"),
    Field("response", "text", "应急处置", "Response"),
    Field("outcome", "text", "结果", "Outcome"),
    Field("lessons", "text", "经验教训", "Lessons"),
))

TECHNIQUE = Library("technique", "应急技术", "Emergency techniques", "name", (
    Field("name", "string", "技术名称", "Technique", required=True),
    Field("substances", "list", "适用物质", "Applicable substances", refs=("chemical", "treats")),
    Field("scenarios", "list", "适用场景", "Scenarios"),
    Field("method", "text", "方法", "Method"),
    Field("equipment", "text", "设备与材料", "Equipment and materials"),
    Field("limits", "text", "局限", "Limits"),
    Field("references", "text", "参考文献", "References"),
))

GUIDE = Library("guide", "操作指引", "Operating guides", "title", (
    Field("title", "string", "标题", "Title", required=True),
    Field("system", "enum", "所属系统", "System", required=True, options=SYSTEMS + ("library",)),
    Field("roles", "list", "适用角色", "Roles"),
    Field("pages", "list", "适用页面(端点)", "Pages (endpoints)", searchable=False),
    Field("body", "text", "正文(Markdown)", "Body (Markdown)", required=True),
))

LIBRARIES: dict[str, Library] = {lib.key: lib for lib in (POLICY, CHEMICAL, CASE, TECHNIQUE, GUIDE)}


def library(key: str) -> Library:
    """:raises InvalidInput: for an unknown library key."""
    try:
        return LIBRARIES[key]
    except KeyError:
        raise InvalidInput(f"unknown library {key!r}", fields={"library": [f"不存在的资源库 {key!r}"]}) from None


def clean(lib: Library, data: dict[str, Any], *, today: date) -> dict[str, Any]:
    """The record's fields, typed and normalised.

    :raises InvalidInput: naming every field that is wrong.
    """
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for spec in lib.fields:
        raw = data.get(spec.name)
        if raw in (None, "", []):
            if spec.required:
                errors[spec.name] = [f"{spec.zh}必填 ({spec.en} is required)"]
            continue
        try:
            cleaned[spec.name] = _value(spec, raw, today)
        except ValueError as exc:
            errors[spec.name] = [str(exc)]
    unknown = sorted(set(data) - {f.name for f in lib.fields})
    if unknown:
        errors["_schema"] = [f"未知字段 (unknown fields): {', '.join(unknown)}"]
    errors.update(_date_order(lib, cleaned))
    if errors:
        raise InvalidInput(f"invalid {lib.key} entry", fields=errors)
    return cleaned


def _value(spec: Field, raw: Any, today: date) -> Any:
    if any("\x00" <= ch < " " and ch not in "\t\n\r" for ch in str(raw)):
        raise ValueError("含有控制字符 (control characters are not allowed)")
    if spec.type == "list":
        items = raw if isinstance(raw, list) else [p for p in str(raw).replace("；", ";").split(";")]
        values = [str(item).strip() for item in items if str(item).strip()]
        bad = [v for v in values if spec.options and v not in spec.options]
        if bad:
            raise ValueError(f"不允许的取值 {bad} (allowed: {', '.join(spec.options)})")
        return values
    text = str(raw).strip()
    if len(text) > (200_000 if spec.type == "text" else 500):
        raise ValueError("内容过长 (too long)")
    if spec.type == "number":
        number = float(text)
        if not math.isfinite(number) or number < 0:
            raise ValueError("不能为负数 (must not be negative)")
        return number
    if spec.type == "date":
        return _date(text, today)
    if spec.type == "enum" and text not in spec.options:
        raise ValueError(f"不允许的取值 {text!r} (allowed: {', '.join(spec.options)})")
    if spec.type == "cas" and not valid_cas(text):
        raise ValueError(f"{text!r} 不是有效的CAS号（校验位不符或格式错误）(invalid CAS number or check digit)")
    if spec.type == "un":
        un = normal_un(text)
        if un is None:
            raise ValueError(f"{text!r} 不是四位UN号 (not a four-digit UN number)")
        return un
    if spec.type == "document_number":
        problem = document_number_problem(text, today.year + 1)
        if problem:
            raise ValueError(problem)
        return normal_document_number(text)
    if spec.type == "region" and not (re.fullmatch(r"[1-8]\d{5}", text) and (not text.startswith("44") or valid_region(text))):
        raise ValueError(f"{text!r} 不是有效的行政区划代码 (not a region code)")
    return text


def _date(text: str, today: date) -> str:
    try:
        value = date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError(f"{text!r} 不是日期 YYYY-MM-DD (not a date)") from None
    if value.year < 1949 or value.year > today.year + 5:
        raise ValueError(f"日期 {value} 超出范围 (date out of range)")
    return value.isoformat()


def _date_order(lib: Library, cleaned: dict[str, Any]) -> dict[str, list[str]]:
    if lib.key != "policy":
        return {}
    errors = {}
    issued = cleaned.get("issued_on")
    for later in ("effective_on", "repealed_on"):
        if issued and cleaned.get(later) and cleaned[later] < issued:
            errors[later] = ["不能早于发布日期 (must not precede the issue date)"]
    return errors


def title_of(lib: Library, fields: dict[str, Any]) -> str:
    return str(fields.get(lib.title_field) or "")[:300]
