"""Protocol code tables of HJ 212-2017: system codes, answer codes and their return values.

The tables the platform itself reads (command codes, data flags, factor codes and the
HJ/T 212-2005 codes that map onto them) are :mod:`engine.monitoring.codes`.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum

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
