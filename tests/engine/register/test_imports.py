"""Register import: preview, confirm, refusals with line and reason, idempotent re-import, GBK CSV, round trip."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.errors import NotAllowed
from engine.audit.models import AuditEvent
from engine.monitoring.models import Enterprise, ListMembership, MonitoringPoint, PointDowntime, PointFactor
from engine.monitoring.passwords import verify_password
from engine.register import exports, files, imports
from engine.register.rows import ENTERPRISE_HEADERS, POINT_HEADERS
from engine.calendar.workdays import SHANGHAI
from tests.engine.register.samples import (
    BAD_CHECK,
    CODE_A,
    CODE_B,
    CODE_C,
    enterprise_row,
    point_row,
    register_file,
)
from tests.support.actors import ADMIN, COUNTY_TIANHE


def _bad_file() -> bytes:
    enterprises = [
        enterprise_row(CODE_A, "天河热电有限公司", "440106", lists="2026:水,大气；2025:水"),
        enterprise_row(CODE_B, "白云水务有限公司", "440111"),
        enterprise_row(BAD_CHECK, "校验位错误公司", "440106"),                 # line 4
        enterprise_row(CODE_C, "未知区划公司", "449999"),                      # line 5
        enterprise_row(CODE_A, "重复代码公司", "440106"),                      # line 6
    ]
    points = [
        point_row("MN0001", CODE_A, "a21026|mg/m³|35||GB 13223-2011|0|200；a34013|mg/m³|10"),
        point_row("MN0002", CODE_B, "w01018|mg/L|50"),
        point_row("MN0001", CODE_B, "w01018|mg/L|50"),                         # line 4: duplicate MN
        point_row("MN0004", CODE_B, "x99999|mg/L|50"),                         # line 5: unknown factor
        point_row("MN0005", CODE_B, "w01018|mg/L|五十"),                       # line 6: limit not a number
        point_row("MN0006", CODE_C, "w01018|mg/L|50"),                         # line 7: enterprise not listed
    ]
    return register_file(enterprises, points)


def test_preview_writes_nothing_and_names_every_refused_line(session: Session) -> None:
    preview = imports.preview(session, ADMIN, _bad_file(), "register.xlsx")

    assert preview.counts() == {"add": 4, "change": 0, "same": 0, "refused": 7}
    refused = {(row.kind, row.line): row.reason for row in preview.of(imports.REFUSED)}
    assert "校验位错误" in refused[("enterprise", 4)]
    assert "行政区划代码" in refused[("enterprise", 5)] and "未知" in refused[("enterprise", 5)]
    assert "重复" in refused[("enterprise", 6)] and "第 2 行" in refused[("enterprise", 6)]
    assert "MN MN0001 重复" in refused[("point", 4)]
    assert "监测因子代码 'x99999' 未知" in refused[("point", 5)]
    assert "不是数字" in refused[("point", 6)]
    assert "不在名录中" in refused[("point", 7)]
    assert session.scalar(select(func.count()).select_from(Enterprise)) == 0


def test_confirm_writes_valid_rows_and_reimport_changes_nothing(session: Session) -> None:
    data = _bad_file()
    imports.apply(session, ADMIN, imports.preview(session, ADMIN, data, "register.xlsx"))

    tianhe = session.scalar(select(Enterprise).where(Enterprise.credit_code == CODE_A))
    assert tianhe is not None and tianhe.key_unit and tianhe.industry_code == "D4411"
    assert session.scalar(select(func.count()).select_from(ListMembership)) == 3
    point = session.scalar(select(MonitoringPoint).where(MonitoringPoint.mn == "MN0001"))
    assert point is not None and verify_password(point.password_hash, "pw-0001")
    so2 = session.scalar(select(PointFactor).where(PointFactor.point_id == point.id, PointFactor.code == "a21026"))
    assert so2 is not None and so2.upper_limit == 35 and so2.standard == "GB 13223-2011" and so2.name == "二氧化硫"
    assert session.scalar(select(func.count()).select_from(PointDowntime)) == 1
    events = session.scalars(select(AuditEvent).where(AuditEvent.action.like("register.%"))).all()
    assert {e.action for e in events} == {"register.enterprise_import", "register.point_import"}

    again = imports.preview(session, ADMIN, data, "register.xlsx")
    assert again.counts() == {"add": 0, "change": 0, "same": 4, "refused": 7}


def test_a_changed_row_lists_its_changed_fields_with_before_and_after(session: Session) -> None:
    imports.apply(session, ADMIN, imports.preview(session, ADMIN, _bad_file(), "register.xlsx"))
    changed = register_file([enterprise_row(CODE_A, "天河热电有限公司", "440106", lists="2026:水", risk="重大")],
                            [point_row("MN0001", CODE_A, "a21026|mg/m³|50||GB 13223-2011|0|200；a34013|mg/m³|10",
                                       password="new-secret")])
    preview = imports.preview(session, ADMIN, changed, "register.xlsx")

    enterprise, point = preview.of(imports.CHANGE)
    assert enterprise.changes == {"重点排污单位名录": ("2026:水,大气；2025:水", "2026:水"), "环境风险等级": ("较大", "重大")}
    assert set(point.changes) == {"监测因子", "数采仪密码"}
    imports.apply(session, ADMIN, preview)
    stored = session.scalar(select(MonitoringPoint).where(MonitoringPoint.mn == "MN0001"))
    assert stored is not None and stored.version == 2 and verify_password(stored.password_hash, "new-secret")
    assert session.scalar(select(func.count()).select_from(ListMembership)) == 1
    assert imports.preview(session, ADMIN, changed, "register.xlsx").counts()["change"] == 0


def test_gbk_csv_is_read(session: Session) -> None:
    rows = [enterprise_row(CODE_A, "天河热电有限公司", "440106")]
    data = files.write_csv(tuple(ENTERPRISE_HEADERS), rows, encoding="gbk")
    assert data.decode("gbk").startswith("统一社会信用代码")

    preview = imports.preview(session, ADMIN, data, "名录.csv")
    assert preview.counts()["add"] == 1 and preview.rows[0].record is not None
    assert preview.rows[0].record["name"] == "天河热电有限公司"


def test_export_imports_back_unchanged_in_every_format(session: Session) -> None:
    imports.apply(session, ADMIN, imports.preview(session, ADMIN, _bad_file(), "register.xlsx"))
    workbook = exports.export(session, ADMIN)
    assert imports.preview(session, ADMIN, workbook, "export.xlsx").counts() == {
        "add": 0, "change": 0, "same": 4, "refused": 0}
    for kind, fmt in (("enterprises", "gbk"), ("points", "csv")):
        data = exports.export(session, ADMIN, kind=kind, fmt=fmt)
        assert imports.preview(session, ADMIN, data, f"export.{fmt}").counts()["same"] == 2


def test_error_file_holds_the_refused_rows_and_imports_once_corrected(session: Session) -> None:
    preview = imports.preview(session, ADMIN, _bad_file(), "register.xlsx")
    refused = files.read(imports.error_file(preview), "errors.xlsx")
    assert len(refused) == 7
    fixed = [{**row.cells, "行政区划代码": "440106"} for row in refused
             if row.kind == "enterprise" and row.cells["单位名称"] == "未知区划公司"]
    imports.apply(session, ADMIN, imports.preview(session, ADMIN, _bad_file(), "register.xlsx"))
    again = imports.preview(session, ADMIN, files.write_csv(tuple(ENTERPRISE_HEADERS), fixed), "fixed.csv")
    assert again.counts()["add"] == 1


def test_a_file_without_some_columns_keeps_their_stored_values(session: Session) -> None:
    imports.apply(session, ADMIN, imports.preview(session, ADMIN, _bad_file(), "register.xlsx"))
    short = files.write_csv(("统一社会信用代码", "单位名称", "行政区划代码"), [
        {"统一社会信用代码": CODE_A, "单位名称": "天河热电股份有限公司", "行政区划代码": "440106"}])
    preview = imports.preview(session, ADMIN, short, "short.csv")
    assert preview.of(imports.CHANGE)[0].changes == {"单位名称": ("天河热电有限公司", "天河热电股份有限公司")}


def test_suspension_times_are_kept_in_shanghai_time(session: Session) -> None:
    imports.apply(session, ADMIN, imports.preview(session, ADMIN, _bad_file(), "register.xlsx"))
    downtime = session.scalar(select(PointDowntime))
    assert downtime is not None and downtime.source == "filing" and downtime.reason == "maintenance"
    assert downtime.starts_at == datetime(2026, 11, 21, 8, 0, tzinfo=SHANGHAI)
    assert set(POINT_HEADERS) >= {"停运检修报备"}


def test_only_administrators_import(session: Session) -> None:
    with pytest.raises(NotAllowed):
        imports.preview(session, COUNTY_TIANHE, _bad_file(), "register.xlsx")
