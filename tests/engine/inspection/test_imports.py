"""Directory imports: preview with row errors before any write, then apply; the error file round-trips."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import InvalidFile
from engine.inspection import imports, plans
from engine.inspection.models import CampaignTarget, InspectionItem, Officer, OfficerLink
from tests.engine.inspection.world import BAIYUN, ORGANISER, TIANHE, county_world, enterprise, plan_input, unit
from tests.support.actors import ADMIN


def _xlsx(*rows: tuple[str, ...]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_officers_preview_refuses_bad_rows_by_line_and_writes_nothing(session: Session) -> None:
    ent = enterprise(session)
    data = _xlsx(imports.HEADERS["officers"],
                 ("张三", "44010600001", "天河区执法大队", TIANHE, "在岗", "zhangsan", ent.credit_code),
                 ("李四", "44010600002", "天河区执法大队", "999999", "", "", ""),
                 ("王五", "44011100003", "白云区执法大队", BAIYUN, "休假", "", ""),
                 ("赵六", "44011100004", "白云区执法大队", BAIYUN, "", "", ""))
    preview = imports.preview(session, ORGANISER, "officers", data)
    assert [(r.line, r.action) for r in preview.rows] == [(2, "add"), (3, "refused"), (4, "refused"), (5, "refused")]
    assert "行政区划代码" in preview.rows[1].reason and "状态" in preview.rows[2].reason
    assert "管辖范围" in preview.rows[3].reason  # a Tianhe reviewer does not keep Baiyun's officers
    assert session.scalars(select(Officer)).first() is None
    assert imports.apply(session, ORGANISER, preview) == {"add": 1, "change": 0, "refused": 3}
    officer = session.scalars(select(Officer)).one()
    assert (officer.name, officer.username) == ("张三", "zhangsan")
    assert session.scalars(select(OfficerLink.enterprise_code)).one() == ent.credit_code
    again = imports.preview(session, ORGANISER, "officers", data)
    assert again.rows[0].action == "change"
    errors = load_workbook(io.BytesIO(imports.error_file(preview))).active
    assert [c.value for c in errors[1]][:3] == ["行号", "拒绝原因", "姓名"]
    assert [errors.cell(r, 1).value for r in (2, 3, 4)] == ["3", "4", "5"]


def test_items_import_needs_the_legal_basis_and_checklist(session: Session) -> None:
    data = _xlsx(imports.HEADERS["items"],
                 ("PWXK-01", "排污许可执行情况", "《排污许可管理条例》第三十四条", "持证排污；按证排污", "排污单位"),
                 ("HP-01", "环评执行情况", "", "批建一致", ""))
    preview = imports.preview(session, ADMIN, "items", data)
    assert [r.action for r in preview.rows] == ["add", "refused"] and "法律依据" in preview.rows[1].reason
    imports.apply(session, ADMIN, preview)
    item = session.scalars(select(InspectionItem)).one()
    assert item.checklist == ["持证排污", "按证排污"] and item.object_kinds == ["discharge_unit"]


def test_a_campaign_target_list_is_imported_from_xlsx(session: Session) -> None:
    objects, _people, item = county_world(session, special=1, key=2, general=2, officers=2)
    outsider = unit(session, BAIYUN)
    plan = plans.create(session, ORGANISER, plan_input(item_ids=(item.id,), kind="campaign"))
    data = _xlsx(("统一社会信用代码", "批复文号"), (objects[1].enterprise_code, ""), (outsider.enterprise_code, ""),
                 ("91440106NOSUCHCODE", ""))
    preview = imports.preview(session, ORGANISER, "targets", data, plan.id)
    assert [r.action for r in preview.rows] == ["add", "refused", "refused"]
    imports.apply(session, ORGANISER, preview, plan.id)
    assert session.scalars(select(CampaignTarget.object_id)).all() == [objects[1].id]


def test_a_file_without_the_required_columns_is_refused_naming_them(session: Session) -> None:
    with pytest.raises(InvalidFile) as refused:
        imports.preview(session, ADMIN, "officers", _xlsx(("姓名", "单位")))
    assert "执法证号" in refused.value.message
    with pytest.raises(InvalidFile):
        imports.preview(session, ADMIN, "officers", b"not a workbook")
