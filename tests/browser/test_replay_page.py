"""In Chromium: an administrator edits a draft, replays it, watches it finish and activates it from the replay."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select

from engine.audit.models import AuditEvent
from engine.monitoring import rules
from engine.monitoring.models import MonitoringRule
from tests.browser.conftest import LiveServer, Tab
from tests.web.test_replay import ADMIN

CHINA = timezone(timedelta(hours=8))


def test_a_draft_is_replayed_and_activated_from_its_result(tab: Tab, live: LiveServer, tmp_path: Path) -> None:
    tab.login("admin")
    tab.go("/admin/rules/")
    with tab.page.expect_navigation():
        tab.page.click("#drafts-link")
    tab.page.fill("#new-draft input[name=name]", "恒值窗口缩短")
    with tab.page.expect_navigation():
        tab.page.click("#new-draft button")
    tab.page.fill("#constant\\.count", "3")
    tab.page.uncheck("#exceedance\\.enabled")
    with tab.page.expect_navigation():
        tab.page.click("#draft-form button")
    today = datetime.now(CHINA).date()
    tab.page.fill("#from", (today - timedelta(days=3)).isoformat())
    tab.page.fill("#to", today.isoformat())
    with tab.page.expect_navigation():
        tab.page.click("#replay-form button")
    tab.page.locator("#status[data-status=done]").wait_for(timeout=90_000)  # the page refreshes while it runs
    exceedance = tab.page.locator("#by-rule tr[data-rule=exceedance]")
    assert int(exceedance.locator("td.current").inner_text()) > 0
    assert exceedance.locator("td.draft").inner_text() == "0"
    assert tab.page.locator("#cases-no_longer_opened tbody tr details").count() > 0
    if os.environ.get("ECOLOOP_SCREENSHOTS"):
        tab.page.screenshot(path=os.environ["ECOLOOP_SCREENSHOTS"], full_page=True)
    with tab.page.expect_navigation():
        tab.page.click("#activate-form button")
    assert tab.page.url.endswith("/admin/rules/")
    with live.sessions()() as session:
        assert session.get(MonitoringRule, "constant").params["count"] == 3  # type: ignore[union-attr]
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "monitoring.rules_activate")).first()
    with live.sessions().begin() as session:  # the live rules back for the other browser tests
        for key in ("constant", "exceedance"):
            rules.update_rule(session, ADMIN, key, dict(rules.DEFAULTS[key]))
    assert tab.errors == []
