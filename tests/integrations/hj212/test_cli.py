from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from integrations.hj212.cli import hj212
from integrations.hj212.frame import frame

from .strategies import STANDARD_EXAMPLE

MN = "010000A8900016F000169DC0"
UPLOAD = frame(
    f"QN=20240315103000123;ST=32;CN=2011;PW=123456;MN={MN};Flag=4;CP=&&DataTime=20240315103000;"
    "w01018-Rtd=35.2,w01018-Flag=N,w01018-Info=维护;w21003-Rtd=1,w21003-Flag=M&&"
)


def run(stdin: str) -> tuple[int, list[dict[str, object]]]:
    result = CliRunner().invoke(hj212, ["parse"], input=stdin.encode())
    return result.exit_code, [json.loads(line) for line in result.output.splitlines()]


def test_valid_packets_exit_0() -> None:
    code, objects = run(UPLOAD + STANDARD_EXAMPLE)
    assert code == 0
    assert objects[0] == {
        "ok": True,
        "qn": "20240315103000123",
        "st": "32",
        "cn": "2011",
        "mn": MN,
        "flag": 4,
        "data_time": "2024-03-15T10:30:00+08:00",
        "values": {
            "w01018": {"Rtd": 35.2, "Flag": "N", "Info": "维护"},
            "w21003": {"Rtd": 1.0, "Flag": "M"},
        },
        "fields": {},
        "nonstandard": [],
    }
    assert objects[1]["fields"] == {"RtdInterval": "30"}


def test_refused_line_exits_1_with_reason() -> None:
    code, objects = run(STANDARD_EXAMPLE.replace("1C80", "1C81") + "\n\n  \n" + UPLOAD)
    assert code == 1
    assert [item["ok"] for item in objects] == [False, True]
    assert objects[0] == {
        "ok": False,
        "reason": "crc_mismatch",
        "detail": "CRC 1C81 does not match the data segment, which gives 1C80",
        "expected": "1C80",
        "actual": "1C81",
    }


def test_output_keeps_chinese_characters() -> None:
    result = CliRunner().invoke(hj212, ["parse"], input=UPLOAD.encode())
    assert '"维护"' in result.output


def test_reads_a_file_with_lf_line_ends(tmp_path: Path) -> None:
    path = tmp_path / "packets.txt"
    path.write_bytes(STANDARD_EXAMPLE.replace("\r\n", "\n").encode() + b"garbage\n")
    result = CliRunner().invoke(hj212, ["parse", str(path)])
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert lines[0]["ok"] is True
    assert (lines[1]["ok"], lines[1]["reason"]) == (False, "bad_frame")


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(hj212, ["parse", str(tmp_path / "absent.txt")])
    assert result.exit_code == 2
    assert "absent.txt" in result.output
