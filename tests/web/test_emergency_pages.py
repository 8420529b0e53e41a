"""应急资源库 pages: browse, search with highlights, entry pages with links and versions, drafting and import."""

from __future__ import annotations

import io
import re

from flask import Flask

from tests.support.flows import pdf_stream
from tests.web.conftest import login


def test_every_role_browses_and_searches(app: Flask) -> None:
    for user in ("91440106MA59C8Q0XW", "county-440106", "province"):
        browser = login(app, user)
        index = browser.get("/emergency/").get_data(as_text=True)
        assert "应急资源库" in index and 'data-count="chemical"' in index
        page = browser.get("/emergency/search", query_string={"q": "氯气"}).get_data(as_text=True)
        assert "<mark>氯气</mark>" in page
    page = browser.get("/emergency/search", query_string={"q": "环发〔2015〕4号", "library": "policy"})
    assert "企业事业单位突发环境事件应急预案备案管理办法（试行）" in page.get_data(as_text=True)


def test_chemical_page_shows_its_cases_techniques_and_documents(app: Flask) -> None:
    browser = login(app, "county-440106")
    page = browser.get("/emergency/search", query_string={"q": "71-43-2"}).get_data(as_text=True)
    entry = re.search(r'href="(/emergency/entries/\d+)"', page)
    assert entry
    body = browser.get(entry.group(1)).get_data(as_text=True)
    for relation in ('data-relation="involves"', 'data-relation="treats"', 'data-relation="cites"'):
        assert relation in body
    assert "松花江" in body and "版本历史" in body


def test_readers_do_not_see_drafts_or_edit(app: Flask) -> None:
    county = login(app, "county-440106")
    listing = county.get("/emergency/technique").get_data(as_text=True)
    assert "泄漏液氨的水幕稀释吸收" not in listing and 'id="new-entry"' not in listing
    assert county.get("/emergency/chemical/new").status_code == 403
    province = login(app, "province")
    assert "泄漏液氨的水幕稀释吸收" in province.get("/emergency/technique").get_data(as_text=True)


def test_editor_drafts_and_imports(app: Flask) -> None:
    admin = login(app, "admin")
    admin.get("/emergency/chemical/new")
    bad = admin.post("/emergency/chemical/new", {"name_zh": "测试物", "cas": "7782-50-4"})
    assert bad.status_code == 422 and "校验位" in bad.get_data(as_text=True)
    good = admin.post("/emergency/chemical/new", {"name_zh": "测试物", "cas": "7732-18-5", "source": "测试"})
    assert good.status_code == 302
    admin.get("/emergency/chemical/import")
    csv = "name_zh,cas\n好物质,7732-18-5\n坏物质,7782-50-4\n".encode()
    preview = admin.post("/emergency/chemical/import", {"file": (io.BytesIO(csv), "c.csv"), "action": "preview"},
                         content_type="multipart/form-data").get_data(as_text=True)
    assert 'data-line="3"' in preview and "table-danger" in preview
    refused = admin.post("/emergency/chemical/import", {"file": (io.BytesIO(csv), "c.csv"), "action": "import"},
                         content_type="multipart/form-data")
    assert refused.status_code == 422


def test_editor_attaches_a_file_that_readers_download_once_published(app: Flask) -> None:
    admin = login(app, "admin")
    page = admin.get("/emergency/search", query_string={"q": "7664-41-7"}).get_data(as_text=True)
    entry = re.search(r'href="/emergency/entries/(\d+)"', page)
    assert entry
    entry_id = entry.group(1)
    admin.get(f"/emergency/entries/{entry_id}")
    added = admin.post(f"/emergency/entries/{entry_id}/attachments", {"file": (pdf_stream("nh3"), "氨 说明书.pdf")},
                       content_type="multipart/form-data")
    assert added.status_code == 302
    body = admin.get(f"/emergency/entries/{entry_id}/versions/2").get_data(as_text=True)
    link = re.search(rf'href="(/emergency/entries/{entry_id}/versions/2/attachments/\d+)"', body)
    assert link and admin.get(link.group(1)).data.startswith(b"%PDF")
    assert login(app, "county-440106").get(link.group(1)).status_code == 404  # a draft's file
    empty = admin.post(f"/emergency/entries/{entry_id}/attachments", {}, content_type="multipart/form-data")
    assert empty.status_code in (400, 422)
