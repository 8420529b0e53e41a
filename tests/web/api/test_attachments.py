"""Evidence through the API: upload (id and sha256), library, scoped download, link to a task."""

from __future__ import annotations

import hashlib
import io

from flask import Flask

from tests.support.flows import PDF
from tests.web.api.conftest import BAIYUN, TIANHE, login, ready_task_ids


def test_upload_download_and_link(app: Flask) -> None:
    clerk = login(app, TIANHE.credit_code)
    uploaded = clerk.post("/api/v1/attachments", data={"file": (io.BytesIO(PDF), "监测报告.pdf")}, json=None)
    body = uploaded.get_json()
    assert uploaded.status_code == 201 and body["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert body["name"] == "监测报告.pdf" and body["media_type"] == "application/pdf"
    assert [a["id"] for a in clerk.get("/api/v1/attachments").get_json()][0] == body["id"]  # newest first
    download = clerk.get(f"/api/v1/attachments/{body['id']}")
    assert download.status_code == 200 and download.data == PDF
    assert login(app, BAIYUN.credit_code).get(f"/api/v1/attachments/{body['id']}").status_code == 404
    task_id = ready_task_ids(clerk)[0]
    linked = clerk.post(f"/api/v1/tasks/{task_id}/attachments", {"attachment_ids": [body["id"]]})
    assert linked.status_code == 200 and [a["id"] for a in linked.get_json()] == [body["id"]]
    county = login(app, "county-440106")
    assert county.get(f"/api/v1/attachments/{body['id']}").status_code == 200  # evidence of a task it can see


def test_upload_refuses_other_content_and_foreign_links(app: Flask) -> None:
    clerk = login(app, TIANHE.credit_code)
    script = clerk.post("/api/v1/attachments", data={"file": (io.BytesIO(b"#!/bin/sh\nrm -rf /\n"), "a.pdf")},
                        json=None)
    assert script.status_code == 415 and script.content_type == "application/problem+json"
    other = login(app, BAIYUN.credit_code)
    theirs = other.post("/api/v1/attachments", data={"file": (io.BytesIO(PDF + b"% baiyun"), "b.pdf")},
                        json=None).get_json()
    task_id = ready_task_ids(clerk)[0]
    foreign = clerk.post(f"/api/v1/tasks/{task_id}/attachments", {"attachment_ids": [theirs["id"]]})
    assert foreign.status_code == 422 and "attachment_ids" in foreign.get_json()["errors"]
