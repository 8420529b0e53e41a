"""An administrator changes a deadline on the configuration page; the next task created gets it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.browser.conftest import LiveServer, Tab
from tests.browser.test_closed_loop import ENTERPRISE, open_step, ready_step, start_exceedance

DUE = re.compile(r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2})")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def explain_and_read_review_due(tab: Tab, live: LiveServer, key: str) -> datetime:
    """The enterprise explains a new case; the county reviewer reads the review step's deadline on its page."""
    instance_id = start_exceedance(live, key)
    tab.login(ENTERPRISE.credit_code)
    open_step(tab, live, instance_id, "explain")
    tab.page.select_option("#f-reason", "other")
    tab.page.fill("#f-description", "情况说明")
    with tab.page.expect_navigation():
        tab.page.click("#submit-task")
    tab.logout()
    tab.login("county-440106")
    open_step(tab, live, instance_id, "county_review")
    facts = tab.page.inner_text("#case-facts")
    tab.logout()
    shown = datetime.strptime(DUE.findall(facts)[-1], "%Y-%m-%d %H:%M")
    stored = ready_step(live, instance_id).due_at
    assert stored is not None and stored.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") == f"{shown:%Y-%m-%d %H:%M}", facts
    return shown


def test_a_changed_review_deadline_applies_to_the_next_task(tab: Tab, live: LiveServer) -> None:
    before = explain_and_read_review_due(tab, live, "deadline-before")
    tab.login("admin")
    tab.go("/admin/config/anomaly_closure")
    tab.page.fill("#c-review_workdays", "15")
    with tab.page.expect_navigation():
        tab.page.click("#config-form button.btn-primary")
    assert "15" in tab.page.input_value("#c-review_workdays")
    tab.logout()
    after = explain_and_read_review_due(tab, live, "deadline-after")
    # 15 instead of 5 working days: at least two more calendar weeks
    assert after - before >= timedelta(days=14), (before, after)
    assert tab.errors == []
