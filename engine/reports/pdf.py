"""The printable 月报 (ReportLab): the built-in CID font STSong-Light sets Chinese without any font file."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from io import BytesIO
from typing import Any

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from engine.reports.figures import Figures
from engine.reports.workbook import INTEGER, NO_DATA, NO_DATA_NOTE, PERCENT

FONT = "STSong-Light"
CHART_CAPTION = "图 1  各地区任务新增与办结（个）"
_registered = False


def _font() -> str:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _registered = True
    return FONT


def format_value(value: Any, number_format: str | None) -> str:
    """How a figure prints: percentages with two decimals, counts with separators; a rate without data reads
    无数据 (the report's note explains it), other missing figures —."""
    if value is None:
        return NO_DATA if number_format == PERCENT else "—"
    if number_format == PERCENT:
        return f"{value * 100:.2f}%"
    if number_format == INTEGER:
        return f"{int(value):,}"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _table(rows: Sequence[Sequence[Any]], widths: Sequence[float] | None = None) -> Table:
    table = Table([[str(c) for c in row] for row in rows], colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), _font(), 9), ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDEBF7")), ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
    ]))
    return table


def _chart(f: Figures, name: Callable[[str], str]) -> Drawing:
    groups = f.tasks_by_region or []
    drawing = Drawing(170 * mm, 70 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 15 * mm, 12 * mm, 120 * mm, 52 * mm
    chart.data = [[g.opened for g in groups] or [0], [g.closed for g in groups] or [0]]
    chart.categoryAxis.categoryNames = [name(g.key) for g in groups] or [""]
    chart.categoryAxis.labels.fontName = chart.valueAxis.labels.fontName = _font()
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor, chart.bars[1].fillColor = colors.HexColor("#5B9BD5"), colors.HexColor("#70AD47")
    legend = Legend()
    legend.x, legend.y, legend.fontName = 140 * mm, 55 * mm, _font()
    legend.colorNamePairs = [(chart.bars[0].fillColor, "新增任务数"), (chart.bars[1].fillColor, "办结任务数")]
    drawing.add(chart)
    drawing.add(legend)
    return drawing


def monthly_pdf(f: Figures, title: str, pairs: Sequence[tuple[str, Any, str | None]],
                name: Callable[[str], str]) -> bytes:
    buffer = BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=title, leftMargin=18 * mm, rightMargin=18 * mm).build(
        monthly_story(f, title, pairs, name))
    return buffer.getvalue()


def monthly_story(f: Figures, title: str, pairs: Sequence[tuple[str, Any, str | None]],
                  name: Callable[[str], str]) -> list[Any]:
    """The report's flowables. Section headings keep with what follows them, and the chart's caption and the
    chart stay on one page (a heading never ends a page alone)."""
    font = _font()
    heading = ParagraphStyle("h", fontName=font, fontSize=16, leading=22, spaceAfter=6)
    section = ParagraphStyle("s", fontName=font, fontSize=12, leading=18, spaceBefore=8, spaceAfter=4,
                             keepWithNext=1)
    caption = ParagraphStyle("c", fontName=font, fontSize=10, leading=14, spaceBefore=4, alignment=1)
    note = ParagraphStyle("n", fontName=font, fontSize=8, leading=12, spaceBefore=2, textColor=colors.grey)
    summary = [["指标", "数值"]] + [[label, format_value(v, fmt)] for label, v, fmt in pairs]
    rates = [["地区", "传输率", "有效率", "有效传输率", "低于90%企业"]] + [
        [name(r.key), format_value(r.transmission, PERCENT), format_value(r.validity, PERCENT),
         format_value(r.effective, PERCENT), r.enterprises_below] for r in f.region_rates]
    story: list[Any] = [Paragraph(title, heading), Paragraph("一、主要指标", section),
                        _table(summary, [100 * mm, 50 * mm]), *_no_data_note(summary, note)]
    story += [Paragraph("二、各地区任务办理情况", section),
              _table([["地区", "新增", "办结", "退回", "逾期"]]
                     + [[name(g.key), g.opened, g.closed, g.returned, g.overdue] for g in f.tasks_by_region]),
              KeepTogether([Spacer(1, 4 * mm), Paragraph(CHART_CAPTION, caption), _chart(f, name)])]
    story += [Paragraph("三、数据传输有效率", section), _table(rates), *_no_data_note(rates, note)]
    if f.enterprises_below:
        story += [Paragraph("四、有效传输率低于90%的企业", section),
                  _table([["企业名称", "统一社会信用代码", "有效传输率"]]
                         + [[e.name, e.key, format_value(e.effective, PERCENT)] for e in f.enterprises_below])]
    return story


def _no_data_note(rows: Sequence[Sequence[Any]], style: ParagraphStyle) -> list[Paragraph]:
    """The footnote explaining 无数据, under a table that shows it."""
    return [Paragraph(NO_DATA_NOTE, style)] if any(cell == NO_DATA for row in rows for cell in row) else []


def tables_pdf(title: str, tables: Sequence[tuple[str, Sequence[str], Sequence[Sequence[Any]],
                                                  Sequence[str | None]]]) -> bytes:
    """A landscape PDF of titled tables (caption, headers, rows, each column's number format)."""
    font = _font()
    heading = ParagraphStyle("h", fontName=font, fontSize=16, leading=22, spaceAfter=6)
    section = ParagraphStyle("s", fontName=font, fontSize=12, leading=18, spaceBefore=8, spaceAfter=4,
                             keepWithNext=1)
    story: list[Any] = [Paragraph(title, heading)]
    for caption, headers, rows, formats in tables:
        shown = [[format_value(v, f) for v, f in zip(row, formats, strict=True)] for row in rows]
        story += [Paragraph(caption, section), _table([list(headers), *shown] if shown else [list(headers)])]
    buffer = BytesIO()
    SimpleDocTemplate(buffer, pagesize=landscape(A4), title=title, leftMargin=12 * mm, rightMargin=12 * mm).build(story)
    return buffer.getvalue()
