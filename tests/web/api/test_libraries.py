"""The libraries API: every role reads and searches; only editors draft and submit; the province reviews."""

from __future__ import annotations

from flask import Flask

from engine.emergency.library import attachments, review
from tests.support.actors import ADMIN, PROVINCE
from tests.support.flows import pdf_stream
from tests.support.processes import complete
from tests.web.api.conftest import login, ready_task_ids


def test_every_role_reads_and_searches(app: Flask) -> None:
    for user in ("91440106MA59C8Q0XW", "county-440106", "province", "admin"):
        client = login(app, user)
        hits = client.get("/api/v1/libraries/search", query_string={"q": "苯酚"}).get_json()
        assert hits[0]["title"] == "苯酚" and "<mark>苯酚</mark>" in hits[0]["snippet"]
    chlorine = client.get("/api/v1/libraries/search", query_string={"q": "7782-50-5"}).get_json()[0]
    current = client.get(f"/api/v1/libraries/entries/{chlorine['entry_id']}").get_json()
    assert current["fields"]["critical_quantity_t"] == 5 and current["number"] == 1
    policies = login(app, "county-440106").get("/api/v1/libraries/policy").get_json()
    assert policies["total"] >= 10 and all(e["status"] == "published" for e in policies["entries"])
    assert login(app, "county-440106").get("/api/v1/libraries/nope").status_code == 422


def test_editor_drafts_submits_and_province_publishes(app: Flask) -> None:
    county = login(app, "county-440106")
    body = {"fields": {"name_zh": "四氯化碳", "cas": "56-23-5"}, "source": "API 测试"}
    assert county.post("/api/v1/libraries/chemical", json=body).status_code == 403
    admin = login(app, "admin")
    bad = admin.post("/api/v1/libraries/chemical", json={"fields": {"name_zh": "x", "cas": "56-23-4"}})
    assert bad.status_code == 422 and "cas" in bad.get_json()["errors"]
    created = admin.post("/api/v1/libraries/chemical", json=body)
    assert created.status_code == 201
    entry_id = int(created.headers["Location"].rsplit("/", 1)[1])
    assert county.get(f"/api/v1/libraries/entries/{entry_id}").status_code == 404
    assert admin.post(f"/api/v1/libraries/entries/{entry_id}/submit", json={"note": "请审核"}).status_code == 201
    province = login(app, "province")
    for task in ready_task_ids(province, process="library_entry_review"):  # the demo's entry under review and ours
        done = province.post(f"/api/v1/tasks/{task}/complete", json={"data": {"decision": "publish"}})
        assert done.status_code == 200, done.get_json()
    assert county.get(f"/api/v1/libraries/entries/{entry_id}/versions").get_json()[0]["status"] == "published"


def test_attachments_download_only_with_a_readable_version(app: Flask) -> None:
    county = login(app, "county-440106")
    methanol = county.get("/api/v1/libraries/search", query_string={"q": "67-56-1"}).get_json()[0]["entry_id"]
    with app.extensions["ecoloop.sessions"].begin() as session:
        draft = attachments.add(session, app.extensions["ecoloop.files"], ADMIN, methanol, pdf_stream("api"), "sds.pdf")
        number, attachment_id = draft.number, draft.attachments[0]
        instance = review.submit(session, ADMIN, draft.id)
        complete(session, PROVINCE, instance.id, "review", {"decision": "publish"})
    path = f"/api/v1/libraries/entries/{methanol}/versions/{number}/attachments/{attachment_id}"
    assert county.get(path).data.startswith(b"%PDF")
    assert county.get(f"/api/v1/libraries/entries/{methanol}").get_json()["attachments"] == [attachment_id]
    assert county.get(f"/api/v1/libraries/entries/{methanol}/versions/1/attachments/{attachment_id}").status_code == 404
