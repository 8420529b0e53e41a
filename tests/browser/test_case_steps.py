"""Every 详情 link on a case page opens the step read-only for a viewer in scope; others get a Chinese 404."""

from __future__ import annotations

from tests.browser.conftest import LiveServer, Tab
from tests.browser.test_closed_loop import start_exceedance
from tests.web import ui_support as ui


def test_a_city_reviewer_reads_every_step_of_a_case(tab: Tab, live: LiveServer) -> None:
    instance_id = start_exceedance(live, "steps-1")
    ui.walk_to(live.app, instance_id, "city_review")
    page = tab.page
    tab.login("city-440100")
    tab.go(f"/instances/{instance_id}")
    links = [page.locator("#steps a", has_text="详情").nth(i).get_attribute("href")
             for i in range(page.locator("#steps a", has_text="详情").count())]
    assert len(links) == 3, links  # explain, county_review (handled by others) and city_review
    for link, own in zip(links, (False, False, True)):
        response = tab.go(str(link))
        assert response.status == 200, link
        assert page.locator("#task-form").count() == (1 if own else 0), link
    explain = links[0]
    tab.go(str(explain))
    readonly = page.inner_text("#step-readonly")
    assert "仪表漂移，已重新标定" in readonly  # the enterprise's explanation, read-only
    assert page.locator("#task-form").count() == 0
    tab.logout()

    tab.login("county-440111")  # another county: outside the case's scope
    for link in links:
        response = tab.go(str(link))
        assert response.status in (403, 404), link
    assert "页面不存在" in page.inner_text("main") and "Not Found" not in page.inner_text("main")
    assert [e for e in tab.errors if "status of 404" not in e] == []
