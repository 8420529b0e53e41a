"""Enterprise environmental-risk levels for emergencies (HJ 941-2018 企业突发环境事件风险分级方法)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

RISK_LEVELS: Mapping[str, str] = MappingProxyType({"general": "一般", "larger": "较大", "major": "重大"})
