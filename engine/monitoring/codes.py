"""Code tables of HJ 212-2017 that the platform reads: command codes, data flags, factor codes
(with their Chinese and English names and units), and the HJ/T 212-2005 factor codes that map onto them.

The one source of this knowledge: the HJ 212 parser, the pages, the simulator and the demo
all read it here. Source: HJ 212-2017 《污染物在线监控（监测）系统数据传输标准》, tables 5, 6 and
annex B (pollutant codes); HJ/T 212-2005 annex B for the old codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

REALTIME = "2011"
MINUTE = "2051"
HOURLY = "2061"
DAILY = "2031"

COMMAND_CODES: Mapping[str, str] = {
    "1011": "get logger time",
    "1012": "set logger time",
    "1013": "time calibration request",
    "1061": "get real-time data interval",
    "1062": "set real-time data interval",
    "1063": "get minute data interval",
    "1064": "set minute data interval",
    "1072": "set access password",
    REALTIME: "real-time data",
    "2021": "equipment status",
    DAILY: "daily data",
    "2041": "equipment run time",
    MINUTE: "minute data",
    HOURLY: "hourly data",
    "2081": "logger restart",
    **{str(code): "control command" for code in range(3011, 3022)},
    "9011": "request answer",
    "9012": "execution result",
    "9013": "notification answer",
    "9014": "data answer",
}
"""CN: what the packet asks or carries."""

DATA_COMMANDS: frozenset[str] = frozenset({REALTIME, MINUTE, HOURLY, DAILY})
"""Commands whose data area must carry ``DataTime``."""

DATA_FLAGS: Mapping[str, str] = {
    "N": "normal",
    "F": "instrument stopped",
    "M": "maintenance",
    "S": "manual setting",
    "D": "fault",
    "C": "calibration",
    "T": "over measuring range",
    "B": "communication fault between instrument and logger",
}

EXCLUDED_DATA_FLAGS: frozenset[str] = frozenset("FMDCB")
"""Flags whose values leave validity counts and exceedance judgement (MEE 2022 No. 21)."""


class Factor(NamedTuple):
    name: str  # Chinese, as the standard and the department write it
    english: str
    unit: str


FACTORS: Mapping[str, Factor] = {
    "w00000": Factor("废水流量", "wastewater flow", "L/s"),
    "w01001": Factor("pH值", "pH", ""),
    "w01018": Factor("化学需氧量", "COD", "mg/L"),
    "w21003": Factor("氨氮", "ammonia nitrogen", "mg/L"),
    "w21011": Factor("总磷", "total phosphorus", "mg/L"),
    "w21001": Factor("总氮", "total nitrogen", "mg/L"),
    "w01012": Factor("悬浮物", "suspended solids", "mg/L"),
    "w01010": Factor("水温", "water temperature", "°C"),
    "a00000": Factor("烟气流量", "flue-gas flow", "m³/s"),
    "a01011": Factor("烟气流速", "flue-gas velocity", "m/s"),
    "a01012": Factor("烟气温度", "flue-gas temperature", "°C"),
    "a01013": Factor("烟气压力", "flue-gas pressure", "kPa"),
    "a01014": Factor("烟气湿度", "flue-gas humidity", "%"),
    "a19001": Factor("氧含量", "oxygen", "%"),
    "a21026": Factor("二氧化硫", "sulphur dioxide", "mg/m³"),
    "a21002": Factor("氮氧化物", "nitrogen oxides", "mg/m³"),
    "a21005": Factor("一氧化碳", "carbon monoxide", "mg/m³"),
    "a34013": Factor("颗粒物", "particulates", "mg/m³"),
    "a24088": Factor("非甲烷总烃", "non-methane hydrocarbons", "mg/m³"),
    "a01901": Factor("炉膛温度", "incinerator furnace temperature", "°C"),
    "a01902": Factor("炉膛温度", "incinerator furnace temperature", "°C"),
}
"""Factor codes of HJ 212-2017 that EcoLoop knows by name; others pass through unnamed."""

CODES_2005_TO_2017: Mapping[str, str] = {
    "B01": "w00000",
    "001": "w01001",
    "011": "w01018",
    "060": "w21003",
    "101": "w21011",
    "065": "w21001",
    "B02": "a00000",
    "S02": "a01011",
    "S03": "a01012",
    "S08": "a01013",
    "S05": "a01014",
    "S01": "a19001",
    "02": "a21026",
    "03": "a21002",
    "01": "a34013",
}
"""HJ/T 212-2005 factor code → HJ 212-2017 code."""
