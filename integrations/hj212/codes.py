"""Code tables of HJ 212-2017, and the HJ/T 212-2005 factor codes that map onto them."""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum
from typing import NamedTuple

SYSTEM_CODES: Mapping[str, str] = {
    "21": "surface water quality",
    "22": "air quality",
    "23": "noise",
    "24": "groundwater",
    "25": "soil",
    "26": "seawater",
    "27": "volatile organic compounds",
    "31": "air pollution source",
    "32": "surface-water pollution source",
    "33": "groundwater pollution source",
    "34": "marine pollution source",
    "35": "soil pollution source",
    "36": "noise pollution source",
    "37": "vibration pollution source",
    "38": "radioactive pollution source",
    "39": "construction dust",
    "41": "electromagnetic pollution source",
    "51": "flue-gas treatment process",
    "52": "wastewater treatment process",
    "91": "system interaction",
}
"""ST: which kind of monitoring system speaks."""

REPLY_SYSTEM = "91"

COMMAND_CODES: Mapping[str, str] = {
    "1011": "get logger time",
    "1012": "set logger time",
    "1013": "time calibration request",
    "1061": "get real-time data interval",
    "1062": "set real-time data interval",
    "1063": "get minute data interval",
    "1064": "set minute data interval",
    "1072": "set access password",
    "2011": "real-time data",
    "2021": "equipment status",
    "2031": "daily data",
    "2041": "equipment run time",
    "2051": "minute data",
    "2061": "hourly data",
    "2081": "logger restart",
    **{str(code): "control command" for code in range(3011, 3022)},
    "9011": "request answer",
    "9012": "execution result",
    "9013": "notification answer",
    "9014": "data answer",
}
"""CN: what the packet asks or carries."""

DATA_COMMANDS: frozenset[str] = frozenset({"2011", "2051", "2061", "2031"})
"""Commands whose data area must carry ``DataTime``."""

REQUEST_ANSWER = "9011"
EXECUTION_RESULT = "9012"
DATA_ANSWER = "9014"


class QnRtn(IntEnum):
    """Answer to a request (CN 9011)."""

    READY = 1
    REFUSED = 2
    WRONG_PASSWORD = 3
    WRONG_MN = 4
    WRONG_ST = 5
    WRONG_FLAG = 6
    WRONG_QN = 7
    WRONG_CN = 8
    WRONG_CRC = 9
    UNKNOWN = 100


class ExeRtn(IntEnum):
    """Result of executing a request (CN 9012)."""

    SUCCESS = 1
    FAILED = 2
    BAD_CONDITION = 3
    TIMEOUT = 4
    BUSY = 5
    FAULT = 6
    NO_DATA = 100


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


class Pollutant(NamedTuple):
    name: str
    unit: str


POLLUTANTS: Mapping[str, Pollutant] = {
    "w00000": Pollutant("wastewater flow", "L/s"),
    "w01001": Pollutant("pH", ""),
    "w01018": Pollutant("COD", "mg/L"),
    "w21003": Pollutant("ammonia nitrogen", "mg/L"),
    "w21011": Pollutant("total phosphorus", "mg/L"),
    "w21001": Pollutant("total nitrogen", "mg/L"),
    "w01012": Pollutant("suspended solids", "mg/L"),
    "w01010": Pollutant("water temperature", "°C"),
    "a00000": Pollutant("flue-gas flow", "m³/s"),
    "a01011": Pollutant("flue-gas velocity", "m/s"),
    "a01012": Pollutant("flue-gas temperature", "°C"),
    "a01013": Pollutant("flue-gas pressure", "kPa"),
    "a01014": Pollutant("flue-gas humidity", "%"),
    "a19001": Pollutant("oxygen", "%"),
    "a21026": Pollutant("sulphur dioxide", "mg/m³"),
    "a21002": Pollutant("nitrogen oxides", "mg/m³"),
    "a21005": Pollutant("carbon monoxide", "mg/m³"),
    "a34013": Pollutant("particulates", "mg/m³"),
    "a24088": Pollutant("non-methane hydrocarbons", "mg/m³"),
    "a01901": Pollutant("incinerator furnace temperature", "°C"),
    "a01902": Pollutant("incinerator furnace temperature", "°C"),
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
