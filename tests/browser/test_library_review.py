"""In Chromium: an editor drafts a chemical, the province returns it with remarks, the editor fixes it, it is published."""

from __future__ import annotations

from tests.browser.conftest import LiveServer, Tab


def review(tab: Tab, entry_url: str, decision: str, remarks: str = "") -> None:
    tab.login("province")
    tab.go(entry_url)
    with tab.page.expect_navigation():
        tab.page.click("#open-review")
    tab.page.wait_for_selector("#task-form")
    if remarks:
        tab.page.fill("#f-remarks", remarks)
    with tab.page.expect_navigation():
        tab.page.click(f'button[data-outcome="{decision}"]')
    assert tab.page.locator(".alert-success").count() >= 1, tab.page.content()
    tab.logout()


def test_draft_to_published_version(tab: Tab, live: LiveServer) -> None:
    tab.login("admin")
    tab.go("/emergency/chemical")
    with tab.page.expect_navigation():
        tab.page.click("#new-entry")
    tab.page.fill("#f-name_zh", "二氯甲烷")
    tab.page.fill("#f-cas", "75-09-2")
    tab.page.fill("#f-source", "浏览器测试")
    with tab.page.expect_navigation():
        tab.page.click("#save-draft")
    entry_url = tab.page.url.removeprefix(live.url)
    assert "草稿" in tab.page.inner_text(".page-head")
    with tab.page.expect_navigation():
        tab.page.click("#submit-entry button")
    assert "审核中" in tab.page.inner_text(".page-head")
    tab.logout()

    review(tab, entry_url, "return", "请补充英文名称")
    tab.login("admin")
    tab.go(entry_url)
    assert "请补充英文名称" in tab.page.inner_text("#review-remarks")
    with tab.page.expect_navigation():
        tab.page.click("#edit-entry")
    tab.page.fill("#f-name_en", "dichloromethane")
    with tab.page.expect_navigation():
        tab.page.click("#save-draft")
    with tab.page.expect_navigation():
        tab.page.click("#submit-entry button")
    tab.logout()

    review(tab, entry_url, "publish")
    tab.login("county-440106")
    tab.go(entry_url)
    assert "dichloromethane" in tab.page.inner_text("#entry-fields")
    assert "已发布" in tab.page.inner_text("#version-history")
    tab.go("/emergency/search?q=75-09-2")
    assert "二氯甲烷" in tab.page.inner_text("#search-results")
    assert tab.errors == []
