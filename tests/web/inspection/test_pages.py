"""Inspection pages over HTTP on the demo data: the public page without log-in verifies the revealed draw and
shows nothing of the confidential one; the organiser commits and runs; an enterprise sees no list."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

from flask import Flask
from openpyxl import Workbook
from sqlalchemy import select

from engine.inspection.models import Draw, DrawStatus, InspectionPlan
from tests.web.conftest import Browser, login


def _draw_ids(app: Flask) -> tuple[int, int]:
    with app.extensions["ecoloop.sessions"].begin() as session:
        revealed = session.scalars(select(Draw.id).where(Draw.status == DrawStatus.REVEALED)).first()
        secret = session.scalars(select(Draw.id).where(Draw.status == DrawStatus.DRAWN)).first()
    assert revealed is not None and secret is not None
    return revealed, secret


def test_the_public_page_needs_no_log_in_and_verifies_the_revealed_draw(app: Flask, browser: Browser) -> None:
    revealed, secret = _draw_ids(app)
    index = browser.get("/public/inspection/")
    assert index.status_code == 200 and 'data-status="revealed"' in index.get_data(as_text=True)
    page = browser.get(f"/public/inspection/draws/{revealed}").get_data(as_text=True)
    assert 'data-ok="true"' in page and 'id="revealed-seed"' in page and "执法证号" not in page
    inputs = browser.get(f"/public/inspection/draws/{revealed}/inputs.json")
    assert inputs.status_code == 200 and inputs.get_json()["inputs"]["algorithm"] == "ecoloop-draw-v1"
    hidden = browser.get(f"/public/inspection/draws/{secret}").get_data(as_text=True)
    assert 'id="not-revealed"' in hidden and 'id="revealed-seed"' not in hidden and "public-list" not in hidden
    assert browser.get(f"/public/inspection/draws/{secret}/inputs.json").status_code == 404
    assert browser.get("/public/inspection/", query_string={"region": "44"}).status_code == 422


def test_the_organiser_sees_the_confidential_list_and_an_enterprise_does_not(app: Flask) -> None:
    _revealed, secret = _draw_ids(app)
    with app.extensions["ecoloop.sessions"].begin() as session:
        plan_id = session.scalars(select(Draw.plan_id).where(Draw.id == secret)).one()
    organiser = login(app, "city-440100").get(f"/inspection/plans/{plan_id}").get_data(as_text=True)
    assert 'id="drawn-list"' in organiser
    county = login(app, "county-440111").get(f"/inspection/plans/{plan_id}")
    assert county.status_code == 404
    enterprise = login(app, "91440106MA59C8Q0XW").get(f"/inspection/plans/{plan_id}")
    assert enterprise.status_code == 404
    mine = login(app, "officer-gz-1").get("/inspection/mine")
    assert mine.status_code == 200 and 'id="my-assignments"' in mine.get_data(as_text=True)


def test_a_reviewer_creates_a_plan_commits_and_runs_a_draw(app: Flask) -> None:
    city = login(app, "city-440100")
    form = city.get("/inspection/plans/new").get_data(as_text=True)
    item_id = re.search(r'name="item_ids" value="(\d+)"', form).group(1)  # type: ignore[union-attr]
    bad = city.post("/inspection/plans", {"title": "", "body_region_code": "440100", "period_start": "2027-01-01",
                                          "period_end": "2027-03-31", "inspect_from": "2027-01-01",
                                          "inspect_to": "2027-03-31", "item_ids": item_id})
    assert bad.status_code == 422 and "title" in bad.get_data(as_text=True)
    made = city.post("/inspection/plans", {"title": "广州市2027年第一季度双随机抽查", "body_region_code": "440100",
                                           "period_start": "2027-01-01", "period_end": "2027-03-31",
                                           "inspect_from": "2027-01-04", "inspect_to": "2027-03-31",
                                           "item_ids": item_id})
    assert made.status_code == 302
    plan_path = made.headers["Location"]
    city.get(plan_path)
    assert city.post(plan_path + "/draws").status_code == 302
    page = city.get(plan_path).get_data(as_text=True)
    draw_id = re.search(r'/inspection/draws/(\d+)/run', page).group(1)  # type: ignore[union-attr]
    assert city.post(f"/inspection/draws/{draw_id}/run").status_code == 302
    assert 'id="drawn-list"' in city.get(plan_path).get_data(as_text=True)
    refused = city.post(plan_path + "/draws", {"reason": ""})
    assert refused.status_code == 422 and "reason" in refused.get_data(as_text=True)


def test_the_officer_import_page_previews_and_offers_the_error_file(app: Flask) -> None:
    city = login(app, "city-440100")
    city.get("/inspection/import/officers")
    book = Workbook()
    book.active.append(["姓名", "执法证号", "执法机构", "行政区划代码", "状态"])
    book.active.append(["新同事", "440100209999", "广州市生态环境局执法支队", "440100", "在岗"])
    book.active.append(["无区划", "440100208888", "广州市生态环境局执法支队", "", ""])
    out = io.BytesIO()
    book.save(out)
    preview = city.post("/inspection/import/officers", {"file": (io.BytesIO(out.getvalue()), "officers.xlsx")},
                        content_type="multipart/form-data")
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200 and 'data-action="add"' in text and 'data-action="refused"' in text
    confirm = re.search(r'action="(/inspection/import/officers/[^"]+/confirm)"', text).group(1)  # type: ignore[union-attr]
    assert city.post(confirm).status_code == 302
    assert "新同事" in city.get("/inspection/officers").get_data(as_text=True)
    assert "新同事" not in login(app, "91440106MA59C8Q0XW").get("/inspection/officers").get_data(as_text=True)


def test_plans_exist_in_the_demo(app: Flask) -> None:
    with app.extensions["ecoloop.sessions"].begin() as session:
        assert len(session.scalars(select(InspectionPlan)).all()) >= 2


def test_the_rules_page_validates_and_versions_for_administrators_only(app: Flask) -> None:
    admin = login(app, "admin")
    page = admin.get("/inspection/rules").get_data(as_text=True)
    assert "广东省《污染源日常环境监管随机抽查制度落实方案》" in page
    refused = admin.post("/inspection/rules", {"rules": '{"source": "x"}'})
    assert refused.status_code == 422 and "quotas" in refused.get_data(as_text=True)
    city = login(app, "city-440100")
    city.get("/inspection/rules")
    assert city.post("/inspection/rules", {"rules": "{}"}).status_code == 403


def test_a_campaign_chooses_its_targets_from_the_directory(app: Flask) -> None:
    city = login(app, "city-440100")
    form = city.get("/inspection/plans/new", query_string={"kind": "campaign"}).get_data(as_text=True)
    item_id = re.search(r'name="item_ids" value="(\d+)"', form).group(1)  # type: ignore[union-attr]
    made = city.post("/inspection/plans", {"title": "广州市垃圾焚烧专项行动", "kind": "campaign",
                                           "body_region_code": "440100", "period_start": "2027-04-01",
                                           "period_end": "2027-06-30", "inspect_from": "2027-04-01",
                                           "inspect_to": "2027-06-30", "item_ids": item_id})
    plan_path = made.headers["Location"]
    page = city.get(plan_path, query_string={"target_q": "天河"}).get_data(as_text=True)
    chosen = re.findall(r'name="object_ids" value="(\d+)"', page)
    assert chosen
    assert city.post(plan_path + "/targets", {"object_ids": chosen[:2]}).status_code == 302
    shown = city.get(plan_path).get_data(as_text=True)
    assert shown.count('class="list-group-item small"') == len(chosen[:2])


def test_the_independent_verifier_of_the_docs_checks_the_published_files(app: Flask, browser: Browser,
                                                                        tmp_path: Path) -> None:
    revealed, _secret = _draw_ids(app)
    for what in ("inputs", "result"):
        (tmp_path / f"{what}.json").write_bytes(browser.get(f"/public/inspection/draws/{revealed}/{what}.json").data)
    script = Path(__file__).parents[3] / "docs" / "examples" / "verify_draw.py"
    run = subprocess.run([sys.executable, str(script), str(tmp_path / "inputs.json"), str(tmp_path / "result.json")],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0 and run.stdout.count("OK ") == 4, run.stdout
    inputs = json.loads((tmp_path / "inputs.json").read_text("utf-8"))
    inputs["inputs"]["officers"].reverse()  # same set, other order: the canonical inputs hash changes
    (tmp_path / "inputs.json").write_text(json.dumps(inputs), "utf-8")
    tampered = subprocess.run([sys.executable, str(script), str(tmp_path / "inputs.json"),
                               str(tmp_path / "result.json")], capture_output=True, text=True, check=False)
    assert tampered.returncode == 1 and "BAD inputs match their hash" in tampered.stdout
