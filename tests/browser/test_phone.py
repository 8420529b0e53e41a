"""On a phone (390×844): the first invalid field gets focus after a refused submit; no page is wider than the screen."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import PHONE, LiveServer, Tab, open_tab
from tests.browser.test_closed_loop import ENTERPRISE, ready_step, start_exceedance

OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


@pytest.fixture
def phone(chromium: Any, live: LiveServer) -> Any:
    opened = open_tab(chromium, live, PHONE)
    yield opened
    opened.page.context.close()


def _fits(tab: Tab, path: str, ready: str) -> None:
    tab.go(path)
    tab.page.wait_for_selector(ready, state="attached")
    assert tab.page.evaluate(OVERFLOW) <= 0, f"{path} is wider than the screen"


def test_first_invalid_field_is_focused_and_in_view(phone: Tab, live: LiveServer) -> None:
    task = ready_step(live, start_exceedance(live, "phone-focus"))
    phone.login(ENTERPRISE.credit_code)
    phone.go(f"/tasks/{task.id}")
    with phone.page.expect_navigation():
        phone.page.locator("#task-form button[type=submit]:not(#save-draft)").first.click()
    first = phone.page.locator("#task-form .is-invalid").first
    first_id = first.get_attribute("id")
    focused = phone.page.evaluate("document.activeElement.id || document.activeElement.name")
    assert focused and (focused == first_id or focused.startswith(f"{first_id}-")), (focused, first_id)
    box = phone.page.evaluate("document.activeElement.getBoundingClientRect().toJSON()")
    assert 0 <= box["top"] and box["bottom"] <= PHONE["height"], "the focused field is on the screen"
    assert [e for e in phone.errors if "422" not in e] == []  # the refused submit's own status is logged


def test_pages_fit_the_phone_width(phone: Tab, live: LiveServer) -> None:
    task = ready_step(live, start_exceedance(live, "phone-width"))
    phone.login(ENTERPRISE.credit_code)
    _fits(phone, "/portal/", "#submissions")
    _fits(phone, "/portal/evidence", "#library")
    _fits(phone, f"/tasks/{task.id}", "#task-form")
    _fits(phone, "/tasks/", "#task-table")
    phone.logout()
    phone.login("county-440106")
    _fits(phone, "/tasks/", "#task-table")
    assert phone.errors == []


def test_task_list_is_cards_with_readable_titles(phone: Tab) -> None:
    phone.login("county-440106")
    phone.go("/tasks/")
    phone.page.wait_for_selector("#task-table")
    assert phone.page.locator("#task-table thead").is_hidden()
    title = phone.page.locator("#task-table a.subject").first
    box = title.bounding_box()
    assert box["width"] >= 200, "the title takes the card's width, not a two-character column"
    assert phone.page.evaluate(OVERFLOW) <= 0
