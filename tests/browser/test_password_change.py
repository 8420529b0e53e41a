"""修改密码 in Chromium (#24 item 3): the policy on the page, a refused weak password, then the old one refused."""

from __future__ import annotations

from engine.actors import Role
from engine.identity import local_users as users
from tests.browser.conftest import LiveServer, Tab

NEW = "Qingshan&Lvshui9"


def test_local_account_changes_its_password_in_the_browser(tab: Tab, live: LiveServer) -> None:
    with live.sessions().begin() as session:
        users.create(session, "pw-browser", "Huanbao#2026", [Role.CITY_REVIEWER], region_code="440100")
    tab.login("pw-browser", "Huanbao#2026")
    tab.page.click("#user-menu")
    with tab.page.expect_navigation():
        tab.page.click("text=修改密码")
    policy = tab.page.inner_text("#policy")
    assert "等保二级" in policy and "至少 8 位" in policy and "最近 5 次" in policy
    tab.page.fill("#current", "Huanbao#2026")
    tab.page.fill("#new", "Huanbao#2026")
    tab.page.fill("#repeated", "Huanbao#2026")
    with tab.page.expect_navigation():
        tab.page.click("form[action$='/account/password'] button[type=submit]")
    assert "最近 5 次" in tab.page.inner_text("form[action$='/account/password']")  # the current one: reuse
    tab.page.fill("#current", "Huanbao#2026")
    tab.page.fill("#new", NEW)
    tab.page.fill("#repeated", NEW)
    with tab.page.expect_navigation():
        tab.page.click("form[action$='/account/password'] button[type=submit]")
    assert "密码已修改" in tab.page.content()
    tab.logout()
    tab.login("pw-browser", "Huanbao#2026")
    assert "用户名或密码错误" in tab.page.inner_text("main")
    tab.login("pw-browser", NEW)
    assert "/login" not in tab.page.url
    scripts = [e for e in tab.errors if not e.startswith("Failed to load resource")]  # the 422 and 401 pages
    assert not scripts, scripts
