"""Hypothesis strategies for HJ 212 packets, shared by the tests of this package."""

from __future__ import annotations

import string
from datetime import datetime
from typing import Any

from hypothesis import strategies as st

from engine.monitoring.codes import COMMAND_CODES, DATA_COMMANDS, DATA_FLAGS, FACTORS
from integrations.hj212.codes import SYSTEM_CODES
from integrations.hj212.times import CHINA_TIME, make_qn

STANDARD_EXAMPLE = (
    "##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;"
    "MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&1C80\r\n"
)
"""The example packet printed in HJ 212-2017."""

_POLLUTANT_CODES = st.sampled_from(sorted(FACTORS))
_OTHER_FIELDS = ["RtdInterval", "PolId", "SystemTime"]
_TEXT = st.text(string.ascii_letters + string.digits + " .:_-", min_size=1, max_size=12)

times = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(CHINA_TIME)
).map(lambda moment: moment.replace(microsecond=0))

numbers = st.floats(allow_nan=False, allow_infinity=False) | st.integers(-(10**9), 10**9)

_SUFFIX_VALUES: dict[str, st.SearchStrategy[Any]] = {
    **{s: numbers for s in ("Rtd", "Min", "Avg", "Max", "Cou", "ZsRtd", "ZsMin", "ZsAvg", "ZsMax")},
    "Flag": st.sampled_from(sorted(DATA_FLAGS)),
    "EFlag": _TEXT,
    "SampleTime": times,
    "Info": _TEXT,
}

factor_values = st.dictionaries(
    st.sampled_from(sorted(_SUFFIX_VALUES)), st.none(), min_size=1, max_size=4
).flatmap(lambda chosen: st.fixed_dictionaries({s: _SUFFIX_VALUES[s] for s in chosen}))


@st.composite
def packet_arguments(draw: st.DrawFn) -> dict[str, Any]:
    """Keyword arguments for ``build_packet`` describing a valid, ASCII-only packet."""
    cn = draw(st.sampled_from(sorted(COMMAND_CODES)))
    data_time = draw(times if cn in DATA_COMMANDS else st.none() | times)
    return {
        "st": draw(st.sampled_from(sorted(SYSTEM_CODES))),
        "cn": cn,
        "pw": draw(st.text(string.ascii_letters + string.digits, min_size=1, max_size=8)),
        "mn": draw(st.text("0123456789ABCDEF", min_size=24, max_size=24)),
        "qn": draw(st.none() | times.map(make_qn)),
        "flag": draw(st.sampled_from([None, 0, 1, 4, 5])),
        "data_time": data_time,
        "values": draw(st.dictionaries(_POLLUTANT_CODES, factor_values, max_size=4)),
        "fields": draw(st.dictionaries(st.sampled_from(_OTHER_FIELDS), _TEXT, max_size=2)),
    }
