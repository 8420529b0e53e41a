"""A replay record as an ``.xlsx`` workbook: summary, breakdowns, the case lists with their readings, the rates.

(``engine.reports`` lies above this package in the layers, so its styled sheets are not
used here; these sheets are plain tables with a frozen header.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from engine.replay.models import ReplayRun

CASE_HEADERS = ("监测点 MN", "监测点", "统一社会信用代码", "企业", "行政区划", "因子", "异常类型", "流转类型",
                "开始时间", "结束时间", "异常条数", "触发数据")
SIDES = (("current", "现行规则"), ("draft", "草案"))


def workbook(run: ReplayRun) -> bytes:
    """The run's summary and detail (a finished run) as xlsx bytes."""
    book = Workbook()
    book.remove(book.active)
    summary, detail = run.summary or {}, run.detail or {}
    _sheet(book, "概要", ("项目", "值"), _overview(run, summary))
    _sheet(book, "按规则", ("规则（异常类型）", "现行规则异常数", "草案异常数", "现行规则立案数", "草案立案数"),
           _by_rule(summary))
    for key, title in (("by_city", "按地市"), ("by_industry", "按行业")):
        _sheet(book, title, ("分组", "规则", "现行规则", "草案"), _breakdown(summary, key))
    for key, title in (("opened", "新增立案"), ("no_longer_opened", "不再立案")):
        _sheet(book, title, CASE_HEADERS, (_case_row(case) for case in detail.get(key, [])))
    _sheet(book, "立案变化", ("", *CASE_HEADERS),
           (row for pair in detail.get("changed", []) for row in (("现行", *_case_row(pair["current"])),
                                                                  ("草案", *_case_row(pair["draft"])))))
    rates = summary.get("rates")
    if rates and rates.get("replayed"):
        _sheet(book, "传输率有效率", ("范围", "规则", "传输率", "有效率", "有效传输率", "未达标企业"), _rates(rates))
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet(book: Workbook, title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    sheet = book.create_sheet(title)
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row in rows:
        sheet.append(list(row))


def _overview(run: ReplayRun, summary: dict[str, Any]) -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = [
        ("预演编号", run.id), ("申请人", run.requested_by), ("申请时间", run.requested_at.isoformat()),
        ("期间", f"{run.period_from.isoformat()} 至 {run.period_to.isoformat()}"),
        ("范围", f"{run.scope_kind} {run.scope_code}"), ("状态", run.status),
        ("监测点数", summary.get("points")), ("小时数据条数", summary.get("records")),
    ]
    for group, names in summary.get("changed", {}).items():
        for name, (before, after) in names.items():
            rows.append((f"修改参数 {group}.{name}", f"{before} → {after}"))
    differences = summary.get("differences", {})
    rows += [("新增立案", differences.get("cases_opened")), ("不再立案", differences.get("cases_no_longer_opened")),
             ("立案范围变化", differences.get("cases_changed"))]
    return rows


def _by_rule(summary: dict[str, Any]) -> list[tuple[Any, ...]]:
    current, draft = summary.get("current", {}), summary.get("draft", {})
    kinds = sorted(set(current.get("findings", {}).get("by_rule", {})) | set(draft.get("findings", {}).get("by_rule", {}))
                   | set(current.get("cases", {}).get("by_rule", {})) | set(draft.get("cases", {}).get("by_rule", {})))
    return [(kind, current["findings"]["by_rule"].get(kind, 0), draft["findings"]["by_rule"].get(kind, 0),
             current["cases"]["by_rule"].get(kind, 0), draft["cases"]["by_rule"].get(kind, 0)) for kind in kinds]


def _breakdown(summary: dict[str, Any], key: str) -> list[tuple[Any, ...]]:
    current, draft = summary.get("current", {}).get(key, {}), summary.get("draft", {}).get(key, {})
    rows = []
    for group in sorted(set(current) | set(draft)):
        for kind in sorted(set(current.get(group, {})) | set(draft.get(group, {}))):
            rows.append((group, kind, current.get(group, {}).get(kind, 0), draft.get(group, {}).get(kind, 0)))
    return rows


def _case_row(case: dict[str, Any]) -> tuple[Any, ...]:
    readings = "; ".join(f"{v.get('t')} {v.get('v')}{' ' + v['flag'] if v.get('flag') else ''}"
                         for v in case.get("values", []))
    return (case["mn"], case["point"], case["enterprise"], case["enterprise_name"], case["region_code"],
            case["factor"], case["anomaly_type"], case["routed_type"], case["period_start"], case["period_end"],
            case["anomalies"], readings)


def _rates(rates: dict[str, Any]) -> list[tuple[Any, ...]]:
    rows = []
    for side, label in SIDES:
        figures = rates[side]
        rows.append(("全省", label, figures["transmission"], figures["validity"], figures["effective"],
                     figures["enterprises_below"]))
        for city, row in figures["by_city"].items():
            rows.append((city, label, row["transmission"], row["validity"], row["effective"], row["enterprises_below"]))
    return rows
