"""The ten categories of the environmental-protection-tax exchange, which side sends each, and their names."""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    # from the tax bureau
    REVIEW_REQUESTS = "review_requests"  # 复核提请
    TAXPAYERS = "taxpayers"  # 纳税人基础信息
    TAX_SOURCES = "tax_sources"  # 税源信息
    TAX_RETURNS = "tax_returns"  # 申报信息
    TAX_PAYMENTS = "tax_payments"  # 入库信息
    # from the environment department
    ONLINE_MONITORING = "online_monitoring"  # 在线监测数据
    SUPERVISORY_MONITORING = "supervisory_monitoring"  # 监督性监测数据
    PERMITS = "permits"  # 排污许可及排放口
    PENALTIES = "penalties"  # 行政处罚
    REVIEW_FEEDBACK = "review_feedback"  # 复核反馈


TAX_SIDE: tuple[Category, ...] = (Category.REVIEW_REQUESTS, Category.TAXPAYERS, Category.TAX_SOURCES,
                                  Category.TAX_RETURNS, Category.TAX_PAYMENTS)
"""Categories the tax bureau pushes (direction ``in``)."""

ENVIRONMENT_SIDE: tuple[Category, ...] = (Category.ONLINE_MONITORING, Category.SUPERVISORY_MONITORING,
                                          Category.PERMITS, Category.PENALTIES, Category.REVIEW_FEEDBACK)
"""Categories the platform produces for the tax bureau to pull (direction ``out``)."""

LABELS: dict[Category, str] = {
    Category.REVIEW_REQUESTS: "复核提请",
    Category.TAXPAYERS: "纳税人基础信息",
    Category.TAX_SOURCES: "税源信息",
    Category.TAX_RETURNS: "申报信息",
    Category.TAX_PAYMENTS: "入库信息",
    Category.ONLINE_MONITORING: "在线监测数据",
    Category.SUPERVISORY_MONITORING: "监督性监测数据",
    Category.PERMITS: "排污许可及排放口",
    Category.PENALTIES: "行政处罚",
    Category.REVIEW_FEEDBACK: "复核反馈",
}


def direction_of(category: Category) -> str:
    """``in`` for the tax side's categories, ``out`` for the environment side's."""
    return "in" if category in TAX_SIDE else "out"
