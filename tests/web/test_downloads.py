"""Files sent to people: every report kind through the web and the API, evidence named by its detected type.

Every download is an attachment whose name follows RFC 6266/5987 (``filename="ascii"; filename*=UTF-8''…``):
a raw Chinese name in a header cannot be encoded by the server (``UnicodeEncodeError``) and hung the browser.
"""

from __future__ import annotations

import io
import re
import time
import zipfile
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from openpyxl import load_workbook
from pypdf import PdfReader

from engine.reports.builders import KINDS
from tests.web.api.conftest import TIANHE, ApiClient
from tests.web.api.conftest import login as api_login
from tests.web.conftest import login

RFC_5987 = re.compile(r"attachment; filename=(?:\"(?P<quoted>[^\"\\]*)\"|(?P<token>[!#$%&'*+.^_`|~0-9A-Za-z-]+))"
                      r"; filename\*=UTF-8''(?P<encoded>\S+)")
"""RFC 6266's grammar: the fallback is a token or a quoted-string (which may hold ``;`` or spaces, as an ASCII
fallback of full-width punctuation does)."""
CHINA = timezone(timedelta(hours=8))
YEARLY = ("annual", "annual_pdf", "credit_results")
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        archive.writestr("word/document.xml", '<?xml version="1.0"?><document/>')
    return buffer.getvalue()


DOCX = _docx()


def assert_attachment(response: Any, filename: str) -> None:
    """The RFC 6266/5987 form, encodable as the WSGI server must (Latin-1), and never sniffed."""
    disposition = response.headers["Content-Disposition"]
    disposition.encode("latin-1")
    if filename.isascii():
        assert disposition == f"attachment; filename={filename}", disposition
    else:
        match = RFC_5987.fullmatch(disposition)
        assert match is not None and match["encoded"] == quote(filename), disposition
        fallback = match["quoted"] or match["token"]
        assert fallback and fallback.isascii()
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def generate(city: ApiClient, kind: str) -> dict[str, Any]:
    period = "2024" if kind in YEARLY else datetime.now(CHINA).strftime("%Y-%m")
    response = city.post("/api/v1/reports", json={"kind": kind, "period": period})
    assert response.status_code == 202, response.get_json()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        run = city.get(response.headers["Location"]).get_json()
        if run["status"] != "queued" and run["status"] != "running":
            assert run["status"] == "done", run
            return run
        time.sleep(0.2)
    raise AssertionError(f"{kind} not generated in time")


def assert_opens(content: bytes, kind: str) -> None:
    if KINDS[kind].extension == "pdf":
        assert content.startswith(b"%PDF") and len(PdfReader(io.BytesIO(content)).pages) >= 1
    else:
        assert load_workbook(io.BytesIO(content)).sheetnames


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_report_kind_downloads_through_the_web_and_the_api(app: Flask, kind: str) -> None:
    city = api_login(app, "city-440100")
    run = generate(city, kind)
    assert any("\u4e00" <= c <= "\u9fff" for c in run["filename"])  # the Chinese title is in the name
    through_api = city.get(f"/api/v1/reports/{run['id']}/file")
    assert through_api.status_code == 200 and through_api.mimetype == KINDS[kind].media_type
    assert_attachment(through_api, run["filename"])
    assert_opens(through_api.data, kind)
    through_web = login(app, "city-440100").client.get(f"/reports/{run['id']}/download")
    assert through_web.status_code == 200 and through_web.data == through_api.data
    assert_attachment(through_web, run["filename"])


def test_evidence_downloads_under_the_extension_of_its_detected_type(app: Flask) -> None:
    """A PDF uploaded as report.html comes back as report.pdf, a Word file named tool.jar as tool.docx."""
    clerk = api_login(app, TIANHE.credit_code)
    browser = login(app, TIANHE.credit_code)
    for content, uploaded_as, sent_as, media_type in (
            (PDF, "report.html", "report.pdf", "application/pdf"),
            (DOCX, "tool.jar", "tool.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            (PDF + b"% 2\n", "整改报告", "整改报告.pdf", "application/pdf")):
        uploaded = clerk.post("/api/v1/attachments", data={"file": (io.BytesIO(content), uploaded_as)}, json=None)
        assert uploaded.status_code == 201, uploaded.get_json()
        attachment_id = uploaded.get_json()["id"]
        for response in (browser.client.get(f"/evidence/{attachment_id}"),
                         clerk.get(f"/api/v1/attachments/{attachment_id}")):
            assert response.status_code == 200 and response.mimetype == media_type and response.data == content
            assert_attachment(response, sent_as)
