"""Register rows and files for tests: valid credit codes of Guangzhou, a point per row."""

from __future__ import annotations

from collections.abc import Sequence

from engine.register import files
from tests.support.actors import ENTERPRISE_BAIYUN, ENTERPRISE_TIANHE

CODE_A = ENTERPRISE_TIANHE
CODE_B = ENTERPRISE_BAIYUN
CODE_C = "91440300568520498A"
BAD_CHECK = CODE_C[:-1] + ("B" if CODE_C[-1] != "B" else "C")


def enterprise_row(code: str, name: str, region: str, *, lists: str = "", risk: str = "较大") -> dict[str, str]:
    return {"统一社会信用代码": code, "单位名称": name, "行政区划代码": region, "详细地址": "广州市某路1号",
            "经度": "113.3612", "纬度": "23.1247", "坐标系": "GCJ-02", "行业代码": "4411", "行业名称": "火力发电",
            "排污许可证编号": f"{code}001P", "许可管理类别": "重点管理", "许可证有效期起": "2024-01-01",
            "许可证有效期止": "2028-12-31", "重点排污单位名录": lists, "环境风险等级": risk,
            "风险评估日期": "2025-06-30", "运营状态": "运营", "联系人": "张工", "联系电话": "020-12345678"}


def point_row(mn: str, code: str, factors: str, *, password: str | None = None) -> dict[str, str]:
    return {"MN": mn, "统一社会信用代码": code, "点位名称": f"{mn} 排放口", "排放口编码": "DA001",
            "监测类别": "废气" if factors.startswith("a") else "废水", "启用时间": "2026-01-01 00:00",
            "监测因子": factors, "停运检修报备": "检修:2026-11-21 08:00~2026-11-21 20:00" if mn == "MN0001" else "",
            "数采仪密码": password or f"pw-{mn[-4:]}"}


def register_file(enterprises: Sequence[dict[str, str]], points: Sequence[dict[str, str]]) -> bytes:
    """An xlsx with the register's two sheets."""
    sheets = {files.SHEET_NAMES[kind]: files.HEADERS[kind] for kind in (files.ENTERPRISE, files.POINT)}
    return files.write_xlsx(sheets, {files.SHEET_NAMES[files.ENTERPRISE]: enterprises,
                                     files.SHEET_NAMES[files.POINT]: points})
