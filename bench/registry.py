"""Register import benchmark: a 40,000-enterprise + 10,000-point xlsx, preview and write, against a row-by-row ORM insert.

In a throw-away PostgreSQL database, in the same run:

- ``build xlsx``: the file itself (every column filled: coordinates, permit, lists, risk level,
  contacts; points with five or six factors and one password shared by all loggers);
- ``preview``: :func:`engine.register.imports.preview` (read the xlsx, check and compare every row
  against the empty register);
- ``write``: :func:`engine.register.imports.apply` of that preview, committed (set-based inserts,
  audit events of 500 rows);
- ``re-import preview``: the same file again, every row found unchanged;
- ``orm baseline``: the same rows as ORM objects added one by one with a flush per enterprise
  (the shape of ``engine.monitoring.registry.register_*``), in a second database.

Usage: ``python -m bench.registry [--enterprises 40000] [--points 10000] [--pg-url URL]``.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from sqlalchemy.orm import Session

from bench.databases import DEFAULT_PG_URL, bench_database, machine
from engine.actors import Actor, Role
from engine.db import make_engine, make_session_factory
from engine.monitoring.models import Enterprise, ListMembership, MonitoringPoint, PointFactor
from engine.demo.monitoring import credit_code
from engine.monitoring.passwords import hash_password
from engine.monitoring.synthetic import FACTORS_BY_KIND
from engine.regions import RegionLevel, region_tree
from engine.register import files, imports, rows
from bench.timing import timed

ADMIN = Actor("bench", frozenset({Role.ADMIN}), "440000")


def _counties() -> list[str]:
    tree = region_tree()
    return [c.code for city in tree.cities() for c in tree.children(city.code) if c.level is RegionLevel.COUNTY]


def enterprise_cells(count: int) -> list[dict[str, str]]:
    places = _counties()
    return [{"统一社会信用代码": credit_code(places[n % len(places)], n + 1), "单位名称": f"基准企业{n}有限公司",
             "曾用名": f"基准厂{n}" if n % 7 == 0 else "", "行政区划代码": places[n % len(places)],
             "详细地址": f"某路{n}号", "经度": f"{113 + n % 1000 / 1000:.3f}", "纬度": f"{23 + n % 500 / 1000:.3f}",
             "坐标系": "GCJ-02", "行业代码": ("D4411", "D4620", "C2221", "C3360")[n % 4],
             "行业名称": ("火力发电", "污水处理", "造纸", "电镀")[n % 4], "排污许可证编号": f"P{n:010d}",
             "许可管理类别": ("重点管理", "简化管理", "登记管理")[n % 3], "许可证有效期起": "2024-01-01",
             "许可证有效期止": "2028-12-31", "重点排污单位名录": "2026:水,大气" if n % 4 == 0 else "",
             "环境风险等级": ("一般", "较大", "重大")[n % 3], "风险评估日期": "2025-06-30", "运营状态": "运营",
             "联系人": "张工", "联系电话": "020-12345678"} for n in range(count)]


def point_cells(enterprises: list[dict[str, str]], count: int) -> list[dict[str, str]]:
    found = []
    for n in range(count):
        kind = "air" if n % 2 == 0 else "water"
        factors = "；".join("|".join([p.spec.code, p.spec.unit, rows._num(p.spec.upper_limit),
                                      rows._num(p.spec.lower_limit), "GB 13223-2011" if kind == "air" else "",
                                      rows._num(p.spec.range_lower), rows._num(p.spec.range_upper)])
                           for p in FACTORS_BY_KIND[kind])
        found.append({"MN": f"BENCH{n:019d}", "统一社会信用代码": enterprises[n % len(enterprises)]["统一社会信用代码"],
                      "点位名称": f"排口{n}", "排放口编码": f"D{'A' if kind == 'air' else 'W'}{n % 1000:03d}",
                      "监测类别": "废气" if kind == "air" else "废水", "实时数据间隔(秒)": "30",
                      "分钟数据间隔(分钟)": "10", "启用时间": "2026-01-01 00:00", "监测因子": factors,
                      "数采仪密码": "123456"})
    return found


def orm_baseline(session: Session, enterprises: list[dict[str, str]], points: list[dict[str, str]]) -> None:
    """One ORM object per row, added and flushed per enterprise and point (the register_* shape)."""
    ids: dict[str, int] = {}
    password_hash = hash_password("123456")
    for cells in enterprises:
        record = rows.parse_enterprise(cells)
        memberships = record.pop("memberships")
        record["former_names"] = "；".join(record["former_names"])
        enterprise = Enterprise(**record, key_unit=bool(memberships))
        session.add(enterprise)
        session.flush()
        for year, medium in memberships:
            session.add(ListMembership(enterprise_id=enterprise.id, year=year, medium=medium))
        ids[enterprise.credit_code] = enterprise.id
    for cells in points:
        record = rows.parse_point(cells)
        point = MonitoringPoint(enterprise_id=ids[record["credit_code"]], password_hash=password_hash, **{
            name: record[name] for name in ("mn", "name", "outlet_code", "kind", "rtd_interval_s",
                                            "minute_interval_min", "monitoring_since", "monitoring_until")})
        session.add(point)
        session.flush()
        for factor in record["factors"]:
            session.add(PointFactor(point_id=point.id, rule_params={}, **factor))
    session.flush()


def run(enterprise_count: int, point_count: int, pg_url: str) -> dict[str, Any]:
    results: dict[str, float] = {}
    enterprises = enterprise_cells(enterprise_count)
    points = point_cells(enterprises, point_count)
    data = timed("build xlsx", results, lambda: files.write_xlsx(
        {files.SHEET_NAMES[files.ENTERPRISE]: files.HEADERS[files.ENTERPRISE],
         files.SHEET_NAMES[files.POINT]: files.HEADERS[files.POINT]},
        {files.SHEET_NAMES[files.ENTERPRISE]: enterprises, files.SHEET_NAMES[files.POINT]: points}))
    with bench_database("postgres", pg_url) as url:
        engine = make_engine(url)
        factory = make_session_factory(engine)
        with factory.begin() as session:
            preview = timed("preview", results, lambda: imports.preview(session, ADMIN, data, "bench.xlsx"))
            assert preview.counts()["add"] == enterprise_count + point_count, preview.counts()
        with factory.begin() as session:
            timed("write", results, lambda: imports.apply(session, ADMIN, preview))
        with factory.begin() as session:
            again = timed("re-import preview", results, lambda: imports.preview(session, ADMIN, data, "bench.xlsx"))
            assert again.counts()["same"] == enterprise_count + point_count, again.counts()
        engine.dispose()
    with bench_database("postgres", pg_url) as url:
        engine = make_engine(url)
        with make_session_factory(engine).begin() as session:
            timed("orm baseline (row by row)", results, lambda: orm_baseline(session, enterprises, points))
        engine.dispose()
    return {"enterprises": enterprise_count, "points": point_count, "file bytes": len(data), "seconds": results,
            "machine": machine(pg_url)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--enterprises", type=int, default=40_000)
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    args = parser.parse_args()
    print(json.dumps(run(args.enterprises, args.points, args.pg_url), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
