"""In Chromium: a report downloads under its Chinese name and opens; model XML never runs in EcoLoop's origin."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from tests.browser.conftest import LiveServer, Tab
from tests.browser.test_closed_loop import ENTERPRISE, PDF, open_step, start_exceedance
from tests.support.hostile_models import store_hostile_model

CHINA = timezone(timedelta(hours=8))


def test_a_generated_report_downloads_from_the_reports_page(tab: Tab, live: LiveServer, tmp_path: Path) -> None:
    tab.login("city-440100")
    tab.go("/reports/")
    tab.page.select_option("#report-kind", "support_table")
    tab.page.fill("#report-period", datetime.now(CHINA).strftime("%Y-%m"))
    with tab.page.expect_navigation():
        tab.page.click("#generate-report button[type=submit]")
    link = tab.page.locator("#report-runs tr[data-status=done] a[href$='/download']").first
    link.wait_for(timeout=60_000)  # the page polls while the report is generated
    with tab.page.expect_download() as started:
        link.click()
    download = started.value
    assert download.failure() is None
    assert download.suggested_filename.startswith("技术支持表_440100_") and download.suggested_filename.endswith(".xlsx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert "技术支持表" in load_workbook(saved).sheetnames
    assert tab.errors == []


def test_an_xhtml_handler_in_a_stored_model_never_runs(tab: Tab, live: LiveServer) -> None:
    with live.sessions().begin() as session:
        model = store_hostile_model(session)
        model_id, version = model.id, model.version
    dialogs: list[str] = []

    def record(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    tab.page.on("dialog", record)
    tab.login("admin")
    tab.go(f"/admin/processes/anomaly_closure?version={version}")
    tab.page.wait_for_selector("#diagram[data-rendered=true]")  # the viewer still reads the XML it fetches
    with tab.page.expect_download() as started:
        _open_ignoring_download(tab, f"/admin/processes/models/{model_id}.bpmn")
    assert started.value.suggested_filename == f"anomaly_closure-v{version}.bpmn"
    tab.page.wait_for_timeout(500)
    assert dialogs == [] and tab.page.title() != "pwned"


def _open_ignoring_download(tab: Tab, path: str) -> Any:
    """Navigate to a URL that answers with a download (Playwright reports that as a failed navigation)."""
    try:
        return tab.go(path)
    except Exception as error:  # noqa: BLE001 - "Download is starting" is the expected outcome
        assert "Download is starting" in str(error), error
        return None


def test_a_pdf_preview_shows_the_attachment_in_the_dialog(tab: Tab, live: LiveServer, tmp_path: Path) -> None:
    """Evidence is sent as an attachment, so the preview shows the PDF from its fetched bytes, not a download."""
    instance_id = start_exceedance(live, "preview-1")
    pdf = tmp_path / "检修记录.html"  # a PDF under a misleading name: shown and sent as a PDF
    pdf.write_bytes(PDF)
    downloads: list[Any] = []
    tab.page.on("download", lambda download: downloads.append(download))
    tab.login(ENTERPRISE.credit_code)
    open_step(tab, live, instance_id, "explain")
    tab.page.set_input_files(".evidence-input", str(pdf))
    tab.page.wait_for_selector('.evidence-item[data-id] input[name="evidence"]', state="attached")
    assert tab.page.locator(".evidence-item .name").first.inner_text() == "检修记录.pdf"
    tab.page.click(".evidence-item a.preview")
    frame = tab.page.wait_for_selector("#preview-body iframe[src^='blob:']")
    assert frame is not None and downloads == []
    assert tab.errors == []
